import O1ProxyCore

/// `GET /v1/models` as the proxy answers it: the upstream's list, with the operator's presets
/// added as models of their own (`owned_by: o1-proxy`).
enum ModelList {
    static func entry(_ name: String) -> JSONObject {
        ["id": .string(name), "object": "model", "created": 0, "owned_by": "o1-proxy"]
    }

    /// The upstream's list with `names` added after its own models (a name it already lists stays
    /// once); nil when the body is not a list, which then goes to the client as it came.
    static func adding(_ names: [String], to body: [UInt8]) -> [UInt8]? {
        guard var list = (try? JSON(parsing: body))?.object, case .array(var data)? = list["data"] else { return nil }
        var listed = Set(data.compactMap { $0["id"]?.string })
        for name in names where listed.insert(name).inserted {
            data.append(.object(entry(name)))
        }
        list["data"] = .array(data)
        return JSON.object(list).encoded()
    }
}
