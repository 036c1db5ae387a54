import Testing
@testable import O1ProxyCore
@testable import O1ProxyUsage

@Suite struct UsageOptionsTests {
    @Test func theJournalByDefault() throws {
        let options = try UsageOptions.parse([])
        #expect(options.input == .journal(since: nil, until: nil))
        #expect(options.grouping == .model)
        #expect(options.journalctlArguments == [
            "--output=json", "--no-pager",
            "--output-fields=O1_MODEL,O1_UPSTREAM_MODEL,O1_STATUS,O1_DURATION_MS,O1_UPSTREAM_MS,O1_PROMPT_TOKENS,O1_CACHED_TOKENS,O1_CACHE_WRITE_TOKENS,"
            + "O1_COMPLETION_TOKENS,O1_REASONING_TOKENS,O1_SERVICE_TIER,O1_REASONING_REPLAYED,O1_LEARNED,O1_ADAPTATIONS,O1_ERROR,O1_PEER,MESSAGE,MESSAGE_ID,UNIT,UNIT_RESULT,EXIT_CODE,EXIT_STATUS,_PID",
            "SYSLOG_IDENTIFIER=o1-proxy", "+", "_PID=1", "MESSAGE_ID=98e322203f7a4ed290d09fe03c09fe15",
            "MESSAGE_ID=d9b373ed55a64feb8242e02dbe79a49c",
        ])
        #expect(options.sourceDescription == "the journal")
    }

    @Test func sinceAndUntilGoToJournalctlAsTheyAre() throws {
        let options = try UsageOptions.parse(["--since", "-7d", "--until=2026-11-25 12:00", "--by", "day", "--json", "--html=r.html"])
        #expect(options.journalctlArguments.dropLast(4).suffix(3) == ["--since=-7d", "--until=2026-11-25 12:00", "SYSLOG_IDENTIFIER=o1-proxy"])
        #expect(options.grouping == .day && options.json && options.htmlPath == "r.html")
        #expect(options.sourceDescription == "the journal since -7d until 2026-11-25 12:00")
    }

    @Test func aFileOrStandardInput() throws {
        #expect(try UsageOptions.parse(["--file", "-"]).input == .file("-"))
        #expect(try UsageOptions.parse(["--file", "-"]).sourceDescription == "standard input")
        #expect(try UsageOptions.parse(["--file=x.log"]).input == .file("x.log"))
        #expect(try UsageOptions.parse(["-h"]).help)
    }

    @Test func refusals() {
        for (arguments, message) in [
            (["--since"], "--since needs a value"),
            (["--by", "week"], "--by takes model or day, not week"),
            (["--file", "x", "--since", "-1d"], "--since and --until select journal entries"),
            (["--file="], "--file needs a path"),
            (["--html="], "--html needs a file name"),
            (["--json=yes"], "unknown argument --json=yes"),
            (["report"], "unknown argument report"),
        ] {
            #expect(throws: UsageOptionsError.self, "\(arguments)") { try UsageOptions.parse(arguments) }
            do {
                _ = try UsageOptions.parse(arguments)
            } catch {
                #expect(error.description.hasPrefix(message), "\(arguments): \(error)")
            }
        }
    }

    @Test func journalctlOutcomes() {
        #expect(JournalOutcome(status: 0, stderr: "") == .read)
        #expect(JournalOutcome(status: 0, stderr: "No journal files were found.\n") == .read)
        let hint = "Hint: You are currently not seeing messages from other users and the system.\n      Users in groups 'adm', 'systemd-journal' can see all messages.\n      Pass -q to turn off this notice.\n"
        #expect(JournalOutcome(status: 0, stderr: hint) == .notPermitted(String(hint.dropLast())))
        #expect(JournalOutcome(status: 1, stderr: "No journal files were opened due to insufficient permissions.")
            == .notPermitted("No journal files were opened due to insufficient permissions."))
        #expect(JournalOutcome(status: 1, stderr: "Failed to parse timestamp: soon\n") == .failed("Failed to parse timestamp: soon"))
        #expect(JournalOutcome(status: 2, stderr: "") == .failed("journalctl exited with status 2"))
    }
}
