import O1ProxyCore

/// The way a request goes: the API the client speaks, and the one the upstream answers in. There
/// are three: chat completions relayed, chat completions bridged to the Responses API, and a
/// client's own Responses request relayed. Everything that differs between the two APIs (the
/// request body, the whole answer, the event stream, a faked stream, where usage and
/// completeness come from) lives in their folders, `ChatCompletions/` and `Responses/`; this is
/// the one place that chooses, so the exchange reads the same for all three.
struct Route: Equatable, Sendable {
    let client: Endpoint
    let upstream: Endpoint

    /// A Responses client is always answered by the Responses API: the proxy never translates a
    /// Responses request into chat completions.
    init(client: Endpoint, bridged: Bool) {
        self.client = client
        upstream = client == .responses || bridged ? .responses : .chat
    }

    /// The upstream request body for `request` once `fixes` apply.
    func body(for request: ClientRequest, fixes: [Fix], summary: ReasoningSummary, continuity: Continuity = Continuity()) -> JSONObject {
        let streaming = request.streamsUpstream(with: fixes)
        switch (client, upstream) {
        case (.chat, .chat): return ChatCompletions.body(for: request, fixes: fixes, streaming: streaming)
        case (.chat, .responses):
            return Responses.body(for: request, fixes: fixes, streaming: streaming, summary: summary, continuity: continuity)
        case (.responses, _): return Responses.relayBody(for: request, fixes: fixes, streaming: streaming, summary: summary)
        }
    }

    /// A whole 200 answer as the client's API has it.
    func completion(from body: [UInt8], contentType: String?) throws(APIError) -> Completion {
        switch (client, upstream) {
        case (.chat, .chat): try ChatCompletions.completion(from: body, contentType: contentType)
        case (.chat, .responses): try Responses.completion(from: body, contentType: contentType)
        case (.responses, _): try Responses.relayedCompletion(from: body, contentType: contentType)
        }
    }

    /// Turns the upstream's event stream into the stream the client asked for.
    func translator(for request: ClientRequest) -> any StreamTranslator {
        switch (client, upstream) {
        case (.chat, .chat): ChatCompletions.StreamRelay(includeUsage: request.includeUsage)
        case (.chat, .responses): Responses.StreamBridge(includeUsage: request.includeUsage)
        case (.responses, _): Responses.StreamRelay()
        }
    }

    /// The stream a client asked for, made from a whole answer the upstream could not stream.
    func fakeStream(_ completion: Completion, for request: ClientRequest) -> [UInt8] {
        switch client {
        case .chat: ChatCompletions.fakeStream(completion.object, includeUsage: request.includeUsage)
        case .responses: Responses.fakeStream(completion.object)
        }
    }
}

extension Endpoint {
    /// How an error is told once a 200 and the stream head have gone out, in this API's stream:
    /// numbered after the `sequenceNumber` events already sent, where the API numbers them.
    func errorEvent(_ error: APIError, sequenceNumber: Int) -> [UInt8] {
        switch self {
        case .chat: SSE.errorEvent(error)
        case .responses: Responses.errorEvent(error, sequenceNumber: sequenceNumber)
        }
    }
}

/// A whole answer in the client's API, and its usage for the journal.
struct Completion: Sendable {
    var object: JSONObject
    var usage: Usage?
    /// The upstream's own bytes when they already are that object (a relayed answer), so they
    /// are passed on as they came rather than re-encoded.
    var original: [UInt8]?
    /// Bridged: the reasoning to keep for the next turn.
    var turn: KeptTurn?

    var bytes: [UInt8] { original ?? JSON.object(object).encoded() }
}

/// Reads an upstream event stream and writes the stream the client reads: the same events (a
/// relay), or their translation (the bridge). Pure and incremental: each delta goes out as soon
/// as its event is whole.
protocol StreamTranslator {
    /// Upstream bytes in, however they were split; the events to send on, whole ones only.
    mutating func feed(_ bytes: [UInt8]) -> [UInt8]
    /// The error event that ends the client's stream now (the upstream cut it, the deadline
    /// passed, the proxy is stopped), in the client's API; from then on nothing more is sent.
    mutating func fail(_ error: APIError) -> [UInt8]
    /// How the stream ended, once the event that ends it was among what `feed` or `fail`
    /// returned. `nil` while it is open; an upstream that stops before is a cut stream.
    var ending: StreamEnding? { get }
    var usage: Usage? { get }
    /// Bridged: the reasoning to keep for the next turn, once the answer is complete.
    var turn: KeptTurn? { get }
}

extension StreamTranslator {
    var turn: KeptTurn? { nil }
}

enum StreamEnding: Equatable, Sendable {
    /// The final event went out.
    case completed
    /// An error event went out instead; what it said.
    case failed(String)
}
