import O1ProxyCore

/// One upstream call as the exchange lives it: what the upstream, the clock and the client do
/// come in as events, and what to write to the client and whether the call is over come out.
/// Pure, like async-http-client's request state machine: each `State` holds what that moment of
/// the call needs and nothing else, every transition is a case of `handle` and unit-tested on
/// values, and `Exchange` does the I/O.
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
        /// The upstream's status and headers.
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
        /// Passed on to the client, which has everything it will get; with the reasoning to
        /// keep when a bridged stream completed.
        case relayed(ending: StreamEnding?, usage: Usage?, turn: KeptTurn?)
    }

    struct Step {
        var write: [UInt8] = []
        var outcome: Outcome?
    }

    struct Head {
        var status: Int
        var headers: HTTPFields
        var contentType: String?
    }

    enum State {
        /// Nothing from the upstream yet.
        case waiting
        /// Its head, and no body yet. Acted on only with the first body bytes: through a CONNECT
        /// proxy URLSession first reports the tunnel's own bare 200, then the real head.
        case headed(Head)
        /// A whole body being gathered for the exchange to judge.
        case collecting(Head, [UInt8])
        /// A 200 stream being translated for the client event by event.
        case streaming(Head, any StreamTranslator)
        /// Passed on to the client as it arrives.
        case relaying(Head)
        /// Over: the outcome was given or the failure thrown; later events change nothing.
        case done
    }

    private(set) var state = State.waiting
    private let delivery: Delivery
    private let keepAlive: KeepAlive?
    private let deadline: ContinuousClock.Instant
    private let timeout: APIError
    private var nextKeepalive: ContinuousClock.Instant
    /// When the client waits (for the deadline, a grace period or a keep-alive), whichever
    /// comes first.
    private(set) var nextWake: ContinuousClock.Instant

    init(delivery: Delivery, keepAlive: KeepAlive?, deadline: ContinuousClock.Instant, timeout: APIError) {
        self.delivery = delivery
        self.keepAlive = keepAlive
        self.deadline = deadline
        self.timeout = timeout
        nextKeepalive = keepAlive?.grace ?? deadline
        nextWake = min(deadline, nextKeepalive)
    }

    mutating func handle(_ event: Event, at now: ContinuousClock.Instant, reply: inout Reply) throws(APIError) -> Step {
        var step = Step()
        switch (state, event) {
        case (.done, _):
            return step
        case (.waiting, .head(let status, let headers, let contentType)), (.headed, .head(let status, let headers, let contentType)):
            state = .headed(Head(status: status, headers: headers, contentType: contentType))
        case (_, .head):
            break
        case (.waiting, .body):
            state = .done
            throw APIError.upstream("The upstream sent a body without a response head.")
        case (.headed(let head), .body(let bytes)):
            step = start(head, with: bytes, at: now, reply: &reply)
        case (.collecting(let head, var body), .body(let bytes)):
            state = .done  // the body's only reference is `body` while it grows
            body += bytes
            state = .collecting(head, body)
        case (.streaming(let head, var translator), .body(let bytes)):
            state = .done  // the translator's buffers are only `translator`'s while it is fed
            step = feed(&translator, bytes, head: head, at: now, reply: &reply)
        case (.relaying, .body(let bytes)):
            step.write = reply.chunk(bytes)
        case (.streaming(_, var translator), .finished(let failure)):
            // Cut, clean or not, before its final event: the client's stream says so in its API.
            state = .done
            step = end(&translator, failing: failure.map { self.failure($0, at: now) } ?? Self.cut, reply: &reply)
        case (.streaming(_, var translator), .tick) where now >= deadline:
            state = .done
            step = end(&translator, failing: timeout, reply: &reply)
        case (_, .finished(let failure?)):
            state = .done
            throw self.failure(failure, at: now)
        case (.waiting, .finished(nil)):
            state = .done
            throw APIError.upstream("The upstream sent no response.")
        case (.headed(let head), .finished(nil)):
            // A head and an empty body: a stream that ended before it began is as cut as any.
            if case .stream = delivery, head.status == 200 {
                state = .done
                throw Self.cut
            }
            step = start(head, with: [], at: now, reply: &reply)
            try finish(&step, reply: &reply)
        case (.collecting, .finished(nil)), (.relaying, .finished(nil)):
            try finish(&step, reply: &reply)
        case (_, .tick):
            if now >= deadline {
                state = .done
                throw timeout
            }
            if keepAlive != nil, now >= nextKeepalive {
                step.write = reply.state == .nothing ? reply.openEventStream() : reply.keepalive()
                nextKeepalive = now + (keepAlive?.every ?? .zero)
            }
        }
        let waiting = keepAlive != nil && (reply.state == .nothing || reply.state == .eventStream)
        nextWake = waiting ? min(deadline, nextKeepalive) : deadline
        return step
    }

    /// How a failure from outside the call (the proxy stopped) is told to the client, whatever it
    /// has had: inside a stream being translated, by the translator in the client's API, numbered
    /// after what went out; otherwise by the reply.
    mutating func fail(_ error: APIError, reply: inout Reply) -> [UInt8] {
        let before = state
        state = .done
        guard case .streaming(_, var translator) = before else { return reply.fail(error) }
        return end(&translator, failing: error, reply: &reply).write
    }

    /// A transport failure in the client's words; a timeout at the deadline is the deadline.
    private func failure(_ description: String, at now: ContinuousClock.Instant) -> APIError {
        now >= deadline ? timeout : APIError.upstream("The upstream call failed: \(description).")
    }

    /// The translated stream ends with `error` told in it: the client has all it will get.
    private func end(_ translator: inout any StreamTranslator, failing error: APIError, reply: inout Reply) -> Step {
        let event = translator.fail(error)
        return Step(write: reply.chunk(event) + reply.end(), outcome: .relayed(ending: translator.ending, usage: translator.usage, turn: nil))
    }

    /// The first body bytes decide what the head meant: a stream to translate, a relay, or a
    /// body to gather.
    private mutating func start(_ head: Head, with bytes: [UInt8], at now: ContinuousClock.Instant, reply: inout Reply) -> Step {
        switch delivery {
        case .stream(var translator) where head.status == 200:
            return feed(&translator, bytes, head: head, at: now, reply: &reply)
        case .raw:
            state = .relaying(head)
            return Step(write: reply.openRaw(status: head.status, headers: head.headers, contentType: head.contentType)
                + reply.chunk(bytes))
        case .collect, .stream:
            state = .collecting(head, bytes)
            return Step()
        }
    }

    /// Translates what arrived and sends it on; the translator's last event ends the call.
    private mutating func feed(_ translator: inout any StreamTranslator, _ bytes: [UInt8], head: Head,
                               at now: ContinuousClock.Instant, reply: inout Reply) -> Step {
        let events = translator.feed(bytes)
        var step = Step(write: reply.openEventStream(headers: head.headers))
        if !events.isEmpty {
            step.write += reply.chunk(events)
            nextKeepalive = now + (keepAlive?.every ?? .zero)
        }
        if let ending = translator.ending {
            step.write += reply.end()
            step.outcome = .relayed(ending: ending, usage: translator.usage, turn: ending == .completed ? translator.turn : nil)
            state = .done
        } else {
            state = .streaming(head, translator)
        }
        return step
    }

    /// The upstream ended its answer: what was gathered is the answer, a relay is complete, and
    /// a stream that had not sent its final event was cut.
    private mutating func finish(_ step: inout Step, reply: inout Reply) throws(APIError) {
        let before = state
        state = .done
        switch before {
        case .collecting(let head, let body):
            step.outcome = .answered(UpstreamAnswer(status: head.status, headers: head.headers, contentType: head.contentType,
                                                    body: body))
        case .relaying:
            step.write += reply.end()
            step.outcome = .relayed(ending: nil, usage: nil, turn: nil)
        default:
            throw Self.cut
        }
    }

    private static let cut = APIError.upstream("The upstream stream ended before its final event; the answer is incomplete.",
                                               code: "upstream_stream_cut")
}

/// What the upstream answered, whole.
struct UpstreamAnswer: Sendable {
    var status: Int
    var headers: HTTPFields
    var contentType: String?
    var body: [UInt8]
}
