import O1ProxyCore

/// `--html FILE`: one self-contained page, to keep or mail. No script, no external asset, and a
/// Content-Security-Policy that forbids loading anything, so that opening it contacts nobody
/// (and a model name a client made up cannot run code in it: every name is escaped as well).
func renderHTML(_ report: UsageReport, source: String) -> String {
    let series = Series(models: report.models.map(\.name))
    var page = """
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>o1-proxy usage</title>
    <style>\(style)</style>
    </head>
    <body>
    <main>
    <h1>What the thinking cost</h1>
    <p class="sub" id="headline">\(escapeHTML(headline(report, source: source)))</p>

    """
    guard report.total.stats.exchanges > 0 else {
        return page + "</main>\n</body>\n</html>\n"
    }
    page += tiles(report)
    page += section(id: "cost", title: "Cost per day, by model", body: costChart(report, series: series))
    page += section(id: "reasoning", title: "Reasoning vs visible tokens, by model",
                    note: "Reasoning tokens are billed as output but never shown: the share the answer does not explain.",
                    body: reasoningChart(report))
    page += section(id: "cached-share", title: "Prompt tokens read from the cache, per day",
                    note: "Cached reads bill at a fraction of the input price (a tenth or less from gpt-5 on); reasoning kept across tool turns and a "
                        + "stable prompt_cache_key keep a conversation's prompt the same, and so cached.",
                    body: cacheChart(report, series: series))
    page += section(id: "latency", title: "How long an exchange took",
                    note: "Total time per exchange, client to client, including reasoning and rejected round trips.",
                    body: latencyChart(report, series: series))
    page += tables(report)
    page += countedList(id: "crashed", title: "Ended abnormally", note: Format.crashNote, report) {
        $0.crashes.map { ($0.reason, $0.count) }
    }
    page += countedList(id: "learned", title: "Rejected round trips", note: Format.learnedNote, report) {
        $0.learned.map { ($0.fix, $0.count) }
    }
    page += "<footer>\n" + legend(report).map { "<p>\(escapeHTML($0))</p>\n" }.joined() + "</footer>\n"
    return page + "</main>\n</body>\n</html>\n"
}

private func tiles(_ report: UsageReport) -> String {
    let total = report.total.stats
    let errors = "\(Format.count(total.clientErrors)) 4xx · \(Format.count(total.serverErrors)) 5xx · \(Format.count(total.clientsGone)) gone · \(Format.count(total.streamsFailed)) broken · \(Format.count(total.crashed)) crashed"
    let times = total.duration.map { "p50 \(Format.duration($0.p50)) · p95 \(Format.duration($0.p95))" } ?? "no durations logged"
    let tiles: [(id: String, label: String, value: String, note: String)] = [
        ("cost", "Estimated cost", totalCostText(report.total), "list prices of " + pricesText(report)),
        ("exchanges", "Exchanges", Format.count(total.exchanges), times),
        ("reasoning", "Reasoning share", total.reasoningShare.map(Format.percent) ?? "-",
         "\(Format.count(total.reasoningTokens)) of \(Format.count(total.completionTokens)) completion tokens never shown"),
        ("cache", "Cached share", total.cachedShare.map(Format.percent) ?? "-",
         "of \(Format.count(total.promptTokens)) prompt tokens; saved \(Format.usd(report.total.cost.cacheSaved)), "
            + "\(Format.count(total.cacheWriteTokens)) written, \(Format.count(total.reasoningReplayed)) reasoning items replayed"),
        ("errors", "Errors", Format.count(total.errors), errors),
        ("rejected", "Rejected round trips", Format.count(total.rejectedRoundTrips), "upstream calls before a fix was learned"),
    ]
    return "<section class=\"tiles\">\n" + tiles.map { tile in
        "<div class=\"tile\" id=\"tile-\(tile.id)\"><div class=\"label\">\(escapeHTML(tile.label))</div><div class=\"value\">\(escapeHTML(tile.value))</div><div class=\"note\">\(escapeHTML(tile.note))</div></div>\n"
    }.joined() + "</section>\n"
}

private func section(id: String, title: String, note: String? = nil, body: String) -> String {
    "<section class=\"card\" id=\"section-\(id)\">\n<h2>\(escapeHTML(title))</h2>\n"
        + (note.map { "<p class=\"note\">\(escapeHTML($0))</p>\n" } ?? "") + body + "</section>\n"
}

/// The terminal's three tables, cell for cell; rows and cells are marked (`data-model`,
/// `data-day`, `class`) so that a reader's tools, and the browser test, can find a figure.
private func tables(_ report: UsageReport) -> String {
    let table = ReportTable(report)
    func html(id: String, title: String, columns: [(String, String)], cells: (ReportTable.Line) -> [String]) -> String {
        var out = "<section class=\"card\" id=\"section-\(id)\">\n<h2>\(escapeHTML(title))</h2>\n<div class=\"scroll\"><table id=\"table-\(id)\">\n<thead><tr>"
        out += table.labelHeaders.map { "<th class=\"label\">\(escapeHTML($0))</th>" }.joined()
        out += columns.map { "<th>\(escapeHTML($0.0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for line in table.lines {
            var attributes = " class=\"\(line.kind == .model ? "model" : line.kind == .dayTotal ? "day-total" : "total")\""
            if let name = line.name {
                attributes += " data-model=\"\(escapeHTML(name.model ?? ""))\""
                if let upstream = name.upstream { attributes += " data-upstream=\"\(escapeHTML(upstream))\"" }
            }
            if report.grouping == .day, line.kind != .total { attributes += " data-day=\"\(line.day?.iso ?? "")\"" }
            out += "<tr\(attributes)>" + line.label.map { "<td class=\"label\">\(escapeHTML($0))</td>" }.joined()
            out += zip(columns, cells(line)).map { "<td class=\"\($0.0.1)\">\(escapeHTML($0.1))</td>" }.joined() + "</tr>\n"
        }
        return out + "</tbody>\n</table></div>\n</section>\n"
    }
    return html(id: "behaviour", title: "How each model behaved", columns: ReportTable.behaviourColumns, cells: \.behaviour)
        + html(id: "tokens", title: "What the tokens cost", columns: ReportTable.tokenColumns, cells: \.tokens)
        + html(id: "cache", title: "What the cache did", columns: ReportTable.cacheColumns, cells: \.cache)
}

/// A list under the tables, per model: what happened to its exchanges and how often.
private func countedList(id: String, title: String, note: String, _ report: UsageReport,
                         _ items: (UsageStats) -> [(what: String, count: Int)]) -> String {
    let rows = report.models.filter { !items($0.stats).isEmpty }
    guard !rows.isEmpty else { return "" }
    var out = "<section class=\"card\" id=\"section-\(id)\">\n<h2>\(escapeHTML(title))</h2>\n"
    out += "<p class=\"note\">\(escapeHTML(note))</p>\n<ul class=\"fixes\">\n"
    for row in rows {
        let counted = items(row.stats).map { "<code>\(escapeHTML($0.what))</code> × \(Format.count($0.count))" }
        out += "<li data-model=\"\(escapeHTML(row.model ?? ""))\"><strong>\(escapeHTML(Format.label(row.name)))</strong>: "
            + counted.joined(separator: ", ") + "</li>\n"
    }
    return out + "</ul>\n</section>\n"
}

func escapeHTML(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        case _ where scalar.value < 0x20 && scalar != "\n" && scalar != "\t": out += "\u{FFFD}"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}

private let style = """
:root{color-scheme:light dark;--fg:#1f2328;--muted:#59636e;--bg:#fff;--card:#f6f8fa;--line:#d1d9e0}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--card:#151b23;--line:#3d444d}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI","DejaVu Sans",sans-serif}
main{max-width:1120px;margin:0 auto;padding:28px 24px 40px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:16px;margin:0 0 6px}
.sub,.note,footer{color:var(--muted)}
.sub{margin:0 0 20px}
.note{margin:0 0 10px;font-size:13px}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:12px;margin-bottom:18px}
.tile,.card{background:var(--card);border:1px solid var(--line);border-radius:10px}
.tile{padding:12px 14px}
.tile .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.05em}
.tile .value{font-size:24px;font-weight:650;font-variant-numeric:tabular-nums;margin:2px 0;white-space:nowrap}
.tile .note{font-size:12px;margin:0}
.card{padding:16px 18px;margin-bottom:18px}
svg{display:block;width:100%;height:auto;font-size:12px}
svg text{fill:currentColor}
svg text.value{font-size:11px;fill:var(--muted)}
svg .grid{stroke:var(--line);stroke-width:1}
svg .seg:hover{opacity:.8}
svg .line{stroke-width:2}
svg .point{stroke:var(--card);stroke-width:1.5}
.empty{color:var(--muted);font-style:italic}
.legend{display:flex;flex-wrap:wrap;gap:6px 18px;list-style:none;padding:0;margin:10px 0 0;font-size:13px}
.swatch{display:inline-block;width:11px;height:11px;border-radius:3px;margin-right:6px;vertical-align:-1px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums;font-size:13px}
th,td{padding:6px 9px;text-align:right;white-space:nowrap;border-bottom:1px solid var(--line)}
th{color:var(--muted);font-weight:600}
th.label,td.label{text-align:left}
tr.day-total td{font-weight:600}
tr.total td{font-weight:700;border-top:2px solid var(--fg);border-bottom:none}
.fixes{margin:0;padding-left:18px}
.fixes li{margin:3px 0}
code{font:12px/1.4 ui-monospace,"DejaVu Sans Mono",monospace}
footer{font-size:12px;margin-top:8px}
footer p{margin:2px 0}
"""
