import O1ProxyCore

/// The rows and cells of the report's two tables, shared by the terminal and the page so that
/// both print the same figures: per model (by day: per model and day, then the day's total),
/// then the total.
struct ReportTable {
    enum Kind {
        case model, dayTotal, total
    }

    struct Line {
        var kind: Kind
        var day: Day?
        /// A model line's model; nil for totals.
        var name: ModelName?
        var label: [String]
        var behaviour: [String]
        var tokens: [String]
        var cache: [String]
    }

    /// Column names, and the keys the page marks its cells with.
    static let behaviourColumns = [("exchanges", "exchanges"), ("4xx", "e4xx"), ("5xx", "e5xx"), ("gone", "gone"),
                                   ("broken", "broken"), ("crashed", "crashed"), ("rejected", "rejected"), ("p50", "p50"), ("p95", "p95"),
                                   ("upstream p50", "up50"), ("upstream p95", "up95")]
    static let tokenColumns = [("prompt", "prompt"), ("cached", "cached"), ("completion", "completion"),
                               ("reasoning", "reasoning"), ("reasoning share", "share"), ("cost", "cost"),
                               ("prices of", "date")]
    static let cacheColumns = [("cached share", "cshare"), ("cache writes", "cwrites"), ("cache saved", "saved"),
                               ("reasoning replayed", "replayed")]

    let labelHeaders: [String]
    let lines: [Line]

    init(_ report: UsageReport) {
        let byDay = report.grouping == .day
        labelHeaders = byDay ? ["day", "model"] : ["model"]
        func line(_ kind: Kind, day: Day?, name: ModelName?, stats: UsageStats, cost: String, date: String, saved: Double?) -> Line {
            let text: String
            switch kind {
            case .model: text = name.map { Format.printable(Format.label($0)) } ?? ""
            case .dayTotal: text = "all models"
            case .total: text = byDay ? "" : "total"
            }
            let label = byDay ? [kind == .total ? "total" : day?.iso ?? "no date", text] : [text]
            return Line(kind: kind, day: day, name: name, label: label,
                        behaviour: ReportTable.behaviourCells(stats), tokens: ReportTable.tokenCells(stats, cost: cost, date: date),
                        cache: ReportTable.cacheCells(stats, saved: saved))
        }
        var lines: [Line] = []
        var totals = report.dayTotals.makeIterator()
        for (index, row) in report.rows.enumerated() {
            lines.append(line(.model, day: row.day, name: row.name, stats: row.stats, cost: costText(row),
                              date: row.price?.origin.date ?? "", saved: row.cost?.cacheSaved))
            let dayEnds = index + 1 == report.rows.count || report.rows[index + 1].day != row.day
            if byDay, dayEnds, let total = totals.next() {
                lines.append(line(.dayTotal, day: total.day, name: nil, stats: total.stats, cost: totalCostText(total), date: "",
                                  saved: total.cost.cacheSaved))
            }
        }
        lines.append(line(.total, day: nil, name: nil, stats: report.total.stats, cost: totalCostText(report.total), date: "",
                          saved: report.total.cost.cacheSaved))
        self.lines = lines
    }

    private static func behaviourCells(_ s: UsageStats) -> [String] {
        [Format.count(s.exchanges), Format.count(s.clientErrors), Format.count(s.serverErrors), Format.count(s.clientsGone),
         Format.count(s.streamsFailed), Format.count(s.crashed), Format.count(s.rejectedRoundTrips),
         s.duration.map { Format.duration($0.p50) } ?? "-", s.duration.map { Format.duration($0.p95) } ?? "-",
         s.upstream.map { Format.duration($0.p50) } ?? "-", s.upstream.map { Format.duration($0.p95) } ?? "-"]
    }

    private static func tokenCells(_ s: UsageStats, cost: String, date: String) -> [String] {
        [Format.count(s.promptTokens), Format.count(s.cachedTokens), Format.count(s.completionTokens),
         Format.count(s.reasoningTokens), s.reasoningShare.map(Format.percent) ?? "-", cost, date]
    }

    /// `saved`: what the cache saved on the exchanges that had a price; nil without one.
    private static func cacheCells(_ s: UsageStats, saved: Double?) -> [String] {
        [s.cachedShare.map(Format.percent) ?? "-", Format.count(s.cacheWriteTokens), saved.map(Format.usd) ?? "-",
         Format.count(s.reasoningReplayed)]
    }
}

/// A lower bound says so: some of the row's exchanges had no price for how they were served.
func costText(_ row: UsageReport.Row) -> String {
    if let cost = row.cost { return (cost.complete ? "" : "≥ ") + Format.usd(cost.usd) }
    return row.model == nil ? "-" : "no price"
}

func totalCostText(_ total: UsageReport.Total) -> String {
    (total.incomplete ? "≥ " : "") + Format.usd(total.cost.usd)
}

/// `o1-proxy usage of the journal since -7d: 1,234 exchanges, 2026-11-18 09:00 to ...`, and
/// what could not be read: never left out in silence.
func headline(_ report: UsageReport, source: String) -> String {
    let exchanges = report.total.stats.exchanges
    guard exchanges > 0 else {
        let read = report.linesRead == 0 ? "" : " (read \(Format.count(report.linesRead)) lines, none of them an o1-proxy exchange)"
        return "o1-proxy usage of \(source): no exchanges\(read)" + unreadableText(report) + "."
    }
    var text = "o1-proxy usage of \(source): \(Format.count(exchanges)) exchange\(exchanges == 1 ? "" : "s")"
    if let period = report.period {
        text += ", \(period.first.text) to \(period.last.text) (local time)"
    }
    if report.undated > 0 {
        text += "; \(Format.count(report.undated)) without a date (logged by a version that wrote no time=)"
    }
    return text + unreadableText(report) + "."
}

private func unreadableText(_ report: UsageReport) -> String {
    var text = ""
    if report.unreadableEntries > 0 {
        text += "; \(Format.count(report.unreadableEntries)) entr\(report.unreadableEntries == 1 ? "y" : "ies") unreadable (not counted)"
    }
    if report.unreadableFigures > 0 {
        let one = report.unreadableFigures == 1
        text += "; \(Format.count(report.unreadableFigures)) exchange\(one ? "" : "s") with a figure unreadable (counted without \(one ? "it" : "them"))"
    }
    return text
}

/// What the columns mean and where the prices come from: printed with every cost.
func legend(_ report: UsageReport) -> [String] {
    var lines = [
        "gone: the client left before the answer (499). broken: a stream that failed after its 200.",
        "crashed: its instance ended abnormally (systemd's word), whatever the client got.",
        "rejected: upstream calls rejected before a fix was learned. reasoning share: of the completion tokens.",
        "cached share: of the prompt tokens. cache saved: what cached reads saved against the input price, less what cache "
            + "writes cost above it. reasoning replayed: items of earlier turns sent back, which keep the prompt the same.",
        "Costs are estimates in USD at the list prices of " + pricesText(report)
            + ", each exchange at its service tier, and prompts over \(Price.longContextAbove / 1000)K tokens at the long-context rate.",
    ]
    if !report.unpricedModels.isEmpty {
        lines.append("No price for " + report.unpricedModels.map(Format.printable).joined(separator: ", ")
            + ": their tokens are not in the total; price them in O1_PROXY_PRICES.")
    }
    if !report.unpricedTiers.isEmpty {
        lines.append("No price for " + report.unpricedTiers.map { unpriced in
            Format.printable(Format.label(unpriced.name)) + " " + servedText(unpriced.billing)
                + " (\(Format.count(unpriced.exchanges)) exchange\(unpriced.exchanges == 1 ? "" : "s"))"
        }.joined(separator: ", ") + ": not in the total; price them in O1_PROXY_PRICES.")
    }
    return lines
}

/// How exchanges were served that their model has no price for.
func servedText(_ billing: Billing) -> String {
    "at service tier " + Format.printable(billing.tier ?? "default")
        + (billing.longPrompt ? " with a prompt over \(Price.longContextAbove / 1000)K tokens" : "")
}

func pricesText(_ report: UsageReport) -> String {
    let origins = report.priceOrigins.isEmpty ? [PriceOrigin(date: PriceList.builtInDate, file: nil)] : report.priceOrigins
    return origins.map { origin in
        origin.date + (origin.file.map { " (O1_PROXY_PRICES=\(Format.printable($0)))" } ?? " (built in)")
    }.joined(separator: " and ")
}
