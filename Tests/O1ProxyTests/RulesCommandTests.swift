import Testing
@testable import O1ProxyCore
@testable import O1Proxy

@Suite struct RulesCommandTests {
    @Test func arguments() {
        #expect(RulesCommand.parse([])! == (.show, nil))
        #expect(RulesCommand.parse(["--state", "/s"])! == (.show, "/s"))
        #expect(RulesCommand.parse(["--forget", "o1", "--state", "/s"])! == (.forget("o1"), "/s"))
        #expect(RulesCommand.parse(["--all"])! == (.forgetAll, nil))
        #expect(RulesCommand.parse(["--clear-reasoning", "--state", "/s"])! == (.clearReasoning, "/s"))
        for bad in [["--forget"], ["--state"], ["--all", "--forget", "x"], ["--forget", "a", "--all"], ["-x"], ["o1"],
                    ["--all", "--clear-reasoning"]] {
            #expect(RulesCommand.parse(bad) == nil, "\(bad)")
        }
    }

    /// Every rule line is a rules-file entry; learned ones say how old they are.
    @Test func tableInRulesFileFormat() throws {
        let now = 1_764_060_000.0
        var learned = LearnedFixes()
        learned.remember(.mapRole("system", to: "user"), for: "o9-future", now: now - 3 * 86_400, lifetime: 7 * 86_400)
        learned.remember(.fakeStream, for: "o9-future", now: now - 86_400, lifetime: 7 * 86_400)
        learned.remember(.useResponses, for: "o7-sage", now: now - 9 * 86_400, lifetime: 30 * 86_400)
        let own = ModelRule(patterns: ["o4-*"], fixes: [.drop("top_p")])
        let text = RulesCommand.render(operatorRules: [own], rulesFile: "/etc/o1-proxy/rules.json", learned: learned,
                                       statePath: "/var/lib/o1-proxy/learned.tsv", lifetime: 7 * 86_400, now: now)
        let lines = text.split(separator: "\n").map(String.init)
        let entries = lines.filter { $0.hasPrefix("{") }
        #expect(entries.count == 1 + RuleBook.builtIn.rules.count + 2)
        let parsed = try RuleBook.parse(bytes(#"{"rules":["# + entries.joined(separator: ",") + "]}")).rules
        #expect(parsed.first == own)
        #expect(parsed.last == ModelRule(patterns: ["o9-future"], fixes: [.fakeStream, .mapRole("system", to: "user")]))
        #expect(lines.contains("# From /etc/o1-proxy/rules.json:"))
        #expect(lines.contains { $0.hasPrefix("# o9-future: learned 3 days ago (2025-11-22T08:40:00.000Z), ") && $0.hasSuffix("last confirmed 24 h ago; expires in 4 days") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("# o7-sage: learned 9 days ago") && $0.hasSuffix("expired, no longer applied") })
        #expect(entries.last == #"{"match":["o9-future"],"stream":"faked","roles":{"system":"user"}}"#)
    }

    /// What the reasoning store holds, with where, how much and for how long.
    @Test func theReasoningKept() {
        let census = RulesCommand.ReasoningCensus(directory: "/var/lib/o1-proxy", turns: 12, expired: 3, bytes: 40_000,
                                                  maxBytes: 32 << 20, lifetime: 86_400)
        let text = RulesCommand.render(operatorRules: [], rulesFile: nil, learned: LearnedFixes(), statePath: "/var/lib/o1-proxy/learned.tsv",
                                       lifetime: 86_400, reasoning: census, now: 0)
        #expect(text.contains("# Reasoning kept for tool turns (/var/lib/o1-proxy/reasoning-*.jsonl): 12 turns and 3 expired, "
            + "40 KiB of 32 MiB, each for 24 h; --clear-reasoning removes it.\n"), "\(text)")
        let none = RulesCommand.render(operatorRules: [], rulesFile: nil, learned: LearnedFixes(), statePath: "/s/learned.tsv",
                                       lifetime: 86_400, reasoning: nil, now: 0)
        #expect(none.contains("# Reasoning for tool turns: nothing is kept (O1_PROXY_REASONING_MB or O1_PROXY_REASONING_HOURS is 0)."))
    }

    @Test func withoutStateNothingIsKept() {
        let text = RulesCommand.render(operatorRules: [], rulesFile: nil, learned: LearnedFixes(), statePath: nil,
                                       lifetime: 86_400, now: 0)
        #expect(text.contains("# Learned: nothing is kept (no STATE_DIRECTORY)."))
        #expect(!text.contains("From "))
    }
}

@Suite struct InstalledServiceTests {
    static let shown = """
        LoadState=loaded
        StateDirectory=o1-proxy
        Environment=O1_PROXY_CA_BUNDLE=/var/cache/o1-proxy/ca-certificates.crt LIBDISPATCH_LOG=NO
        EnvironmentFiles=/etc/o1-proxy/o1-proxy.env (ignore_errors=yes)

        """

    /// The unit's environment, its settings file over it, and its state directory under /var/lib.
    @Test func theServicesSettings() throws {
        let env = bytes("# comment\nO1_PROXY_RULES=/etc/o1-proxy/rules.json\n; other\nLIBDISPATCH_LOG=\"YES\"\n\n  OPENAI_BASE_URL = 'http://x/v1'  \n")
        let service = try #require(InstalledService(systemctlShow: Self.shown) { $0 == "/etc/o1-proxy/o1-proxy.env" ? env : nil })
        #expect(service.environment == [
            "O1_PROXY_CA_BUNDLE": "/var/cache/o1-proxy/ca-certificates.crt", "LIBDISPATCH_LOG": "YES",
            "O1_PROXY_RULES": "/etc/o1-proxy/rules.json", "OPENAI_BASE_URL": "http://x/v1",
            "STATE_DIRECTORY": "/var/lib/o1-proxy",
        ])
        #expect(service.notes == ["settings from /etc/o1-proxy/o1-proxy.env"])
    }

    @Test func anUnreadableSettingsFileIsSaid() throws {
        let service = try #require(InstalledService(systemctlShow: Self.shown) { _ in nil })
        #expect(service.notes == ["cannot read /etc/o1-proxy/o1-proxy.env (if it exists: run as root): its settings are not shown"])
        #expect(service.environment["STATE_DIRECTORY"] == "/var/lib/o1-proxy")
    }

    @Test func noSuchUnit() {
        #expect(InstalledService(systemctlShow: "StateDirectory=\nLoadState=not-found\n") { _ in nil } == nil)
    }

    @Test func environmentFileLines() {
        #expect(EnvironmentFile.parse(bytes("A=1\nB=\"two words\"\nnot a line\n=x\nC-D=3\nE='\n")) == ["A": "1", "B": "two words", "E": "'"])
    }
}
