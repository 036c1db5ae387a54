import Foundation
import Testing
@testable import O1ProxyCore
@testable import O1Proxy

private struct NoSuchFile: Error, LocalizedError {
    let path: String
    var errorDescription: String? { "no such file" }
}

private func config(_ env: [String: String], files: [String: String] = [:]) throws(ConfigError) -> Config {
    try Config.from(environment: env) { path in
        guard let content = files[path] else { throw NoSuchFile(path: path) }
        return Array(content.utf8)
    }
}

private func configError(_ env: [String: String], files: [String: String] = [:]) -> ConfigError? {
    do {
        _ = try config(env, files: files)
        return nil
    } catch {
        return error
    }
}

@Suite struct ConfigTests {
    @Test func defaults() throws {
        let c = try config([:])
        #expect(c.upstream.key == nil)
        #expect(c.upstream.baseURL.absoluteString == "https://api.openai.com/v1")
        #expect(c.clientToken == nil)
        #expect(c.rules == RuleBook.builtIn)
        #expect(c.grace == .seconds(3))
        #expect(c.keepalive == .seconds(15))
        #expect(c.deadline == .seconds(900))
        #expect(c.readTimeout == .seconds(30))
        #expect(c.limits == HTTPLimits(maxHeadBytes: 32768, maxHeaders: 100, maxBodyBytes: 16_777_216))
        #expect(c.maxRetries == 8)
        #expect(!c.logBodies)
        #expect(c.secrets.isEmpty)
    }

    @Test func emptyValuesMeanDefaults() throws {
        let names = Knobs.all.map(\.name)
        let c = try config(Dictionary(uniqueKeysWithValues: names.map { ($0, "") }))
        #expect(c.upstream.key == nil)
        #expect(c.clientToken == nil)
        #expect(c.upstream.baseURL.absoluteString == "https://api.openai.com/v1")
        #expect(c.grace == .seconds(3))
        #expect(c.limits == HTTPLimits())
    }

    @Test func knobsListEveryVariable() {
        #expect(Knobs.all.map(\.name) == [
            "OPENAI_API_KEY", "OPENAI_BASE_URL", "AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_API_KEY", "O1_PROXY_TOKEN",
            "O1_PROXY_RULES", "O1_PROXY_REASONING_SUMMARY", "O1_PROXY_CA_BUNDLE", "STATE_DIRECTORY", "O1_PROXY_LEARNED_DAYS",
            "O1_PROXY_TOOL_TURNS", "O1_PROXY_REASONING_MB", "O1_PROXY_REASONING_HOURS",
            "O1_PROXY_GRACE_SECONDS", "O1_PROXY_KEEPALIVE_SECONDS", "O1_PROXY_DEADLINE_SECONDS",
            "O1_PROXY_READ_TIMEOUT_SECONDS", "O1_PROXY_MAX_HEAD_BYTES", "O1_PROXY_MAX_HEADERS", "O1_PROXY_MAX_BODY_BYTES",
            "O1_PROXY_MAX_RETRIES", "O1_PROXY_LOG_BODIES",
        ])
    }

    @Test func goodValues() throws {
        let c = try config([
            "OPENAI_API_KEY": "sk-abc", "O1_PROXY_TOKEN": "tok", "O1_PROXY_GRACE_SECONDS": "0",
            "O1_PROXY_KEEPALIVE_SECONDS": "0.5", "O1_PROXY_DEADLINE_SECONDS": "60", "O1_PROXY_READ_TIMEOUT_SECONDS": "2.5",
            "O1_PROXY_MAX_HEAD_BYTES": "1024", "O1_PROXY_MAX_HEADERS": "10", "O1_PROXY_MAX_BODY_BYTES": "0",
            "O1_PROXY_MAX_RETRIES": "0", "O1_PROXY_LOG_BODIES": "1",
        ])
        #expect(c.upstream.key == "sk-abc")
        #expect(c.clientToken == "tok")
        #expect(c.grace == .seconds(0))
        #expect(c.keepalive == .seconds(0.5))
        #expect(c.deadline == .seconds(60))
        #expect(c.readTimeout == .seconds(2.5))
        #expect(c.limits == HTTPLimits(maxHeadBytes: 1024, maxHeaders: 10, maxBodyBytes: 0))
        #expect(c.maxRetries == 0)
        #expect(c.logBodies)
        #expect(c.secrets == ["sk-abc", "tok"])
    }

    @Test(arguments: ["1", "true", "yes"])
    func logBodiesOn(_ value: String) throws {
        #expect(try config(["O1_PROXY_LOG_BODIES": value]).logBodies)
    }

    @Test(arguments: ["0", "false", "no"])
    func logBodiesOff(_ value: String) throws {
        #expect(try !config(["O1_PROXY_LOG_BODIES": value]).logBodies)
    }

    @Test(arguments: [
        ("O1_PROXY_GRACE_SECONDS", "abc"), ("O1_PROXY_GRACE_SECONDS", "-1"), ("O1_PROXY_GRACE_SECONDS", "nan"),
        ("O1_PROXY_GRACE_SECONDS", "inf"), ("O1_PROXY_GRACE_SECONDS", "3s"),
        ("O1_PROXY_KEEPALIVE_SECONDS", "0"), ("O1_PROXY_KEEPALIVE_SECONDS", "0.05"),
        ("O1_PROXY_DEADLINE_SECONDS", "0.5"), ("O1_PROXY_DEADLINE_SECONDS", "x"),
        ("O1_PROXY_READ_TIMEOUT_SECONDS", "0"), ("O1_PROXY_READ_TIMEOUT_SECONDS", "-5"),
        ("O1_PROXY_MAX_HEAD_BYTES", "100"), ("O1_PROXY_MAX_HEAD_BYTES", "1.5"), ("O1_PROXY_MAX_HEAD_BYTES", "lots"),
        ("O1_PROXY_MAX_HEADERS", "0"), ("O1_PROXY_MAX_HEADERS", "-1"),
        ("O1_PROXY_MAX_BODY_BYTES", "-1"), ("O1_PROXY_MAX_BODY_BYTES", "1e6"),
        ("O1_PROXY_MAX_BODY_BYTES", "99999999999999999999999"),
        ("O1_PROXY_MAX_RETRIES", "-1"), ("O1_PROXY_MAX_RETRIES", "many"),
        ("O1_PROXY_LOG_BODIES", "2"), ("O1_PROXY_LOG_BODIES", "on"),
        ("O1_PROXY_LEARNED_DAYS", "-1"), ("O1_PROXY_LEARNED_DAYS", "week"), ("O1_PROXY_LEARNED_DAYS", "nan"),
        ("O1_PROXY_LEARNED_DAYS", "1e12"),
        ("O1_PROXY_REASONING_HOURS", "-1"), ("O1_PROXY_REASONING_HOURS", "x"), ("O1_PROXY_REASONING_HOURS", "nan"),
        ("O1_PROXY_REASONING_HOURS", "inf"), ("O1_PROXY_REASONING_HOURS", "1e12"),
        ("O1_PROXY_REASONING_MB", "-1"), ("O1_PROXY_REASONING_MB", "abc"), ("O1_PROXY_REASONING_MB", "1.5"),
        ("O1_PROXY_TOOL_TURNS", "both"),
        ("OPENAI_BASE_URL", "ftp://example.com/v1"), ("OPENAI_BASE_URL", "api.openai.com/v1"),
        ("OPENAI_BASE_URL", "http://"), ("OPENAI_BASE_URL", "not a url"),
        ("OPENAI_API_KEY", "sk-has space"), ("OPENAI_API_KEY", "sk-\u{7F}"), ("OPENAI_API_KEY", "sk-é"),
        ("OPENAI_API_KEY", "sk-a\r\nX-Injected: 1"),
    ])
    func badValue(_ name: String, _ value: String) {
        let error = configError([name: value])
        #expect(error != nil, "\(name)=\(value) accepted")
        #expect(error?.description.isEmpty == false)
        if name.hasPrefix("O1_PROXY") || name == "OPENAI_BASE_URL" {
            #expect(error?.description.contains(name) == true, "\(error?.description ?? "")")
        }
    }

    /// Contract: "A bad value → log line + 500 JSON error, never a crash." Durations become
    /// `UInt64` nanoseconds (`Deadline(seconds:)`), which traps above ~1.8e10 s: such a value
    /// must be refused (or clamped) here, not crash the exchange.
    @Test(arguments: ["O1_PROXY_GRACE_SECONDS", "O1_PROXY_KEEPALIVE_SECONDS", "O1_PROXY_DEADLINE_SECONDS",
                      "O1_PROXY_READ_TIMEOUT_SECONDS"])
    func hugeDurationIsRefusedOrClamped(_ name: String) {
        let accepted: Config
        do {
            accepted = try config([name: "1e12"])
        } catch {
            #expect(error.description.contains(name))
            return
        }
        let longest = [accepted.grace, accepted.keepalive, accepted.deadline, accepted.readTimeout].max()!
        #expect(longest <= .seconds(604_800), "\(name)=1e12 accepted as \(longest)")
    }

    @Test func badKeyErrorDoesNotEchoTheKey() {
        let error = configError(["OPENAI_API_KEY": "sk-secret value"])
        #expect(error != nil)
        #expect(error?.description.contains("sk-secret") == false)
    }

    @Test func credentialFileWinsAndIsTrimmed() throws {
        let c = try config(["OPENAI_API_KEY": "sk-env", "CREDENTIALS_DIRECTORY": "/run/credentials/o1-proxy.service"],
                           files: ["/run/credentials/o1-proxy.service/openai-api-key": "  sk-from-file\n"])
        #expect(c.upstream.key == "sk-from-file")
        #expect(c.secrets == ["sk-from-file"])
    }

    @Test func missingCredentialFileFallsBackToTheEnvironment() throws {
        let c = try config(["OPENAI_API_KEY": " sk-env\n", "CREDENTIALS_DIRECTORY": "/creds"])
        #expect(c.upstream.key == "sk-env")
        let none = try config(["CREDENTIALS_DIRECTORY": "/creds"])
        #expect(none.upstream.key == nil)
    }

    /// The unit's SetCredential= fallback stands in for a missing key file and names it.
    @Test func aMissingKeyFileIsNamed() throws {
        let creds = ["CREDENTIALS_DIRECTORY": "/c"]
        let fallback = ["/c/openai-api-key": "missing /etc/o1-proxy/openai-api-key"]
        let missing = try config(creds, files: fallback)
        #expect(missing.upstream.key == nil && missing.upstream.missingKeyFile == "/etc/o1-proxy/openai-api-key")
        #expect(missing.secrets == [])
        let fromEnv = try config(creds.merging(["OPENAI_API_KEY": "sk-env"]) { $1 }, files: fallback)
        #expect(fromEnv.upstream.key == "sk-env" && fromEnv.upstream.missingKeyFile == nil)
        let present = try config(creds, files: ["/c/openai-api-key": "sk-file"])
        #expect(present.upstream.missingKeyFile == nil)
    }

    @Test func blankKeyMeansNoKey() throws {
        #expect(try config(["OPENAI_API_KEY": " \n\t"]).upstream.key == nil)
        #expect(try config(["CREDENTIALS_DIRECTORY": "/c"], files: ["/c/openai-api-key": "\n"]).upstream.key == nil)
    }

    @Test func baseURL() throws {
        #expect(try config(["OPENAI_BASE_URL": "http://127.0.0.1:8080/v1/"]).upstream.baseURL.absoluteString == "http://127.0.0.1:8080/v1")
        #expect(try config(["OPENAI_BASE_URL": "https://example.com/openai/v1"]).upstream.baseURL.absoluteString == "https://example.com/openai/v1")
        #expect(try config(["OPENAI_BASE_URL": "http://localhost:9/"]).upstream.baseURL.absoluteString == "http://localhost:9")
    }

    @Test func rulesFileIsPrepended() throws {
        let file = #"{"rules":[{"match":["o1-mini"],"drop":["user"]},{"match":["o5*"],"stream":"faked"}]}"#
        let c = try config(["O1_PROXY_RULES": "/etc/o1-proxy/rules.json"], files: ["/etc/o1-proxy/rules.json": file])
        #expect(c.rules.rules.count == RuleBook.builtIn.rules.count + 2)
        #expect(c.rules.rules[0].patterns == ["o1-mini"])
        #expect(c.rules.rules[1].patterns == ["o5*"])
        #expect(Array(c.rules.rules.dropFirst(2)) == RuleBook.builtIn.rules)
        #expect(c.rules.rule(for: "o1-mini")?.fixes == [.drop("user")])
        #expect(c.rules.rule(for: "o5-pro")?.fixes == [.fakeStream])
        #expect(c.rules.rule(for: "o1-mini-2024-09-12") == RuleBook.builtIn.rule(for: "o1-mini-2024-09-12"))
    }

    @Test func unreadableRulesFile() {
        let error = configError(["O1_PROXY_RULES": "/nope/rules.json"])
        #expect(error?.description.contains("/nope/rules.json") == true)
        #expect(error?.description.contains("rules file") == true)
    }

    @Test func invalidRulesFile() {
        let error = configError(["O1_PROXY_RULES": "/r"], files: ["/r": #"{"rules":[{"match":"o1"}]}"#])
        #expect(error?.description.contains("match") == true)
    }

    // MARK: Azure OpenAI, summaries, state

    @Test func azureEndpointAndKey() throws {
        let c = try config(["AZURE_OPENAI_ENDPOINT": "https://res.openai.azure.com/", "AZURE_OPENAI_API_KEY": "azk-1"])
        #expect(c.upstream == Upstream(kind: .azure, baseURL: URL(string: "https://res.openai.azure.com/openai/v1")!, key: "azk-1"))
        #expect(c.secrets == ["azk-1"])
        let fromCredential = try config(["AZURE_OPENAI_ENDPOINT": "https://res.openai.azure.com", "OPENAI_API_KEY": "sk-not-this",
                                         "CREDENTIALS_DIRECTORY": "/c"], files: ["/c/azure-openai-api-key": "azk-2\n"])
        #expect(fromCredential.upstream.key == "azk-2")
        #expect(configError(["AZURE_OPENAI_ENDPOINT": "https://a", "OPENAI_BASE_URL": "https://b"])?.description.contains("not both") == true)
        #expect(configError(["AZURE_OPENAI_ENDPOINT": "res.openai.azure.com"]) != nil)
    }

    /// The configured key goes in the header its upstream reads; without one the client's own
    /// credentials go on, unless they only carried the proxy's token.
    @Test func upstreamCredentials() throws {
        let client: HTTPFields = [("Authorization", "Bearer client"), ("api-key", "client-azure")]
        func credentials(_ env: [String: String]) throws -> [String] {
            UpstreamCall.credentials(config: try config(env), clientHeaders: client).map { "\($0.name): \($0.value)" }
        }
        #expect(try credentials(["OPENAI_API_KEY": "sk-1"]) == ["Authorization: Bearer sk-1"])
        #expect(try credentials([:]) == ["Authorization: Bearer client"])
        #expect(try credentials(["O1_PROXY_TOKEN": "t"]) == [])
        #expect(try credentials(["AZURE_OPENAI_ENDPOINT": "https://r", "AZURE_OPENAI_API_KEY": "azk"]) == ["api-key: azk"])
        #expect(try credentials(["AZURE_OPENAI_ENDPOINT": "https://r"]) == ["api-key: client-azure", "Authorization: Bearer client"])
        #expect(try credentials(["AZURE_OPENAI_ENDPOINT": "https://r", "O1_PROXY_TOKEN": "t"]) == [])
    }

    @Test func reasoningSummary() throws {
        #expect(try config([:]).summary == .off)
        #expect(try config(["O1_PROXY_REASONING_SUMMARY": "detailed"]).summary == .detailed)
        #expect(configError(["O1_PROXY_REASONING_SUMMARY": "long"])?.description.contains("auto, concise, detailed") == true)
    }

    @Test func stateDirectory() throws {
        #expect(try config([:]).stateDirectory == nil)
        #expect(try config(["STATE_DIRECTORY": "/var/lib/o1-proxy"]).stateDirectory == "/var/lib/o1-proxy")
        #expect(try config(["STATE_DIRECTORY": "/var/lib/o1-proxy:/var/lib/other"]).stateDirectory == "/var/lib/o1-proxy")
        #expect(configError(["STATE_DIRECTORY": "relative"]) != nil)
        #expect(try config([:]).learnedLifetime == .seconds(7 * 86_400))
        #expect(try config(["O1_PROXY_LEARNED_DAYS": "0.5"]).learnedLifetime == .seconds(43_200))
    }

    @Test func caBundle() throws {
        #expect(try config([:]).caBundle == nil)
        #expect(try config(["O1_PROXY_CA_BUNDLE": ""]).caBundle == nil)
        #expect(try config(["O1_PROXY_CA_BUNDLE": "/var/cache/o1-proxy/ca-certificates.crt"]).caBundle
                == "/var/cache/o1-proxy/ca-certificates.crt")
        #expect(configError(["O1_PROXY_CA_BUNDLE": "ca.pem"])?.description.contains("absolute") == true)
    }
}
