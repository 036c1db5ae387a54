/// Parameters whose values are ordered by what they cost the user: a refused value is mapped to
/// the nearest one the model takes (on a tie the cheaper), never dropped, since the model's
/// default may cost more, or give less, than what was asked for.
enum ValueScale {
    /// `max` is taken on the Responses API only (gpt-5.6, gpt-6).
    static let effort = ["none", "minimal", "low", "medium", "high", "xhigh", "max"]
    static let verbosity = ["low", "medium", "high"]

    /// The scale of a parameter, as chat completions or the Responses API names it.
    static func of(_ path: String) -> [String]? {
        switch path {
        case "reasoning_effort", "reasoning.effort": effort
        case "verbosity", "text.verbosity": verbosity
        default: nil
        }
    }

    /// The value of `supported` nearest to `value` on `scale`, the cheaper on a tie; nil when
    /// `value` is not on it or none of `supported` is.
    static func nearest(to value: String, among supported: [String], on scale: [String]) -> String? {
        guard let position = scale.firstIndex(of: value) else { return nil }
        let candidates = supported.compactMap { scale.firstIndex(of: $0) }
        guard let best = candidates.min(by: { (abs($0 - position), $0) < (abs($1 - position), $1) }) else { return nil }
        return scale[best]
    }

    /// The values an upstream's refusal lists: "Supported values are: 'low', 'medium', 'high',
    /// and 'xhigh'." (gpt-6), or "Only the default (medium) value is supported.".
    static func supported(in message: String) -> [String]? {
        if let range = message.range(of: "Supported values are: ") {
            let list = message[range.upperBound...].prefix { $0 != "." }
            let values = list.split(separator: "'", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
            return values.isEmpty ? nil : values
        }
        if let range = message.range(of: "Only the default ("), let end = message[range.upperBound...].firstIndex(of: ")") {
            let value = String(message[range.upperBound..<end].filter { $0 != "'" && $0 != "\"" })
            return value.isEmpty ? nil : [value]
        }
        return nil
    }
}
