import O1ProxyCore

/// How the table and the page write numbers; the same text in both, so a reader (or the
/// browser test) finds the table's figures on the page.
enum Format {
    /// Under the list of how instances ended abnormally, in every form.
    static let crashNote = "Instances of the proxy that ended abnormally, as systemd logged them (journalctl -p err shows "
        + "each). Each is a failed exchange: whatever its entry said, the client may have got no answer, or half of one."

    /// What the rejected round trips of the learned fixes are, under their list in every form.
    static let learnedNote = "Fixes the proxy learned from upstream 400s. Each one cost a rejected call and its latency once "
        + "per machine: the proxy remembers it (O1_PROXY_LEARNED_DAYS; o1-proxy rules shows it). A rule in "
        + "O1_PROXY_RULES saves it everywhere."

    /// A row's model as every form names it: the client's name, and a preset's target after it
    /// (`fast → gpt-6-astra`). Not yet made safe for a terminal or a page.
    static func label(_ name: ModelName) -> String {
        (name.model ?? "(no model)") + (name.upstream.map { " → " + $0 } ?? "")
    }

    /// `1,234,567`
    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = value < 0 ? "-" : ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out += "," }
            out.append(digit)
        }
        return out
    }

    /// `$12.34`; under a dollar `$0.0123`, where cents would say nothing; `-$0.0123` for what a
    /// cache that cost more than it saved.
    static func usd(_ value: Double) -> String {
        let text = fixed(abs(value), decimals: abs(value) < 1 ? 4 : 2, grouped: true)
        return (value < 0 && text.contains { $0 != "0" && $0 != "." } ? "-$" : "$") + text
    }

    /// `812 ms`, `2.1 s`, `75 s`, `12 min`
    static func duration(_ ms: Int) -> String {
        switch ms {
        case ..<1000: "\(ms) ms"
        case ..<10000: fixed(Double(ms) / 1000, decimals: 1) + " s"
        case ..<600_000: "\((ms + 500) / 1000) s"
        default: "\((ms + 30000) / 60000) min"
        }
    }

    /// `83 %`; `<1 %` for a share that is there but rounds to nothing.
    static func percent(_ share: Double) -> String {
        let rounded = Int((share * 100).rounded())
        return rounded == 0 && share > 0 ? "<1 %" : "\(rounded) %"
    }

    /// A non-negative amount with a fixed number of decimals, rounded half up. An amount too
    /// large for that (only a forged journal's token counts make one) is shown in whole units.
    static func fixed(_ value: Double, decimals: Int, grouped: Bool = false) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        guard max(value, 0) * scale < 9e18 else {
            let whole = value.rounded()
            guard whole < 9e18 else { return "\(whole)" }
            return grouped ? count(Int(whole)) : String(Int(whole))
        }
        let scaled = Int64((max(value, 0) * scale).rounded())
        let unit = Int64(scale)
        let whole = Int(scaled / unit)
        var text = grouped ? count(whole) : String(whole)
        if decimals > 0 {
            let fraction = String(scaled % unit)
            text += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
        }
        return text
    }

    /// A name that came from a client, made safe for a terminal: control characters (which
    /// could move the cursor or recolour the screen) become `?`.
    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) ? "?" : scalar
        }))
    }

    /// An axis label: as many decimals as the step needs, `$0`, `$0.05`, `$2.5`, `$1,000`.
    static func usdTick(_ value: Double, step: Double) -> String {
        var decimals = 0
        var unit = 1.0
        while unit > step * 1.0000001, decimals < 6 {
            unit /= 10
            decimals += 1
        }
        if step / unit != (step / unit).rounded(), decimals < 6 { decimals += 1 }
        return "$" + fixed(value, decimals: decimals, grouped: true)
    }
}
