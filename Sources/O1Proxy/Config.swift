import O1ProxyCore
import Foundation

struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Where chat requests go, and how the key is presented there.
struct Upstream: Equatable, Sendable {
    enum Kind: Equatable, Sendable {
        /// OpenAI, or anything that speaks its API: the key as `Authorization: Bearer`.
        case openAI
        /// Azure OpenAI's v1 API: the key in an `api-key` header, never as a bearer token;
        /// `model` names a deployment.
        case azure
    }

    var kind: Kind
    /// Ends where OpenAI's `/v1` does: `/v1/X` on the proxy is `baseURL/X`.
    var baseURL: URL
    var key: String?
    /// The file the unit loads the key from, when it was not there (see `Config.missingKeyMark`):
    /// a client that brings no key of its own is told to create it.
    var missingKeyFile: String?
}

/// Everything an operator can set, read once per process from the environment (and, for keys
/// and rules, from files). Parsing is a pure function of those inputs so that every bad value
/// is a tested, named start-up error rather than a crash in the middle of an exchange.
struct Config: Sendable {
    var upstream: Upstream
    var clientToken: String?
    var rules: RuleBook
    var summary: ReasoningSummary
    var grace: Double
    var keepalive: Double
    var deadline: Double
    var readTimeout: Double
    var limits: HTTPLimits
    var maxRetries: Int
    var logBodies: Bool
    /// Where learned fixes are kept between processes; `nil`: nowhere.
    var stateDirectory: String?
    /// The CA bundle libcurl reads in place of the one it was built with; the hashed directory
    /// stays behind it, so it adds roots and never takes one away. The package points it at one
    /// root of the system's bundle, which trusts the same roots for a tenth of the parsing.
    var caBundle: String?
    var learnedDays: Double

    static let credentialName = "openai-api-key"
    /// How the unit says that the key file its `LoadCredential=` names is missing: its
    /// `SetCredential=` fallback is this and the file's path. Without a fallback systemd fails
    /// the instance before the proxy runs, and every client sees its connection reset.
    static let missingKeyMark = "missing "
    static let azureCredentialName = "azure-openai-api-key"

    /// The documented knobs, for `--help` and the README; `from(environment:)` reads exactly these.
    static let knobs: [(name: String, value: String, meaning: String)] = [
        ("OPENAI_API_KEY", "-", "upstream key; the systemd credential \(credentialName) wins over it. Without either, the client's Authorization is forwarded"),
        ("OPENAI_BASE_URL", "https://api.openai.com/v1", "upstream API base; /v1/X on the proxy goes to BASE/X"),
        ("AZURE_OPENAI_ENDPOINT", "-", "an Azure OpenAI resource (https://NAME.openai.azure.com) instead of OPENAI_BASE_URL: its v1 API, model = deployment name"),
        ("AZURE_OPENAI_API_KEY", "-", "its key, sent as api-key; the systemd credential \(azureCredentialName) wins over it"),
        ("O1_PROXY_TOKEN", "-", "when set, clients must send 'Authorization: Bearer TOKEN' (else 401)"),
        ("O1_PROXY_RULES", "-", "JSON file of model rules, tried before the built-in ones"),
        ("O1_PROXY_REASONING_SUMMARY", "off", "Responses API models: ask for reasoning summaries (auto, concise, detailed), relayed as reasoning_content"),
        ("O1_PROXY_CA_BUNDLE", "-", "CA bundle read in place of libcurl's (the hashed /etc/ssl/certs stays behind it); a file that is not there: libcurl's"),
        ("STATE_DIRECTORY", "-", "where learned fixes are kept between exchanges (systemd sets it from StateDirectory=); unset: nowhere"),
        ("O1_PROXY_LEARNED_DAYS", "7", "days a learned fix is applied before the upstream is asked again"),
        ("O1_PROXY_GRACE_SECONDS", "3", "streams: send 200 and SSE headers if the model has not answered by then"),
        ("O1_PROXY_KEEPALIVE_SECONDS", "15", "interval of ': keepalive' comments on an open stream while the model thinks"),
        ("O1_PROXY_DEADLINE_SECONDS", "900", "whole-exchange deadline (a rule may raise it for its models); past it: 504 (or an error event)"),
        ("O1_PROXY_READ_TIMEOUT_SECONDS", "30", "time allowed to receive the whole request (else 408)"),
        ("O1_PROXY_MAX_HEAD_BYTES", "32768", "request line + headers (else 431)"),
        ("O1_PROXY_MAX_HEADERS", "100", "number of header fields (else 431)"),
        ("O1_PROXY_MAX_BODY_BYTES", "16777216", "request body (else 413, answered before reading it)"),
        ("O1_PROXY_MAX_RETRIES", "8", "retries after an upstream rejection the proxy knows how to fix"),
        ("O1_PROXY_LOG_BODIES", "0", "1: also log request and response bodies"),
    ]

    /// - Parameter readFile: reads a file given its path; injected so tests need no file system.
    static func from(environment env: [String: String], readFile: (String) throws -> [UInt8]) throws(ConfigError) -> Config {
        func value(_ name: String) -> String? {
            env[name].flatMap { $0.isEmpty ? nil : $0 }
        }
        func number(_ name: String, _ fallback: Double, minimum: Double) throws(ConfigError) -> Double {
            guard let text = value(name) else { return fallback }
            // A week is past any model's thinking; larger values would overflow the clock.
            guard let number = Double(text), number >= minimum, number <= 604_800 else {
                throw ConfigError("\(name)=\(text) is not a number from \(minimum) to 604800")
            }
            return number
        }
        func integer(_ name: String, _ fallback: Int, minimum: Int) throws(ConfigError) -> Int {
            guard let text = value(name) else { return fallback }
            guard let number = Int(text), number >= minimum else { throw ConfigError("\(name)=\(text) is not an integer ≥ \(minimum)") }
            return number
        }
        func file(_ path: String, _ what: String) throws(ConfigError) -> [UInt8] {
            do { return try readFile(path) } catch { throw ConfigError("cannot read \(what) \(path): \(error.localizedDescription)") }
        }
        /// A systemd credential wins over the variable: it never shows in `systemctl show`.
        func key(_ variable: String, credential: String) throws(ConfigError) -> (key: String?, missingFile: String?) {
            var text = env[variable]
            var missingFile: String?
            if let dir = value("CREDENTIALS_DIRECTORY"), let bytes = try? readFile(dir + "/" + credential) {
                let loaded = String(decoding: bytes, as: UTF8.self)
                if loaded.hasPrefix(missingKeyMark) {
                    missingFile = String(loaded.dropFirst(missingKeyMark.count)).trimmingWhitespace()
                } else {
                    text = loaded
                }
            }
            let key = try checked(text, variable, credential)
            return (key, key == nil ? missingFile : nil)
        }
        func checked(_ key: String?, _ variable: String, _ credential: String) throws(ConfigError) -> String? {
            guard let trimmed = key?.trimmingWhitespace(), !trimmed.isEmpty else { return nil }
            guard trimmed.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) else {
                throw ConfigError("the key in \(variable) (or the credential \(credential)) contains characters that cannot go in an HTTP header")
            }
            return trimmed
        }
        func url(_ name: String, _ text: String, appending path: String = "") throws(ConfigError) -> URL {
            let trimmed = text.hasSuffix("/") ? String(text.dropLast()) : text
            guard let url = URL(string: trimmed + path), url.scheme == "http" || url.scheme == "https", url.host != nil else {
                throw ConfigError("\(name)=\(text) is not an http(s) URL")
            }
            return url
        }

        let upstream: Upstream
        if let endpoint = value("AZURE_OPENAI_ENDPOINT") {
            guard value("OPENAI_BASE_URL") == nil else {
                throw ConfigError("set AZURE_OPENAI_ENDPOINT or OPENAI_BASE_URL, not both")
            }
            let (key, missing) = try key("AZURE_OPENAI_API_KEY", credential: azureCredentialName)
            upstream = Upstream(kind: .azure, baseURL: try url("AZURE_OPENAI_ENDPOINT", endpoint, appending: "/openai/v1"),
                                key: key, missingKeyFile: missing)
        } else {
            let (key, missing) = try key("OPENAI_API_KEY", credential: credentialName)
            upstream = Upstream(kind: .openAI, baseURL: try url("OPENAI_BASE_URL", value("OPENAI_BASE_URL") ?? "https://api.openai.com/v1"),
                                key: key, missingKeyFile: missing)
        }

        var rules = RuleBook.builtIn
        if let path = value("O1_PROXY_RULES") {
            rules.rules = try RuleBook.parse(file(path, "rules file")) + rules.rules
        }

        let summaryText = value("O1_PROXY_REASONING_SUMMARY") ?? "off"
        guard let summary = ReasoningSummary(rawValue: summaryText) else {
            throw ConfigError("O1_PROXY_REASONING_SUMMARY=\(summaryText) is not one of \(ReasoningSummary.allCases.map(\.rawValue).joined(separator: ", "))")
        }

        let logBodies: Bool
        switch value("O1_PROXY_LOG_BODIES") ?? "0" {
        case "0", "false", "no": logBodies = false
        case "1", "true", "yes": logBodies = true
        case let other: throw ConfigError("O1_PROXY_LOG_BODIES=\(other) is not 0 or 1")
        }

        // systemd may name several directories, separated by colons; the first is this unit's own.
        let stateDirectory = value("STATE_DIRECTORY")?.split(separator: ":").first.map(String.init)
        if let directory = stateDirectory, !directory.hasPrefix("/") {
            throw ConfigError("STATE_DIRECTORY=\(directory) is not an absolute path")
        }

        let caBundle = value("O1_PROXY_CA_BUNDLE")
        if let path = caBundle, !path.hasPrefix("/") {
            throw ConfigError("O1_PROXY_CA_BUNDLE=\(path) is not an absolute path")
        }

        return Config(
            upstream: upstream,
            clientToken: value("O1_PROXY_TOKEN"),
            rules: rules,
            summary: summary,
            grace: try number("O1_PROXY_GRACE_SECONDS", 3, minimum: 0),
            keepalive: try number("O1_PROXY_KEEPALIVE_SECONDS", 15, minimum: 0.1),
            deadline: try number("O1_PROXY_DEADLINE_SECONDS", 900, minimum: 1),
            readTimeout: try number("O1_PROXY_READ_TIMEOUT_SECONDS", 30, minimum: 0.1),
            limits: HTTPLimits(
                maxHeadBytes: try integer("O1_PROXY_MAX_HEAD_BYTES", 32 * 1024, minimum: 256),
                maxHeaders: try integer("O1_PROXY_MAX_HEADERS", 100, minimum: 1),
                maxBodyBytes: try integer("O1_PROXY_MAX_BODY_BYTES", 16 * 1024 * 1024, minimum: 0)),
            maxRetries: try integer("O1_PROXY_MAX_RETRIES", 8, minimum: 0),
            logBodies: logBodies,
            stateDirectory: stateDirectory,
            caBundle: caBundle,
            learnedDays: try number("O1_PROXY_LEARNED_DAYS", 7, minimum: 0))
    }

    /// Every string that must never reach a log line or an error body.
    var secrets: [String] {
        [upstream.key, clientToken].compactMap { $0 }
    }
}
