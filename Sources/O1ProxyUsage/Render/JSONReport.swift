import O1ProxyCore

/// `--json`: the tables' figures for machines, with exact counts, milliseconds and dollars
/// (to the micro-dollar), and each cost with the date and source of its price.
func renderJSON(_ report: UsageReport, source: String) -> String {
    var document: [(key: String, value: JSON)] = [
        ("source", .string(source)),
        ("grouping", .string(report.grouping.rawValue)),
        ("period", report.period.map { .fields([("first", .string($0.first.text)), ("last", .string($0.last.text))]) } ?? .null),
        ("undated_exchanges", .count(report.undated)),
        ("lines_read", .count(report.linesRead)),
        ("unreadable_entries", .count(report.unreadableEntries)),
        ("exchanges_with_unreadable_figures", .count(report.unreadableFigures)),
        ("rows", .array(report.rows.map { row in
            var fields: [(key: String, value: JSON)] = []
            if report.grouping == .day { fields.append(("day", row.day.map { .string($0.iso) } ?? .null)) }
            fields.append(("model", row.model.map(JSON.string) ?? .null))
            fields.append(("upstream_model", row.name.upstream.map(JSON.string) ?? .null))
            fields += stats(row.stats)
            fields.append(("cost", row.cost.map { cost in
                .fields([("usd", .number(decimal(cost.usd, 6))), ("complete", .bool(cost.complete)),
                         ("cache_saved_usd", .number(decimal(cost.cacheSaved, 6))),
                         ("priced_as", .string(row.price!.pricedAs)), ("price_date", .string(row.price!.origin.date)),
                         ("prices_file", row.price!.origin.file.map(JSON.string) ?? .null)])
            } ?? .null))
            return .fields(fields)
        })),
    ]
    if report.grouping == .day {
        document.append(("day_totals", .array(report.dayTotals.map { total in
            .fields([("day", total.day.map { .string($0.iso) } ?? .null)] + stats(total.stats) + [("cost", cost(total))])
        })))
    }
    document.append(("total", .fields(stats(report.total.stats) + [("cost", cost(report.total))])))
    document.append(("unpriced_models", .array(report.unpricedModels.map(JSON.string))))
    document.append(("unpriced_tiers", .array(report.unpricedTiers.map { unpriced in
        .fields([("model", unpriced.name.model.map(JSON.string) ?? .null),
                 ("upstream_model", unpriced.name.upstream.map(JSON.string) ?? .null),
                 ("service_tier", unpriced.billing.tier.map(JSON.string) ?? .null),
                 ("long_prompt", .bool(unpriced.billing.longPrompt)), ("exchanges", .count(unpriced.exchanges))])
    })))
    document.append(("prices", .array(report.priceOrigins.map { origin in
        .fields([("date", .string(origin.date)), ("file", origin.file.map(JSON.string) ?? .null)])
    })))
    return JSON.object(JSONObject(document)).prettyPrinted() + "\n"
}

private func stats(_ s: UsageStats) -> [(key: String, value: JSON)] {
    func percentiles(_ p: Percentiles?) -> JSON {
        p.map { .fields([("p50", .count($0.p50)), ("p95", .count($0.p95))]) } ?? .null
    }
    return [
        ("exchanges", .count(s.exchanges)),
        ("errors", .fields([("4xx", .count(s.clientErrors)), ("5xx", .count(s.serverErrors)),
                            ("client_gone", .count(s.clientsGone)), ("stream_failed", .count(s.streamsFailed)),
                            ("crashed", .count(s.crashed))])),
        ("crashes", .fields(s.crashes.map { (key: $0.reason, value: .count($0.count)) })),
        ("rejected_round_trips", .count(s.rejectedRoundTrips)),
        ("learned", .fields(s.learned.map { (key: $0.fix, value: .count($0.count)) })),
        ("duration_ms", percentiles(s.duration)),
        ("upstream_ms", percentiles(s.upstream)),
        ("tokens", .fields([("prompt", .count(s.promptTokens)), ("cached", .count(s.cachedTokens)),
                            ("cache_write", .count(s.cacheWriteTokens)), ("completion", .count(s.completionTokens)),
                            ("reasoning", .count(s.reasoningTokens))])),
        ("reasoning_share", s.reasoningShare.map { .number(decimal($0, 4)) } ?? .null),
        ("cached_share", s.cachedShare.map { .number(decimal($0, 4)) } ?? .null),
        ("reasoning_replayed", .count(s.reasoningReplayed)),
    ]
}

private func cost(_ total: UsageReport.Total) -> JSON {
    .fields([("usd", .number(decimal(total.cost.usd, 6))), ("complete", .bool(!total.incomplete)),
             ("cache_saved_usd", .number(decimal(total.cost.cacheSaved, 6)))])
}

/// A fixed-point number without trailing zeros: `2.345678`, `0.5`, `12`.
private func decimal(_ value: Double, _ decimals: Int) -> String {
    var text = Format.fixed(abs(value), decimals: decimals)
    while text.contains("."), text.last == "0" { text.removeLast() }
    if text.last == "." { text.removeLast() }
    return value < 0 && text != "0" ? "-" + text : text
}

private extension JSON {
    static func count(_ value: Int) -> JSON { .number(String(value)) }
    static func fields(_ fields: [(key: String, value: JSON)]) -> JSON { .object(JSONObject(fields)) }
}
