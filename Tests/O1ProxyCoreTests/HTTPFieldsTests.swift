import Testing
@testable import O1ProxyCore

@Suite struct HTTPFieldsTests {
    @Test func lookupsIgnoreCaseAndKeepSpelling() {
        let fields: HTTPFields = [("Content-Type", "a"), ("X-Thing", "1, 2"), ("x-thing", " 3 ")]
        #expect(fields["content-type"] == "a")
        #expect(fields["CONTENT-TYPE"] == "a")
        #expect(fields["missing"] == nil)
        #expect(fields.list("x-THING") == ["1", "2", "3"])
        #expect(fields.count(of: "X-Thing") == 2)
        #expect(fields.map(\.name) == ["Content-Type", "X-Thing", "x-thing"])
        #expect(fields.removing(["x-thing"]).map(\.name) == ["Content-Type"])
    }

    @Test func sameComparesLettersOnlyWithoutCase() {
        #expect(same("Content-Length", "content-length"))
        #expect(!same("content-length", "content-lengths"))
        #expect(!same("a-b", "a\u{0D}b"), "0x2D and 0x0D differ only in bit 0x20 but are not letters")
        #expect(!same("[", "{"))
        #expect(same("", ""))
    }
}
