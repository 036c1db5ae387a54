import O1ProxyCore

/// One change the proxy makes so that a model accepts a chat request. A rule is a list of
/// fixes, and so is what the proxy learns from an upstream rejection: both go through the same
/// `applied(to:)`, so a learned fix behaves exactly like a written rule. Every fix only ever
/// removes, renames, maps a value along its scale, or re-routes what the client sent; none adds
/// to it.
enum Fix: Hashable, Sendable, CustomStringConvertible {
    /// Remove an optional parameter: a top-level key, or a dotted path into the body the
    /// upstream saw (`reasoning.summary` on the Responses API).
    case drop(String)
    /// Move a parameter to a new name, unless the client already set the new one.
    case rename(String, to: String)
    /// Give every message (chat) or input item (Responses) with this role another role; content
    /// and order stay as they were.
    case mapRole(String, to: String)
    /// Call the model without streaming and fake the stream the client asked for.
    case fakeStream
    /// Answer the chat request through `POST /v1/responses` (models served only there).
    case useResponses
    /// Which API answers a chat request that carries tools or tool calls: the Responses API
    /// keeps a reasoning model's reasoning across tool turns (and newer models refuse tools with
    /// reasoning on chat); chat, where the Responses API is not offered. The last one wins.
    case tools(Endpoint)
    /// Send `to` where the client sent `from` for a parameter on an ordered scale (a dotted path
    /// into the body the upstream saw, as for `drop`): the nearest value the model takes, never
    /// a dropped parameter, whose default may cost more.
    case mapValue(String, from: String, to: String)
    /// Answer through `POST /v1/responses` a request whose parameter has this value: a value
    /// only the Responses API takes (`reasoning_effort: max`).
    case responsesFor(String, value: String)

    var description: String {
        switch self {
        case .drop(let key): "drop:\(key)"
        case .rename(let from, let to): "rename:\(from)->\(to)"
        case .mapRole(let from, let to): "role:\(from)->\(to)"
        case .fakeStream: "stream:faked"
        case .useResponses: "api:responses"
        case .tools(let api): "tools:\(api.rawValue)"
        case .mapValue(let path, let from, let to): "value:\(path)=\(from)->\(to)"
        case .responsesFor(let path, let value): "api:responses:\(path)=\(value)"
        }
    }

    /// The inverse of `description`, for the learned-state file.
    init?(_ text: some StringProtocol) {
        let text = String(text)
        func pair(_ prefix: String) -> (String, String)? {
            guard text.hasPrefix(prefix) else { return nil }
            let parts = text.dropFirst(prefix.count).split(separator: "->", maxSplits: 1, omittingEmptySubsequences: false)
                .map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
            return (parts[0], parts[1])
        }
        func valued(_ prefix: String) -> (path: String, value: String)? {
            guard text.hasPrefix(prefix) else { return nil }
            let parts = text.dropFirst(prefix.count).split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
            return (parts[0], parts[1])
        }
        if let (path, value) = valued("api:responses:") {
            self = .responsesFor(path, value: value)
            return
        }
        if let (path, change) = valued("value:") {
            let values = change.split(separator: "->", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard values.count == 2, !values[0].isEmpty, !values[1].isEmpty else { return nil }
            self = .mapValue(path, from: values[0], to: values[1])
            return
        }
        switch text {
        case "stream:faked": self = .fakeStream
        case "api:responses": self = .useResponses
        case "tools:chat": self = .tools(.chat)
        case "tools:responses": self = .tools(.responses)
        case _ where text.hasPrefix("drop:") && text.count > 5: self = .drop(String(text.dropFirst(5)))
        default:
            if let (from, to) = pair("rename:") {
                self = .rename(from, to: to)
            } else if let (from, to) = pair("role:") {
                self = .mapRole(from, to: to)
            } else {
                return nil
            }
        }
    }
}

/// Keys without which there is no request left to fix: never dropped or renamed.
let essentialKeys: Set<String> = ["model", "messages", "input"]

extension Array where Element == Fix {
    /// The API for tool turns, when a fix says: the last one, so that what was learned overrides
    /// the rule.
    var toolTurns: Endpoint? {
        lazy.reversed().compactMap { if case .tools(let api) = $0 { api } else { nil } }.first
    }

    /// `body` with every drop, rename and role mapping applied, in order. Applying them again
    /// changes nothing, so they can run on the chat body and again on its translation.
    func applied(to body: JSONObject) -> JSONObject {
        var body = body
        for fix in self {
            switch fix {
            case .drop(let path) where !essentialKeys.contains(path):
                body.remove(path: path)
            case .rename(let from, let to) where !essentialKeys.contains(from) && !essentialKeys.contains(to):
                if let value = body[from], body[to] == nil { body[to] = value }
                body[from] = nil
            case .mapRole(let from, let to):
                body["messages"] = body["messages"].map { mapRole(from, to, in: $0) }
                body["input"] = body["input"].map { mapRole(from, to, in: $0) }
            case .mapValue(let path, let from, let to):
                if body.value(at: path) == .string(from) { body.set(.string(to), at: path) }
            case .drop, .rename, .fakeStream, .useResponses, .tools, .responsesFor:
                break
            }
        }
        return body
    }
}

private func mapRole(_ from: String, _ to: String, in messages: JSON) -> JSON {
    guard case .array(var list) = messages else { return messages }
    for i in list.indices {
        if case .object(var message) = list[i], message["role"]?.string == from {
            message["role"] = .string(to)
            list[i] = .object(message)
        }
    }
    return .array(list)
}

extension JSONObject {
    /// Removes a top-level key, or else the dotted path into nested objects, and a parent
    /// object left empty by it (`reasoning: {}` means nothing an upstream needs).
    mutating func remove(path: String) {
        if self[path] != nil {
            self[path] = nil
            return
        }
        let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, case .object(var child)? = self[parts[0]] else { return }
        child.remove(path: parts[1])
        self[parts[0]] = child.fields.isEmpty ? nil : .object(child)
    }

    /// Replaces the value at a top-level key, or else at a dotted path into nested objects, where
    /// there is one.
    mutating func set(_ value: JSON, at path: String) {
        if self[path] != nil {
            self[path] = value
            return
        }
        let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, case .object(var child)? = self[parts[0]] else { return }
        child.set(value, at: parts[1])
        self[parts[0]] = .object(child)
    }

    /// The value at a top-level key, or else at a dotted path into nested objects.
    func value(at path: String) -> JSON? {
        if let value = self[path] { return value }
        let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        return self[parts[0]]?.object?.value(at: parts[1])
    }
}
