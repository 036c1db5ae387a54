import O1ProxyCore

/// `o1-proxy rules`: the rule table in effect (the operator's rules file, the built-in rules,
/// what exchanges learned and when), each entry in the rules-file format, so that a learned
/// entry can be pasted into a rule and kept for good, and what the reasoning store holds;
/// `--forget` drops learned entries, `--clear-reasoning` the store.
enum RulesCommand {
    static let usage = """
        Usage: o1-proxy rules [--state DIR] [--forget MODEL | --all | --clear-reasoning]
          prints the rules in effect and the reasoning kept for tool turns;
          --forget drops what was learned for MODEL (--all: for every model);
          --clear-reasoning removes the reasoning kept
          --state DIR   the state directory (default: $STATE_DIRECTORY, else the installed
                        service's, with its settings, as systemd has them: /var/lib/o1-proxy)
        """

    enum Action: Equatable {
        case show
        case forget(String)
        case forgetAll
        case clearReasoning
    }

    /// What the reasoning store holds, as `render` says it.
    struct ReasoningCensus: Equatable {
        var directory: String
        var turns: Int
        var expired: Int
        var bytes: Int
        var maxBytes: Int
        var lifetime: Double
    }

    /// Parses the arguments after `rules`.
    static func parse(_ arguments: [String]) -> (action: Action, state: String?)? {
        var action = Action.show
        var state: String?
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            switch argument {
            case "--state":
                guard let directory = rest.popFirst() else { return nil }
                state = directory
            case "--forget":
                guard action == .show, let model = rest.popFirst() else { return nil }
                action = .forget(model)
            case "--all":
                guard action == .show else { return nil }
                action = .forgetAll
            case "--clear-reasoning":
                guard action == .show else { return nil }
                action = .clearReasoning
            default:
                return nil
            }
        }
        return (action, state)
    }

    /// The table as text: comment lines saying where each part comes from, one rules-file
    /// entry per line.
    static func render(operatorRules: [ModelRule], builtInRules: [ModelRule] = RuleBook.builtIn.rules, presets: [Preset] = [],
                       rulesFile: String?, learned: LearnedFixes,
                       statePath: String?, lifetime: Double, reasoning: ReasoningCensus? = nil, now: Double) -> String {
        var lines = ["# The first rule whose pattern matches a model decides its fixes; what was learned for",
                     "# that exact model applies on top. Each line is an entry of a rules file (O1_PROXY_RULES)."]
        if let rulesFile {
            lines.append("# From \(rulesFile):")
            lines += operatorRules.map(line)
            lines += presets.map { String(decoding: JSON.object($0.fileEntry).encoded(), as: UTF8.self) }
        }
        lines.append("# Built in:")
        lines += builtInRules.map(line)
        guard let statePath else {
            lines.append("# Learned: nothing is kept (no STATE_DIRECTORY).")
            lines.append("# Reasoning for tool turns: nothing is kept (no STATE_DIRECTORY); each turn goes without its predecessors'.")
            return lines.joined(separator: "\n") + "\n"
        }
        if let reasoning {
            lines.append("# Reasoning kept for tool turns (\(reasoning.directory)/reasoning-*.jsonl): \(counted(reasoning.turns, "turn"))"
                + (reasoning.expired > 0 ? " and \(reasoning.expired) expired" : "")
                + ", \(kibibytes(reasoning.bytes)) of \(kibibytes(reasoning.maxBytes)), each for \(duration(reasoning.lifetime));"
                + " --clear-reasoning removes it.")
        } else {
            lines.append("# Reasoning for tool turns: nothing is kept (O1_PROXY_REASONING_MB or O1_PROXY_REASONING_HOURS is 0).")
        }
        lines.append("# Learned from upstream rejections (\(statePath)), each applied for \(duration(lifetime)) after it was first learned:")
        if learned.entries.isEmpty { lines.append("#   nothing yet") }
        for entry in learned.entries.sorted(by: { $0.model < $1.model }) {
            let left = entry.learnedAt + lifetime - now
            let state = left > 0 ? "expires in \(duration(left))" : "expired, no longer applied"
            lines.append("# \(entry.model): learned \(duration(now - entry.learnedAt)) ago (\(Timestamp.iso8601(entry.learnedAt))), "
                + "last confirmed \(duration(now - entry.confirmedAt)) ago; \(state)")
            lines.append(line(ModelRule(patterns: [entry.model], fixes: entry.fixes)))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func line(_ rule: ModelRule) -> String {
        String(decoding: JSON.object(rule.fileEntry).encoded(), as: UTF8.self)
    }

    static func counted(_ count: Int, _ noun: String) -> String {
        "\(count) \(noun)\(count == 1 ? "" : "s")"
    }

    private static func kibibytes(_ bytes: Int) -> String {
        bytes >= 10 << 20 ? "\(bytes >> 20) MiB" : "\((bytes + 1023) / 1024) KiB"
    }

    /// A duration in the unit that reads best.
    static func duration(_ seconds: Double) -> String {
        let seconds = max(0, seconds)
        if seconds < 3600 { return "\(Int(seconds / 60)) min" }
        if seconds < 2 * 86_400 { return "\(Int(seconds / 3600)) h" }
        return "\(Int(seconds / 86_400)) days"
    }
}
