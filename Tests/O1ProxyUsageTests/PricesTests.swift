import Testing
@testable import O1ProxyCore
@testable import O1ProxyUsage

@Suite struct PricesTests {
    private func merged(_ json: String) throws(PricesFileError) -> PriceList {
        try PriceList.builtIn.merging(file: Array(json.utf8), path: "/etc/o1-proxy/prices.json")
    }

    private func problem(_ json: String) -> String? {
        do {
            _ = try merged(json)
            return nil
        } catch {
            return error.description
        }
    }

    /// The dollars of one exchange of `model`, served at `tier`, at the built-in prices; nil
    /// where it has no price.
    private func usd(_ model: String, tier: String? = nil, prompt: Int, cached: Int = 0, writes: Int = 0,
                     completion: Int) -> Double? {
        let tokens = Tokens(prompt: prompt, cached: cached, cacheWrite: writes, completion: completion)
        let billing = Billing(tier: tier, longPrompt: prompt > Price.longContextAbove)
        return PriceList.builtIn.match(model)?.price.rates(billing)?.bill(tokens).usd
    }

    @Test func everyModelOfTheBriefHasAPrice() {
        for model in ["o1", "o1-mini", "o1-preview", "o1-pro", "o3-mini", "o3", "o3-pro", "o4-mini", "gpt-5", "gpt-5-mini",
                      "gpt-5-nano", "gpt-5-pro", "gpt-4o", "gpt-4o-mini", "codex-mini-latest",
                      // issue 23: the models of 2026
                      "gpt-5.3", "gpt-5.4", "gpt-5.4-pro", "gpt-5.4-mini", "gpt-5.5", "gpt-5.5-pro", "gpt-5.6-sol", "gpt-5.6",
                      "gpt-5.6-terra", "gpt-5.6-luna", "gpt-6-astra", "gpt-6-sol", "gpt-6-luna", "gpt-6.1-sol", "gpt-6.1-terra",
                      "gpt-6.2-astra", "gpt-6.2-sol"] {
            let match = PriceList.builtIn.match(model)
            #expect(match != nil, "\(model)")
            #expect(match?.origin == PriceOrigin(date: PriceList.builtInDate, file: nil))
        }
        // genai-prices 0.2.5 names the first gpt-5.6 gpt-5.6-sol.
        #expect(PriceList.builtIn.match("gpt-5.6")?.price == PriceList.builtIn.match("gpt-5.6-sol")?.price)
    }

    @Test func datedSnapshotsArePricedAsTheirModel() {
        for (snapshot, model) in [("o1-mini-2024-09-12", "o1-mini"), ("o1-2024-12-17", "o1"), ("o3-mini-2025-01-31", "o3-mini"),
                                  ("gpt-5-mini-2025-08-07", "gpt-5-mini"), ("gpt-4o-2024-08-06", "gpt-4o"),
                                  ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"), ("o1-pro-2025-03-19", "o1-pro"),
                                  ("gpt-5.4-2026-03-05", "gpt-5.4"), ("gpt-6-astra-2026-09-30", "gpt-6-astra")] {
            #expect(PriceList.builtIn.match(snapshot)?.pricedAs == model, "\(snapshot)")
        }
        // A snapshot with a price of its own keeps it.
        #expect(PriceList.builtIn.match("gpt-4o-2024-05-13")?.price.standard.rates
            == Rates(input: 5, cachedInput: nil, cacheWrite: nil, output: 15))
    }

    @Test func onlySnapshotsMatchByPrefix() {
        for model in ["o3-mini-high", "o3-deep-research-x", "gpt-5-thinking", "o1-", "O1", "my-o1", "o9-future", "gpt-5.6-sol-mini",
                      "gpt-7", ""] {
            #expect(PriceList.builtIn.match(model) == nil, "\(model)")
        }
    }

    /// Standard tier: uncached prompt tokens at the input price, cached ones at the cached price.
    @Test func cachedReads() {
        // o1: 800k uncached prompt at $15, 200k cached at $7.50, 500k completion at $60 (per million).
        #expect(usd("o1", prompt: 1_000_000, cached: 200_000, completion: 500_000) == 43.5)
        // Without a cached price (pro models), cached tokens cost what other prompt tokens cost.
        #expect(usd("o1-pro", prompt: 1_000_000, cached: 1_000_000, completion: 0) == 150)
    }

    /// gpt-5.6 on: writes at 1.25x input, reads at the cached price; what the cache saved is the
    /// reads' discount less the writes' premium.
    @Test func cacheWrites() {
        let rates = PriceList.builtIn.match("gpt-6-astra")!.price.standard.rates
        // 40,000 uncached at $10 = 0.40, 40,000 read at $1 = 0.04, 20,000 written at $12.50 =
        // 0.25, 10,000 out at $50 = 0.50.
        let bill = rates.bill(Tokens(prompt: 100_000, cached: 40_000, cacheWrite: 20_000, completion: 10_000))
        #expect(abs(bill.usd - 1.19) < 1e-12)
        // 40,000 × ($10 - $1) - 20,000 × ($12.50 - $10)
        #expect(abs(bill.cacheSaved - 0.31) < 1e-12)
        // A model without a cache-write price bills writes as input: o3, 1,000 prompt tokens at $2.
        #expect(usd("o3", prompt: 1000, writes: 400, completion: 0) == usd("o3", prompt: 1000, completion: 0))
        #expect(PriceList.builtIn.match("o3")!.price.standard.rates.bill(Tokens(prompt: 1000, cacheWrite: 400)).cacheSaved == 0)
    }

    /// Over 272K prompt tokens the whole exchange bills at the long-context rates; at 272K not.
    @Test func longPromptsPerExchange() {
        // gpt-5.4: 200,000 uncached at $5 = 1.00, 100,000 cached at $0.50 = 0.05, 2,000 out at $22.50 = 0.045.
        #expect(abs(usd("gpt-5.4", prompt: 300_000, cached: 100_000, completion: 2000)! - 1.095) < 1e-12)
        #expect(usd("gpt-5.4", prompt: 272_000, completion: 0) == 0.68)
        #expect(usd("gpt-5.4", prompt: 272_001, completion: 0) == 1.360005)
        // A model without a long-context price bills every prompt alike (gpt-4.1 reads 1M tokens).
        #expect(usd("gpt-4.1", prompt: 400_000, completion: 0) == 0.8)
    }

    /// The tier the upstream said served the exchange sets its rates.
    @Test func serviceTiers() {
        // gpt-5.6-sol flex: 10,000 in at $2, 1,000 out at $10.
        #expect(usd("gpt-5.6-sol", tier: "flex", prompt: 10_000, completion: 1000) == 0.03)
        // priority, and "fast", its name on gpt-6.2: 10,000 in at $4, 1,000 out at $20.
        #expect(usd("gpt-6.2-sol", tier: "fast", prompt: 10_000, completion: 1000) == 0.06)
        #expect(usd("gpt-6.2-sol", tier: "priority", prompt: 10_000, completion: 1000) == 0.06)
        // Long prompts at a tier: gpt-6-astra flex over 272K, 300,000 in at $10, 1,000 out at $37.50.
        #expect(usd("gpt-6-astra", tier: "flex", prompt: 300_000, completion: 1000) == 3.0375)
        // The standard tier, however it is said.
        for tier in [nil, "default", "auto"] {
            #expect(usd("gpt-5.6-sol", tier: tier, prompt: 10_000, completion: 1000) == 0.06, "\(tier ?? "nil")")
        }
    }

    /// Never a guessed price: a tier the model has none for, or one the list does not know, or a
    /// long prompt at a tier that publishes no long-context rate.
    @Test func unpublishedTiersHaveNoPrice() {
        #expect(usd("gpt-6.2-sol", tier: "flex", prompt: 10, completion: 10) == nil)
        #expect(usd("o1", tier: "flex", prompt: 10, completion: 10) == nil)
        #expect(usd("gpt-6.2-sol", tier: "ultrafast", prompt: 10, completion: 10) == nil)
        #expect(usd("o3", tier: "scale", prompt: 10, completion: 10) == nil)
        #expect(usd("gpt-5.4", tier: "priority", prompt: 300_000, completion: 10) == nil)
        #expect(usd("gpt-5.4", tier: "priority", prompt: 200_000, completion: 0) == 1)
    }

    @Test func aFileExtendsOverridesAndAliases() throws {
        let prices = try merged("""
            {"date": "2026-12-01",
             "prices": {"o1": {"input": 10, "cached_input": 5, "output": 40}, "my-finetune": {"input": 3, "output": 12}},
             "aliases": {"prod-o3": "o3", "azure-*-mini": "o1-mini", "eu-o1-*": "o1-2024-12-17"}}
            """)
        let file = PriceOrigin(date: "2026-12-01", file: "/etc/o1-proxy/prices.json")
        #expect(prices.match("o1") == PriceMatch(pricedAs: "o1", price: Price(Rates(input: 10, cachedInput: 5, cacheWrite: nil, output: 40)),
                                                 origin: file))
        #expect(prices.match("o1-2024-12-17")?.origin == file)
        #expect(prices.match("my-finetune")?.price == Price(Rates(input: 3, cachedInput: nil, cacheWrite: nil, output: 12)))
        #expect(prices.match("o1-mini")?.origin.file == nil)
        #expect(prices.match("prod-o3")?.pricedAs == "o3")
        #expect(prices.match("azure-westeu-mini")?.pricedAs == "o1-mini")
        #expect(prices.match("eu-o1-deployment")?.pricedAs == "o1")
        #expect(prices.match("prod-o3-2")?.pricedAs == nil)
    }

    /// Every rule can be priced in the file: cache writes, long prompts, flex and priority. An
    /// entry replaces the built-in one whole.
    @Test func aFilePricesEveryRule() throws {
        let prices = try merged("""
            {"date": "2026-12-01", "prices": {"gpt-6-astra": {
              "input": 8, "cached_input": 0.8, "cache_write": 10, "output": 40,
              "long_context": {"input": 16, "cached_input": 1.6, "cache_write": 20, "output": 60},
              "flex": {"input": 4, "output": 20, "long_context": {"input": 8, "output": 30}},
              "priority": {"input": 16, "output": 80}}}}
            """)
        let price = try #require(prices.match("gpt-6-astra")?.price)
        #expect(price.standard == TierPrice(Rates(input: 8, cachedInput: 0.8, cacheWrite: 10, output: 40),
                                            long: Rates(input: 16, cachedInput: 1.6, cacheWrite: 20, output: 60)))
        #expect(price.rates(Billing(tier: "flex", longPrompt: true)) == Rates(input: 8, cachedInput: nil, cacheWrite: nil, output: 30))
        #expect(price.rates(Billing(tier: "priority", longPrompt: false))?.input == 16)
        // No long-context rate for priority in the file: such an exchange has no price.
        #expect(price.rates(Billing(tier: "priority", longPrompt: true)) == nil)
    }

    @Test func badFilesSayWhatIsWrong() {
        let cases: [(String, String)] = [
            ("{", "not valid JSON"),
            (#"{"date": "2026-12-01", "prices": {}, "prices": {}}"#, "not valid JSON (or a key appears twice)"),
            ("[]", "expected a JSON object"),
            (#"{"price": {}}"#, #"unknown key "price""#),
            (#"{"prices": {"x": {"input": 1, "output": 2}}}"#, #""date" must say when the prices were taken"#),
            (#"{"date": "1.12.2026", "prices": {"x": {"input": 1, "output": 2}}}"#, #""date" must say"#),
            (#"{"date": "2026-13-01"}"#, #""date" must be YYYY-MM-DD"#),
            (#"{"date": "2026-12-01", "prices": []}"#, #""prices" must be an object"#),
            (#"{"date": "2026-12-01", "prices": {"x": 3}}"#, #"the price of "x" must be an object"#),
            (#"{"date": "2026-12-01", "prices": {"x": {"input": 1}}}"#, #"needs "input" and "output""#),
            (#"{"date": "2026-12-01", "prices": {"x": {"input": -1, "output": 2}}}"#, #""input" must be a number"#),
            (#"{"date": "2026-12-01", "prices": {"x": {"input": "1", "output": 2}}}"#, #""input" must be a number"#),
            (#"{"date": "2026-12-01", "prices": {"x": {"input": 1e12, "output": 2}}}"#, #""input" must be a number"#),
            (#"{"date": "2026-12-01", "prices": {"x": {"input": 1, "output": 1e400}}}"#, #""output" must be a number"#),
            (#"{"date": "2026-12-01", "prices": {"x": {"input": 1, "output": 2, "cached": 1}}}"#, #"unknown key "cached""#),
            (#"{"date": "2026-12-01", "prices": {"x-*": {"input": 1, "output": 2}}}"#, "patterns go in \"aliases\""),
            (#"{"date": "2026-12-01", "prices": {"x": {"input": 1, "output": 2, "flex": 3}}}"#, #"the price of "x" flex must be an object"#),
            (#"{"date": "2026-12-01", "prices": {"x": {"input": 1, "output": 2, "flex": {"input": 1}}}}"#,
             #"needs "flex.input" and "flex.output""#),
            (#"{"date": "2026-12-01", "prices": {"x": {"input": 1, "output": 2, "flex": {"input": 1, "output": 2, "priority": {}}}}}"#,
             #"unknown key "flex.priority""#),
            (#"{"date": "2026-12-01", "prices": {"x": {"input": 1, "output": 2, "long_context": 2}}}"#, "long_context must be an object"),
            (#"{"date": "2026-12-01", "prices": {"x": {"input": 1, "output": 2, "long_context": {"input": 2, "output": 3, "flex": {}}}}}"#,
             #"unknown key "long_context.flex""#),
            (#"{"date": "2026-12-01", "prices": {"x": {"input": 1, "output": 2, "long_context": {"input": 2, "output": -3}}}}"#,
             #""long_context.output" must be a number"#),
            (#"{"date": "2026-12-01", "prices": {"x": {"input": 1, "output": 2, "flex": {"input": 1, "output": 1, "long_context": {"input": 2, "output": 2}}}}}"#,
             "has flex.long_context but no long_context of its own"),
            (#"{"aliases": {"prod": "o7"}}"#, #"alias "prod" names "o7", which has no price"#),
            (#"{"aliases": {"prod": 1}}"#, #"alias "prod" must name a model as a string"#),
            (#"{"aliases": []}"#, #""aliases" must be an object"#),
        ]
        for (json, expected) in cases {
            let message = problem(json)
            #expect(message?.hasPrefix("O1_PROXY_PRICES=/etc/o1-proxy/prices.json: ") == true, "\(json)")
            #expect(message?.contains(expected) == true, "\(json): \(message ?? "accepted")")
        }
    }
}
