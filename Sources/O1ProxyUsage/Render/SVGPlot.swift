import O1ProxyCore

// The drawing primitives of the page's charts. They are inline SVG made here rather than drawn
// by a script: the page works with scripts off, loads nothing, and every bar carries its figure
// as a tooltip (`<title>`).

/// A chart's frame: the plot area inside the SVG's 1000-wide coordinate system.
struct Plot {
    let totalHeight: Double
    let left: Double
    let top = 22.0
    let right = 16.0
    let bottomMargin: Double

    init(height: Double, left: Double, bottom: Double) {
        totalHeight = height
        self.left = left
        bottomMargin = bottom
    }

    var width: Double { SVG.width - left - right }
    var height: Double { totalHeight - top - bottomMargin }
    var bottomY: Double { top + height }

    func open(id: String, label: String) -> String {
        "<svg id=\"\(id)\" viewBox=\"0 0 \(SVG.number(SVG.width)) \(SVG.number(totalHeight))\" role=\"img\" aria-label=\"\(escapeHTML(label))\">\n"
    }

    func yAxis(_ scale: NiceScale, label: (Double) -> String) -> String {
        var svg = ""
        for tick in scale.ticks {
            let y = bottomY - tick / scale.top * height
            svg += "<line class=\"grid\" x1=\"\(SVG.number(left))\" x2=\"\(SVG.number(left + width))\" y1=\"\(SVG.number(y))\" y2=\"\(SVG.number(y))\"/>\n"
            svg += SVG.text(label(tick), x: left - 8, y: y + 4, anchor: "end")
        }
        return svg
    }
}


/// An axis from 0 to a round number just above the highest value, in steps of 1, 2 or 5 × 10ⁿ.
struct NiceScale {
    let step: Double
    let top: Double

    init(_ highest: Double, wholeNumbers: Bool = false) {
        let raw = max(highest, wholeNumbers ? 1 : 1e-9) / 5
        var magnitude = 1.0
        while magnitude * 10 <= raw { magnitude *= 10 }
        while magnitude > raw { magnitude /= 10 }
        let normal = raw / magnitude
        var step = (normal <= 1 ? 1 : normal <= 2 ? 2 : normal <= 5 ? 5 : 10) * magnitude
        if wholeNumbers { step = max(1, step.rounded(.up)) }
        self.step = step
        top = (highest / step).rounded(.up) * step
    }

    var ticks: [Double] {
        var ticks: [Double] = []
        var tick = 0.0
        while tick <= top * (1 + 1e-9) {
            ticks.append(tick)
            tick += step
        }
        return ticks
    }
}

/// SVG elements, with coordinates in a 1000-wide box that the page scales to its width.
enum SVG {
    static let width = 1000.0

    static func emptyChart(id: String, _ message: String) -> String {
        "<p class=\"empty\" id=\"\(id)\">\(escapeHTML(message))</p>\n"
    }

    static func rect(x: Double, y: Double, width: Double, height: Double, colour: String, data: [(String, String)],
                     title: String, cssClass: String = "seg") -> String {
        "<rect class=\"\(cssClass)\" x=\"\(number(x))\" y=\"\(number(y))\" width=\"\(number(width))\" height=\"\(number(height))\" fill=\"\(colour)\"\(attributes(data))><title>\(escapeHTML(title))</title></rect>\n"
    }

    /// A point of a line, drawn above it: `seg` like the bars, so that it carries its figure alike.
    static func circle(x: Double, y: Double, colour: String, data: [(String, String)], title: String) -> String {
        "<circle class=\"seg point\" cx=\"\(number(x))\" cy=\"\(number(y))\" r=\"4.5\" fill=\"\(colour)\"\(attributes(data))><title>\(escapeHTML(title))</title></circle>\n"
    }

    /// What a shape is of (`data-day`, `data-series`): for a reader's tools, and the browser test.
    private static func attributes(_ data: [(String, String)]) -> String {
        data.map { " data-\($0.0)=\"\(escapeHTML($0.1))\"" }.joined()
    }

    static func text(_ content: String, x: Double, y: Double, anchor: String, cssClass: String? = nil, title: String? = nil) -> String {
        let classAttribute = cssClass.map { " class=\"\($0)\"" } ?? ""
        let tooltip = title.map { "<title>\(escapeHTML($0))</title>" } ?? ""
        return "<text x=\"\(number(x))\" y=\"\(number(y))\" text-anchor=\"\(anchor)\"\(classAttribute)>\(tooltip)\(escapeHTML(content))</text>\n"
    }

    /// Coordinates to a tenth of a unit: enough for a 1000-wide drawing, and short.
    static func number(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        let magnitude = tenths.magnitude
        return magnitude % 10 == 0 ? "\(sign)\(magnitude / 10)" : "\(sign)\(magnitude / 10).\(magnitude % 10)"
    }

    /// Model names over 24 characters are cut on the chart; the tooltip has them whole.
    static func shortened(_ name: String) -> String {
        name.count > 24 ? String(name.prefix(23)) + "…" : name
    }
}
