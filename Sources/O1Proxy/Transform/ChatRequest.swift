import O1ProxyCore

/// A chat-completions request body that has passed validation. Only the fields the proxy acts on
/// are typed; the whole object is kept so everything else is forwarded untouched.
struct ChatRequest: Equatable, Sendable {
    let body: JSONObject
    let model: String
    /// The client asked for `text/event-stream`.
    let stream: Bool
    /// The client asked for a final usage chunk (`stream_options.include_usage`).
    let includeUsage: Bool

    init(parsing bytes: [UInt8]) throws(APIError) {
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
    func streamsUpstream(with fixes: [Fix]) -> Bool {
        stream && !fixes.contains(.fakeStream)
    }
}
