import O1ProxyCore

/// The columns of a chart over time: every day from the first to the last, so that the axis is
/// a calendar (days without exchanges drawn empty), unless they span 400 days or more; undated
/// exchanges (older versions) last.
func calendar(_ report: UsageReport) -> [UsageReport.Daily] {
    let dated = report.daily.filter { $0.day != nil }
    var columns: [UsageReport.Daily] = []
    if let first = dated.first?.day, let last = dated.last?.day, last.daysSinceEpoch - first.daysSinceEpoch < 400 {
        var byDay: [Day: UsageReport.Daily] = [:]
        for daily in dated { byDay[daily.day!] = daily }
        for number in first.daysSinceEpoch...last.daysSinceEpoch {
            let day = Day(daysSinceEpoch: number)
            columns.append(byDay[day] ?? UsageReport.Daily(day: day, models: []))
        }
    } else {
        columns = dated
    }
    return columns + report.daily.filter { $0.day == nil }
}

/// The days under a chart's columns, as many as fit (about 16).
private func dayLabels(_ columns: [UsageReport.Daily], plot: Plot) -> String {
    let band = plot.width / Double(columns.count)
    let labelEvery = max(1, (columns.count + 15) / 16)
    var svg = ""
    for (index, column) in columns.enumerated() where index % labelEvery == 0 {
        let label = column.day.map { day in String(day.iso.dropFirst(5)) } ?? "no date"
        svg += SVG.text(label, x: plot.left + (Double(index) + 0.5) * band, y: plot.bottomY + 16, anchor: "middle")
    }
    return svg
}

/// Cost per day, stacked by model.
func costChart(_ report: UsageReport, series: Series) -> String {
    let days = calendar(report)
    let columns = days.map { daily in
        var sums = Array(repeating: 0.0, count: series.entries.count)
        for model in daily.models { sums[series.of(model.name)] += model.usd ?? 0 }
        return (day: daily.day, costs: sums)
    }
    let highest = columns.map { $0.costs.reduce(0, +) }.max() ?? 0
    guard highest > 0 else {
        return SVG.emptyChart(id: "chart-cost", "No cost to draw: no exchange in this period has a priced model with tokens.")
    }

    let plot = Plot(height: 300, left: 64, bottom: 44)
    let scale = NiceScale(highest)
    var svg = plot.open(id: "chart-cost", label: "Cost per day, stacked by model")
    svg += plot.yAxis(scale) { Format.usdTick($0, step: scale.step) }
    let band = plot.width / Double(columns.count)
    let barWidth = min(90, max(1, band * 0.72))
    for (index, column) in columns.enumerated() {
        let x = plot.left + Double(index) * band + (band - barWidth) / 2
        let dayText = column.day?.iso ?? "no date"
        var top = plot.bottomY
        for (seriesIndex, usd) in column.costs.enumerated() where usd > 0 {
            let height = usd / scale.top * plot.height
            top -= height
            svg += SVG.rect(x: x, y: top, width: barWidth, height: height, colour: series.entries[seriesIndex].colour,
                        data: [("day", dayText), ("series", series.entries[seriesIndex].label)],
                        title: "\(dayText), \(series.entries[seriesIndex].label): \(Format.usd(usd))")
        }
        let total = column.costs.reduce(0, +)
        // A total above its bar when there is room for one: about 7 characters.
        if total > 0, band >= 56 {
            svg += SVG.text(Format.usd(total), x: x + barWidth / 2, y: top - 4, anchor: "middle", cssClass: "value")
        }
    }
    svg += dayLabels(days, plot: plot)
    let shown = series.entries.indices.filter { index in columns.contains { $0.costs[index] > 0 } }
    return svg + "</svg>\n" + legendHTML(shown.map { series.entries[$0] })
}

/// Of each day's prompt tokens, the share read from the cache: a line per model, a point for
/// each day it was sent prompts, broken where it was not.
func cacheChart(_ report: UsageReport, series: Series) -> String {
    let days = calendar(report)
    // Per day and series: prompt and cached tokens.
    let columns = days.map { daily in
        var sums = Array(repeating: (prompt: 0, cached: 0), count: series.entries.count)
        for model in daily.models {
            sums[series.of(model.name)].prompt += model.promptTokens
            sums[series.of(model.name)].cached += model.cachedTokens
        }
        return sums
    }
    guard columns.contains(where: { $0.contains { $0.prompt > 0 } }) else {
        return SVG.emptyChart(id: "chart-cache", "No prompt tokens were logged in this period.")
    }
    let plot = Plot(height: 260, left: 64, bottom: 44)
    let scale = NiceScale(1)
    var svg = plot.open(id: "chart-cache", label: "Share of the prompt tokens read from the cache, per day and model")
    svg += plot.yAxis(scale) { Format.percent($0) }
    let band = plot.width / Double(columns.count)
    var lines = "", points = ""
    for (seriesIndex, entry) in series.entries.enumerated() {
        var run: [String] = []
        func endRun() {
            if run.count > 1 {
                lines += "<polyline class=\"line\" points=\"\(run.joined(separator: " "))\" fill=\"none\" stroke=\"\(entry.colour)\"/>\n"
            }
            run = []
        }
        for (index, column) in columns.enumerated() {
            let figures = column[seriesIndex]
            guard figures.prompt > 0 else {
                endRun()
                continue
            }
            let share = Double(figures.cached) / Double(figures.prompt)
            let x = plot.left + (Double(index) + 0.5) * band, y = plot.bottomY - share * plot.height
            run.append("\(SVG.number(x)),\(SVG.number(y))")
            let dayText = days[index].day?.iso ?? "no date"
            points += SVG.circle(x: x, y: y, colour: entry.colour, data: [("day", dayText), ("series", entry.label)],
                                 title: "\(dayText), \(entry.label): \(Format.percent(share)) of \(Format.count(figures.prompt)) prompt tokens cached")
        }
        endRun()
    }
    // Points over every line, so that each one can be pointed at.
    svg += lines + points + dayLabels(days, plot: plot)
    let shown = series.entries.indices.filter { index in columns.contains { $0[index].prompt > 0 } }
    return svg + "</svg>\n" + legendHTML(shown.map { series.entries[$0] })
}

/// Per model, its completion tokens split into reasoning (billed, never shown) and the visible
/// answer, with the reasoning share written beside the bar.
func reasoningChart(_ report: UsageReport) -> String {
    let rows = report.models.filter { $0.stats.completionTokens > 0 }
    guard let highest = rows.map({ $0.stats.completionTokens }).max() else {
        return SVG.emptyChart(id: "chart-reasoning", "No completion tokens were logged in this period.")
    }
    let rowHeight = 30.0
    let labelWidth = 190.0, noteWidth = 250.0
    let barArea = SVG.width - labelWidth - noteWidth - 16
    var svg = "<svg id=\"chart-reasoning\" viewBox=\"0 0 \(SVG.number(SVG.width)) \(SVG.number(Double(rows.count) * rowHeight + 12))\" role=\"img\" aria-label=\"Reasoning and visible completion tokens per model\">\n"
    for (index, row) in rows.enumerated() {
        let s = row.stats
        let name = row.model ?? "(no model)"
        let y = 6 + Double(index) * rowHeight
        let reasoning = min(s.reasoningTokens, s.completionTokens)
        let reasoningWidth = Double(reasoning) / Double(highest) * barArea
        let visibleWidth = Double(s.completionTokens - reasoning) / Double(highest) * barArea
        svg += SVG.text(SVG.shortened(name), x: labelWidth - 10, y: y + rowHeight / 2 + 4, anchor: "end", title: name)
        let data = [("series", name)]
        if reasoning > 0 {
            svg += SVG.rect(x: labelWidth, y: y + 5, width: reasoningWidth, height: rowHeight - 10, colour: reasoningColour,
                        data: data, title: "\(name): \(Format.count(reasoning)) reasoning tokens of \(Format.count(s.completionTokens)) completion tokens (\(Format.percent(s.reasoningShare ?? 0)))",
                        cssClass: "seg reasoning")
        }
        if s.completionTokens > reasoning {
            svg += SVG.rect(x: labelWidth + reasoningWidth, y: y + 5, width: visibleWidth, height: rowHeight - 10, colour: visibleColour,
                        data: data, title: "\(name): \(Format.count(s.completionTokens - reasoning)) visible tokens",
                        cssClass: "seg visible")
        }
        svg += SVG.text("\(Format.percent(s.reasoningShare ?? 0)) reasoning of \(Format.count(s.completionTokens))",
                    x: labelWidth + reasoningWidth + visibleWidth + 8, y: y + rowHeight / 2 + 4, anchor: "start", cssClass: "value")
    }
    return svg + "</svg>\n" + legendHTML([Series.Entry(label: "reasoning (billed, never shown)", colour: reasoningColour),
                                           Series.Entry(label: "visible answer", colour: visibleColour)])
}

let reasoningColour = "#7b4fc9"
let visibleColour = "#8cc5e8"

/// How long exchanges took: a histogram of total time on a doubling-ish scale, stacked by model.
func latencyChart(_ report: UsageReport, series: Series) -> String {
    let buckets = UsageReport.LatencyHistogram.bounds.count + 1
    var counts = Array(repeating: Array(repeating: 0, count: series.entries.count), count: buckets)
    for (model, modelCounts) in report.latency.counts {
        for (bucket, count) in modelCounts.enumerated() { counts[bucket][series.of(model)] += count }
    }
    let highest = counts.map { $0.reduce(0, +) }.max() ?? 0
    guard highest > 0 else {
        return SVG.emptyChart(id: "chart-latency", "No exchange in this period logged its duration.")
    }
    let plot = Plot(height: 260, left: 64, bottom: 44)
    let scale = NiceScale(Double(highest), wholeNumbers: true)
    var svg = plot.open(id: "chart-latency", label: "Exchanges per total time, stacked by model")
    svg += plot.yAxis(scale) { Format.count(Int($0)) }
    let band = plot.width / Double(buckets)
    let barWidth = band * 0.8
    for bucket in 0..<buckets {
        let x = plot.left + Double(bucket) * band + (band - barWidth) / 2
        let label = latencyBucketLabel(bucket)
        var top = plot.bottomY
        for (seriesIndex, count) in counts[bucket].enumerated() where count > 0 {
            let height = Double(count) / scale.top * plot.height
            top -= height
            svg += SVG.rect(x: x, y: top, width: barWidth, height: height, colour: series.entries[seriesIndex].colour,
                        data: [("bucket", label), ("series", series.entries[seriesIndex].label)],
                        title: "\(label), \(series.entries[seriesIndex].label): \(Format.count(count)) exchange\(count == 1 ? "" : "s")")
        }
        let total = counts[bucket].reduce(0, +)
        if total > 0 { svg += SVG.text(Format.count(total), x: x + barWidth / 2, y: top - 4, anchor: "middle", cssClass: "value") }
        svg += SVG.text(label, x: x + barWidth / 2, y: plot.bottomY + 16, anchor: "middle")
    }
    let shown = series.entries.indices.filter { index in counts.contains { $0[index] > 0 } }
    return svg + "</svg>\n" + legendHTML(shown.map { series.entries[$0] })
}

func latencyBucketLabel(_ bucket: Int) -> String {
    let bounds = UsageReport.LatencyHistogram.bounds
    func short(_ ms: Int) -> String {
        switch ms {
        case ..<1000: "\(ms) ms"
        case ..<60000: "\(ms / 1000) s"
        default: "\(ms / 60000) min"
        }
    }
    if bucket == 0 { return "< " + short(bounds[0]) }
    if bucket == bounds.count { return "≥ " + short(bounds[bucket - 1]) }
    let low = bounds[bucket - 1], high = bounds[bucket]
    // "0.5–1 s" reads better than "500 ms–1 s"; within one unit, the unit once.
    if low < 1000, high >= 1000 { return Format.fixed(Double(low) / 1000, decimals: 1) + "–" + short(high) }
    let (lowText, highText) = (short(low), short(high))
    let unit = highText.split(separator: " ").last.map(String.init) ?? ""
    return (lowText.hasSuffix(" " + unit) ? String(lowText.dropLast(unit.count + 1)) : lowText) + "–" + highText
}
