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
/// and rules, from files), each variable through its knob (`Knobs`). Parsing is a pure function
/// of those inputs so that every bad value is a tested, named start-up error rather than a crash
/// in the middle of an exchange.
struct Config: Sendable {
    var upstream: Upstream
    var clientToken: String?
    var rules: RuleBook
    var summary: ReasoningSummary
    var grace: Duration
    var keepalive: Duration
    var deadline: Duration
    var readTimeout: Duration
    var limits: HTTPLimits
    var maxRetries: Int
    var logBodies: Bool
    /// Where learned fixes are kept between processes; `nil`: nowhere.
    var stateDirectory: String?
    /// The CA bundle libcurl reads in place of the one it was built with; the hashed directory
    /// stays behind it, so it adds roots and never takes one away. The package points it at one
    /// root of the system's bundle, which trusts the same roots for a tenth of the parsing.
    var caBundle: String?
    /// How long a learned fix is applied before the upstream is asked again.
    var learnedLifetime: Duration
    /// How much reasoning the state directory keeps for bridged conversations (0: none), and
    /// for how long.
    var reasoningBytes: Int
    var reasoningLifetime: Duration

    static let credentialName = "openai-api-key"
    static let azureCredentialName = "azure-openai-api-key"
    /// How the unit says that the key file its `LoadCredential=` names is missing: its
    /// `SetCredential=` fallback is this and the file's path. Without a fallback systemd fails
    /// the instance before the proxy runs, and every client sees its connection reset.
    static let missingKeyMark = "missing "

    /// - Parameter readFile: reads a file given its path; injected so tests need no file system.
    static func from(environment env: [String: String], readFile: (String) throws -> [UInt8]) throws(ConfigError) -> Config {
        func file(_ path: String, _ what: String) throws(ConfigError) -> [UInt8] {
            do { return try readFile(path) } catch { throw ConfigError("cannot read \(what) \(path): \(error.localizedDescription)") }
        }
        /// A systemd credential wins over the variable: it never shows in `systemctl show`.
        func key(_ knob: Knob<String?>, credential: String) throws(ConfigError) -> (key: String?, missingFile: String?) {
            var text = try knob.read(env)
            var missingFile: String?
            if let dir = env["CREDENTIALS_DIRECTORY"], !dir.isEmpty, let bytes = try? readFile(dir + "/" + credential) {
                let loaded = String(decoding: bytes, as: UTF8.self)
                if loaded.hasPrefix(missingKeyMark) {
                    missingFile = String(loaded.dropFirst(missingKeyMark.count)).trimmingWhitespace()
                } else {
                    text = loaded
                }
            }
            let key = try checked(text, knob.name, credential)
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
        if let endpoint = try Knobs.azureEndpoint.read(env) {
            guard env[Knobs.baseURL.name].map(\.isEmpty) ?? true else {
                throw ConfigError("set \(Knobs.azureEndpoint.name) or \(Knobs.baseURL.name), not both")
            }
            let (key, missing) = try key(Knobs.azureKey, credential: azureCredentialName)
            upstream = Upstream(kind: .azure, baseURL: try url(Knobs.azureEndpoint.name, endpoint, appending: "/openai/v1"),
                                key: key, missingKeyFile: missing)
        } else {
            let (key, missing) = try key(Knobs.openAIKey, credential: credentialName)
            upstream = Upstream(kind: .openAI, baseURL: try url(Knobs.baseURL.name, try Knobs.baseURL.read(env)),
                                key: key, missingKeyFile: missing)
        }

        var rules = RuleBook.builtIn
        if try Knobs.toolTurns.read(env) == .chat {
            rules.rules = rules.rules.map { rule in
                var rule = rule
                rule.fixes.removeAll { $0 == RuleBook.toolTurns }
                return rule
            }
        }
        if let path = try Knobs.rules.read(env) {
            let own = try RuleBook.parse(file(path, "rules file"))
            rules.rules = own.rules + rules.rules
            rules.presets = own.presets
        }

        return Config(
            upstream: upstream,
            clientToken: try Knobs.token.read(env),
            rules: rules,
            summary: try Knobs.summary.read(env),
            grace: try Knobs.grace.read(env),
            keepalive: try Knobs.keepalive.read(env),
            deadline: try Knobs.deadline.read(env),
            readTimeout: try Knobs.readTimeout.read(env),
            limits: HTTPLimits(maxHeadBytes: try Knobs.maxHeadBytes.read(env), maxHeaders: try Knobs.maxHeaders.read(env),
                               maxBodyBytes: try Knobs.maxBodyBytes.read(env)),
            maxRetries: try Knobs.maxRetries.read(env),
            logBodies: try Knobs.logBodies.read(env),
            stateDirectory: try Knobs.stateDirectory.read(env),
            caBundle: try Knobs.caBundle.read(env),
            learnedLifetime: try Knobs.learnedDays.read(env),
            reasoningBytes: try Knobs.reasoningMB.read(env) * (1 << 20),
            reasoningLifetime: try Knobs.reasoningHours.read(env))
    }

    /// Every string that must never reach a log line or an error body.
    var secrets: [String] {
        [upstream.key, clientToken].compactMap { $0 }
    }
}
