import Testing
@testable import O1ProxyCore
@testable import O1Proxy

private let key = "sk-proj-SECRETKEY123"
private let token = "proxy-token-XYZ"

private func fullRecord() -> ExchangeRecord {
    var record = ExchangeRecord()
    record.method = "POST"
    record.path = "/v1/chat/completions"
    record.model = "o1-mini"
    record.stream = .faked
    record.status = 200
    record.durationMS = 1234
    record.upstreamMS = 1200
    record.api = .chat
    record.usage = Usage(chatAnswer: try! JSON(parsing: Array(#"{"usage":{"prompt_tokens":10,"completion_tokens":20,"total_tokens":30,"prompt_tokens_details":{"cached_tokens":4,"cache_write_tokens":3},"completion_tokens_details":{"reasoning_tokens":15}},"service_tier":"flex"}"#.utf8)))
    record.learned = [.rename("max_tokens", to: "max_completion_tokens"), .drop("temperature")]
    record.remembered = [.fakeStream]
    record.peer = "127.0.0.1:5555"
    record.began = 1_795_596_779.123_4
    return record
}

private func value(_ fields: [(name: String, value: String)], _ name: String) -> String? {
    fields.first { $0.name == name }?.value
}

private func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard haystack.count >= needle.count else { return false }
    return (0...(haystack.count - needle.count)).contains { haystack[$0..<$0 + needle.count].elementsEqual(needle) }
}

@Suite struct ExchangeRecordTests {
    @Test func fieldsOfACompleteRecord() {
        let fields = fullRecord().fields(masking: [])
        #expect(value(fields, "PRIORITY") == "6")
        #expect(value(fields, "SYSLOG_IDENTIFIER") == "o1-proxy")
        #expect(value(fields, "O1_METHOD") == "POST")
        #expect(value(fields, "O1_PATH") == "/v1/chat/completions")
        #expect(value(fields, "O1_MODEL") == "o1-mini")
        #expect(value(fields, "O1_STREAM") == "faked")
        #expect(value(fields, "O1_STATUS") == "200")
        #expect(value(fields, "O1_DURATION_MS") == "1234")
        #expect(value(fields, "O1_UPSTREAM_MS") == "1200")
        #expect(value(fields, "O1_PROMPT_TOKENS") == "10")
        #expect(value(fields, "O1_COMPLETION_TOKENS") == "20")
        #expect(value(fields, "O1_REASONING_TOKENS") == "15")
        #expect(value(fields, "O1_TOTAL_TOKENS") == "30")
        #expect(value(fields, "O1_API") == "chat")
        #expect(value(fields, "O1_CACHED_TOKENS") == "4")
        #expect(value(fields, "O1_CACHE_WRITE_TOKENS") == "3")
        #expect(value(fields, "O1_SERVICE_TIER") == "flex")
        #expect(value(fields, "O1_LEARNED") == "rename:max_tokens->max_completion_tokens drop:temperature")
        #expect(value(fields, "O1_REMEMBERED") == "stream:faked")
        #expect(value(fields, "O1_PEER") == "127.0.0.1:5555")
        #expect(value(fields, "O1_ERROR") == nil)
        #expect(value(fields, "O1_REQUEST_BODY") == nil)
        let message = value(fields, "MESSAGE") ?? ""
        #expect(message.hasPrefix("POST /v1/chat/completions o1-mini 200 faked stream in 1234 ms"))
        #expect(message.contains("tokens 10+20 (reasoning 15), flex tier"))
        #expect(message.contains("learned: rename:max_tokens->max_completion_tokens drop:temperature"))
        #expect(fields.first?.name == "MESSAGE")
    }

    @Test func optionalFieldsAreLeftOutWhenUnset() {
        var record = ExchangeRecord()
        record.status = 400
        let fields = record.fields(masking: [])
        let names = Set(fields.map(\.name))
        #expect(names == ["MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "O1_STREAM", "O1_STATUS", "O1_DURATION_MS"])
        #expect(value(fields, "O1_STREAM") == "none")
        #expect(value(fields, "MESSAGE") == "- - 400 in 0 ms")
    }

    @Test func secretsAreMaskedInEveryField() {
        var record = fullRecord()
        record.method = "POST\(key)"
        record.path = "/v1/\(key)?token=\(token)"
        record.model = "model-\(key)"
        record.peer = "peer \(token)"
        record.error = "upstream 401: Incorrect API key provided: \(key). Authorization: Bearer \(token)"
        record.requestBody = bytes(#"{"api_key":"\#(key)","note":"\#(token)"}"#)
        record.responseBody = bytes(#"{"error":{"message":"bad key \#(key)"}}"#)
        let fields = record.fields(masking: [key, token])
        for (name, value) in fields {
            #expect(!value.contains(key), "\(name) leaks the key")
            #expect(!value.contains(token), "\(name) leaks the token")
        }
        for name in ["MESSAGE", "O1_METHOD", "O1_PATH", "O1_MODEL", "O1_PEER", "O1_ERROR", "O1_REQUEST_BODY", "O1_RESPONSE_BODY"] {
            #expect(value(fields, name)?.contains("[redacted]") == true, "\(name) not masked")
        }
        let line = record.line(masking: [key, token])
        #expect(!line.contains(key))
        #expect(!line.contains(token))
        #expect(line.contains("[redacted]"))
        let datagram = text(journalDatagram(fields))
        #expect(!datagram.contains(key))
        #expect(!datagram.contains(token))
    }

    @Test func shortSecretsAreNotMasked() {
        #expect(mask("a b abc", ["a", "ab", ""]) == "a b abc")
        #expect(mask("xxabcdxx", ["abcd"]) == "xx[redacted]xx")
        #expect(mask("k1k1", ["k1k1", "nope"]) == "[redacted]")
    }

    /// Masking must work on the bytes: a secret followed by a combining mark, a ZWJ or a
    /// variation selector forms one grapheme with its last character, and String's
    /// Character-based search then misses it while its bytes still go to the log.
    @Test(arguments: ["\u{301}", "\u{200D}", "\u{FE0F}"])
    func secretFollowedByAnExtendingScalarIsStillMasked(_ suffix: String) {
        let masked = mask("body: \(key)\(suffix) end", [key])
        #expect(!masked.utf8.elementsEqual(Array("body: \(key)\(suffix) end".utf8)))
        #expect(!contains(Array(masked.utf8), Array(key.utf8)), "\(masked.unicodeScalars.map { $0.escaped(asASCII: true) }.joined())")
    }

    @Test func journalDatagramEncoding() {
        let datagram = journalDatagram([("MESSAGE", "hello world"), ("O1_ERROR", "line1\nline2"), ("EMPTY", "")])
        var expected = Array("MESSAGE=hello world\n".utf8)
        expected += Array("O1_ERROR\n".utf8)
        expected += [11, 0, 0, 0, 0, 0, 0, 0]
        expected += Array("line1\nline2\n".utf8)
        expected += Array("EMPTY=\n".utf8)
        #expect(datagram == expected)
    }

    @Test func journalDatagramLengthIsInBytes() {
        let value = "é\n😀"
        let datagram = journalDatagram([("X", value)])
        let length = value.utf8.count
        #expect(length == 7)
        #expect(Array(datagram[0..<2]) == Array("X\n".utf8))
        #expect(Array(datagram[2..<10]) == [UInt8(length), 0, 0, 0, 0, 0, 0, 0])
        #expect(Array(datagram[10...]) == Array(value.utf8) + [10])
    }

    @Test func journalDatagramLongValueLittleEndian() {
        let value = String(repeating: "a", count: 0x1234) + "\n"
        let datagram = journalDatagram([("B", value)])
        #expect(Array(datagram[2..<10]) == [0x35, 0x12, 0, 0, 0, 0, 0, 0])
        #expect(datagram.count == 2 + 8 + 0x1235 + 1)
    }

    @Test func logfmtLine() {
        var record = fullRecord()
        record.error = #"upstream said "no" = bad"# + "\nsecond line \\ end"
        let line = record.line(masking: [])
        #expect(line.hasPrefix("o1-proxy: POST /v1/chat/completions o1-mini 200 faked stream in 1234 ms"))
        #expect(line.contains(" time=2026-11-25T08:52:59.123Z method=POST "))
        #expect(line.contains(" status=200 "))
        #expect(line.contains(" model=o1-mini "))
        #expect(line.contains(" api=chat "))
        #expect(line.contains(" cached_tokens=4 "))
        #expect(line.contains(" remembered=stream:faked "))
        #expect(line.contains(" stream=faked "))
        #expect(line.contains(" duration_ms=1234 "))
        #expect(line.contains(" upstream_ms=1200 "))
        #expect(line.contains(" prompt_tokens=10 "))
        #expect(line.contains(" completion_tokens=20 "))
        #expect(line.contains(" reasoning_tokens=15 "))
        #expect(line.contains(" total_tokens=30 "))
        #expect(line.contains(#" learned="rename:max_tokens->max_completion_tokens drop:temperature" "#))
        #expect(line.contains(" peer=127.0.0.1:5555 "))
        #expect(line.hasSuffix(#" error="upstream said \"no\" = bad\nsecond line \\ end""#))
        #expect(!line.contains(" O1_"))
        #expect(!line.contains("SYSLOG_IDENTIFIER"))
        #expect(!line.contains("PRIORITY"))
    }

    /// Contract: "Elsewhere: ONE line on stderr". The MESSAGE part of the line embeds the error,
    /// which can carry an upstream's multi-line message.
    @Test func logfmtLineIsOneLineEvenWhenTheErrorHasANewline() {
        var record = fullRecord()
        record.status = 502
        record.error = "upstream 500: first line\nsecond line\r\nthird"
        let line = record.line(masking: [])
        #expect(!line.contains("\n"), "\(line)")
        #expect(!line.contains("\r"), "\(line)")
    }

    /// `"\r\n"` is one Character in Swift, so a Character-based replace of `"\n"` misses it.
    @Test func logfmtEscapesCRLFInAFieldValue() {
        var record = ExchangeRecord()
        record.status = 200
        record.peer = "first\r\nsecond"
        let line = record.line(masking: [])
        #expect(line.contains(" peer=\""))
        #expect(!line.contains("\n"), "\(line.debugDescription)")
        #expect(!line.contains("\r"), "\(line.debugDescription)")
    }

    @Test func logfmtQuotesEmptyAndEqualsValues() {
        var record = ExchangeRecord()
        record.status = 200
        record.path = ""
        record.peer = "a=b"
        let line = record.line(masking: [])
        #expect(line.contains(#" path="""#))
        #expect(line.contains(#" peer="a=b""#))
    }

    @Test(arguments: [
        (200, nil, 6), (200, "stream failed after its 200", 3), (101, nil, 6),
        (400, nil, 4), (404, nil, 4), (431, nil, 4), (499, "client gone", 4),
        (500, nil, 3), (502, "upstream unreachable", 3), (504, nil, 3), (505, nil, 3),
    ] as [(Int, String?, Int)])
    func priority(_ status: Int, _ error: String?, _ expected: Int) {
        var record = ExchangeRecord()
        record.status = status
        record.error = error
        #expect(record.priority == expected)
        #expect(value(record.fields(masking: []), "PRIORITY") == String(expected))
    }

    /// Control characters are escaped with two hex digits, so `\x1` followed by an `a` can
    /// never read back as `\x1a`.
    @Test func controlCharactersTakeTwoHexDigits() {
        var record = ExchangeRecord()
        record.error = "\u{01}a\u{1b}\u{7f}"
        #expect(record.line(masking: []).hasSuffix(#" error="\x01a\x1b\x7f""#))
    }
}
