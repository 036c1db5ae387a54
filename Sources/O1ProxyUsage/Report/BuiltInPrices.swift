import O1ProxyCore

extension PriceList {
    /// When the built-in list was taken from its source (below); printed with every cost.
    static let builtInDate = "2026-08-21"

    /// OpenAI's standard-tier list prices, USD per million tokens: input, cached input, output.
    ///
    /// Source: pydantic/genai-prices, `prices/providers/openai.yml` at commit 47df840 (2026-08-21),
    /// a dated, reviewed copy of https://developers.openai.com/api/docs/pricing; each entry's
    /// `prices_checked` date is noted where it has one. Cross-checked: gpt-5.4-mini, gpt-5.4-nano,
    /// gpt-5.5, gpt-5.5-pro against api-evangelist/openai `plans/openai-plans-pricing.yml` (read
    /// from the same page on 2026-05-04); gpt-4o-2024-05-13 from hex.pm openai_responses 0.4.1
    /// `lib/responses/pricing.ex` (the pricing page on 2025-06-03). Names that genai-prices maps to
    /// the same entry (gpt-5-codex to gpt-5, ...) are listed as the names clients send.
    ///
    /// Left out on purpose: gpt-5.4, gpt-5.4-pro and gpt-5.6 (sol, terra, luna) bill prompts over
    /// 272K tokens at a higher rate, which a total of tokens cannot apply; they show "no price"
    /// until an operator prices them in O1_PROXY_PRICES.
    static let builtIn: PriceList = {
        let table: [(names: [String], price: Price)] = [
            // o-series. o1: checked 2025-07-04; o1-preview is billed as o1.
            (["o1", "o1-preview"], Price(input: 15, cachedInput: 7.5, output: 60)),
            (["o1-mini"], Price(input: 1.1, cachedInput: 0.55, output: 4.4)),  // checked 2025-07-04
            (["o1-pro"], Price(input: 150, output: 600)),  // checked 2025-07-04, no cache discount
            (["o3-mini"], Price(input: 1.1, cachedInput: 0.55, output: 4.4)),  // checked 2025-07-04
            (["o3"], Price(input: 2, cachedInput: 0.5, output: 8)),  // since the 2025-06-10 price cut
            (["o3-pro"], Price(input: 20, output: 80)),
            (["o3-deep-research"], Price(input: 10, cachedInput: 2.5, output: 40)),
            (["o4-mini"], Price(input: 1.1, cachedInput: 0.275, output: 4.4)),  // checked 2025-07-04
            (["o4-mini-deep-research"], Price(input: 2, cachedInput: 0.5, output: 8)),
            (["codex-mini-latest"], Price(input: 1.5, cachedInput: 0.375, output: 6)),
            // GPT-4o and GPT-4.1: checked 2025-07-04.
            (["gpt-4o"], Price(input: 2.5, cachedInput: 1.25, output: 10)),
            (["gpt-4o-2024-05-13"], Price(input: 5, output: 15)),
            (["gpt-4o-mini"], Price(input: 0.15, cachedInput: 0.075, output: 0.6)),
            (["gpt-4.1"], Price(input: 2, cachedInput: 0.5, output: 8)),
            (["gpt-4.1-mini"], Price(input: 0.4, cachedInput: 0.1, output: 1.6)),
            (["gpt-4.1-nano"], Price(input: 0.1, cachedInput: 0.025, output: 0.4)),
            // GPT-5 family: checked 2025-11-13, except where noted.
            (["gpt-5", "gpt-5-chat-latest", "gpt-5-codex"], Price(input: 1.25, cachedInput: 0.125, output: 10)),
            (["gpt-5-mini"], Price(input: 0.25, cachedInput: 0.025, output: 2)),
            (["gpt-5-nano"], Price(input: 0.05, cachedInput: 0.005, output: 0.4)),
            (["gpt-5-pro"], Price(input: 15, output: 120)),
            (["gpt-5.1", "gpt-5.1-chat-latest", "gpt-5.1-codex", "gpt-5.1-codex-max"],
             Price(input: 1.25, cachedInput: 0.125, output: 10)),
            (["gpt-5.1-codex-mini"], Price(input: 0.25, cachedInput: 0.025, output: 2)),
            // checked 2025-12-11
            (["gpt-5.2", "gpt-5.2-chat-latest", "gpt-5.2-codex"], Price(input: 1.75, cachedInput: 0.175, output: 14)),
            (["gpt-5.2-pro"], Price(input: 21, output: 168)),
            (["gpt-5.3-codex"], Price(input: 1.75, cachedInput: 0.175, output: 14)),  // checked 2026-02-05
            (["gpt-5.4-mini"], Price(input: 0.75, cachedInput: 0.075, output: 4.5)),  // checked 2026-03-18
            (["gpt-5.4-nano"], Price(input: 0.2, cachedInput: 0.02, output: 1.25)),  // checked 2026-03-18
            // checked 2026-04-24
            (["gpt-5.5", "gpt-5.5-chat-latest", "gpt-5.5-codex"], Price(input: 5, cachedInput: 0.5, output: 30)),
            (["gpt-5.5-pro"], Price(input: 30, output: 180)),
        ]
        let origin = PriceOrigin(date: builtInDate, file: nil)
        var entries: [String: Entry] = [:]
        for (names, price) in table {
            for name in names { entries[name] = Entry(price: price, origin: origin) }
        }
        return PriceList(entries: entries)
    }()
}
