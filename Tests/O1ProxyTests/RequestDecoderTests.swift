import Testing
@testable import O1ProxyCore
@testable import O1Proxy

/// Feeds `input` in one piece; returns the request (or nil if more was wanted).
private func decodeWhole(_ input: [UInt8], limits: HTTPLimits = HTTPLimits()) throws(RequestError) -> HTTPRequest? {
    var decoder = RequestDecoder(limits: limits)
    return try decoder.feed(input)
}

/// Feeds `input` split at every byte boundary, and byte by byte; every way must give the same
/// request, and no prefix may be taken for a whole request.
private func expectSameAtEverySplit(_ input: [UInt8], limits: HTTPLimits = HTTPLimits(),
                                    sourceLocation: SourceLocation = #_sourceLocation) throws -> HTTPRequest {
    var whole = RequestDecoder(limits: limits)
    let reference = try #require(try whole.feed(input), sourceLocation: sourceLocation)
    for split in 0..<input.count {
        var decoder = RequestDecoder(limits: limits)
        let first = try decoder.feed(input[0..<split])
        #expect(first == nil, "a prefix of \(split) bytes was taken as a whole request", sourceLocation: sourceLocation)
        let second = try decoder.feed(input[split...])
        #expect(second.map(describe) == describe(reference), "split at \(split)", sourceLocation: sourceLocation)
    }
    var byteWise = RequestDecoder(limits: limits)
    var result: HTTPRequest?
    for (i, byte) in input.enumerated() {
        result = try byteWise.feed([byte])
        if i < input.count - 1 {
            #expect(result == nil, "byte-wise: done early at byte \(i)", sourceLocation: sourceLocation)
        }
    }
    #expect(result.map(describe) == describe(reference), "byte-wise", sourceLocation: sourceLocation)
    return reference
}

private func describe(_ request: HTTPRequest) -> String {
    "\(request.method) \(request.target) \(request.headers.map { "\($0.name)=\($0.value)" }) \(request.body)"
}

private func expectError(_ expected: RequestError, _ input: String, limits: HTTPLimits = HTTPLimits(),
                         sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(throws: expected, sourceLocation: sourceLocation) { try decodeWhole(bytes(input), limits: limits) }
}

private func expectMalformed(_ input: String, limits: HTTPLimits = HTTPLimits(),
                             sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        let result = try decodeWhole(bytes(input), limits: limits)
        Issue.record("expected .malformed, got \(result.map(describe) ?? "nil (waiting for more)")", sourceLocation: sourceLocation)
    } catch {
        guard case .malformed(let why) = error else {
            Issue.record("expected .malformed, got \(error)", sourceLocation: sourceLocation)
            return
        }
        #expect(!why.isEmpty, sourceLocation: sourceLocation)
    }
}

@Suite struct RequestDecoderTests {
    // MARK: good requests

    @Test func contentLengthBody() throws {
        let input = bytes("POST /v1/chat/completions?x=1 HTTP/1.1\r\nHost: localhost\r\nContent-Type:application/json\r\nContent-Length: 13\r\nX-Pad:   spaced value \t\r\n\r\n{\"model\":\"x\"}")
        let request = try expectSameAtEverySplit(input)
        #expect(request.method == "POST")
        #expect(request.target == "/v1/chat/completions?x=1")
        #expect(request.path == "/v1/chat/completions")
        #expect(text(request.body) == "{\"model\":\"x\"}")
        #expect(request.headers["content-type"] == "application/json")
        #expect(request.headers["CONTENT-LENGTH"] == "13")
        #expect(request.headers["x-pad"] == "spaced value")
        #expect(request.headers.map(\.name) == ["Host", "Content-Type", "Content-Length", "X-Pad"])
    }

    @Test func requestWithoutBody() throws {
        let request = try expectSameAtEverySplit(bytes("GET /v1/models HTTP/1.1\r\nHost: a\r\n\r\n"))
        #expect(request.method == "GET")
        #expect(request.body.isEmpty)
        #expect(try expectSameAtEverySplit(bytes("GET / HTTP/1.0\r\n\r\n")).target == "/")
    }

    @Test func zeroContentLength() throws {
        let request = try expectSameAtEverySplit(bytes("POST /a HTTP/1.1\r\nContent-Length: 0\r\n\r\n"))
        #expect(request.body.isEmpty)
    }

    @Test func bytesAfterTheContentLengthAreNotPartOfTheBody() throws {
        let request = try #require(try decodeWhole(bytes("POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcdef")))
        #expect(text(request.body) == "abc")
    }

    @Test func repeatedIdenticalContentLengthsAreAccepted() throws {
        let a = try #require(try decodeWhole(bytes("POST /a HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc")))
        #expect(text(a.body) == "abc")
        let b = try #require(try decodeWhole(bytes("POST /a HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\nabc")))
        #expect(text(b.body) == "abc")
    }

    @Test func chunkedBody() throws {
        let input = bytes("POST /v1/chat/completions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n")
        let request = try expectSameAtEverySplit(input)
        #expect(text(request.body) == "helloabcdefghijklmnopqrstuvwxyz")
    }

    @Test func chunkedWithExtensionsAndTrailers() throws {
        let input = bytes("POST /x HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n3;name=value;flag\r\nabc\r\n2;x=\"y z\"\r\nde\r\n0;last\r\nX-Checksum: 123\r\nX-Other: 4\r\n\r\n")
        let request = try expectSameAtEverySplit(input)
        #expect(text(request.body) == "abcde")
        // Trailers are validated but not merged into the headers.
        #expect(request.headers["x-checksum"] == nil)
    }

    /// RFC 9112 §7.1.1: `chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )`,
    /// so whitespace between the size and `;` is valid syntax.
    @Test func chunkExtensionWithWhitespaceBeforeSemicolon() throws {
        let input = bytes("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2 ; x=y\r\nde\r\n0\r\n\r\n")
        #expect(try decodeWhole(input).map { text($0.body) } == "de")
    }

    @Test func emptyChunkedBody() throws {
        let request = try expectSameAtEverySplit(bytes("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"))
        #expect(request.body.isEmpty)
    }

    @Test func expectsContinueIsKnownRightAfterTheHead() throws {
        var decoder = RequestDecoder(limits: HTTPLimits())
        #expect(!decoder.expectsContinue)
        let head = "POST /v1/chat/completions HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\n"
        #expect(try decoder.feed(bytes(head)) == nil)
        #expect(decoder.expectsContinue)
        #expect(decoder.head?.target == "/v1/chat/completions")
        let request = try #require(try decoder.feed(bytes("{}")))
        #expect(text(request.body) == "{}")

        var plain = RequestDecoder(limits: HTTPLimits())
        _ = try plain.feed(bytes("POST /a HTTP/1.1\r\nContent-Length: 2\r\n\r\n"))
        #expect(plain.head != nil)
        #expect(!plain.expectsContinue)
    }

    // MARK: limits

    @Test func headTooLargeBeforeTheHeadEnds() throws {
        let limits = HTTPLimits(maxHeadBytes: 256, maxHeaders: 100, maxBodyBytes: 1000)
        var decoder = RequestDecoder(limits: limits)
        #expect(try decoder.feed(bytes("GET / HTTP/1.1\r\nX-Big: ")) == nil)
        #expect(try decoder.feed([UInt8](repeating: UInt8(ascii: "a"), count: 200)) == nil)
        #expect(throws: RequestError.headTooLarge) { try decoder.feed([UInt8](repeating: UInt8(ascii: "a"), count: 100)) }
    }

    @Test func headSizeLimitIsInclusive() throws {
        let limits = HTTPLimits(maxHeadBytes: 256, maxHeaders: 100, maxBodyBytes: 1000)
        let prefix = "GET / HTTP/1.1\r\nX: "
        let fill = 256 - prefix.utf8.count - 4
        let exact = prefix + String(repeating: "a", count: fill) + "\r\n\r\n"
        #expect(exact.utf8.count == 256)
        #expect(try decodeWhole(bytes(exact), limits: limits) != nil)
        let over = prefix + String(repeating: "a", count: fill + 1) + "\r\n\r\n"
        #expect(throws: RequestError.headTooLarge) { try decodeWhole(bytes(over), limits: limits) }
    }

    @Test func tooManyHeaders() throws {
        let limits = HTTPLimits(maxHeadBytes: 4096, maxHeaders: 3, maxBodyBytes: 1000)
        #expect(try decodeWhole(bytes("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"), limits: limits) != nil)
        expectError(.tooManyHeaders, "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", limits: limits)
    }

    @Test func contentLengthOverTheLimitFailsRightAfterTheHead() throws {
        let limits = HTTPLimits(maxHeadBytes: 4096, maxHeaders: 100, maxBodyBytes: 64)
        var decoder = RequestDecoder(limits: limits)
        #expect(throws: RequestError.bodyTooLarge) {
            try decoder.feed(bytes("POST /a HTTP/1.1\r\nContent-Length: 65\r\n\r\n"))
        }
        let atLimit = "POST /a HTTP/1.1\r\nContent-Length: 64\r\n\r\n" + String(repeating: "x", count: 64)
        #expect(try decodeWhole(bytes(atLimit), limits: limits)?.body.count == 64)
        expectError(.bodyTooLarge, "POST /a HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n")
        expectError(.bodyTooLarge, "POST /a HTTP/1.1\r\nContent-Length: 9223372036854775807\r\n\r\n")
    }

    @Test func chunkedOverTheLimit() throws {
        let limits = HTTPLimits(maxHeadBytes: 4096, maxHeaders: 100, maxBodyBytes: 10)
        let ok = "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n5\r\nfghij\r\n0\r\n\r\n"
        #expect(try decodeWhole(bytes(ok), limits: limits)?.body.count == 10)
        // The second chunk's size line alone, before its data, is enough to refuse.
        var decoder = RequestDecoder(limits: limits)
        #expect(try decoder.feed(bytes("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n")) == nil)
        #expect(throws: RequestError.bodyTooLarge) { try decoder.feed(bytes("6\r\n")) }
        expectError(.bodyTooLarge, "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFF\r\n")
    }

    @Test func trailersCountAgainstTheHeadLimit() {
        let limits = HTTPLimits(maxHeadBytes: 256, maxHeaders: 100, maxBodyBytes: 1000)
        let big = "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: " + String(repeating: "a", count: 300) + "\r\n\r\n"
        expectError(.headTooLarge, big, limits: limits)
        let unterminated = "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: " + String(repeating: "a", count: 300)
        expectError(.headTooLarge, unterminated, limits: limits)
    }

    // MARK: framing errors

    @Test func contentLengthAndTransferEncoding() {
        expectMalformed("POST /a HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        expectMalformed("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n")
    }

    @Test func differingContentLengths() {
        expectMalformed("POST /a HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef")
        expectMalformed("POST /a HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\nabcdef")
    }

    @Test(arguments: ["abc", "-1", "+5", "0x10", "", "5 5", "1.0"])
    func invalidContentLength(_ value: String) {
        expectMalformed("POST /a HTTP/1.1\r\nContent-Length: \(value)\r\n\r\n")
    }

    @Test func obsoleteLineFolding() {
        expectMalformed("GET / HTTP/1.1\r\nX-A: one\r\n two\r\n\r\n")
        expectMalformed("GET / HTTP/1.1\r\nX-A: one\r\n\ttwo\r\n\r\n")
    }

    @Test func bareLFAndBareCR() {
        expectMalformed("GET / HTTP/1.1\nHost: a\r\n\r\n")
        expectMalformed("GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n")
        expectMalformed("GET / HTTP/1.1\rHost: a\r\n\r\n")
        expectMalformed("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n")
    }

    /// A head written with bare LFs only (`printf 'GET / HTTP/1.1\n\n' | nc`) never contains
    /// CRLFCRLF; the bare LF is already fatal, so waiting for more only turns an immediate 400
    /// into a 408 after the read timeout.
    @Test func bareLFOnlyHeadFailsWithoutWaiting() {
        expectMalformed("GET / HTTP/1.1\nHost: a\n\n")
        expectMalformed("POST /v1/chat/completions HTTP/1.1\nContent-Length: 2\n\n{}")
    }

    @Test func headerSyntax() {
        expectMalformed("GET / HTTP/1.1\r\nHost : a\r\n\r\n")
        expectMalformed("GET / HTTP/1.1\r\nNoColon\r\n\r\n")
        expectMalformed("GET / HTTP/1.1\r\n: empty-name\r\n\r\n")
        expectMalformed("GET / HTTP/1.1\r\nBad(Name): a\r\n\r\n")
        expectMalformed("GET / HTTP/1.1\r\nX: a\u{7F}b\r\n\r\n")
        expectMalformed("GET / HTTP/1.1\r\nX: a\u{01}b\r\n\r\n")
        expectMalformed("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
    }

    @Test(arguments: ["zz", "-1", "+5", "0x5", " 5", "", "5\u{01}", "1234567890123456"])
    func badChunkSize(_ size: String) {
        expectMalformed("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n\(size)\r\nhello\r\n0\r\n\r\n")
    }

    @Test func chunkSizeLineTooLong() {
        expectMalformed("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;" + String(repeating: "x", count: 2000))
    }

    @Test func chunkDataNotFollowedByCRLF() {
        expectMalformed("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXY0\r\n\r\n")
        expectMalformed("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n")
    }

    @Test func badTrailer() {
        expectMalformed("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n folded\r\n\r\n")
        expectMalformed("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nno colon\r\n\r\n")
    }

    @Test func transferCodings() {
        expectError(.unsupportedTransferCoding, "POST /a HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n")
        expectError(.unsupportedTransferCoding, "POST /a HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")
        expectMalformed("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n")
        expectMalformed("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    }

    @Test func httpVersions() throws {
        expectError(.versionNotSupported, "GET / HTTP/2.0\r\n\r\n")
        expectError(.versionNotSupported, "GET / HTTP/0.9\r\n\r\n")
        #expect(try decodeWhole(bytes("GET / HTTP/1.0\r\n\r\n")) != nil)
        #expect(try decodeWhole(bytes("GET / HTTP/1.1\r\n\r\n")) != nil)
        expectMalformed("GET / HTTP/1\r\n\r\n")
        expectMalformed("GET / HTTP/1.10\r\n\r\n")
        expectMalformed("GET / http/1.1\r\n\r\n")
        expectMalformed("GET / HTTP/a.b\r\n\r\n")
    }

    @Test(arguments: [
        "garbage\r\n\r\n",
        "GET\r\n\r\n",
        "GET /\r\n\r\n",
        "GET  / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1 extra\r\n\r\n",
        "G(T / HTTP/1.1\r\n\r\n",
        "GET http://example.com/ HTTP/1.1\r\n\r\n",
        "GET * HTTP/1.1\r\n\r\n",
        "GET /a\u{01}b HTTP/1.1\r\n\r\n",
        "\r\n\r\n",
    ])
    func malformedRequestLine(_ input: String) {
        expectMalformed(input)
    }

    // MARK: statuses

    @Test func apiErrorStatuses() {
        #expect(RequestError.malformed("x").apiError.status == 400)
        #expect(RequestError.malformed("why").apiError.message.contains("why"))
        #expect(RequestError.headTooLarge.apiError.status == 431)
        #expect(RequestError.tooManyHeaders.apiError.status == 431)
        #expect(RequestError.bodyTooLarge.apiError.status == 413)
        #expect(RequestError.unsupportedTransferCoding.apiError.status == 501)
        #expect(RequestError.versionNotSupported.apiError.status == 505)
        #expect(RequestError.timedOut.apiError.status == 408)
        let all: [RequestError] = [.malformed("x"), .headTooLarge, .tooManyHeaders, .bodyTooLarge,
                                   .unsupportedTransferCoding, .versionNotSupported, .timedOut]
        for error in all {
            let envelope = error.apiError.envelope
            #expect(envelope["error"]?["type"]?.string == "invalid_request_error")
            #expect(envelope["error"]?["code"]?.string?.isEmpty == false)
            #expect(envelope["error"]?["param"] == .null)
        }
    }
}
