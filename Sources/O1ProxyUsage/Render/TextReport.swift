import O1ProxyCore

/// The report for a terminal: three tables that fit 110 columns (how each model behaved; what
/// its tokens cost; what the cache did), the learned fixes that keep costing round trips, and
/// what the columns mean.
func renderText(_ report: UsageReport, source: String) -> String {
    var out = headline(report, source: source) + "\n"
    guard report.total.stats.exchanges > 0 else { return out }
    let table = ReportTable(report)
    var behaviour = TextTable(headers: table.labelHeaders + ReportTable.behaviourColumns.map(\.0), leftColumns: table.labelHeaders.count)
    var tokens = TextTable(headers: table.labelHeaders + ReportTable.tokenColumns.map(\.0), leftColumns: table.labelHeaders.count)
    var cache = TextTable(headers: table.labelHeaders + ReportTable.cacheColumns.map(\.0), leftColumns: table.labelHeaders.count)
    for line in table.lines {
        if line.kind == .total {
            behaviour.rule()
            tokens.rule()
            cache.rule()
        }
        behaviour.add(line.label + line.behaviour)
        tokens.add(line.label + line.tokens)
        cache.add(line.label + line.cache)
    }
    out += "\nHow each model behaved\n" + behaviour.text
    out += "\nWhat the tokens cost\n" + tokens.text
    out += "\nWhat the cache did\n" + cache.text

    out += countedList("Ended abnormally. " + Format.crashNote, report) { $0.crashes.map { ($0.reason, $0.count) } }
    out += countedList("Rejected round trips. " + Format.learnedNote, report) { $0.learned.map { ($0.fix, $0.count) } }
    out += "\n" + legend(report).map { wrapped($0, width: 104) }.joined(separator: "\n") + "\n"
    return out
}

/// A list under the tables, per model: what happened to its exchanges and how often.
private func countedList(_ note: String, _ report: UsageReport, _ items: (UsageStats) -> [(what: String, count: Int)]) -> String {
    let rows = report.models.filter { !items($0.stats).isEmpty }
    guard !rows.isEmpty else { return "" }
    var out = "\n" + wrapped(note, width: 100) + "\n"
    for row in rows {
        let counted = items(row.stats).map { "\(Format.count($0.count)) × \(Format.printable($0.what))" }
        out += "  \(Format.printable(Format.label(row.name))): " + counted.joined(separator: ", ") + "\n"
    }
    return out
}

/// Columns sized to their widest cell: text columns to the left, numbers to the right.
struct TextTable {
    private var rows: [[String]?]
    private let leftColumns: Int

    init(headers: [String], leftColumns: Int) {
        self.leftColumns = leftColumns
        rows = [headers, nil]
    }

    mutating func add(_ cells: [String]) {
        rows.append(cells)
    }

    /// A line of dashes before the next row.
    mutating func rule() {
        rows.append(nil)
    }

    var text: String {
        let cells = rows.compactMap { $0 }
        let widths = cells[0].indices.map { column in cells.map { $0[column].count }.max() ?? 0 }
        let totalWidth = widths.reduce(0, +) + 2 * (widths.count - 1)
        return rows.map { row in
            guard let row else { return String(repeating: "-", count: totalWidth) }
            var line = row.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return column < leftColumns ? cell + pad : pad + cell
            }.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n") + "\n"
    }
}

/// `text` in lines of at most `width` characters, broken at spaces.
func wrapped(_ text: String, width: Int) -> String {
    var lines: [String] = []
    var line = ""
    for word in text.split(separator: " ") {
        if !line.isEmpty, line.count + 1 + word.count > width {
            lines.append(line)
            line = ""
        }
        line += (line.isEmpty ? "" : " ") + word
    }
    lines.append(line)
    return lines.joined(separator: "\n")
}
