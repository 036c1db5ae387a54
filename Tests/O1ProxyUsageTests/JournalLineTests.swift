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
        // array (the first value counts); a value too large to show is null: an error all the
        // same.
        let line = Fixture.journal([("O1_MODEL", "[111,49,45,109,105,110,105,255]"), ("O1_STATUS", "[\"200\",\"500\"]"),
                                    ("O1_ERROR", "null"), ("O1_PROMPT_TOKENS", "[[49,48]]"), ("O1_LEARNED", "[]")])
        let exchange = parseLogLine(line)
        #expect(exchange?.model == "o1-mini\u{FFFD}")
        #expect(exchange?.status == 200)
        #expect(exchange?.promptTokens == 10)
        #expect(exchange?.failed == true)
        #expect(exchange?.learned == [])
        #expect(exchange?.unreadableFigure == false)
    }

    /// What pricing needs: the preset's target, the cache writes, the tier; and the reasoning
    /// items replayed.
    @Test func readsThePricingFields() {
        let line = Fixture.journal([("O1_STATUS", Fixture.string("200")), ("O1_MODEL", Fixture.string("fast")),
                                    ("O1_UPSTREAM_MODEL", Fixture.string("gpt-6-astra")), ("O1_PROMPT_TOKENS", Fixture.string("300000")),
                                    ("O1_CACHED_TOKENS", Fixture.string("100000")), ("O1_CACHE_WRITE_TOKENS", Fixture.string("50000")),
                                    ("O1_SERVICE_TIER", Fixture.string("flex")), ("O1_REASONING_REPLAYED", Fixture.string("2"))])
        #expect(parseLogLine(line) == LoggedExchange(model: "fast", upstreamModel: "gpt-6-astra", status: 200, promptTokens: 300_000,
                                                     cachedTokens: 100_000, cacheWriteTokens: 50_000, serviceTier: "flex",
                                                     reasoningReplayed: 2))
        // A preset's target is the client's own model: no preset at all.
        let same = Fixture.journal([("O1_STATUS", Fixture.string("200")), ("O1_MODEL", Fixture.string("o3")),
                                    ("O1_UPSTREAM_MODEL", Fixture.string("o3"))])
        #expect(parseLogLine(same)?.upstreamModel == nil)
    }

    /// An entry of the proxy's it cannot read is said to be one, never taken for nothing; lines
    /// that are not the proxy's entries are nothing.
    @Test func unreadableEntriesAreToldApart() {
        for line in [
            "{", "{\"O1_STATUS\":\"200\"", "{\"O1_STATUS\":200}", "{\"O1_STATUS\":\"2\\q\"}", "{\"O1_STATUS\":[256]}",
            #"{"O1_MODEL":"o3"}"#, #"{"O1_STATUS":"abc","O1_MODEL":"o3"}"#, #"{"O1_STATUS":"1000"}"#, #"{"O1_STATUS":null}"#,
            #"{"O1_STATUS":"99999999999999"}"#, #"{"MESSAGE":"o1-proxy: x model=o3 status=abc"}"#,
            "o1-proxy: no status here model=o1", "o1-proxy: x status=abc", "o1-proxy: x status=",
        ] {
            var bytes = line
            #expect(bytes.withUTF8(readLogLine) == .unreadable, "\(line)")
        }
        for line in [
            "{}", #"{"MESSAGE":"Started o1-proxy@1.service.","UNIT":"o1-proxy@1.service"}"#, #"{"MESSAGE":"o1-proxy: starting"}"#,
            "garbage", "o1-proxy: unknown argument --x; see --help", "-- No entries --",
        ] {
            var bytes = line
            #expect(bytes.withUTF8(readLogLine) == nil, "\(line)")
        }
    }

    /// A figure that does not read is not a 0: the exchange says it lost one.
    @Test func unreadableFiguresAreMarked() {
        for (key, value) in [("O1_PROMPT_TOKENS", Fixture.string("1000000000000")), ("O1_CACHED_TOKENS", "null"),
                             ("O1_COMPLETION_TOKENS", Fixture.string("12k")), ("O1_MODEL", "null")] {
            let exchange = parseLogLine(Fixture.journal([("O1_STATUS", Fixture.string("200")), (key, value)]))
            #expect(exchange?.unreadableFigure == true, "\(key)")
        }
        #expect(parseLogLine(Fixture.journal([("O1_STATUS", Fixture.string("200")), ("O1_MODEL", Fixture.string(""))]))?
            .unreadableFigure == false)
        #expect(parseLogLine("o1-proxy: x status=200 prompt_tokens=-5")?.unreadableFigure == true)
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
