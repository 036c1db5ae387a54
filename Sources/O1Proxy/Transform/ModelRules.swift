/// Which fixes a model needs, keyed by model-name pattern. Kept as data so an operator can add a
/// model with a JSON file instead of waiting for a release.
public struct ModelRule: Equatable, Sendable {
    /// Globs on the model name, `*` matching any run of characters (`o1-mini-*` for snapshots).
    public var patterns: [String]
    public var fixes: [Fix]

    public init(patterns: [String], fixes: [Fix]) {
        self.patterns = patterns
        self.fixes = fixes
    }

    public func matches(_ model: String) -> Bool {
        patterns.contains { glob($0, matches: model) }
    }
}

public struct RuleBook: Equatable, Sendable {
    public var rules: [ModelRule]

    public init(rules: [ModelRule]) {
        self.rules = rules
    }

    /// The first matching rule wins: operator rules come first, so they override built-ins.
    public func fixes(for model: String) -> [Fix] {
        rules.first { $0.matches(model) }?.fixes ?? []
    }

    /// What the reasoning models rejected at launch (see shared notes). `o1-*` snapshots are
    /// listed by date prefix so that `o1-mini` and `o1-preview` never fall into the `o1` rule.
    public static let builtIn = RuleBook(rules: [
        ModelRule(
            patterns: ["o1-mini", "o1-mini-*", "o1-preview", "o1-preview-*"],
            fixes: [.mapRole("system", to: "user"), .mapRole("developer", to: "user"), .fakeStream, maxTokens]
                + (sampling + ["n", "stop", "tools", "tool_choice", "functions", "function_call",
                               "parallel_tool_calls", "response_format", "reasoning_effort"]).map(Fix.drop)),
        ModelRule(
            patterns: ["o1", "o1-2*"],
            fixes: [.fakeStream, maxTokens] + (sampling + ["n", "parallel_tool_calls"]).map(Fix.drop)),
        ModelRule(
            patterns: ["o3-mini", "o3-mini-*"],
            fixes: [maxTokens] + (sampling + ["parallel_tool_calls", "stop"]).map(Fix.drop)),
    ])

    private static let maxTokens = Fix.rename("max_tokens", to: "max_completion_tokens")
    private static let sampling = ["temperature", "top_p", "presence_penalty", "frequency_penalty",
                                   "logprobs", "top_logprobs", "logit_bias"]

    /// Reads an operator's rules file:
    /// `{"rules":[{"match":["o4-*"],"stream":"faked","roles":{"system":"user"},"drop":["temperature"],
    /// "rename":{"max_tokens":"max_completion_tokens"}}]}`.
    public static func parse(_ bytes: [UInt8]) throws(ConfigError) -> [ModelRule] {
        let document: JSON
        do { document = try JSON(parsing: bytes) } catch { throw ConfigError("rules file is not JSON: \(error.reason) at byte \(error.offset)") }
        guard let entries = document["rules"]?.array else { throw ConfigError("rules file needs a \"rules\" array") }
        return try entries.enumerated().map { (i, entry) throws(ConfigError) in
            guard let object = entry.object else { throw ConfigError("rules[\(i)] is not an object") }
            for key in object.keys where !["match", "stream", "roles", "drop", "rename"].contains(key) {
                throw ConfigError("rules[\(i)] has unknown key \"\(key)\"")
            }
            guard let patterns = object["match"]?.array?.compactMap(\.string), !patterns.isEmpty,
                  patterns.count == object["match"]?.array?.count else {
                throw ConfigError("rules[\(i)].match must be a non-empty array of strings")
            }
            var fixes: [Fix] = []
            switch object["stream"] {
            case nil, .string("native")?: break
            case .string("faked")?: fixes.append(.fakeStream)
            default: throw ConfigError("rules[\(i)].stream must be \"native\" or \"faked\"")
            }
            fixes += try stringPairs(object["roles"], "rules[\(i)].roles").map { Fix.mapRole($0, to: $1) }
            fixes += try stringPairs(object["rename"], "rules[\(i)].rename").map { Fix.rename($0, to: $1) }
            if let drop = object["drop"] {
                guard let keys = drop.array?.compactMap(\.string), keys.count == drop.array?.count else {
                    throw ConfigError("rules[\(i)].drop must be an array of strings")
                }
                fixes += keys.map(Fix.drop)
            }
            return ModelRule(patterns: patterns, fixes: fixes)
        }
    }

    private static func stringPairs(_ value: JSON?, _ name: String) throws(ConfigError) -> [(String, String)] {
        guard let value else { return [] }
        guard let object = value.object else { throw ConfigError("\(name) must be an object of strings") }
        return try object.fields.map { field throws(ConfigError) in
            guard let to = field.value.string else { throw ConfigError("\(name).\(field.key) must be a string") }
            return (field.key, to)
        }
    }
}

/// `*` matches any run of characters; everything else matches itself.
func glob(_ pattern: String, matches name: String) -> Bool {
    let pattern = Array(pattern.utf8), name = Array(name.utf8)
    var p = 0, n = 0, star = -1, mark = 0
    while n < name.count {
        if p < pattern.count, pattern[p] == UInt8(ascii: "*") {
            star = p
            mark = n
            p += 1
        } else if p < pattern.count, pattern[p] == name[n] {
            p += 1
            n += 1
        } else if star >= 0 {
            p = star + 1
            mark += 1
            n = mark
        } else {
            return false
        }
    }
    while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
    return p == pattern.count
}
