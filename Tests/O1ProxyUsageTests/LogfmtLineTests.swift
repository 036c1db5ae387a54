import Testing
@testable import O1ProxyCore
@testable import O1ProxyUsage

@Suite struct LogfmtLineTests {
    @Test func readsTheCurrentLine() {
        let exchange = parseLogLine(Fixture.newLine)
        #expect(exchange == LoggedExchange(
            time: 1_795_596_779_123_000, model: "o1-mini", status: 200, durationMS: 812, upstreamMS: 790, promptTokens: 12,
            cachedTokens: 4, completionTokens: 230, reasoningTokens: 192, learned: ["drop:temperature", "stream:faked"],
            peer: "127.0.0.1:51234"))
    }

    @Test func readsALineFromBeforeTimeApiAndCachedTokens() {
        let exchange = parseLogLine(Fixture.oldLine)
        #expect(exchange == LoggedExchange(
            model: "o1-mini", status: 200, durationMS: 812, upstreamMS: 790, promptTokens: 12, completionTokens: 230,
            reasoningTokens: 192, peer: "127.0.0.1:51234"))
    }

    @Test func anErrorIsAFailureAndItsQuotedTextIsNotTakenForFields() {
        // The message repeats the error, which here looks like pairs; the pairs are the ones on the right.
        let line = Fixture.logfmt(
            #"POST /v1/chat/completions o9 502 in 30 ms: upstream said status=500 model="x y" \"#,
            [("time", "2026-11-24T10:00:00Z"), ("model", "o9"), ("stream", "none"), ("status", "502"), ("duration_ms", "30"),
             ("peer", "127.0.0.1:1"), ("error", #"upstream said status=500 model="x y" \"#)])
        let exchange = parseLogLine(line)
        #expect(exchange?.status == 502)
        #expect(exchange?.model == "o9")
        #expect(exchange?.failed == true)
        #expect(exchange?.outcome == .serverError)
    }

    @Test func aStreamThatBrokeAfterItsHeadIsA200WithAnError() {
        let line = Fixture.logfmt("POST /v1/chat/completions o3-mini 200 native stream in 900 ms: the upstream stream ended before [DONE]",
                                  [("model", "o3-mini"), ("stream", "native"), ("status", "200"), ("duration_ms", "900"),
                                   ("error", "the upstream stream ended before [DONE]")])
        #expect(parseLogLine(line)?.outcome == .streamFailed)
    }

    @Test func quotedValuesAreUnescaped() {
        let line = #"o1-proxy: m model="my \"odd\" model\\" status=200 learned="role:system->user\tx" error="a\nb\x1b""#
        let exchange = parseLogLine(line)
        #expect(exchange?.model == #"my "odd" model\"#)
        #expect(exchange?.learned == ["role:system->user\tx"])
        #expect(exchange?.failed == true)
    }

    @Test func unknownKeysAndAPriorityPrefixAreTolerated() {
        let line = "<3>o1-proxy: GET /v1/models 200 in 3 ms effort=high status=200 duration_ms=3 future_field=\"a b\"\r"
        #expect(parseLogLine(line) == LoggedExchange(status: 200, durationMS: 3))
    }

    @Test func garbageIsNoExchange() {
        for line in [
            "", "garbage", "Spawned /usr/bin/o1-proxy (o1-proxy) as PID 1234.", "Child 1234 died with code 0",
            "Listening on 127.0.0.1:4567 as 3.", "o1-proxy: unknown argument --x; see --help",
            "o1-proxy: no status here model=o1", "o1-proxy: x status=abc", "o1-proxy: x status=", "o1-proxy: x status=\"200",
            "o1-proxy: x status=99999999999999999999", "o1-proxy: x status==200", "o1-proxy:", "o1-proxy: \"",
        ] {
            #expect(parseLogLine(line) == nil, "\(line)")
        }
    }

    @Test func badNumbersAreMissingNotZero() {
        let exchange = parseLogLine("o1-proxy: x status=200 prompt_tokens=-5 completion_tokens=1e3 duration_ms=12ms")
        #expect(exchange == LoggedExchange(status: 200, unreadableFigure: true))
    }

    @Test func absurdCountsAreMissingSoThatSumsCannotOverflow() {
        let line = "o1-proxy: x status=200 prompt_tokens=999999999999 completion_tokens=1000000000000"
        #expect(parseLogLine(line) == LoggedExchange(status: 200, promptTokens: 999_999_999_999, unreadableFigure: true))
        var builder = UsageReportBuilder { _ in 0 }
        for _ in 0..<1000 {
            var text = "o1-proxy: x status=200 model=o1 prompt_tokens=999999999999 reasoning_tokens=999999999999"
            text.withUTF8 { builder.add(line: $0) }
        }
        #expect(builder.report(grouping: .model, prices: .builtIn).total.stats.promptTokens == 999_999_999_999_000)
    }

    @Test func timeWithOffsetsAndPrecisions() {
        for (time, micros) in [("2026-11-25T08:52:59Z", Int64(1_795_596_779_000_000)),
                               ("2026-11-25T09:52:59.5+01:00", 1_795_596_779_500_000),
                               ("2026-11-25T08:52:59.1234567Z", 1_795_596_779_123_456),
                               ("2026-11-25 08:52:59", 1_795_596_779_000_000)] {
            let exchange = parseLogLine(Fixture.logfmt("m", [("time", time), ("status", "200")]))
            #expect(exchange?.time == micros, "\(time)")
        }
        let bad = parseLogLine(Fixture.logfmt("m", [("time", "yesterday"), ("status", "200")]))
        #expect(bad == LoggedExchange(status: 200, unreadableFigure: true))
    }
}
