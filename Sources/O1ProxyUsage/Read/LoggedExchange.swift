import O1ProxyCore

/// One exchange as the proxy logged it, read back from the journal or a logfmt line: only what
/// the report counts. Every field but the status may be missing: entries from older versions
/// lack `cached_tokens` and `time`, and errors carry no token counts at all.
struct LoggedExchange: Equatable, Sendable {
    /// Microseconds since the epoch: the journal's `__REALTIME_TIMESTAMP` or the line's `time=`.
    var time: Int64?
    var model: String?
    /// The status the client was sent; 499 when it left before an answer.
    var status: Int
    var durationMS: Int?
    var upstreamMS: Int?
    var promptTokens: Int?
    var cachedTokens: Int?
    /// Includes the reasoning tokens, as OpenAI bills them.
    var completionTokens: Int?
    var reasoningTokens: Int?
    /// The fixes learned from upstream rejections; each one cost a rejected round trip.
    var learned: [String]
    /// An error was logged: with a 2xx status, the stream broke after its head went out.
    var failed: Bool
    /// The client, `address:port`: how systemd's word of a crash finds the exchange.
    var peer: String?
    /// The instance that served it ended abnormally, and how (`signal: killed ABRT`): whatever
    /// the entry said, the client may have got nothing, or half.
    var crash: String?

    init(time: Int64? = nil, model: String? = nil, status: Int, durationMS: Int? = nil, upstreamMS: Int? = nil,
                promptTokens: Int? = nil, cachedTokens: Int? = nil, completionTokens: Int? = nil,
                reasoningTokens: Int? = nil, learned: [String] = [], failed: Bool = false, peer: String? = nil,
                crash: String? = nil) {
        self.time = time
        self.model = model
        self.status = status
        self.durationMS = durationMS
        self.upstreamMS = upstreamMS
        self.promptTokens = promptTokens
        self.cachedTokens = cachedTokens
        self.completionTokens = completionTokens
        self.reasoningTokens = reasoningTokens
        self.learned = learned
        self.failed = failed
        self.peer = peer
        self.crash = crash
    }

    enum Outcome: Sendable {
        case ok, clientError, serverError, clientGone, streamFailed, crashed
    }

    /// The same split as the entry's journal priority: 5xx and broken streams are the
    /// operator's problem, 4xx and departures the client's.
    var outcome: Outcome {
        if crash != nil { return .crashed }
        switch status {
        case 499: return .clientGone
        case 500...: return .serverError
        case 400...: return .clientError
        default: return failed ? .streamFailed : .ok
        }
    }
}
