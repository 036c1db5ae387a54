import Testing
@testable import O1Proxy
@testable import O1ProxyCore
@testable import O1ProxyUsage

/// The proxy writes its journal entries with `ExchangeLog`'s fields and the report reads them
/// with the same ones: what one writes, the other must read back, through the journal and
/// through the logfmt line.
@Suite struct LogSchemaTests {
    static var record: ExchangeRecord {
        var record = ExchangeRecord()
        record.began = 1_795_596_779.123
        record.method = "POST"
        record.path = "/v1/chat/completions"
        record.model = "o3 \"quoted\" = \n\u{1}é"
        record.upstreamModel = "gpt-6-astra"
        record.api = .responses
        record.stream = .native
        record.status = 200
        record.durationMS = 4000
        record.upstreamMS = 3990
        record.usage = Usage(chatAnswer: ["usage": ["prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500,
                                                    "prompt_tokens_details": ["cached_tokens": 800, "cache_write_tokens": 150],
                                                    "completion_tokens_details": ["reasoning_tokens": 450]],
                                          "service_tier": "flex"])
        record.learned = [.drop("temperature"), .rename("max_tokens", to: "max_completion_tokens")]
        record.remembered = [.fakeStream]
        record.reasoningReplayed = 3
        record.peer = "127.0.0.1:40000"
        record.error = "the upstream stream failed"
        record.warning = "a warning"
        return record
    }

    static let expected = LoggedExchange(
        model: "o3 \"quoted\" = \n\u{1}é", upstreamModel: "gpt-6-astra", status: 200, durationMS: 4000, upstreamMS: 3990,
        promptTokens: 1000, cachedTokens: 800, cacheWriteTokens: 150, completionTokens: 500, reasoningTokens: 450,
        serviceTier: "flex", reasoningReplayed: 3, learned: ["drop:temperature", "rename:max_tokens->max_completion_tokens"],
        failed: true, peer: "127.0.0.1:40000")

    /// As `journalctl -o json` prints the entry, with journald's own stamp.
    @Test func theJournalEntryReadsBack() {
        let fields = [(key: "__REALTIME_TIMESTAMP", value: JSON.string("1795596779500000"))]
            + Self.record.fields(masking: []).map { (key: $0.name, value: JSON.string($0.value)) }
        var expected = Self.expected
        expected.time = 1_795_596_779_500_000
        let line = String(decoding: JSON.object(JSONObject(fields)).encoded(), as: UTF8.self)
        #expect(parseLogLine(line) == expected)
    }

    @Test func theLogfmtLineReadsBack() {
        var expected = Self.expected
        expected.time = 1_795_596_779_123_000
        #expect(parseLogLine(Self.record.line(masking: [])) == expected)
    }

    /// Every field the report reads is one the proxy writes, but journald's own stamp, the logfmt
    /// line's time and the name older versions wrote.
    @Test func everyFieldReadIsWritten() {
        let written = Set(Self.record.fields(masking: []).map(\.name))
        let notWritten = [ExchangeLog.journalTime.name, ExchangeLog.time.name, ExchangeLog.learnedBefore0_2.name]
        for field in ReadField.all {
            let name = String(decoding: field.name, as: UTF8.self)
            #expect(written.contains(name) || notWritten.contains(name), "\(name) is read but never written")
        }
    }
}
