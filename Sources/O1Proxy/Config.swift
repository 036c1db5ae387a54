import Foundation

public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Everything an operator can set, read once per process from the environment (and, for the key
/// and the rules, from files). Parsing is a pure function of those inputs so that every bad value
/// is a tested, named start-up error rather than a crash in the middle of an exchange.
public struct Config: Sendable {
    public var apiKey: String?
    public var baseURL: URL
    public var clientToken: String?
    public var rules: RuleBook
    public var grace: Double
    public var keepalive: Double
    public var deadline: Double
    public var readTimeout: Double
    public var limits: HTTPLimits
    public var maxAdaptations: Int
    public var logBodies: Bool

    public static let credentialName = "openai-api-key"

    /// The documented knobs, for `--help` and the README; `from(environment:)` reads exactly these.
    public static let knobs: [(name: String, value: String, meaning: String)] = [
        ("OPENAI_API_KEY", "-", "upstream key; the systemd credential \(credentialName) wins over it. Without either, the client's Authorization is forwarded"),
        ("OPENAI_BASE_URL", "https://api.openai.com/v1", "upstream API base; /v1/X on the proxy goes to BASE/X"),
        ("O1_PROXY_TOKEN", "-", "when set, clients must send 'Authorization: Bearer TOKEN' (else 401)"),
        ("O1_PROXY_RULES", "-", "JSON file of model rules, tried before the built-in ones"),
        ("O1_PROXY_GRACE_SECONDS", "3", "streams: send 200 and SSE headers if the model has not answered by then"),
        ("O1_PROXY_KEEPALIVE_SECONDS", "15", "interval of ': keepalive' comments on an open stream while the model thinks"),
        ("O1_PROXY_DEADLINE_SECONDS", "900", "whole-exchange deadline; past it: 504 (or an error event)"),
        ("O1_PROXY_READ_TIMEOUT_SECONDS", "30", "time allowed to receive the whole request (else 408)"),
        ("O1_PROXY_MAX_HEAD_BYTES", "32768", "request line + headers (else 431)"),
        ("O1_PROXY_MAX_HEADERS", "100", "number of header fields (else 431)"),
        ("O1_PROXY_MAX_BODY_BYTES", "16777216", "request body (else 413, answered before reading it)"),
        ("O1_PROXY_MAX_ADAPTATIONS", "8", "retries after an upstream 400 the proxy knows how to fix"),
        ("O1_PROXY_LOG_BODIES", "0", "1: also log request and response bodies"),
    ]

    /// - Parameter readFile: reads a file given its path; injected so tests need no file system.
    public static func from(environment env: [String: String],
                            readFile: (String) throws -> [UInt8]) throws(ConfigError) -> Config {
        func number(_ name: String, _ fallback: Double, minimum: Double) throws(ConfigError) -> Double {
            guard let text = env[name], !text.isEmpty else { return fallback }
            // A week is past any model's thinking; larger values would overflow the clock.
            guard let value = Double(text), value >= minimum, value <= 604_800 else {
                throw ConfigError("\(name)=\(text) is not a number of seconds from \(minimum) to 604800")
            }
            return value
        }
        func integer(_ name: String, _ fallback: Int, minimum: Int) throws(ConfigError) -> Int {
            guard let text = env[name], !text.isEmpty else { return fallback }
            guard let value = Int(text), value >= minimum else { throw ConfigError("\(name)=\(text) is not an integer ≥ \(minimum)") }
            return value
        }
        func file(_ path: String, _ what: String) throws(ConfigError) -> [UInt8] {
            do { return try readFile(path) } catch { throw ConfigError("cannot read \(what) \(path): \(error.localizedDescription)") }
        }

        var apiKey = env["OPENAI_API_KEY"]
        if let dir = env["CREDENTIALS_DIRECTORY"], !dir.isEmpty,
           let bytes = try? readFile(dir + "/" + credentialName) {
            apiKey = String(decoding: bytes, as: UTF8.self)
        }
        apiKey = apiKey?.trimmingWhitespace()
        if apiKey?.isEmpty == true { apiKey = nil }
        if let key = apiKey, !key.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) {
            throw ConfigError("the API key contains characters that cannot go in an HTTP header")
        }

        let base = env["OPENAI_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://api.openai.com/v1"
        guard let url = URL(string: base.hasSuffix("/") ? String(base.dropLast()) : base),
              url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ConfigError("OPENAI_BASE_URL=\(base) is not an http(s) URL")
        }

        var rules = RuleBook.builtIn
        if let path = env["O1_PROXY_RULES"], !path.isEmpty {
            rules.rules = try RuleBook.parse(file(path, "rules file")) + rules.rules
        }

        let logBodies: Bool
        switch env["O1_PROXY_LOG_BODIES"] ?? "" {
        case "", "0", "false", "no": logBodies = false
        case "1", "true", "yes": logBodies = true
        case let other: throw ConfigError("O1_PROXY_LOG_BODIES=\(other) is not 0 or 1")
        }

        let token = env["O1_PROXY_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        return Config(
            apiKey: apiKey,
            baseURL: url,
            clientToken: token,
            rules: rules,
            grace: try number("O1_PROXY_GRACE_SECONDS", 3, minimum: 0),
            keepalive: try number("O1_PROXY_KEEPALIVE_SECONDS", 15, minimum: 0.1),
            deadline: try number("O1_PROXY_DEADLINE_SECONDS", 900, minimum: 1),
            readTimeout: try number("O1_PROXY_READ_TIMEOUT_SECONDS", 30, minimum: 0.1),
            limits: HTTPLimits(
                maxHeadBytes: try integer("O1_PROXY_MAX_HEAD_BYTES", 32 * 1024, minimum: 256),
                maxHeaders: try integer("O1_PROXY_MAX_HEADERS", 100, minimum: 1),
                maxBodyBytes: try integer("O1_PROXY_MAX_BODY_BYTES", 16 * 1024 * 1024, minimum: 0)),
            maxAdaptations: try integer("O1_PROXY_MAX_ADAPTATIONS", 8, minimum: 0),
            logBodies: logBodies)
    }

    /// Every string that must never reach a log line or an error body.
    public var secrets: [String] {
        [apiKey, clientToken].compactMap { $0 }
    }
}
