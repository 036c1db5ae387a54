/// A chat-completions request body that has passed validation. Only the fields the proxy acts on
/// are typed; the whole object is kept so everything else is forwarded untouched.
public struct ChatRequest: Equatable, Sendable {
    public let body: JSONObject
    public let model: String
    /// The client asked for `text/event-stream`.
    public let stream: Bool
    /// The client asked for a final usage chunk (`stream_options.include_usage`).
    public let includeUsage: Bool

    public init(parsing bytes: [UInt8]) throws(APIError) {
        let document: JSON
        do {
            document = try JSON(parsing: bytes)
        } catch {
            throw .badRequest("The request body is not valid JSON: \(error.reason) at byte \(error.offset).", code: "invalid_json")
        }
        guard let body = document.object else {
            throw .badRequest("The request body must be a JSON object.", code: "invalid_json")
        }
        guard let model = body["model"]?.string, !model.isEmpty else {
            throw .badRequest("'model' is required and must be a non-empty string.", param: "model",
                              code: body["model"] == nil ? "missing_required_parameter" : "invalid_type")
        }
        guard let messages = body["messages"]?.array, !messages.isEmpty else {
            throw .badRequest("'messages' is required and must be a non-empty array of message objects.", param: "messages",
                              code: body["messages"] == nil ? "missing_required_parameter" : "invalid_type")
        }
        if let i = messages.firstIndex(where: { $0.object == nil }) {
            throw .badRequest("'messages[\(i)]' must be an object.", param: "messages[\(i)]", code: "invalid_type")
        }
        switch body["stream"] {
        case nil, .null?, .bool?: break
        default: throw .badRequest("'stream' must be a boolean.", param: "stream", code: "invalid_type")
        }
        self.body = body
        self.model = model
        self.stream = body["stream"]?.bool ?? false
        self.includeUsage = body["stream_options"]?["include_usage"]?.bool ?? false
    }

    /// Whether the upstream is called with `stream: true` once these fixes apply.
    public func streamsUpstream(with fixes: [Fix]) -> Bool {
        stream && !fixes.contains(.fakeStream)
    }

    /// The body to send upstream. `model` and `messages` are never dropped or renamed: without
    /// them there is no request left to fix.
    public func upstreamBody(applying fixes: [Fix]) -> JSONObject {
        var body = self.body
        for fix in fixes {
            switch fix {
            case .drop(let key) where key != "model" && key != "messages":
                body[key] = nil
            case .rename(let from, let to) where ![from, to].contains("model") && ![from, to].contains("messages"):
                if let value = body[from], body[to] == nil { body[to] = value }
                body[from] = nil
            case .mapRole(let from, let to):
                body["messages"] = body["messages"].map(Self.mapRole(from, to))
            case .drop, .rename, .fakeStream:
                break
            }
        }
        if !streamsUpstream(with: fixes) {
            if body["stream"] == .bool(true) { body["stream"] = nil }
            body["stream_options"] = nil
        }
        return body
    }

    private static func mapRole(_ from: String, _ to: String) -> (JSON) -> JSON {
        { messages in
            guard case .array(var list) = messages else { return messages }
            for i in list.indices {
                if case .object(var message) = list[i], message["role"]?.string == from {
                    message["role"] = .string(to)
                    list[i] = .object(message)
                }
            }
            return .array(list)
        }
    }
}
