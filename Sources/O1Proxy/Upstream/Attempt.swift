import O1ProxyCore

/// One upstream call as the exchange lives it: what the upstream, the clock and the client do
/// come in as events, and what to write to the client and whether the call is over come out.
/// Pure, like async-http-client's request state machine, so every path (a stream opened early
/// and kept alive while the model thinks, an error after the head went out, a stream cut
/// short, a stream whose last event went out) is unit-tested on values; `Exchange` does the I/O.
struct Attempt {
    enum Delivery {
        /// The whole body is collected for the exchange to judge: an answer to send or fake a
        /// stream from, or a rejection to learn from.
        case collect
        /// A 200 is translated into the client's chat stream event by event as it arrives;
        /// anything else is collected.
        case stream(any StreamTranslator)
        /// Passed on as it arrives, whatever it is (the relay of other `/v1/` paths).
        case raw
    }

    /// How a client waiting for a stream is kept: the 200 and SSE head once `grace` has passed
    /// without an answer, then a comment `every` so often while nothing else is sent, so that
    /// neither it nor a front proxy gives up on a model that thinks for minutes.
    struct KeepAlive {
        var grace: ContinuousClock.Instant
        var every: Duration
    }

    enum Event {
        /// The upstream's status and headers. Only acted on with the first body bytes: through
        /// a CONNECT proxy URLSession first reports the tunnel's own bare 200.
        case head(status: Int, headers: HTTPFields, contentType: String?)
        case body([UInt8])
        /// The upstream call ended; `failure` says how, when it failed.
        case finished(failure: String?)
        /// `nextWake` came.
        case tick
    }

    enum Outcome {
        /// A whole answer (or rejection) for the exchange to judge; nothing was sent for it.
        case answered(UpstreamAnswer)
        /// Passed on to the client, which has everything it will get.
        case relayed(ending: StreamEnding?, usage: Usage?)
    }

    struct Step {
        var write: [UInt8] = []
        var outcome: Outcome?
    }

    private let delivery: Delivery
    /// The stream's translator, kept out of `delivery` and mutated where it lies: a copy taken
    /// out of the enum to feed shares its buffers, and every feed then copied the unfinished
    /// event, which is all of a 10 MB final event (measured: a 10 MB bridged stream took 2.5 s).
    private var translator: (any StreamTranslator)?
    private let keepAlive: KeepAlive?
    private let deadline: ContinuousClock.Instant
    private let timeout: APIError
    private var nextKeepalive: ContinuousClock.Instant
    private var head: (status: Int, headers: HTTPFields, contentType: String?)?
    private var collected: [UInt8] = []
    /// When the client waits (for the deadline, a grace period or a keep-alive), whichever
    /// comes first.
    private(set) var nextWake: ContinuousClock.Instant

    init(delivery: Delivery, keepAlive: KeepAlive?, deadline: ContinuousClock.Instant, timeout: APIError) {
        self.delivery = delivery
        if case .stream(let translator) = delivery { self.translator = translator }
        self.keepAlive = keepAlive
        self.deadline = deadline
        self.timeout = timeout
        nextKeepalive = keepAlive?.grace ?? deadline
        nextWake = min(deadline, nextKeepalive)
    }

    mutating func handle(_ event: Event, at now: ContinuousClock.Instant, reply: inout Reply) throws(APIError) -> Step {
        var step = Step()
        switch event {
        case .head(let status, let headers, let contentType):
            head = (status, headers, contentType)
        case .body(let bytes):
            step = receive(bytes, at: now, reply: &reply)
        case .finished(let failure?):
            // A transport timeout at the deadline is the deadline.
            throw now >= deadline ? timeout : APIError.upstream("The upstream call failed: \(failure).")
        case .finished(nil):
            step = try finish(reply: &reply)
        case .tick:
            if now >= deadline { throw timeout }
            if keepAlive != nil, now >= nextKeepalive {
                step.write = reply.state == .nothing ? reply.openEventStream() : reply.keepalive()
                nextKeepalive = now + (keepAlive?.every ?? .zero)
            }
        }
        let waiting = keepAlive != nil && (reply.state == .nothing || reply.state == .eventStream)
        nextWake = waiting ? min(deadline, nextKeepalive) : deadline
        return step
    }

    private mutating func receive(_ bytes: [UInt8], at now: ContinuousClock.Instant, reply: inout Reply) -> Step {
        let status = head?.status ?? 0
        switch delivery {
        case .stream where status == 200:
            let events = translator!.feed(bytes)
            var step = Step(write: reply.openEventStream(headers: head?.headers ?? []))
            if !events.isEmpty {
                step.write += reply.chunk(events)
                nextKeepalive = now + (keepAlive?.every ?? .zero)
            }
            if let ending = translator!.ending {
                step.write += reply.end()
                step.outcome = .relayed(ending: ending, usage: translator!.usage)
            }
            return step
        case .raw:
            return Step(write: reply.openRaw(status: status, headers: head?.headers ?? [], contentType: head?.contentType)
                + reply.chunk(bytes))
        case .collect, .stream:
            collected += bytes
            return Step()
        }
    }

    private mutating func finish(reply: inout Reply) throws(APIError) -> Step {
        guard let head else { throw APIError.upstream("The upstream sent no response.") }
        switch delivery {
        case .stream where head.status == 200:
            throw APIError.upstream("The upstream stream ended before its final event; the answer is incomplete.",
                                    code: "upstream_stream_cut")
        case .raw:
            let write = reply.openRaw(status: head.status, headers: head.headers, contentType: head.contentType) + reply.end()
            return Step(write: write, outcome: .relayed(ending: nil, usage: nil))
        case .collect, .stream:
            let answer = UpstreamAnswer(status: head.status, headers: head.headers, contentType: head.contentType, body: collected)
            return Step(outcome: .answered(answer))
        }
    }
}

/// What the upstream answered, whole.
struct UpstreamAnswer: Sendable {
    var status: Int
    var headers: HTTPFields
    var contentType: String?
    var body: [UInt8]
}
