import Foundation
import Testing
@testable import O1ProxyCore
@testable import O1Proxy

/// The docs say what the program's own tables say: each fact is written once in the code, and
/// these tests hold the docs to it.
@Suite struct DocsTests {
    static func doc(_ name: String) throws -> String {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return try String(contentsOfFile: path + "/" + name, encoding: .utf8)
    }

    /// docs/configuration.md's table is `Knobs.all`: every setting, in order, with its default
    /// and meaning as `--help` prints them.
    @Test func theConfigurationTableIsTheKnobs() throws {
        let rows = try Self.doc("docs/configuration.md").split(separator: "\n").filter { $0.hasPrefix("| `") }
        let documented = rows.map { row -> KnobDocumentation in
            let cells = row.dropFirst(2).dropLast(2).components(separatedBy: " | ")
            func code(_ cell: String) -> String { cell.hasPrefix("`") && cell.hasSuffix("`") ? String(cell.dropFirst().dropLast()) : cell }
            return KnobDocumentation(name: code(cells[0]), shownDefault: code(cells[1]), meaning: cells.dropFirst(2).joined(separator: " | "))
        }
        #expect(documented == Knobs.all)
    }

    /// docs/operations.md names every field the proxy writes into its journal entry.
    @Test func theLogFieldsAreAllDocumented() throws {
        let text = try Self.doc("docs/operations.md")
        var record = ExchangeRecord()
        (record.method, record.path, record.model, record.api, record.stream) = ("POST", "/v1/x", "m", .chat, .native)
        record.upstreamModel = "u"
        (record.status, record.durationMS, record.upstreamMS) = (200, 1, 1)
        record.usage = Usage(chatAnswer: ["usage": ["prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2,
                                                         "prompt_tokens_details": ["cached_tokens": 0, "cache_write_tokens": 0],
                                                         "completion_tokens_details": ["reasoning_tokens": 0]],
                                               "service_tier": "flex"])
        (record.learned, record.remembered) = ([.fakeStream], [.fakeStream])
        (record.reasoningReplayed, record.reasoningKept, record.reasoningRefused) = (1, 1, 1)
        (record.peer, record.error, record.warning, record.requestBody, record.responseBody) = ("p", "e", "w", [], [])
        for (name, _) in record.fields(masking: []) where name.hasPrefix("O1_") {
            #expect(text.contains("`\(name)`"), "docs/operations.md does not name \(name)")
        }
    }

    /// docs/requests.md's rule table is `RuleBook.builtIn`, one row per rule in its order (the
    /// last row, models no rule knows, is the table's own).
    @Test func theRuleTableIsTheBuiltInRules() throws {
        let lines = try Self.doc("docs/requests.md").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let header = try #require(lines.firstIndex { $0.hasPrefix("| models | API | tool turns |") })
        let rows = lines[(header + 2)...].prefix { $0.hasPrefix("|") }.dropLast()
        #expect(Array(rows) == RuleBook.builtIn.rules.map(Self.row))
    }

    /// A built-in rule as the table shows it.
    static func row(_ rule: ModelRule) -> String {
        func code(_ items: [String]) -> String { items.isEmpty ? "–" : items.map { "`\($0)`" }.joined(separator: ", ") }
        let fixes = rule.fixes
        var api = fixes.contains(.useResponses) ? "responses" : "chat"
        if let seconds = rule.deadline?.inSeconds { api += ", deadline \(Int(seconds)) s" }
        let roles = fixes.compactMap { if case .mapRole(let from, let to) = $0 { "`\(from)` → `\(to)`" } else { nil } }
        let renamed = fixes.compactMap { if case .rename(let from, let to) = $0 { "`\(from)` → `\(to)`" } else { nil } }
        let values = fixes.compactMap { fix -> String? in
            switch fix {
            case .mapValue(let path, let from, let to): "`\(path)` `\(from)` → `\(to)`"
            case .responsesFor(let path, let value): "`\(path)` `\(value)` → Responses API"
            default: nil
            }
        }
        let cells = [code(rule.patterns), api, fixes.toolTurns?.rawValue ?? "–", roles.isEmpty ? "kept" : roles.joined(separator: ", "),
                     fixes.contains(.fakeStream) ? "faked" : "native", code(fixes.compactMap { if case .drop(let key) = $0 { key } else { nil } }),
                     renamed.isEmpty ? "–" : renamed.joined(separator: ", "), values.isEmpty ? "–" : values.joined(separator: ", ")]
        return "| " + cells.joined(separator: " | ") + " |"
    }

    /// The presets example of the README and of docs/requests.md reads as the presets the tests use.
    @Test(arguments: ["README.md", "docs/requests.md"])
    func thePresetsExampleIsTheTestsPresets(_ name: String) throws {
        let text = try Self.doc(name)
        let start = try #require(text.range(of: "```json\n{\"rules\": [\n  {\"match\": [\"gpt-5.6-sol-pro\"]"))
        let end = try #require(text[start.upperBound...].range(of: "```"))
        let example = String(text[text.index(start.lowerBound, offsetBy: 8)..<end.lowerBound])
        #expect(try RuleBook.parse(Array(example.utf8)).presets == [PresetTests.pro, PresetTests.flex])
    }
}
