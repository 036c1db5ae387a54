import Foundation
import Testing
@testable import O1ProxyCore
@testable import O1Proxy

/// The README's configuration table is the knobs `--help` prints: the same names, in order.
@Suite struct ReadmeTests {
    @Test func configurationTableListsEveryKnob() throws {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        let readme = try String(contentsOfFile: path + "/README.md", encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "## Configuration").dropFirst().first)
        let names = section.components(separatedBy: "\n").prefix { !$0.hasPrefix("## ") }
            .filter { $0.hasPrefix("| `") }
            .map { String($0.dropFirst(3).prefix { $0 != "`" }) }
        #expect(names == Knobs.all.map(\.name))
    }
}
