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

    @Test func everyModelOfTheBriefHasAPrice() {
        for model in ["o1", "o1-mini", "o1-preview", "o1-pro", "o3-mini", "o3", "o3-pro", "o4-mini", "gpt-5", "gpt-5-mini",
                      "gpt-5-nano", "gpt-5-pro", "gpt-4o", "gpt-4o-mini", "codex-mini-latest"] {
            let match = PriceList.builtIn.match(model)
            #expect(match?.pricedAs == model, "\(model)")
            #expect(match?.origin == PriceOrigin(date: PriceList.builtInDate, file: nil))
        }
    }

    @Test func datedSnapshotsArePricedAsTheirModel() {
        for (snapshot, model) in [("o1-mini-2024-09-12", "o1-mini"), ("o1-2024-12-17", "o1"), ("o3-mini-2025-01-31", "o3-mini"),
                                  ("gpt-5-mini-2025-08-07", "gpt-5-mini"), ("gpt-4o-2024-08-06", "gpt-4o"),
                                  ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"), ("o1-pro-2025-03-19", "o1-pro")] {
            #expect(PriceList.builtIn.match(snapshot)?.pricedAs == model, "\(snapshot)")
        }
        // A snapshot with a price of its own keeps it.
        #expect(PriceList.builtIn.match("gpt-4o-2024-05-13")?.price == Price(input: 5, output: 15))
    }

    @Test func onlySnapshotsMatchByPrefix() {
        for model in ["o3-mini-high", "o3-deep-research-x", "gpt-5-thinking", "o1-", "O1", "my-o1", "o9-future", "gpt-5.4", "gpt-5.6-sol", ""] {
            #expect(PriceList.builtIn.match(model) == nil, "\(model)")
        }
    }

    @Test func costOfTokens() {
        // o1: 800k uncached prompt at $15, 200k cached at $7.50, 500k completion at $60 (per million).
        let o1 = PriceList.builtIn.match("o1")!.price
        #expect(o1.cost(prompt: 1_000_000, cached: 200_000, completion: 500_000) == 43.5)
        // Without a cached price (pro models), cached tokens cost what other prompt tokens cost.
        let pro = PriceList.builtIn.match("o1-pro")!.price
        #expect(pro.cost(prompt: 1_000_000, cached: 1_000_000, completion: 0) == 150)
        #expect(o1.cost(prompt: 10, cached: 50, completion: 0) == o1.cost(prompt: 10, cached: 10, completion: 0))
    }

    @Test func aFileExtendsOverridesAndAliases() throws {
        let prices = try merged("""
            {"date": "2026-12-01",
             "prices": {"o1": {"input": 10, "cached_input": 5, "output": 40}, "my-finetune": {"input": 3, "output": 12}},
             "aliases": {"prod-o3": "o3", "azure-*-mini": "o1-mini", "eu-o1-*": "o1-2024-12-17"}}
            """)
        let file = PriceOrigin(date: "2026-12-01", file: "/etc/o1-proxy/prices.json")
        #expect(prices.match("o1") == PriceMatch(pricedAs: "o1", price: Price(input: 10, cachedInput: 5, output: 40), origin: file))
        #expect(prices.match("o1-2024-12-17")?.origin == file)
        #expect(prices.match("my-finetune")?.price == Price(input: 3, output: 12))
        #expect(prices.match("o1-mini")?.origin.file == nil)
        #expect(prices.match("prod-o3")?.pricedAs == "o3")
        #expect(prices.match("azure-westeu-mini")?.pricedAs == "o1-mini")
        #expect(prices.match("eu-o1-deployment")?.pricedAs == "o1")
        #expect(prices.match("prod-o3-2")?.pricedAs == nil)
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
            (#"{"date": "2026-12-01", "prices": {"x": {"input": 1, "output": 2, "cached": 1}}}"#, #"unknown key "cached""#),
            (#"{"date": "2026-12-01", "prices": {"x-*": {"input": 1, "output": 2}}}"#, "patterns go in \"aliases\""),
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
