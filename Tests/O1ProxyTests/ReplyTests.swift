import Testing
@testable import O1ProxyCore
@testable import O1Proxy

/// Splits a complete response into head lines and body.
private func split(_ response: [UInt8]) -> (lines: [String], body: String) {
    let all = text(response)
    guard let range = all.range(of: "\r\n\r\n") else { return ([], all) }
    return (all[..<range.lowerBound].components(separatedBy: "\r\n"), String(all[range.upperBound...]))
}

/// Decodes a chunked body; `complete` when it ends with the zero chunk and nothing after it.
private func dechunk(_ body: [UInt8]) throws -> (payload: String, complete: Bool) {
    var rest = body[...]
    var payload: [UInt8] = []
    while let cr = rest.firstIndex(of: 13) {
        let size = try #require(Int(String(decoding: rest[..<cr], as: UTF8.self), radix: 16))
        rest = rest[(cr + 2)...]
        if size == 0 { return (text(payload), Array(rest) == [13, 10]) }
        payload += rest.prefix(size)
        rest = rest.dropFirst(size)
        #expect(rest.starts(with: [13, 10]))
        rest = rest.dropFirst(2)
    }
    return (text(payload), false)
}

@Suite struct ReplyTests {
    @Test func failBeforeAnythingIsAJSONErrorWithItsStatus() throws {
        var reply = Reply()
        let error = APIError(status: 504, message: "too slow", type: "upstream_error", code: "upstream_timeout",
                             headers: [("x-should-retry", "false")])
        let (lines, body) = split(reply.fail(error))
        #expect(lines.first == "HTTP/1.1 504 Gateway Timeout")
        #expect(lines.contains("Content-Type: application/json"))
        #expect(lines.contains("Content-Length: \(body.utf8.count)"))
        #expect(lines.contains("x-should-retry: false"))
        #expect(lines.contains("Connection: close"))
        let json = try parse(body)
        #expect(json == error.envelope)
        #expect(json["error"]?["code"] == .string("upstream_timeout"))
        #expect(reply.state == .finished)
        #expect(reply.status == 504)
        // Nothing more can be said after that.
        #expect(reply.fail(error).isEmpty)
        #expect(reply.end().isEmpty)
        #expect(reply.chunk(bytes("x")).isEmpty)
    }

    @Test func failInsideAnEventStreamIsAnErrorEventAndTheEnd() throws {
        var reply = Reply()
        let head = reply.openEventStream()
        #expect(reply.status == 200)
        let (lines, _) = split(head)
        #expect(lines.first == "HTTP/1.1 200 OK")
        #expect(lines.contains("Content-Type: text/event-stream; charset=utf-8"))
        #expect(lines.contains("Transfer-Encoding: chunked"))
        #expect(lines.contains("Connection: close"))
        #expect(!lines.contains { $0.lowercased().hasPrefix("content-length") })

        let error = APIError(status: 502, message: "upstream went away", type: "upstream_error", code: "upstream_error")
        let tail = reply.fail(error)
        let (payload, complete) = try dechunk(tail)
        #expect(complete)
        #expect(payload == text(SSE.errorEvent(error)))
        #expect(payload.hasPrefix("data: {\"error\":"))
        #expect(!payload.contains("[DONE]"))
        #expect(reply.state == .finished)
        #expect(reply.status == 200)
        #expect(reply.fail(error).isEmpty)
    }

    @Test func failInsideARawRelaySendsNothing() {
        var reply = Reply()
        let head = text(reply.openRaw(status: 201, headers: [("x-request-id", "r1")], contentType: "text/plain"))
        #expect(head.hasPrefix("HTTP/1.1 201 Created\r\n"))
        #expect(head.contains("Content-Type: text/plain\r\n"))
        #expect(head.contains("x-request-id: r1\r\n"))
        #expect(head.contains("Transfer-Encoding: chunked\r\n"))
        #expect(reply.status == 201)
        #expect(reply.fail(APIError(status: 502, message: "cut")).isEmpty)
        #expect(reply.state == .finished)
        #expect(reply.end().isEmpty)
    }

    @Test func openEventStreamTwiceSendsOnce() {
        var reply = Reply()
        let first = reply.openEventStream(headers: [("x-request-id", "abc"), ("content-type", "application/json")])
        #expect(!first.isEmpty)
        let head = text(first)
        #expect(head.contains("x-request-id: abc\r\n"))
        #expect(!head.contains("application/json"))
        #expect(reply.openEventStream().isEmpty)
        #expect(reply.state == .eventStream)
        #expect(reply.full(status: 200, body: bytes("{}")).isEmpty)
        #expect(reply.openRaw(status: 200, headers: [], contentType: nil).isEmpty)
    }

    @Test func chunksKeepalivesAndEnd() {
        var reply = Reply()
        #expect(reply.chunk(bytes("early")).isEmpty)
        #expect(reply.keepalive().isEmpty)
        _ = reply.openEventStream()
        #expect(text(reply.chunk(bytes("data: x\n\n"))) == "9\r\ndata: x\n\n\r\n")
        #expect(reply.chunk([]).isEmpty)
        #expect(text(reply.keepalive()) == "d\r\n: keepalive\n\n\r\n")
        #expect(text(reply.end()) == "0\r\n\r\n")
        #expect(reply.end().isEmpty)
        #expect(reply.chunk(bytes("late")).isEmpty)
    }

    @Test func rawRelayHasNoKeepalives() {
        var reply = Reply()
        _ = reply.openRaw(status: 200, headers: [], contentType: nil)
        #expect(reply.keepalive().isEmpty)
        #expect(text(reply.chunk(bytes("abc"))) == "3\r\nabc\r\n")
        #expect(text(reply.end()) == "0\r\n\r\n")
    }

    @Test func fullResponse() {
        var reply = Reply()
        let response = text(reply.full(status: 200, headers: [("openai-version", "2020-10-01")], body: bytes("{\"a\":1}")))
        #expect(response == "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\nopenai-version: 2020-10-01\r\nConnection: close\r\n\r\n{\"a\":1}")
        #expect(reply.state == .finished)
        #expect(reply.full(status: 500, body: []).isEmpty)
        #expect(reply.status == 200)
    }

    @Test func reasonPhrases() {
        #expect(reasonPhrase(413) == "Content Too Large")
        #expect(reasonPhrase(431) == "Request Header Fields Too Large")
        #expect(reasonPhrase(505) == "HTTP Version Not Supported")
        #expect(reasonPhrase(418) == "Status 418")
    }

    @Test func chunkedFraming() {
        #expect(Chunked.chunk([]) == [])
        #expect(text(Chunked.chunk([UInt8](repeating: 65, count: 255))).hasPrefix("ff\r\n"))
        #expect(text(Chunked.end) == "0\r\n\r\n")
    }
}
