import O1ProxyCore

/// One setting an operator can make: its variable, its default as `--help` shows it, what it
/// means, and how its text is read (and the range it may take). `Config.from` reads each variable
/// through its knob, and `--help`, the man page and docs/configuration.md are made from
/// `Knobs.all` or tested against it: each fact about a setting is written here once.
struct Knob<Value>: Sendable {
    let name: String
    let shownDefault: String
    let meaning: String
    private let fallback: @Sendable () -> Value
    private let parse: @Sendable (String) throws(ConfigError) -> Value

    init(_ name: String, default fallback: @autoclosure @escaping @Sendable () -> Value, shown: String, _ meaning: String,
         parse: @escaping @Sendable (String) throws(ConfigError) -> Value) {
        self.name = name
        self.fallback = fallback
        shownDefault = shown
        self.meaning = meaning
        self.parse = parse
    }

    /// The variable's value, or the default when it is unset or empty.
    func read(_ environment: [String: String]) throws(ConfigError) -> Value {
        guard let text = environment[name], !text.isEmpty else { return fallback() }
        return try parse(text)
    }

    /// What applies when the variable is unset: also where a value is needed before the
    /// configuration could be read (a request answered despite a bad configuration).
    var defaultValue: Value { fallback() }

    var documentation: KnobDocumentation { KnobDocumentation(name: name, shownDefault: shownDefault, meaning: meaning) }
}

/// A knob as `--help` and the docs show it, whatever its type.
struct KnobDocumentation: Equatable, Sendable {
    var name: String
    var shownDefault: String
    var meaning: String
}

/// The longest wait a setting or a rule may give, in seconds: a week, past any model's thinking
/// (larger values would overflow the clock).
let longestWaitSeconds = 604_800.0

/// A number as settings, the docs and rules files write it: `3`, `0.5`.
func numberText(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : String(value)
}

extension Knob where Value == Duration {
    /// Seconds, a fraction allowed, from `minimum` to `longestWaitSeconds`.
    static func seconds(_ name: String, default seconds: Double, minimum: Double, _ meaning: String) -> Knob {
        Knob(name, default: .seconds(seconds), shown: numberText(seconds), meaning) { text throws(ConfigError) in
            guard let value = Double(text), value >= minimum, value <= longestWaitSeconds else {
                throw ConfigError("\(name)=\(text) is not a number from \(numberText(minimum)) to \(numberText(longestWaitSeconds))")
            }
            return .seconds(value)
        }
    }

    /// Days, a fraction allowed, 0 or more.
    static func days(_ name: String, default days: Double, _ meaning: String) -> Knob {
        span(name, default: days, unit: 86_400, named: "days", upTo: 36_500, meaning)
    }

    /// Hours, a fraction allowed, 0 or more.
    static func hours(_ name: String, default hours: Double, _ meaning: String) -> Knob {
        span(name, default: hours, unit: 3_600, named: "hours", upTo: 876_000, meaning)
    }

    private static func span(_ name: String, default count: Double, unit: Double, named units: String, upTo most: Double,
                             _ meaning: String) -> Knob {
        Knob(name, default: .seconds(count * unit), shown: numberText(count), meaning) { text throws(ConfigError) in
            guard let value = Double(text), value >= 0, value <= most else {
                throw ConfigError("\(name)=\(text) is not a number of \(units) from 0 to \(numberText(most))")
            }
            return .seconds(value * unit)
        }
    }
}

extension Knob where Value == Int {
    static func count(_ name: String, default count: Int, minimum: Int, maximum: Int = .max, _ meaning: String) -> Knob {
        Knob(name, default: count, shown: String(count), meaning) { text throws(ConfigError) in
            guard let value = Int(text), value >= minimum, value <= maximum else {
                throw ConfigError(maximum == .max ? "\(name)=\(text) is not an integer ≥ \(minimum)"
                                                  : "\(name)=\(text) is not an integer from \(minimum) to \(maximum)")
            }
            return value
        }
    }
}

extension Knob where Value == Bool {
    static func flag(_ name: String, _ meaning: String) -> Knob {
        Knob(name, default: false, shown: "0", meaning) { text throws(ConfigError) in
            switch text {
            case "0", "false", "no": return false
            case "1", "true", "yes": return true
            default: throw ConfigError("\(name)=\(text) is not 0 or 1")
            }
        }
    }
}

extension Knob where Value == String? {
    /// Text as it is; unset, nothing.
    static func text(_ name: String, _ meaning: String) -> Knob {
        Knob(name, default: nil, shown: "-", meaning) { $0 }
    }

    /// An absolute path (or, for systemd's lists of them, the first of several separated by colons).
    static func path(_ name: String, firstOfList: Bool = false, _ meaning: String) -> Knob {
        Knob(name, default: nil, shown: "-", meaning) { text throws(ConfigError) in
            let path = firstOfList ? String(text.prefix { $0 != ":" }) : text
            guard path.hasPrefix("/") else { throw ConfigError("\(name)=\(path) is not an absolute path") }
            return path
        }
    }
}

extension Knob where Value: RawRepresentable & CaseIterable & Sendable, Value.RawValue == String {
    static func choice(_ name: String, default value: Value, _ meaning: String) -> Knob {
        Knob(name, default: value, shown: value.rawValue, meaning) { text throws(ConfigError) in
            guard let value = Value(rawValue: text) else {
                throw ConfigError("\(name)=\(text) is not one of \(Value.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return value
        }
    }
}

/// Every setting, in the order `--help` lists them.
enum Knobs {
    static let openAIKey = Knob<String?>.text("OPENAI_API_KEY", "upstream key; the systemd credential \(Config.credentialName) "
        + "wins over it. Without either, the client's Authorization is forwarded")
    static let baseURL = Knob<String>("OPENAI_BASE_URL", default: "https://api.openai.com/v1", shown: "https://api.openai.com/v1",
                                      "upstream API base; /v1/X on the proxy goes to BASE/X") { $0 }
    static let azureEndpoint = Knob<String?>.text("AZURE_OPENAI_ENDPOINT", "an Azure OpenAI resource (https://NAME.openai.azure.com) "
        + "instead of OPENAI_BASE_URL: its v1 API, model = deployment name")
    static let azureKey = Knob<String?>.text("AZURE_OPENAI_API_KEY", "its key, sent as api-key; the systemd credential "
        + "\(Config.azureCredentialName) wins over it")
    static let token = Knob<String?>.text("O1_PROXY_TOKEN", "when set, clients must send 'Authorization: Bearer TOKEN' (else 401)")
    static let rules = Knob<String?>.text("O1_PROXY_RULES", "JSON file of model rules, tried before the built-in ones")
    static let summary = Knob<ReasoningSummary>.choice("O1_PROXY_REASONING_SUMMARY", default: .off, "Responses API models: ask for "
        + "reasoning summaries (auto, concise, detailed), relayed as reasoning_content")
    static let caBundle = Knob<String?>.path("O1_PROXY_CA_BUNDLE", "CA bundle read in place of libcurl's (the hashed /etc/ssl/certs "
        + "stays behind it); a file that is not there: libcurl's")
    static let stateDirectory = Knob<String?>.path("STATE_DIRECTORY", firstOfList: true, "where learned fixes and reasoning are "
        + "kept between exchanges (systemd sets it from StateDirectory=); unset: nowhere")
    static let learnedDays = Knob<Duration>.days("O1_PROXY_LEARNED_DAYS", default: 7,
                                                 "days a learned fix is applied before the upstream is asked again")
    static let toolTurns = Knob<Endpoint>.choice("O1_PROXY_TOOL_TURNS", default: .responses, "API for the tool turns of the "
        + "built-in reasoning models (responses keeps their reasoning across turns; chat: as the client sent them)")
    static let reasoningMB = Knob<Int>.count("O1_PROXY_REASONING_MB", default: 32, minimum: 0, maximum: 1 << 20, "MiB of reasoning kept in "
        + "STATE_DIRECTORY for the next tool turns of bridged conversations, the oldest dropped first; 0: none kept")
    static let reasoningHours = Knob<Duration>.hours("O1_PROXY_REASONING_HOURS", default: 24,
                                                     "hours kept reasoning may be replayed")
    static let grace = Knob<Duration>.seconds("O1_PROXY_GRACE_SECONDS", default: 3, minimum: 0,
                                              "streams: send 200 and SSE headers if the model has not answered by then")
    static let keepalive = Knob<Duration>.seconds("O1_PROXY_KEEPALIVE_SECONDS", default: 15, minimum: 0.1,
                                                  "interval of ': keepalive' comments on an open stream while the model thinks")
    static let deadline = Knob<Duration>.seconds("O1_PROXY_DEADLINE_SECONDS", default: 900, minimum: 1, "whole-exchange deadline "
        + "(a rule may raise it for its models); past it: 504 (or an error event)")
    static let readTimeout = Knob<Duration>.seconds("O1_PROXY_READ_TIMEOUT_SECONDS", default: 30, minimum: 0.1,
                                                    "time allowed to receive the whole request (else 408)")
    static let maxHeadBytes = Knob<Int>.count("O1_PROXY_MAX_HEAD_BYTES", default: 32 * 1024, minimum: 256,
                                              "request line + headers (else 431)")
    static let maxHeaders = Knob<Int>.count("O1_PROXY_MAX_HEADERS", default: 100, minimum: 1, "number of header fields (else 431)")
    static let maxBodyBytes = Knob<Int>.count("O1_PROXY_MAX_BODY_BYTES", default: 16 * 1024 * 1024, minimum: 0,
                                              "request body (else 413, answered before reading it)")
    static let maxRetries = Knob<Int>.count("O1_PROXY_MAX_RETRIES", default: 8, minimum: 0,
                                            "retries after an upstream rejection the proxy knows how to fix")
    static let logBodies = Knob<Bool>.flag("O1_PROXY_LOG_BODIES", "1: also log request and response bodies")

    static let all: [KnobDocumentation] = [
        openAIKey.documentation, baseURL.documentation, azureEndpoint.documentation, azureKey.documentation,
        token.documentation, rules.documentation, summary.documentation, caBundle.documentation,
        stateDirectory.documentation, learnedDays.documentation, toolTurns.documentation, reasoningMB.documentation,
        reasoningHours.documentation, grace.documentation, keepalive.documentation,
        deadline.documentation, readTimeout.documentation, maxHeadBytes.documentation, maxHeaders.documentation,
        maxBodyBytes.documentation, maxRetries.documentation, logBodies.documentation,
    ]
}
