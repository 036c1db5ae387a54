import O1ProxyCore

/// The two APIs the proxy speaks, to clients and to the upstream: chat completions and the
/// Responses API.
enum Endpoint: String, Sendable, CaseIterable {
    case chat, responses

    /// Under `/v1` on the proxy, and under the upstream base URL (which ends in `/v1`).
    var path: String {
        switch self {
        case .chat: "/chat/completions"
        case .responses: "/responses"
        }
    }
}

/// A request body that has passed validation, in the API the client spoke. Only the fields the
/// proxy acts on are typed; the whole object is kept so everything else is forwarded untouched.
struct ClientRequest: Equatable, Sendable {
    let endpoint: Endpoint
    let body: JSONObject
    let model: String
    /// The client asked for `text/event-stream`.
    let stream: Bool
    /// The client asked for a final usage chunk (chat's `stream_options.include_usage`; a
    /// Responses stream always ends with its usage).
    let includeUsage: Bool

    /// A chat completion: `model`, a non-empty `messages` of objects and no `input`.
    init(chat bytes: [UInt8]) throws(APIError) {
        let body = try Self.checked(bytes)
        guard let messages = body["messages"]?.array, !messages.isEmpty else {
            throw .badRequest("'messages' is required and must be a non-empty array of message objects.", param: "messages",
                              code: body["messages"] == nil ? "missing_required_parameter" : "invalid_type")
        }
        if let i = messages.firstIndex(where: { $0.object == nil }) {
            throw .badRequest("'messages[\(i)]' must be an object.", param: "messages[\(i)]", code: "invalid_type")
        }
        // A second conversation in the Responses API's name: no upstream takes both, and the
        // bridge would have to choose one of them.
        if body["input"] != nil {
            throw .badRequest("Unknown parameter: 'input'. A chat completion sends its conversation as 'messages'; "
                              + "'input' belongs to /v1/responses.", param: "input", code: "unknown_parameter")
        }
        self.init(.chat, body, includeUsage: body["stream_options"]?["include_usage"]?.bool ?? false)
    }

    /// A Responses API request: `model`, and an `input` that is text or a list of item objects
    /// when there is one (a request may continue a stored one with `previous_response_id`
    /// alone). The rest is the upstream's to judge.
    init(responses bytes: [UInt8]) throws(APIError) {
        let body = try Self.checked(bytes)
        switch body["input"] {
        case nil, .string?: break
        case .array(let items)?:
            if let i = items.firstIndex(where: { $0.object == nil }) {
                throw .badRequest("'input[\(i)]' must be an object.", param: "input[\(i)]", code: "invalid_type")
            }
        default:
            throw .badRequest("'input' must be a string or an array of input items.", param: "input", code: "invalid_type")
        }
        self.init(.responses, body, includeUsage: false)
    }

    private init(_ endpoint: Endpoint, _ body: JSONObject, includeUsage: Bool) {
        self.endpoint = endpoint
        self.body = body
        model = body["model"]?.string ?? ""
        stream = body["stream"]?.bool ?? false
        self.includeUsage = includeUsage
    }

    /// A JSON object with a non-empty `model` and, if any, a boolean `stream`: what both APIs
    /// need before anything else.
    private static func checked(_ bytes: [UInt8]) throws(APIError) -> JSONObject {
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
        switch body["stream"] {
        case nil, .null?, .bool?: return body
        default: throw .badRequest("'stream' must be a boolean.", param: "stream", code: "invalid_type")
        }
    }

    /// The request a preset makes of it: for the preset's model, with the preset's fields where
    /// the client sent none.
    func applying(_ preset: Preset) -> ClientRequest {
        ClientRequest(endpoint, preset.applied(to: body), includeUsage: includeUsage)
    }

    /// A chat request that offers tools or goes on from tool calls: a tool turn of an agent loop.
    var carriesTools: Bool {
        guard endpoint == .chat else { return false }
        if body["tools"]?.array?.isEmpty == false { return true }
        return body["messages"]?.array?.contains { $0["role"] == "tool" || $0["tool_calls"]?.array?.isEmpty == false } ?? false
    }

    /// Whether the upstream is called with `stream: true` once these fixes apply.
    func streamsUpstream(with fixes: [Fix]) -> Bool {
        stream && !fixes.contains(.fakeStream)
    }
}
