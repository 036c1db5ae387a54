import O1ProxyCore

/// What a model needs, keyed by model-name pattern. Kept as data so an operator can add a model
/// with a JSON file instead of waiting for a release.
struct ModelRule: Equatable, Sendable {
    /// Globs on the model name, `*` matching any run of characters (`o1-mini-*` for snapshots).
    var patterns: [String]
    var fixes: [Fix]
    /// Seconds the exchange may take, for models that think for many minutes; it only ever
    /// raises `O1_PROXY_DEADLINE_SECONDS`.
    var deadline: Duration?
    /// Reasoning summaries for this model, overriding `O1_PROXY_REASONING_SUMMARY`.
    var summary: ReasoningSummary?

    init(patterns: [String], fixes: [Fix], deadline: Duration? = nil, summary: ReasoningSummary? = nil) {
        self.patterns = patterns
        self.fixes = fixes
        self.deadline = deadline
        self.summary = summary
    }

    func matches(_ model: String) -> Bool {
        patterns.contains { glob($0, matches: model) }
    }
}

/// Which reasoning summary the Responses API is asked for (`reasoning.summary`), relayed to chat
/// clients as `reasoning_content`; `off` asks for none.
enum ReasoningSummary: String, Sendable, CaseIterable {
    case off, auto, concise, detailed
}

struct RuleBook: Equatable, Sendable {
    var rules: [ModelRule]
    /// The operator's names for a model with settings of their own; never built in.
    var presets: [Preset] = []

    /// The preset a client's model name is, if any.
    func preset(for name: String) -> Preset? {
        presets.first { $0.matches(name) }
    }

    /// The first matching rule wins: operator rules come first, so they override built-ins.
    func rule(for model: String) -> ModelRule? {
        rules.first { $0.matches(model) }
    }

    /// What each family is confirmed to reject (docs/requests.md's table says where each fact comes
    /// from). What depends on the account (streaming and
    /// summaries for unverified organizations) or is unconfirmed is left to learning. Order
    /// matters: the Responses-only pro and codex models come before the `gpt-5` families they
    /// would otherwise match, and `o1-*` snapshots are listed by date prefix so that `o1-mini`
    /// and `o1-preview` never fall into the `o1` rule.
    static let builtIn = RuleBook(rules: [
        ModelRule(
            patterns: ["o1-mini", "o1-mini-*", "o1-preview", "o1-preview-*"],
            fixes: [.mapRole("system", to: "user"), .mapRole("developer", to: "user"), .fakeStream, maxTokens]
                + (sampling + ["n", "stop", "tools", "tool_choice", "functions", "function_call",
                               "parallel_tool_calls", "response_format", "reasoning_effort"]).map(Fix.drop)),
        ModelRule(
            patterns: ["o1-pro", "o1-pro-*", "o3-pro", "o3-pro-*", "gpt-5-pro", "gpt-5-pro-*", "gpt-5.*-pro", "gpt-5.*-pro-*",
                       "o3-deep-research", "o3-deep-research-*", "o4-mini-deep-research", "o4-mini-deep-research-*"],
            fixes: [.useResponses] + sampling.map(Fix.drop),
            deadline: .seconds(3600)),
        ModelRule(
            patterns: ["codex-mini-latest", "*-codex", "*-codex-*"],
            fixes: [.useResponses] + sampling.map(Fix.drop)),
        ModelRule(
            patterns: ["o1", "o1-2*"],
            fixes: [.fakeStream, maxTokens, toolTurns] + (sampling + ["n", "parallel_tool_calls"]).map(Fix.drop)),
        ModelRule(
            patterns: ["o3-mini", "o3-mini-*"],
            fixes: [maxTokens, toolTurns] + (sampling + ["parallel_tool_calls", "stop"]).map(Fix.drop)),
        ModelRule(
            patterns: ["o3", "o3-2*", "o4-mini", "o4-mini-2*"],
            fixes: [maxTokens, toolTurns] + ["temperature", "top_p"].map(Fix.drop)),
        ModelRule(
            patterns: ["gpt-5", "gpt-5-2*", "gpt-5-mini", "gpt-5-mini-*", "gpt-5-nano", "gpt-5-nano-*"],
            fixes: [maxTokens, toolTurns] + ["temperature", "top_p", "logprobs", "top_logprobs"].map(Fix.drop)),
        ModelRule(
            patterns: ["gpt-5.6", "gpt-5.6-*"],
            fixes: [maxTokens, toolTurns, maxEffort]),
        ModelRule(
            patterns: ["gpt-5.*"],
            fixes: [maxTokens, toolTurns]),
        ModelRule(
            patterns: ["gpt-6", "gpt-6-*", "gpt-6.*"],
            fixes: [maxTokens, toolTurns, maxEffort, .mapValue("reasoning_effort", from: "none", to: "low"),
                    .mapValue("reasoning_effort", from: "minimal", to: "low")] + ["stop", "temperature"].map(Fix.drop)),
    ])

    private static let maxTokens = Fix.rename("max_tokens", to: "max_completion_tokens")
    /// Reasoning models take their tool turns on the Responses API, where their reasoning is
    /// kept from one turn to the next (`O1_PROXY_TOOL_TURNS=chat` takes this out).
    static let toolTurns = Fix.tools(.responses)
    /// The effort chat completions refuses and the Responses API takes (gpt-5.6, gpt-6).
    private static let maxEffort = Fix.responsesFor("reasoning_effort", value: "max")
    private static let sampling = ["temperature", "top_p", "presence_penalty", "frequency_penalty",
                                   "logprobs", "top_logprobs", "logit_bias"]

    static let fileKeys = ["match", "api", "tools", "responses_for", "stream", "roles", "drop", "rename", "values", "deadline",
                           "summary"]
    /// A preset's entry has these, and nothing else: the target model's own rules apply to it.
    static let presetKeys = ["match", "model", "set"]

    /// Reads an operator's rules file: rules,
    /// `{"match":["o4-*"],"api":"responses","tools":"responses","responses_for":{"reasoning_effort":["max"]},
    /// "stream":"faked","roles":{"system":"user"},"drop":["temperature"],"rename":{"max_tokens":"max_completion_tokens"},
    /// "values":{"reasoning_effort":{"minimal":"low"}},"deadline":1800,"summary":"auto"}`, and presets,
    /// `{"match":["o3-flex"],"model":"o3","set":{"service_tier":"flex"}}`, in one `"rules"` array.
    static func parse(_ bytes: [UInt8]) throws(ConfigError) -> RuleBook {
        let document: JSON
        do { document = try JSON(parsing: bytes) } catch { throw ConfigError("rules file is not JSON: \(error.reason) at byte \(error.offset)") }
        guard let entries = document["rules"]?.array else { throw ConfigError("rules file needs a \"rules\" array") }
        var book = RuleBook(rules: [])
        for (i, entry) in entries.enumerated() {
            guard let object = entry.object else { throw ConfigError("rules[\(i)] is not an object") }
            guard let patterns = object["match"]?.array?.compactMap(\.string), !patterns.isEmpty, !patterns.contains(""),
                  patterns.count == object["match"]?.array?.count else {
                throw ConfigError("rules[\(i)].match must be a non-empty array of strings")
            }
            if object["model"] != nil || object["set"] != nil {
                book.presets.append(try preset(object, patterns, "rules[\(i)]"))
            } else {
                book.rules.append(try rule(object, patterns, "rules[\(i)]"))
            }
        }
        return book
    }

    private static func preset(_ object: JSONObject, _ patterns: [String], _ name: String) throws(ConfigError) -> Preset {
        for key in object.keys where !presetKeys.contains(key) {
            throw ConfigError("\(name) is a preset (it has \"model\" or \"set\"), which takes only match, model and set, not \"\(key)\"")
        }
        guard let model = object["model"]?.string, !model.isEmpty else { throw ConfigError("\(name).model must be a non-empty string") }
        guard let set = (object["set"] ?? .object(JSONObject())).object else { throw ConfigError("\(name).set must be an object") }
        if let key = set.keys.first(where: essentialKeys.contains) {
            throw ConfigError("\(name).set cannot set \"\(key)\": the client's request decides it")
        }
        return Preset(patterns: patterns, model: model, settings: set)
    }

    private static func rule(_ object: JSONObject, _ patterns: [String], _ i: String) throws(ConfigError) -> ModelRule {
        for key in object.keys where !fileKeys.contains(key) {
            throw ConfigError("\(i) has unknown key \"\(key)\"")
        }
        var fixes: [Fix] = []
        switch object["api"] {
        case nil, .string("chat")?: break
        case .string("responses")?: fixes.append(.useResponses)
        default: throw ConfigError("\(i).api must be \"chat\" or \"responses\"")
        }
        if let value = object["tools"] {
            guard let api = value.string.flatMap(Endpoint.init(rawValue:)) else {
                throw ConfigError("\(i).tools must be \"chat\" or \"responses\"")
            }
            fixes.append(.tools(api))
        }
        switch object["stream"] {
        case nil, .string("native")?: break
        case .string("faked")?: fixes.append(.fakeStream)
        default: throw ConfigError("\(i).stream must be \"native\" or \"faked\"")
        }
        if let value = object["responses_for"] {
            guard let paths = value.object else { throw ConfigError("\(i).responses_for must be an object of arrays of strings") }
            for (path, list) in paths.fields {
                guard let values = list.array?.compactMap(\.string), values.count == list.array?.count else {
                    throw ConfigError("\(i).responses_for.\(path) must be an array of strings")
                }
                fixes += values.map { Fix.responsesFor(path, value: $0) }
            }
        }
        fixes += try stringPairs(object["roles"], "\(i).roles").map { Fix.mapRole($0, to: $1) }
        fixes += try stringPairs(object["rename"], "\(i).rename").map { Fix.rename($0, to: $1) }
        if let value = object["values"] {
            guard let paths = value.object else { throw ConfigError("\(i).values must be an object of objects of strings") }
            for (path, pairs) in paths.fields {
                fixes += try stringPairs(pairs, "\(i).values.\(path)").map { Fix.mapValue(path, from: $0, to: $1) }
            }
        }
        if let drop = object["drop"] {
            guard let keys = drop.array?.compactMap(\.string), keys.count == drop.array?.count else {
                throw ConfigError("\(i).drop must be an array of strings")
            }
            fixes += keys.map(Fix.drop)
        }
        var deadline: Duration?
        if let value = object["deadline"] {
            guard case .number(let text) = value, let seconds = Double(text), seconds >= 1, seconds <= longestWaitSeconds else {
                throw ConfigError("\(i).deadline must be a number of seconds from 1 to \(numberText(longestWaitSeconds))")
            }
            deadline = .seconds(seconds)
        }
        var summary: ReasoningSummary?
        if let value = object["summary"] {
            guard let text = value.string, let parsed = ReasoningSummary(rawValue: text) else {
                throw ConfigError("\(i).summary must be one of \(ReasoningSummary.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            summary = parsed
        }
        return ModelRule(patterns: patterns, fixes: fixes, deadline: deadline, summary: summary)
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

extension ModelRule {
    /// This rule as an entry of a rules file, so that what `o1-proxy rules` prints (a learned
    /// entry included) can be pasted into one.
    var fileEntry: JSONObject {
        var entry: JSONObject = ["match": .array(patterns.map(JSON.string))]
        if fixes.contains(.useResponses) { entry["api"] = "responses" }
        if let api = fixes.toolTurns { entry["tools"] = .string(api.rawValue) }
        let routed = fixes.compactMap { if case .responsesFor(let path, let value) = $0 { (path, value) } else { nil } }
        if !routed.isEmpty { entry["responses_for"] = .object(grouped(routed) { .array($0.map(JSON.string)) }) }
        if fixes.contains(.fakeStream) { entry["stream"] = "faked" }
        let roles = fixes.compactMap { if case .mapRole(let from, let to) = $0 { (key: from, value: JSON.string(to)) } else { nil } }
        if !roles.isEmpty { entry["roles"] = .object(JSONObject(roles)) }
        let drops = fixes.compactMap { if case .drop(let key) = $0 { JSON.string(key) } else { nil } }
        if !drops.isEmpty { entry["drop"] = .array(drops) }
        let renames = fixes.compactMap { if case .rename(let from, let to) = $0 { (key: from, value: JSON.string(to)) } else { nil } }
        if !renames.isEmpty { entry["rename"] = .object(JSONObject(renames)) }
        let values = fixes.compactMap { if case .mapValue(let path, let from, let to) = $0 { (path, (from, to)) } else { nil } }
        if !values.isEmpty {
            entry["values"] = .object(grouped(values) { .object(JSONObject($0.map { (key: $0.0, value: JSON.string($0.1)) })) })
        }
        if let seconds = deadline?.inSeconds {
            entry["deadline"] = .number(numberText(seconds))
        }
        if let summary { entry["summary"] = .string(summary.rawValue) }
        return entry
    }

    /// Pairs grouped by their first element, in the order each first appears.
    private func grouped<T>(_ pairs: [(String, T)], _ value: ([T]) -> JSON) -> JSONObject {
        var order: [String] = []
        var groups: [String: [T]] = [:]
        for (key, item) in pairs {
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(item)
        }
        return JSONObject(order.map { (key: $0, value: value(groups[$0] ?? [])) })
    }
}
