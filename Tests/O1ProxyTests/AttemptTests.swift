import Testing
@testable import O1ProxyCore
@testable import O1Proxy

private let t0 = ContinuousClock.now
private func at(_ seconds: Double) -> ContinuousClock.Instant { t0 + .seconds(seconds) }
private let timeout = APIError.upstreamTimeout(after: .seconds(60))
private let chunks = #"data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}"# + "\n\n"
private let done = "data: [DONE]\n\n"

/// Drives an attempt with events at given times and keeps what it wrote and decided.
private struct Driver {
    var attempt: Attempt
    var reply = Reply()
    var written: [UInt8] = []
    var outcome: Attempt.Outcome?

    init(_ delivery: Attempt.Delivery, keepAlive: Attempt.KeepAlive? = nil, deadline: Double = 60) {
        attempt = Attempt(delivery: delivery, keepAlive: keepAlive, deadline: at(deadline), timeout: timeout)
    }

    mutating func send(_ event: Attempt.Event, at seconds: Double = 0) throws(APIError) {
        let step = try attempt.handle(event, at: at(seconds), reply: &reply)
        written += step.write
        if let outcome = step.outcome {
            #expect(self.outcome == nil, "a second outcome")
            self.outcome = outcome
        }
    }

    /// What the client got after the head, de-chunked.
    var body: String {
        let all = text(written)
        guard let start = all.range(of: "\r\n\r\n") else { return "" }
        var rest = Substring(all[start.upperBound...])
        var out = ""
        while let line = rest.range(of: "\r\n") {
            guard let size = Int(rest[..<line.lowerBound], radix: 16), size > 0 else { break }
            let from = rest.utf8.index(line.upperBound, offsetBy: 0)
            let chunk = rest[from...].utf8.prefix(size)
            out += String(decoding: chunk, as: UTF8.self)
            rest = rest[rest.utf8.index(from, offsetBy: size + 2)...]
        }
        return out
    }

    var finished: Bool { text(written).hasSuffix("0\r\n\r\n") }
}

private let head200 = Attempt.Event.head(status: 200, headers: [("x-request-id", "req_1")], contentType: "text/event-stream")

@Suite struct AttemptTests {
    @Test func collectsAWholeAnswer() throws {
        var driver = Driver(.collect)
        try driver.send(.head(status: 200, headers: [("x-request-id", "r")], contentType: "application/json"))
        try driver.send(.body(bytes("{\"a\":")))
        try driver.send(.body(bytes("1}")))
        #expect(driver.outcome == nil)
        try driver.send(.finished(failure: nil))
        guard case .answered(let answer)? = driver.outcome else { Issue.record("no answer"); return }
        #expect(answer.status == 200)
        #expect(text(answer.body) == #"{"a":1}"#)
        #expect(answer.headers["X-Request-Id"] == "r")
        #expect(answer.contentType == "application/json")
        #expect(driver.written.isEmpty)
    }

    /// The last event and the closing chunk go out together: a client that hangs up right after
    /// `[DONE]` has had the whole answer, and the exchange is over.
    @Test func aStreamEndsWithItsLastEvent() throws {
        var driver = Driver(.stream(ChatCompletions.StreamRelay(includeUsage: true)))
        try driver.send(head200)
        #expect(driver.written.isEmpty, "nothing before the first body bytes (a CONNECT tunnel's 200 looks the same)")
        try driver.send(.body(bytes(chunks)))
        #expect(text(driver.written).hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(text(driver.written).contains("x-request-id: req_1\r\n"))
        #expect(driver.outcome == nil)
        try driver.send(.body(bytes(done)))
        #expect(driver.finished)
        #expect(driver.body == chunks + done)
        guard case .relayed(let ending, _, _)? = driver.outcome else { Issue.record("not relayed"); return }
        #expect(ending == .completed)
    }

    /// Cut after events went out: the client's stream ends with the error told in it, in its
    /// API, and the proper end of the chunked body (the cut is the upstream's, not the client's).
    @Test func aStreamThatStopsBeforeItsLastEventIsCut() throws {
        let cut = APIError.upstream("The upstream stream ended before its final event; the answer is incomplete.",
                                    code: "upstream_stream_cut")
        var driver = Driver(.stream(ChatCompletions.StreamRelay(includeUsage: true)))
        try driver.send(head200)
        try driver.send(.body(bytes(chunks)))
        try driver.send(.finished(failure: nil))
        #expect(driver.body == chunks + text(SSE.errorEvent(cut)))
        #expect(driver.finished)
        guard case .relayed(.failed(cut.message)?, _, _)? = driver.outcome else { Issue.record("\(String(describing: driver.outcome))"); return }
    }

    /// A transport failure or the deadline while streaming: told the same way.
    @Test func aStreamThatFailsOrRunsOutOfTimeEndsWithTheError() throws {
        var failed = Driver(.stream(Responses.StreamRelay()))
        try failed.send(head200)
        try failed.send(.body(bytes("event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0}\n\n")))
        try failed.send(.finished(failure: "the connection to the upstream was lost mid-answer"))
        #expect(failed.body.hasSuffix(#"{"type":"error","code":"upstream_error","message":"The upstream call failed: the connection to the upstream was lost mid-answer.","param":null,"sequence_number":1}"# + "\n\n"))
        #expect(failed.finished)

        var late = Driver(.stream(ChatCompletions.StreamRelay(includeUsage: false)), deadline: 30)
        try late.send(head200)
        try late.send(.body(bytes(chunks)))
        try late.send(.tick, at: 30)
        #expect(late.body == chunks + text(SSE.errorEvent(timeout)))
        guard case .relayed(.failed?, _, _)? = late.outcome else { Issue.record("no outcome"); return }
    }

    @Test func aTransportFailureIsAnUpstreamError() throws {
        var driver = Driver(.stream(ChatCompletions.StreamRelay(includeUsage: true)))
        try driver.send(head200)
        #expect(throws: APIError.upstream("The upstream call failed: the upstream connection was lost mid-answer.")) {
            try driver.send(.finished(failure: "the upstream connection was lost mid-answer"))
        }
    }

    /// URLSession may give up at the same moment as the exchange's own clock: that is the
    /// deadline's 504 (not retried by SDKs), never a 502 (retried).
    @Test func aTransportTimeoutAtTheDeadlineIsTheDeadline() throws {
        var driver = Driver(.collect, deadline: 30)
        #expect(throws: timeout) { try driver.send(.finished(failure: "the upstream stopped sending"), at: 30) }
    }

    @Test func aRejectedStreamIsCollectedForTheExchangeToJudge() throws {
        var driver = Driver(.stream(ChatCompletions.StreamRelay(includeUsage: true)))
        try driver.send(.head(status: 400, headers: [], contentType: "application/json"))
        try driver.send(.body(bytes(#"{"error":{"param":"stream"}}"#)))
        try driver.send(.finished(failure: nil))
        guard case .answered(let answer)? = driver.outcome else { Issue.record("not collected"); return }
        #expect(answer.status == 400)
        #expect(driver.written.isEmpty)
    }

    @Test func noResponseAtAll() {
        var driver = Driver(.collect)
        #expect(throws: APIError.upstream("The upstream sent no response.")) { try driver.send(.finished(failure: nil)) }
    }

    @Test func theDeadlineEndsTheWait() throws {
        var driver = Driver(.collect, deadline: 30)
        #expect(driver.attempt.nextWake == at(30))
        try driver.send(.tick, at: 29.9)
        #expect(throws: timeout) { try driver.send(.tick, at: 30) }
    }

    /// A client waiting for a stream gets the head once the grace period is over and a comment
    /// every keep-alive interval while the model says nothing; real events push the next one back.
    @Test func keepAliveWhileTheModelThinks() throws {
        var driver = Driver(.stream(ChatCompletions.StreamRelay(includeUsage: true)),
                            keepAlive: .init(grace: at(3), every: .seconds(15)))
        #expect(driver.attempt.nextWake == at(3))
        try driver.send(.tick, at: 3)
        #expect(text(driver.written).hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(text(driver.written).contains("Content-Type: text/event-stream; charset=utf-8\r\n"))
        #expect(driver.attempt.nextWake == at(18))
        try driver.send(.tick, at: 18)
        #expect(driver.body == ": keepalive\n\n")
        #expect(driver.attempt.nextWake == at(33))
        try driver.send(head200, at: 20)
        try driver.send(.body(bytes(chunks)), at: 20)
        #expect(driver.attempt.nextWake == at(35))
        #expect(driver.body == ": keepalive\n\n" + chunks)
        try driver.send(.body(bytes(done)), at: 21)
        #expect(driver.finished)
    }

    @Test func keepAliveAlsoWhileAWholeAnswerIsCollected() throws {
        var driver = Driver(.collect, keepAlive: .init(grace: at(3), every: .seconds(15)))
        try driver.send(.tick, at: 3)
        try driver.send(.tick, at: 18)
        try driver.send(.head(status: 200, headers: [], contentType: "application/json"), at: 19)
        try driver.send(.body(bytes("{}")), at: 19)
        try driver.send(.finished(failure: nil), at: 19)
        #expect(driver.body == ": keepalive\n\n")
        #expect(!driver.finished, "the exchange still has the answer to send")
        guard case .answered? = driver.outcome else { Issue.record("not collected"); return }
    }

    @Test func noKeepAliveWithoutAStream() throws {
        var driver = Driver(.collect, deadline: 10)
        #expect(driver.attempt.nextWake == at(10))
        try driver.send(.tick, at: 5)
        #expect(driver.written.isEmpty)
    }

    @Test func rawRelayPassesEverythingOn() throws {
        var driver = Driver(.raw)
        try driver.send(.head(status: 404, headers: [("x-request-id", "r")], contentType: "application/json"))
        #expect(driver.written.isEmpty)
        try driver.send(.body(bytes("{\"error\":")))
        #expect(text(driver.written).hasPrefix("HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nx-request-id: r\r\n"))
        try driver.send(.body(bytes("{}}")))
        try driver.send(.finished(failure: nil))
        #expect(driver.body == #"{"error":{}}"#)
        #expect(driver.finished)
        guard case .relayed(nil, nil, nil)? = driver.outcome else { Issue.record("not relayed"); return }
    }

    @Test func rawRelayOfAnEmptyBody() throws {
        var driver = Driver(.raw)
        try driver.send(.head(status: 204, headers: [], contentType: nil))
        try driver.send(.finished(failure: nil))
        #expect(text(driver.written).hasPrefix("HTTP/1.1 204 No Content\r\n"))
        #expect(driver.finished)
    }

    /// The Responses stream is translated through the same machine: the client's head goes out
    /// with the first event, deltas as they arrive, `[DONE]` and the end with the final event.
    @Test func aBridgedStream() throws {
        var driver = Driver(.stream(Responses.StreamBridge(includeUsage: false)))
        try driver.send(head200)
        let created = #"{"type":"response.created","response":{"id":"resp_1","created_at":1,"model":"o1-pro"}}"#
        try driver.send(.body(bytes("event: response.created\ndata: \(created)\n\n")))
        #expect(driver.body.contains(#""delta":{"role":"assistant","content":"","refusal":null}"#))
        let completed = #"{"type":"response.completed","response":{"status":"completed","usage":{"input_tokens":1,"output_tokens":2,"total_tokens":3}}}"#
        try driver.send(.body(bytes("event: response.completed\ndata: \(completed)\n\n")))
        #expect(driver.body.hasSuffix("data: [DONE]\n\n"))
        #expect(driver.finished)
        guard case .relayed(.completed?, let usage, _)? = driver.outcome else { Issue.record("not relayed"); return }
        #expect(usage?.total == 3)
    }

    // MARK: the transitions not shown above

    /// Through a CONNECT proxy URLSession reports the tunnel's bare 200 first: the head that
    /// counts is the last one before the body.
    @Test func aLaterHeadReplacesAnEarlierOne() throws {
        var driver = Driver(.collect)
        try driver.send(.head(status: 200, headers: [], contentType: nil))
        try driver.send(.head(status: 429, headers: [("retry-after", "1")], contentType: "application/json"))
        guard case .headed(let head) = driver.attempt.state else { Issue.record("\(driver.attempt.state)"); return }
        #expect(head.status == 429)
        try driver.send(.body(bytes("{}")))
        try driver.send(.finished(failure: nil))
        guard case .answered(let answer)? = driver.outcome else { Issue.record("no answer"); return }
        #expect(answer.status == 429 && answer.headers["retry-after"] == "1")
    }

    @Test func aHeadOnceTheBodyFlowsChangesNothing() throws {
        var driver = Driver(.raw)
        try driver.send(.head(status: 200, headers: [], contentType: "text/plain"))
        try driver.send(.body(bytes("a")))
        try driver.send(.head(status: 500, headers: [], contentType: nil))
        try driver.send(.body(bytes("b")))
        try driver.send(.finished(failure: nil))
        #expect(text(driver.written).hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(driver.body == "ab")
    }

    @Test func aBodyWithoutAHeadIsAnUpstreamError() {
        var driver = Driver(.collect)
        #expect(throws: APIError.upstream("The upstream sent a body without a response head.")) {
            try driver.send(.body(bytes("x")))
        }
        guard case .done = driver.attempt.state else { Issue.record("\(driver.attempt.state)"); return }
    }

    /// A 200 with no body at all: collected, it is an empty answer for the exchange to judge;
    /// streamed, it is a stream cut before it began, told with an honest status (nothing went out).
    @Test func aHeadAndAnEmptyBody() throws {
        var collected = Driver(.collect)
        try collected.send(.head(status: 200, headers: [], contentType: "application/json"))
        try collected.send(.finished(failure: nil))
        guard case .answered(let answer)? = collected.outcome else { Issue.record("no answer"); return }
        #expect(answer.body.isEmpty)

        var streamed = Driver(.stream(ChatCompletions.StreamRelay(includeUsage: false)))
        try streamed.send(head200)
        #expect(throws: APIError.upstream("The upstream stream ended before its final event; the answer is incomplete.",
                                          code: "upstream_stream_cut")) {
            try streamed.send(.finished(failure: nil))
        }
        #expect(streamed.written.isEmpty)
        #expect(streamed.reply.state == .nothing)
    }

    /// Once over, the call takes no more events: a late chunk or a cancelled task's failure
    /// writes nothing and throws nothing.
    @Test func eventsAfterTheEndChangeNothing() throws {
        var driver = Driver(.stream(ChatCompletions.StreamRelay(includeUsage: false)))
        try driver.send(head200)
        try driver.send(.body(bytes(chunks + done)))
        let written = driver.written
        try driver.send(.body(bytes(chunks)))
        try driver.send(.finished(failure: "cancelled"))
        try driver.send(.tick, at: 61)
        #expect(driver.written == written)
        guard case .done = driver.attempt.state else { Issue.record("\(driver.attempt.state)"); return }
    }

    /// The stream's state holds its translator, fed where it lies, and the head the client got.
    @Test func statesAlongAStream() throws {
        var driver = Driver(.stream(ChatCompletions.StreamRelay(includeUsage: false)))
        guard case .waiting = driver.attempt.state else { Issue.record("\(driver.attempt.state)"); return }
        try driver.send(head200)
        guard case .headed = driver.attempt.state else { Issue.record("\(driver.attempt.state)"); return }
        try driver.send(.body(bytes(chunks)))
        guard case .streaming(let head, _) = driver.attempt.state else { Issue.record("\(driver.attempt.state)"); return }
        #expect(head.headers["x-request-id"] == "req_1")
        try driver.send(.body(bytes(done)))
        guard case .done = driver.attempt.state else { Issue.record("\(driver.attempt.state)"); return }
    }
}

