import O1ProxyCore

extension PriceList {
    /// When the built-in list was taken from its source (below); printed with every cost.
    static let builtInDate = "2026-12-05"

    /// OpenAI's list prices, USD per million tokens, as `r(input, cached input, cache writes,
    /// output)` (nil: billed as input), with the rates of prompts over 272K tokens (`long:`) and
    /// of the flex and priority tiers where they are published.
    ///
    /// Source: the `genai-prices` package 0.2.5 (pydantic/genai-prices on PyPI, the newest there
    /// on 2026-12-05), its `data.py`, a dated, reviewed copy of
    /// https://developers.openai.com/api/docs/pricing: each model's prices as of 2026-12-05, its
    /// flex and priority ("fast" on gpt-6.2) rates as verified there on 2026-10-12. Cross-checked
    /// against its own `calc_price` on hand-made usages, and gpt-6-astra against
    /// BerriAI/litellm PR #39607 ($10, $1 cached, $50). Names it maps to one entry are listed as
    /// clients send them; dated snapshots match by the rule of `PriceList`.
    ///
    /// Prices before a cut are not kept: gpt-5.6-sol was $5/$0.50/$6.25/$30 before 2026-08-21,
    /// gpt-5.6-terra $2.50/$15 and gpt-5.6-luna $1/$6 before 2026-07-30, and the report costs
    /// older exchanges at today's list. Left out: gpt-6.2's `ultrafast` tier, which changes price
    /// on 2027-03-01, and the Batch API, which the proxy never uses.
    static let builtIn: PriceList = {
        func r(_ input: Double, _ cached: Double?, _ write: Double?, _ output: Double) -> Rates {
            Rates(input: input, cachedInput: cached, cacheWrite: write, output: output)
        }
        let table: [(names: [String], price: Price)] = [
            // o-series; o1-preview is billed as o1.
            (["o1", "o1-preview"], Price(r(15, 7.5, nil, 60))),
            (["o1-mini"], Price(r(1.1, 0.55, nil, 4.4))),
            (["o1-pro"], Price(r(150, nil, nil, 600))),
            (["o3-mini"], Price(r(1.1, 0.55, nil, 4.4))),
            (["o3"], Price(r(2, 0.5, nil, 8), flex: TierPrice(r(1, 0.25, nil, 4)), priority: TierPrice(r(3.5, 0.875, nil, 14)))),
            (["o3-pro"], Price(r(20, nil, nil, 80))),
            (["o3-deep-research"], Price(r(10, 2.5, nil, 40))),
            (["o4-mini"], Price(r(1.1, 0.275, nil, 4.4), flex: TierPrice(r(0.55, 0.138, nil, 2.2)),
                                priority: TierPrice(r(2, 0.5, nil, 8)))),
            (["o4-mini-deep-research"], Price(r(2, 0.5, nil, 8))),
            (["codex-mini-latest"], Price(r(1.5, 0.375, nil, 6))),
            // GPT-4o and GPT-4.1
            (["gpt-4o"], Price(r(2.5, 1.25, nil, 10), priority: TierPrice(r(4.25, 2.125, nil, 17)))),
            (["gpt-4o-2024-05-13"], Price(r(5, nil, nil, 15), priority: TierPrice(r(8.75, nil, nil, 26.25)))),
            (["gpt-4o-mini"], Price(r(0.15, 0.075, nil, 0.6), priority: TierPrice(r(0.25, 0.125, nil, 1)))),
            (["gpt-4.1"], Price(r(2, 0.5, nil, 8), priority: TierPrice(r(3.5, 0.875, nil, 14)))),
            (["gpt-4.1-mini"], Price(r(0.4, 0.1, nil, 1.6), priority: TierPrice(r(0.7, 0.175, nil, 2.8)))),
            (["gpt-4.1-nano"], Price(r(0.1, 0.025, nil, 0.4), priority: TierPrice(r(0.2, 0.05, nil, 0.8)))),
            // GPT-5 to GPT-5.3
            (["gpt-5", "gpt-5-chat-latest", "gpt-5-codex"],
             Price(r(1.25, 0.125, nil, 10), flex: TierPrice(r(0.625, 0.0625, nil, 5)), priority: TierPrice(r(2.5, 0.25, nil, 20)))),
            (["gpt-5-mini"], Price(r(0.25, 0.025, nil, 2), flex: TierPrice(r(0.125, 0.0125, nil, 1)),
                                   priority: TierPrice(r(0.45, 0.045, nil, 3.6)))),
            (["gpt-5-nano"], Price(r(0.05, 0.005, nil, 0.4), flex: TierPrice(r(0.025, 0.0025, nil, 0.2)))),
            (["gpt-5-pro"], Price(r(15, nil, nil, 120))),
            (["gpt-5.1", "gpt-5.1-chat-latest", "gpt-5.1-codex", "gpt-5.1-codex-max"],
             Price(r(1.25, 0.125, nil, 10), flex: TierPrice(r(0.625, 0.0625, nil, 5)), priority: TierPrice(r(2.5, 0.25, nil, 20)))),
            (["gpt-5.1-codex-mini"], Price(r(0.25, 0.025, nil, 2))),
            (["gpt-5.2", "gpt-5.2-chat-latest", "gpt-5.2-codex"],
             Price(r(1.75, 0.175, nil, 14), flex: TierPrice(r(0.875, 0.0875, nil, 7)), priority: TierPrice(r(3.5, 0.35, nil, 28)))),
            (["gpt-5.2-pro"], Price(r(21, nil, nil, 168))),
            (["gpt-5.3", "gpt-5.3-chat-latest"], Price(r(1.75, 0.175, nil, 14))),
            (["gpt-5.3-codex"], Price(r(1.75, 0.175, nil, 14), priority: TierPrice(r(3.5, 0.35, nil, 28)))),
            // GPT-5.4 and GPT-5.5: long prompts at 2x input and 1.5x output; priority publishes
            // no long-context rate, so such exchanges stay unpriced.
            (["gpt-5.4"], Price(r(2.5, 0.25, nil, 15), long: r(5, 0.5, nil, 22.5),
                                flex: TierPrice(r(1.25, 0.13, nil, 7.5), long: r(2.5, 0.25, nil, 11.25)),
                                priority: TierPrice(r(5, 0.5, nil, 30)))),
            (["gpt-5.4-mini"], Price(r(0.75, 0.075, nil, 4.5), flex: TierPrice(r(0.375, 0.0375, nil, 2.25)),
                                     priority: TierPrice(r(1.5, 0.15, nil, 9)))),
            (["gpt-5.4-nano"], Price(r(0.2, 0.02, nil, 1.25), flex: TierPrice(r(0.1, 0.01, nil, 0.625)))),
            (["gpt-5.4-pro"], Price(r(30, nil, nil, 180), long: r(60, nil, nil, 270),
                                    flex: TierPrice(r(15, nil, nil, 90), long: r(30, nil, nil, 135)))),
            (["gpt-5.5", "gpt-5.5-chat-latest", "gpt-5.5-codex"],
             Price(r(5, 0.5, nil, 30), long: r(10, 1, nil, 45), flex: TierPrice(r(2.5, 0.25, nil, 15), long: r(5, 0.5, nil, 22.5)),
                   priority: TierPrice(r(12.5, 1.25, nil, 75)))),
            (["gpt-5.5-pro"], Price(r(30, nil, nil, 180), long: r(60, nil, nil, 270), flex: TierPrice(r(15, nil, nil, 90)))),
            (["gpt-5.5-cyber"], Price(r(12.5, 1.25, nil, 75))),
            // GPT-5.6 and GPT-6: cache writes at 1.25x input.
            (["gpt-5.6-sol", "gpt-5.6"], Price(r(4, 0.4, 5, 20), long: r(8, 0.8, 10, 30),
                                               flex: TierPrice(r(2, 0.2, 2.5, 10), long: r(4, 0.4, 5, 15)),
                                               priority: TierPrice(r(8, 0.8, 10, 40), long: r(16, 1.6, 20, 60)))),
            (["gpt-5.6-terra"], Price(r(2, 0.2, 2.5, 12), long: r(4, 0.4, 5, 18),
                                      flex: TierPrice(r(1, 0.1, 1.25, 6), long: r(2, 0.2, 2.5, 9)),
                                      priority: TierPrice(r(4, 0.4, 5, 24), long: r(8, 0.8, 10, 36)))),
            (["gpt-5.6-luna"], Price(r(0.2, 0.02, 0.25, 1.2), long: r(0.4, 0.04, 0.5, 1.8),
                                     flex: TierPrice(r(0.1, 0.01, 0.125, 0.6), long: r(0.2, 0.02, 0.25, 0.9)),
                                     priority: TierPrice(r(0.4, 0.04, 0.5, 2.4), long: r(0.8, 0.08, 1, 3.6)))),
            (["gpt-5.6-cyber"], Price(r(12.5, 1.25, 15.625, 75))),
            (["gpt-6-astra"], Price(r(10, 1, 12.5, 50), long: r(20, 2, 25, 75),
                                    flex: TierPrice(r(5, 0.5, 6.25, 25), long: r(10, 1, 12.5, 37.5)),
                                    priority: TierPrice(r(20, 2, 25, 100), long: r(40, 4, 50, 150)))),
            (["gpt-6-sol"], Price(r(2, 0.2, 2.5, 10), long: r(4, 0.4, 5, 15),
                                  flex: TierPrice(r(1, 0.1, 1.25, 5), long: r(2, 0.2, 2.5, 7.5)),
                                  priority: TierPrice(r(4, 0.4, 5, 20), long: r(8, 0.8, 10, 30)))),
            (["gpt-6-luna"], Price(r(0.1, 0.01, 0.125, 0.5), long: r(0.2, 0.02, 0.25, 0.75),
                                   flex: TierPrice(r(0.05, 0.005, 0.0625, 0.25), long: r(0.1, 0.01, 0.125, 0.375)),
                                   priority: TierPrice(r(0.2, 0.02, 0.25, 1), long: r(0.4, 0.04, 0.5, 1.5)))),
            (["gpt-6-cyber"], Price(r(20, 2, 25, 100))),
            (["gpt-6-rosalind"], Price(r(15, 1.5, 18.75, 75), long: r(30, 3, 37.5, 112.5))),
            (["gpt-6.1-sol"], Price(r(2, 0.1, 2.5, 10), long: r(4, 0.2, 5, 15),
                                    flex: TierPrice(r(1, 0.05, 1.25, 5), long: r(2, 0.1, 2.5, 7.5)),
                                    priority: TierPrice(r(4, 0.2, 5, 20), long: r(8, 0.4, 10, 30)))),
            (["gpt-6.1-terra"], Price(r(1, 0.05, 1.25, 5), long: r(2, 0.1, 2.5, 7.5),
                                      flex: TierPrice(r(0.5, 0.025, 0.625, 2.5), long: r(1, 0.05, 1.25, 3.75)),
                                      priority: TierPrice(r(2, 0.1, 2.5, 10), long: r(4, 0.2, 5, 15)))),
            // gpt-6.2 has no flex tier.
            (["gpt-6.2-astra"], Price(r(8, 0.4, 10, 40), long: r(16, 0.8, 20, 60),
                                      priority: TierPrice(r(16, 0.8, 20, 80), long: r(32, 1.6, 40, 120)))),
            (["gpt-6.2-sol"], Price(r(2, 0.1, 2.5, 10), long: r(4, 0.2, 5, 15),
                                    priority: TierPrice(r(4, 0.2, 5, 20), long: r(8, 0.4, 10, 30)))),
        ]
        let origin = PriceOrigin(date: builtInDate, file: nil)
        var entries: [String: Entry] = [:]
        for (names, price) in table {
            for name in names { entries[name] = Entry(price: price, origin: origin) }
        }
        return PriceList(entries: entries)
    }()
}
