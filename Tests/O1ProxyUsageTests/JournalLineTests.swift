import Testing
@testable import O1ProxyCore
@testable import O1ProxyUsage

@Suite struct JournalLineTests {
    @Test func readsAnExchangeEntry() {
        #expect(parseLogLine(Fixture.journalExchange) == LoggedExchange(
            time: 1_795_596_779_123_456, model: "o3", status: 200, durationMS: 4000, upstreamMS: 3990, promptTokens: 1000,
            cachedTokens: 800, completionTokens: 500, reasoningTokens: 450, learned: ["rename:max_tokens->max_completion_tokens"],
            peer: "127.0.0.1:4242"))
    }

    @Test func anEntryWithoutStatusIsNoExchange() {
        let started = Fixture.journal([("__REALTIME_TIMESTAMP", Fixture.string("1795596779000000")),
                                       ("MESSAGE", Fixture.string("Started o1-proxy@3-127.0.0.1:4567-127.0.0.1:5000.service.")),
                                       ("UNIT", Fixture.string("o1-proxy@3-127.0.0.1:4567-127.0.0.1:5000.service"))])
        #expect(parseLogLine(started) == nil)
    }

    @Test func olderEntriesLackFields() {
        let line = Fixture.journal([("__REALTIME_TIMESTAMP", Fixture.string("1795596779123456")),
                                    ("O1_STATUS", Fixture.string("400")), ("O1_DURATION_MS", Fixture.string("2"))])
        #expect(parseLogLine(line) == LoggedExchange(time: 1_795_596_779_123_456, status: 400, durationMS: 2))
    }

    /// Versions before 0.2 logged the fixes learned in an exchange as O1_ADAPTATIONS.
    @Test func olderNameOfTheLearnedFixes() {
        let line = Fixture.journal([("O1_STATUS", Fixture.string("200")), ("O1_ADAPTATIONS", Fixture.string("drop:temperature stream:faked"))])
        #expect(parseLogLine(line)?.learned == ["drop:temperature", "stream:faked"])
        #expect(parseLogLine(#"o1-proxy: m status=200 adaptations="drop:top_p""#)?.learned == ["drop:top_p"])
    }

    @Test func byteArraysRepeatedFieldsAndNulls() {
        // "o1-mini\xff" is not UTF-8, so journalctl writes its bytes; a repeated field is an
        // array (the first value counts); a value too large to show is null.
        let line = Fixture.journal([("O1_MODEL", "[111,49,45,109,105,110,105,255]"), ("O1_STATUS", "[\"200\",\"500\"]"),
                                    ("O1_ERROR", "null"), ("O1_PROMPT_TOKENS", "[[49,48]]"), ("O1_LEARNED", "[]")])
        let exchange = parseLogLine(line)
        #expect(exchange?.model == "o1-mini\u{FFFD}")
        #expect(exchange?.status == 200)
        #expect(exchange?.promptTokens == 10)
        #expect(exchange?.failed == false)
        #expect(exchange?.learned == [])
    }

    @Test func escapesInKeysAndValues() {
        let line = #"{"O1_MODEL":"o1\u002dmini \"x\" \ud83d\ude00","O1_\u0053TATUS":"200"}"#
        #expect(parseLogLine(line)?.model == "o1-mini \"x\" 😀")
        // Keys are compared once their escapes are undone.
        #expect(parseLogLine(line)?.status == 200)
    }

    @Test func theStderrLineOfAnEntryTooBigForADatagramIsAnExchange() {
        // The proxy falls back to its logfmt line on stderr, which journald files with MESSAGE only.
        let line = Fixture.journal([("__REALTIME_TIMESTAMP", Fixture.string("1795596779000000")),
                                    ("MESSAGE", Fixture.string(Fixture.oldLine)), ("PRIORITY", Fixture.string("6"))])
        var expected = parseLogLine(Fixture.oldLine)
        expected?.time = 1_795_596_779_000_000
        #expect(parseLogLine(line) == expected)
    }

    @Test func malformedJSONIsNoExchange() {
        for line in [
            "{", "{}", "[]", "{\"O1_STATUS\":\"200\"", "{\"O1_STATUS\":\"200\",}", "{\"O1_STATUS\":200}", "{\"O1_STATUS\":\"2\\q\"}",
            "{\"O1_STATUS\":[256]}", "{\"O1_STATUS\":\"200\" \"X\":1}", "{\"X\":" + String(repeating: "[", count: 100) + "}",
            "-- No entries --",
        ] {
            #expect(parseLogLine(line) == nil, "\(line)")
        }
    }
}
