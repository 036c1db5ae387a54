import Testing
@testable import O1ProxyCore
@testable import O1ProxyUsage

@Suite struct RenderTests {
    private let sample = report([
        Fixture.exchange(model: "o1-mini", day: 24, duration: 2100, prompt: 1200, cached: 200, completion: 4000, reasoning: 3500,
                         learned: ["drop:temperature"]),
        Fixture.exchange(model: "o1-mini", status: 499, day: 25, duration: 30000),
        Fixture.exchange(model: "o9-future", day: 25, duration: 800, prompt: 10, completion: 20, reasoning: 5),
    ])

    @Test func theTerminalTables() {
        let text = renderText(sample, source: "the journal since -7d")
        #expect(text == """
            o1-proxy usage of the journal since -7d: 3 exchanges, 2026-11-24 12:00 to 2026-11-25 12:00 (local time).

            How each model behaved
            model      exchanges  4xx  5xx  gone  broken  crashed  rejected     p50     p95  upstream p50  upstream p95
            -----------------------------------------------------------------------------------------------------------
            o1-mini            2    0    0     1       0        0         1   2.1 s    30 s         2.1 s          30 s
            o9-future          1    0    0     0       0        0         0  800 ms  800 ms        790 ms        790 ms
            -----------------------------------------------------------------------------------------------------------
            total              3    0    0     1       0        0         1   2.1 s    30 s         2.1 s          30 s

            What the tokens cost
            model      prompt  cached  completion  reasoning  reasoning share       cost   prices of
            ----------------------------------------------------------------------------------------
            o1-mini     1,200     200       4,000      3,500             88 %    $0.0188  2026-12-05
            o9-future      10       0          20          5             25 %   no price
            ----------------------------------------------------------------------------------------
            total       1,210     200       4,020      3,505             87 %  ≥ $0.0188

            What the cache did
            model      cached share  cache writes  cache saved  reasoning replayed
            ----------------------------------------------------------------------
            o1-mini            17 %             0      $0.0001                   0
            o9-future           0 %             0            -                   0
            ----------------------------------------------------------------------
            total              17 %             0      $0.0001                   0

            Rejected round trips. Fixes the proxy learned from upstream 400s. Each one cost a rejected call and
            its latency once per machine: the proxy remembers it (O1_PROXY_LEARNED_DAYS; o1-proxy rules shows
            it). A rule in O1_PROXY_RULES saves it everywhere.
              o1-mini: 1 × drop:temperature

            gone: the client left before the answer (499). broken: a stream that failed after its 200.
            crashed: its instance ended abnormally (systemd's word), whatever the client got.
            rejected: upstream calls rejected before a fix was learned. reasoning share: of the completion tokens.
            cached share: of the prompt tokens. cache saved: what cached reads saved against the input price, less
            what cache writes cost above it. reasoning replayed: items of earlier turns sent back, which keep the
            prompt the same.
            Costs are estimates in USD at the list prices of 2026-12-05 (built in), each exchange at its service
            tier, and prompts over 272K tokens at the long-context rate.
            No price for o9-future: their tokens are not in the total; price them in O1_PROXY_PRICES.

            """)
    }

    @Test func anEmptyReportSaysSo() {
        #expect(renderText(report([]), source: "the journal") == "o1-proxy usage of the journal: no exchanges.\n")
        var builder = UsageReportBuilder { _ in 0 }
        var line = "garbage"
        line.withUTF8 { builder.add(line: $0) }
        #expect(renderText(builder.report(grouping: .model, prices: .builtIn), source: "x.log")
            == "o1-proxy usage of x.log: no exchanges (read 1 lines, none of them an o1-proxy exchange).\n")
    }

    @Test func namesFromClientsCannotDriveATerminal() {
        let r = report([Fixture.exchange(model: "evil\u{1b}[2J\u{9b}31m", prompt: 1, completion: 1)])
        let text = renderText(r, source: "x")
        #expect(!text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x9B })
        #expect(text.contains("evil?[2J?31m"))
    }

    @Test func jsonHasTheExactFigures() throws {
        let json = try #require(try? JSON(parsing: Array(renderJSON(sample, source: "x.log").utf8)))
        #expect(json["source"]?.string == "x.log")
        #expect(json["grouping"]?.string == "model")
        let rows = try #require(json["rows"]?.array)
        #expect(rows.count == 2)
        #expect(rows[0]["model"]?.string == "o1-mini")
        #expect(rows[0]["exchanges"]?.double == 2)
        #expect(rows[0]["errors"]?["client_gone"]?.double == 1)
        #expect(rows[0]["learned"]?["drop:temperature"]?.double == 1)
        #expect(rows[0]["duration_ms"]?["p95"]?.double == 30000)
        #expect(rows[0]["tokens"]?["reasoning"]?.double == 3500)
        #expect(rows[0]["reasoning_share"]?.double == 0.875)
        #expect(rows[0]["cost"]?["usd"]?.double == 0.01881)
        #expect(rows[0]["cost"]?["price_date"]?.string == "2026-12-05")
        // 200 cached tokens of o1-mini at $0.55 instead of $1.10
        #expect(rows[0]["cost"]?["cache_saved_usd"]?.double == 0.00011)
        #expect(rows[0]["cached_share"]?.double == 0.1667 && rows[0]["tokens"]?["cache_write"]?.double == 0)
        #expect(rows[0]["reasoning_replayed"]?.double == 0 && rows[0]["upstream_model"] == .null)
        #expect(rows[1]["cost"] == .null)
        #expect(json["total"]?["cost"]?["complete"] != nil)
        #expect(json["unpriced_models"]?.array?.first?.string == "o9-future")
        #expect(json["day_totals"] == nil)
        let byDay = try #require(try? JSON(parsing: Array(renderJSON(report([Fixture.exchange(model: "o1", day: 3)], grouping: .day),
                                                                        source: "x").utf8)))
        #expect(byDay["rows"]?.array?.first?["day"]?.string == "2026-11-03")
        #expect(byDay["day_totals"]?.array?.count == 1)
    }

    /// A cache only written to cost more than it saved: said as a negative saving, not as 0.
    @Test func aCacheThatCostMoreThanItSaved() throws {
        // 1,000 tokens written to gpt-6-astra's cache at $12.50 instead of $10.
        let r = report([LoggedExchange(model: "gpt-6-astra", status: 200, promptTokens: 1000, cacheWriteTokens: 1000)])
        let json = try #require(try? JSON(parsing: Array(renderJSON(r, source: "x").utf8)))
        #expect(json["rows"]?.array?.first?["cost"]?["cache_saved_usd"]?.double == -0.0025)
        #expect(json["total"]?["cost"]?["cache_saved_usd"]?.double == -0.0025)
        #expect(renderText(r, source: "x").contains("gpt-6-astra           0 %         1,000     -$0.0025"))
    }

    @Test func jsonEscapesStrings() {
        #expect(JSON.string("a\"b\\c\n\u{1}\u{2028}é\u{7F}").prettyPrinted() == #""a\"b\\c\n\u0001\u2028é\u007f""#)
    }

    @Test func thePageIsSelfContainedAndEscapesNames() {
        let r = report([Fixture.exchange(model: "<script>alert(1)</script>", day: 24, prompt: 1, completion: 1),
                        Fixture.exchange(model: "o1", day: 24, prompt: 1000, completion: 1000, reasoning: 600)])
        let html = renderHTML(r, source: "x.log")
        #expect(html.contains("Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\""))
        #expect(!html.contains("<script"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        for external in ["http:", "https:", "src=", "href=", "@import", "url("] {
            #expect(!html.contains(external), "\(external)")
        }
        #expect(html.contains("<svg id=\"chart-cost\""))
        #expect(html.contains("<svg id=\"chart-reasoning\""))
        #expect(html.contains("<svg id=\"chart-latency\""))
        #expect(html.contains("<svg id=\"chart-cache\""))
        #expect(html.contains("<table id=\"table-cache\">"))
    }

    /// Of each day's prompt tokens, the share cached: a point per model and day it had prompts,
    /// a line between consecutive days; the series merged into "other models" add up.
    @Test func theCacheChartDrawsAPointPerModelAndDay() {
        let r = report([
            Fixture.exchange(model: "o1", day: 22, prompt: 1000, cached: 250, completion: 10),
            Fixture.exchange(model: "o1", day: 23, prompt: 1000, cached: 500, completion: 10),
            Fixture.exchange(model: "o1", day: 25, prompt: 3000, cached: 3000, completion: 10),
            Fixture.exchange(model: "gpt-4o", day: 23, prompt: 400, completion: 10),
        ])
        let chart = cacheChart(r, series: Series(models: r.models.map(\.name)))
        #expect(chart.components(separatedBy: "<circle class=\"seg point\"").count - 1 == 4)
        #expect(chart.contains("<title>2026-11-22, o1: 25 % of 1,000 prompt tokens cached</title>"))
        #expect(chart.contains("<title>2026-11-23, gpt-4o: 0 % of 400 prompt tokens cached</title>"))
        // o1: the 22nd to the 23rd joined, the 25th alone after a day without prompts.
        #expect(chart.components(separatedBy: "<polyline").count - 1 == 1)
        #expect(chart.contains(">11-24</text>"))
        #expect(cacheChart(report([Fixture.exchange(model: "o1", status: 499)]), series: Series(models: [ModelName("o1")]))
            .contains("class=\"empty\""))
    }

    @Test func chartsDrawOneSegmentPerFigure() {
        let r = report([
            Fixture.exchange(model: "o1", day: 22, prompt: 1000, completion: 1000, reasoning: 800),
            Fixture.exchange(model: "o1", day: 24, prompt: 1000, completion: 1000, reasoning: 800),
            Fixture.exchange(model: "gpt-4o", day: 24, duration: 300, prompt: 1000, completion: 1000),
        ])
        let series = Series(models: r.models.map(\.name))
        let cost = costChart(r, series: series)
        // Three days on the axis (the 23rd empty), three cost segments, a label per day.
        #expect(cost.components(separatedBy: "<rect class=\"seg\"").count - 1 == 3)
        #expect(cost.contains("<title>2026-11-24, gpt-4o: $0.0125</title>"))
        #expect(cost.contains(">11-23</text>"))
        let reasoning = reasoningChart(r)
        #expect(reasoning.contains("class=\"seg reasoning\""))
        #expect(reasoning.components(separatedBy: "class=\"seg visible\"").count - 1 == 2)
        #expect(reasoning.contains("o1: 1,600 reasoning tokens of 2,000 completion tokens (80 %)"))
        let latency = latencyChart(r, series: series)
        #expect(latency.contains("<title>250–500 ms, gpt-4o: 1 exchange</title>"))
        #expect(latency.contains("<title>1–2 s, o1: 2 exchanges</title>"))
    }

    @Test func emptyChartsSayWhy() {
        let r = report([Fixture.exchange(model: "o9", duration: nil)])
        let series = Series(models: r.models.map(\.name))
        #expect(costChart(r, series: series).contains("class=\"empty\""))
        #expect(reasoningChart(r).contains("class=\"empty\""))
        #expect(latencyChart(r, series: series).contains("class=\"empty\""))
    }

    @Test func moreModelsThanColoursShareOne() {
        let models = (1...11).map { "m\($0)" }
        let series = Series(models: models.map { ModelName($0) })
        #expect(series.entries.count == 9)
        #expect(series.entries.last?.label == "other models")
        #expect(series.of(ModelName("m9")) == 8 && series.of(ModelName("m11")) == 8 && series.of(ModelName("m1")) == 0)
    }

    @Test func numbers() {
        #expect(Format.count(1_234_567) == "1,234,567")
        #expect(Format.count(999) == "999")
        #expect(Format.usd(1234.5) == "$1,234.50")
        #expect(Format.usd(0.00005) == "$0.0001")
        #expect(Format.usd(0) == "$0.0000")
        #expect(Format.usd(-0.031) == "-$0.0310")
        #expect(Format.usd(-0.00001) == "$0.0000")
        // Past what the fixed point holds (only forged token counts get there): whole units, no trap.
        #expect(Format.usd(2e17) == "$200,000,000,000,000,000")
        #expect(Format.fixed(2e19, decimals: 6) == "2e+19")
        #expect(Format.duration(999) == "999 ms")
        #expect(Format.duration(2149) == "2.1 s")
        #expect(Format.duration(75_400) == "75 s")
        #expect(Format.duration(720_000) == "12 min")
        #expect(Format.percent(0.004) == "<1 %")
        #expect(Format.percent(0) == "0 %")
        #expect(Format.usdTick(0.05, step: 0.05) == "$0.05")
        #expect(Format.usdTick(20, step: 10) == "$20")
        #expect(latencyBucketLabel(8) == "30 s–1 min")
        #expect(latencyBucketLabel(11) == "≥ 5 min")
    }
}
