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
}
