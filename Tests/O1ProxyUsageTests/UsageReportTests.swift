import Testing
@testable import O1ProxyCore
@testable import O1ProxyUsage

@Suite struct UsageReportTests {
    @Test func anEmptyJournalIsAnEmptyReport() {
        let empty = report([])
        #expect(empty.rows.isEmpty)
        #expect(empty.total.stats.exchanges == 0)
        #expect(empty.total.cost.usd == 0 && !empty.total.incomplete)
        #expect(empty.period == nil)
        #expect(empty.daily.isEmpty)
    }

    @Test func outcomesAreSplit() {
        let r = report([
            Fixture.exchange(model: "o1", status: 200),
            Fixture.exchange(model: "o1", status: 400),
            Fixture.exchange(model: "o1", status: 404),
            Fixture.exchange(model: "o1", status: 499, duration: 20000),
            Fixture.exchange(model: "o1", status: 502),
            Fixture.exchange(model: "o1", status: 504, duration: nil),
            Fixture.exchange(model: "o1", status: 200, failed: true),
        ])
        let s = r.rows[0].stats
        #expect((s.exchanges, s.clientErrors, s.serverErrors, s.clientsGone, s.streamsFailed) == (7, 2, 2, 1, 1))
        #expect(s.errors == 6)
        #expect(s.duration == Percentiles(p50: 1000, p95: 20000))
    }

    @Test func percentilesAreNearestRank() {
        let exchanges = (1...20).map { Fixture.exchange(model: "o1", duration: $0 * 100) }
        #expect(report(exchanges).rows[0].stats.duration == Percentiles(p50: 1000, p95: 1900))
        #expect(report(exchanges).rows[0].stats.upstream == Percentiles(p50: 990, p95: 1890))
        #expect(report([Fixture.exchange(model: "o1", duration: 7)]).rows[0].stats.duration == Percentiles(p50: 7, p95: 7))
    }

    @Test func tokensReasoningShareAndCost() {
        let r = report([
            Fixture.exchange(model: "o1-mini", prompt: 1000, cached: 400, completion: 2000, reasoning: 1500),
            Fixture.exchange(model: "o1-mini-2024-09-12", prompt: 1000, completion: 1000, reasoning: 500),
        ])
        // A dated snapshot is its own row, priced as its model.
        #expect(r.rows.map(\.model) == ["o1-mini", "o1-mini-2024-09-12"])
        #expect(r.rows[0].stats.reasoningShare == 0.75)
        #expect(r.rows[0].cost?.usd == (600 * 1.1 + 400 * 0.55 + 2000 * 4.4) / 1_000_000)
        #expect(r.rows[1].price?.pricedAs == "o1-mini")
        #expect(r.total.stats.reasoningShare == 2000.0 / 3000.0)
        #expect(r.total.cost.usd == r.rows[0].cost!.usd + r.rows[1].cost!.usd)
        #expect(!r.total.incomplete)
    }

    /// Issue 23's journal: the models of 2026 and o3, a prompt over 272K tokens, cache writes, a
    /// flex exchange and a preset; every cost, computed by hand.
    @Test func everyRuleOnAJournalOfTodaysModels() {
        func entry(_ model: String, upstream: String? = nil, tier: String? = nil, prompt: Int, cached: Int = 0, writes: Int? = nil,
                   completion: Int) -> String {
            var fields = [("O1_STATUS", "200"), ("O1_MODEL", model), ("O1_PROMPT_TOKENS", String(prompt)),
                          ("O1_CACHED_TOKENS", String(cached)), ("O1_COMPLETION_TOKENS", String(completion))]
            if let upstream { fields.append(("O1_UPSTREAM_MODEL", upstream)) }
            if let tier { fields.append(("O1_SERVICE_TIER", tier)) }
            if let writes { fields.append(("O1_CACHE_WRITE_TOKENS", String(writes))) }
            return Fixture.journal(fields.map { ($0.0, Fixture.string($0.1)) })
        }
        var builder = UsageReportBuilder { _ in 0 }
        for var line in [
            // Over 272K: 200,000 × $5 + 100,000 × $0.50 + 2,000 × $22.50 = $1.095; saved 100,000 × $4.50
            entry("gpt-5.4", tier: "default", prompt: 300_000, cached: 100_000, completion: 2000),
            // 10,000 × $2.50 + 1,000 × $15 = $0.04
            entry("gpt-5.4", tier: "default", prompt: 10_000, completion: 1000),
            // 20,000 read × $0.40 + 30,000 written × $5 + 4,000 × $20 = $0.238; saved $0.072 - $0.03
            entry("gpt-5.6-sol", tier: "default", prompt: 50_000, cached: 20_000, writes: 30_000, completion: 4000),
            // Flex: 10,000 × $5 + 10,000 read × $0.50 + 2,000 × $25 = $0.105; saved 10,000 × $4.50
            entry("gpt-6-astra", tier: "flex", prompt: 20_000, cached: 10_000, writes: 0, completion: 2000),
            // An entry from before the tier was logged: 1,000 × $2 + 500 × $8 = $0.006
            entry("o3", prompt: 1000, completion: 500),
            // A preset: counted as "fast", priced as gpt-6-astra: 1,000 × $10 + 100 × $50 = $0.015
            entry("fast", upstream: "gpt-6-astra", tier: "default", prompt: 1000, completion: 100),
        ] {
            line.withUTF8 { builder.add(line: $0) }
        }
        let r = builder.report(grouping: .model, prices: .builtIn)
        let costs = Dictionary(uniqueKeysWithValues: r.rows.map { (Format.label($0.name), $0.cost!) })
        #expect(Set(costs.keys) == ["gpt-5.4", "gpt-5.6-sol", "gpt-6-astra", "o3", "fast → gpt-6-astra"])
        for (model, usd, saved) in [("gpt-5.4", 1.135, 0.45), ("gpt-5.6-sol", 0.238, 0.042), ("gpt-6-astra", 0.105, 0.045),
                                    ("o3", 0.006, 0), ("fast → gpt-6-astra", 0.015, 0)] {
            #expect(abs(costs[model]!.usd - usd) < 1e-12, "\(model): \(costs[model]!.usd)")
            #expect(abs(costs[model]!.cacheSaved - saved) < 1e-12, "\(model): \(costs[model]!.cacheSaved)")
            #expect(costs[model]!.complete)
        }
        #expect(r.rows.first { $0.model == "fast" }?.price?.pricedAs == "gpt-6-astra")
        #expect(abs(r.total.cost.usd - 1.499) < 1e-12 && !r.total.incomplete)
        #expect(abs(r.total.cost.cacheSaved - 0.537) < 1e-12)
        #expect(r.unpricedModels.isEmpty && r.unpricedTiers.isEmpty)
        #expect(r.total.stats.cacheWriteTokens == 30_000 && r.total.stats.cachedTokens == 130_000)
    }

    /// A tier the model has no price for leaves those exchanges out, and says so: the row and the
    /// total are lower bounds, never a guess.
    @Test func anUnpricedTierMakesALowerBound() {
        let r = report([
            LoggedExchange(model: "gpt-6.2-sol", status: 200, promptTokens: 1000, completionTokens: 100, serviceTier: "ultrafast"),
            LoggedExchange(model: "gpt-6.2-sol", status: 200, promptTokens: 1000, completionTokens: 100, serviceTier: "default"),
        ])
        #expect(r.rows[0].cost?.usd == 0.003 && r.rows[0].cost?.complete == false)
        #expect(costText(r.rows[0]) == "≥ $0.0030")
        #expect(r.total.incomplete)
        #expect(r.unpricedTiers.map { "\($0.name.model!) \($0.billing.tier!) \($0.exchanges)" } == ["gpt-6.2-sol ultrafast 1"])
        #expect(legend(r).last == "No price for gpt-6.2-sol at service tier ultrafast (1 exchange): not in the total; price them in O1_PROXY_PRICES.")
    }

    @Test func aModelWithoutPriceIsNeverCostedAtZero() {
        let r = report([
            Fixture.exchange(model: "o1", prompt: 100, completion: 100),
            Fixture.exchange(model: "o9-future", prompt: 100, completion: 100),
            Fixture.exchange(model: "o8-failing", status: 400),
            Fixture.exchange(model: nil, status: 200),
        ])
        #expect(r.rows.map(\.model) == ["o1", "o8-failing", "o9-future", nil])
        #expect(r.rows[2].cost == nil && r.rows[2].price == nil)
        #expect(r.unpricedModels == ["o9-future"])
        #expect(r.total.incomplete)
        #expect(r.total.cost.usd == r.rows[0].cost?.usd)
    }

    @Test func rejectedRoundTripsCountEachFix() {
        let r = report([
            Fixture.exchange(model: "o9", learned: ["drop:temperature", "role:system->user"]),
            Fixture.exchange(model: "o9", learned: ["drop:temperature"]),
            Fixture.exchange(model: "o9"),
        ])
        #expect(r.rows[0].stats.rejectedRoundTrips == 3)
        #expect(r.rows[0].stats.learned.map(\.fix) == ["drop:temperature", "role:system->user"])
        #expect(r.rows[0].stats.learned.map(\.count) == [2, 1])
    }

    @Test func byDayRowsDayTotalsAndUndatedLast() {
        let r = report([
            Fixture.exchange(model: "o1", day: 24, prompt: 1000, completion: 1000),
            Fixture.exchange(model: "gpt-4o", day: 24, prompt: 1000, completion: 1000),
            Fixture.exchange(model: "o1", day: 22, prompt: 10, completion: 10),
            Fixture.exchange(model: "o9", day: nil, prompt: 10, completion: 10),
        ], grouping: .day)
        #expect(r.rows.map { "\($0.day?.iso ?? "-") \($0.model ?? "-")" } == ["2026-11-22 o1", "2026-11-24 o1", "2026-11-24 gpt-4o", "- o9"])
        #expect(r.dayTotals.map { $0.day?.iso ?? "-" } == ["2026-11-22", "2026-11-24", "-"])
        #expect(r.dayTotals[1].stats.exchanges == 2)
        #expect(r.dayTotals[1].cost.usd == r.rows[1].cost!.usd + r.rows[2].cost!.usd)
        #expect(r.dayTotals[2].incomplete)
        #expect(r.undated == 1)
        #expect(r.daily.map { $0.models.map(\.name.model) } == [["o1"], ["o1", "gpt-4o"], ["o9"]])
        #expect(r.daily.map { $0.models.map { $0.usd != nil } } == [[true], [true, true], [false]])
        #expect(r.period?.first.text == "2026-11-22 12:00" && r.period?.last.text == "2026-11-24 12:00")
    }

    @Test func daysAreLocal() {
        // 12:00 UTC is the next day 14 hours east.
        let r = report([Fixture.exchange(model: "o1", day: 24)], grouping: .day, utcOffset: 14 * 3600)
        #expect(r.rows[0].day?.iso == "2026-11-25")
    }

    @Test func latencyHistogramBuckets() {
        #expect(UsageReport.LatencyHistogram.bucket(0) == 0)
        #expect(UsageReport.LatencyHistogram.bucket(249) == 0)
        #expect(UsageReport.LatencyHistogram.bucket(250) == 1)
        #expect(UsageReport.LatencyHistogram.bucket(300_000) == 11)
        let r = report([Fixture.exchange(model: "o1", duration: 1500), Fixture.exchange(model: "o1", duration: 1999),
                        Fixture.exchange(model: "o1", duration: nil)])
        #expect(r.latency.counts.first?.counts == [0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test func linesAreCountedAndParsed() {
        var builder = UsageReportBuilder { _ in 0 }
        for line in [Fixture.newLine, "", "  ", "garbage", Fixture.journalExchange] {
            var line = line
            line.withUTF8 { builder.add(line: $0) }
        }
        #expect(builder.linesRead == 3)
        #expect(builder.exchanges == 2)
    }

    /// Entries that cannot be read, and figures that cannot, are counted for the report to say.
    @Test func unreadableEntriesAndFiguresAreCounted() {
        var builder = UsageReportBuilder { _ in 0 }
        for line in [Fixture.newLine, #"{"O1_MODEL":"o3","O1_STATUS":"x"}"#, "{oops", "o1-proxy: x status=200 prompt_tokens=1e3",
                     "systemd-socket-activate: Listening"] {
            var line = line
            line.withUTF8 { builder.add(line: $0) }
        }
        let r = builder.report(grouping: .model, prices: .builtIn)
        #expect(r.linesRead == 5)
        #expect(r.total.stats.exchanges == 2)
        #expect(r.unreadableEntries == 2)
        #expect(r.unreadableFigures == 1)
        #expect(headline(r, source: "x.log").hasSuffix(
            "; 2 entries unreadable (not counted); 1 exchange with a figure unreadable (counted without it)."))
        let json = try? JSON(parsing: Array(renderJSON(r, source: "x.log").utf8))
        #expect(json?["unreadable_entries"] == 2 && json?["exchanges_with_unreadable_figures"] == 1)
        var empty = UsageReportBuilder { _ in 0 }
        var line = "{oops"
        line.withUTF8 { empty.add(line: $0) }
        #expect(headline(empty.report(grouping: .model, prices: .builtIn), source: "x.log")
            == "o1-proxy usage of x.log: no exchanges (read 1 lines, none of them an o1-proxy exchange); 1 entry unreadable (not counted).")
    }
}
