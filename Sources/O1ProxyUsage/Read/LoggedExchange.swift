import O1ProxyCore

/// One exchange as the proxy logged it, read back from the journal or a logfmt line: only what
/// the report counts. Every field but the status may be missing: entries from older versions
/// lack `cached_tokens`, `service_tier` and `time`, and errors carry no token counts at all.
struct LoggedExchange: Equatable, Sendable {
    /// Microseconds since the epoch: the journal's `__REALTIME_TIMESTAMP` or the line's `time=`.
    var time: Int64?
    /// As the client named it: a preset's name, when there is `upstreamModel`.
    var model: String?
    /// The model a preset sent the request to, which is the one billed.
    var upstreamModel: String?
    /// The status the client was sent; 499 when it left before an answer.
    var status: Int
    var durationMS: Int?
    var upstreamMS: Int?
    /// Includes the cached and the cache-write tokens, as OpenAI counts them.
    var promptTokens: Int?
    var cachedTokens: Int?
    var cacheWriteTokens: Int?
    /// Includes the reasoning tokens, as OpenAI bills them.
    var completionTokens: Int?
    var reasoningTokens: Int?
    /// The tier the upstream says served the request; none from older versions.
    var serviceTier: String?
    /// Reasoning items of earlier turns sent back with this one.
    var reasoningReplayed: Int?
    /// The fixes learned from upstream rejections; each one cost a rejected round trip.
    var learned: [String] = []
    /// An error was logged: with a 2xx status, the stream broke after its head went out.
    var failed = false
    /// The client, `address:port`: how systemd's word of a crash finds the exchange.
    var peer: String?
    /// The instance that served it ended abnormally, and how (`signal: killed ABRT`): whatever
    /// the entry said, the client may have got nothing, or half.
    var crash: String?
    /// A value of the entry did not read (or journalctl would not show it): the exchange is
    /// counted without it, and the report says how many were.
    var unreadableFigure = false

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
