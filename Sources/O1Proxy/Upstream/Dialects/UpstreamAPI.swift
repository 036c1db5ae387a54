import O1ProxyCore

/// The two upstream APIs a chat completion can be answered by. Everything that differs between
/// them (the request body, the whole answer, the event stream, where usage and completeness
/// come from) lives in their folders, `ChatCompletions/` and `Responses/`; this is the one place
/// that chooses, so the exchange reads the same for both.
enum UpstreamAPI: String, Sendable {
    case chat, responses

    /// Under the upstream base URL (which ends in `/v1`).
    var path: String {
        switch self {
        case .chat: "/chat/completions"
        case .responses: "/responses"
        }
    }

    /// The upstream request body for `request` once `fixes` apply.
    func body(for request: ChatRequest, fixes: [Fix], summary: ReasoningSummary) -> JSONObject {
        let streaming = request.streamsUpstream(with: fixes)
        switch self {
        case .chat: return ChatCompletions.body(for: request, fixes: fixes, streaming: streaming)
        case .responses: return Responses.body(for: request, fixes: fixes, streaming: streaming, summary: summary)
        }
    }

    /// A whole 200 answer as the `chat.completion` the client expects.
    func completion(from body: [UInt8], contentType: String?) throws(APIError) -> Completion {
        switch self {
        case .chat: try ChatCompletions.completion(from: body, contentType: contentType)
        case .responses: try Responses.completion(from: body, contentType: contentType)
        }
    }

    /// Turns the upstream's event stream into the chat stream the client asked for.
    func translator(for request: ChatRequest) -> any StreamTranslator {
        switch self {
        case .chat: ChatCompletions.StreamRelay(includeUsage: request.includeUsage)
        case .responses: Responses.StreamBridge(includeUsage: request.includeUsage)
        }
    }
}

/// A whole answer in chat completions' shape, and its usage for the journal.
struct Completion: Sendable {
    var object: JSONObject
    var usage: Usage?
    /// The upstream's own bytes when they already are that object (chat completions), so they
    /// are passed on as they came rather than re-encoded.
    var original: [UInt8]?

    var bytes: [UInt8] { original ?? JSON.object(object).encoded() }
}

/// Reads an upstream event stream and writes the chat completions stream a client reads: the
/// same events (chat completions), or their translation (Responses). Pure and incremental:
/// each delta goes out as soon as its event is whole.
protocol StreamTranslator {
    /// Upstream bytes in, however they were split; the chat events to send on, whole ones only.
    mutating func feed(_ bytes: [UInt8]) -> [UInt8]
    /// How the stream ended, once the event that ends it was among what `feed` returned: from
    /// then on nothing more is sent. `nil` while it is open; an upstream that stops before is a
    /// cut stream.
    var ending: StreamEnding? { get }
    var usage: Usage? { get }
}

enum StreamEnding: Equatable, Sendable {
    /// The final event (`data: [DONE]`) went out.
    case completed
    /// An error event went out instead; what it said.
    case failed(String)
}
