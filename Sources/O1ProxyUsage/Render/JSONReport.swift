/// `--json`: the tables' figures for machines, with exact counts, milliseconds and dollars
/// (to the micro-dollar), and each cost with the date and source of its price.
func renderJSON(_ report: UsageReport, source: String) -> String {
    var document: [(String, JSONOutput)] = [
        ("source", .string(source)),
        ("grouping", .string(report.grouping.rawValue)),
        ("period", report.period.map { .object([("first", .string($0.first.text)), ("last", .string($0.last.text))]) } ?? .null),
        ("undated_exchanges", .int(report.undated)),
        ("lines_read", .int(report.linesRead)),
        ("rows", .array(report.rows.map { row in
            var fields: [(String, JSONOutput)] = []
            if report.grouping == .day { fields.append(("day", row.day.map { .string($0.iso) } ?? .null)) }
            fields.append(("model", row.model.map(JSONOutput.string) ?? .null))
            fields += stats(row.stats)
            fields.append(("cost", row.cost.map { cost in
                .object([("usd", .number(decimal(cost, 6))), ("priced_as", .string(row.price!.pricedAs)),
                         ("price_date", .string(row.price!.origin.date)),
                         ("prices_file", row.price!.origin.file.map(JSONOutput.string) ?? .null)])
            } ?? .null))
            return .object(fields)
        })),
    ]
    if report.grouping == .day {
        document.append(("day_totals", .array(report.dayTotals.map { total in
            .object([("day", total.day.map { .string($0.iso) } ?? .null)] + stats(total.stats) + [("cost", cost(total))])
        })))
    }
    document.append(("total", .object(stats(report.total.stats) + [("cost", cost(report.total))])))
    document.append(("unpriced_models", .array(report.unpricedModels.map(JSONOutput.string))))
    document.append(("prices", .array(report.priceOrigins.map { origin in
        .object([("date", .string(origin.date)), ("file", origin.file.map(JSONOutput.string) ?? .null)])
    })))
    return JSONOutput.object(document).text(indent: "") + "\n"
}

private func stats(_ s: UsageStats) -> [(String, JSONOutput)] {
    func percentiles(_ p: Percentiles?) -> JSONOutput {
        p.map { .object([("p50", .int($0.p50)), ("p95", .int($0.p95))]) } ?? .null
    }
    return [
        ("exchanges", .int(s.exchanges)),
        ("errors", .object([("4xx", .int(s.clientErrors)), ("5xx", .int(s.serverErrors)),
                            ("client_gone", .int(s.clientsGone)), ("stream_failed", .int(s.streamsFailed))])),
        ("rejected_round_trips", .int(s.rejectedRoundTrips)),
        ("learned", .object(s.learned.map { ($0.fix, .int($0.count)) })),
        ("duration_ms", percentiles(s.duration)),
        ("upstream_ms", percentiles(s.upstream)),
        ("tokens", .object([("prompt", .int(s.promptTokens)), ("cached", .int(s.cachedTokens)),
                            ("completion", .int(s.completionTokens)), ("reasoning", .int(s.reasoningTokens))])),
        ("reasoning_share", s.reasoningShare.map { .number(decimal($0, 4)) } ?? .null),
    ]
}

private func cost(_ total: UsageReport.Total) -> JSONOutput {
    .object([("usd", .number(decimal(total.cost, 6))), ("complete", .bool(!total.incomplete))])
}

/// A fixed-point number without trailing zeros: `2.345678`, `0.5`, `12`.
private func decimal(_ value: Double, _ decimals: Int) -> String {
    var text = Format.fixed(value, decimals: decimals)
    while text.contains("."), text.last == "0" { text.removeLast() }
    if text.last == "." { text.removeLast() }
    return text
}

/// JSON to write, with numbers as their exact text. Objects keep their order.
enum JSONOutput {
    case null
    case bool(Bool)
    case int(Int)
    case number(String)
    case string(String)
    case array([JSONOutput])
    case object([(String, JSONOutput)])

    func text(indent: String) -> String {
        let inner = indent + "  "
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .int(let value): return String(value)
        case .number(let text): return text
        case .string(let value): return JSONOutput.quoted(value)
        case .array(let elements):
            guard !elements.isEmpty else { return "[]" }
            return "[\n" + elements.map { inner + $0.text(indent: inner) }.joined(separator: ",\n") + "\n\(indent)]"
        case .object(let members):
            guard !members.isEmpty else { return "{}" }
            return "{\n" + members.map { inner + JSONOutput.quoted($0.0) + ": " + $0.1.text(indent: inner) }
                .joined(separator: ",\n") + "\n\(indent)}"
        }
    }

    static func quoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\u{2028}" || scalar == "\u{2029}":
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
