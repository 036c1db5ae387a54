import Testing
@testable import O1ProxyUsage

@Suite struct JSONScannerTests {
    private func parse(_ text: String) -> JSONValue? {
        JSONValue.parse(Array(text.utf8))
    }

    @Test func wholeValues() {
        let value = parse(#" {"a": [1, -2.5e3, true, false, null], "b": {"c": "d\u00e9\n"}} "#)
        #expect(value?["a"]?.array?.count == 5)
        #expect(value?["a"]?.array?[1].number == -2500)
        #expect(value?["a"]?.array?[4].isNull == true)
        #expect(value?["b"]?["c"]?.string == "dé\n")
    }

    @Test func refusesWhatIsNotJSON() {
        for text in ["", "{", "{\"a\":1,}", "[1,]", "01", "1.", "-", "+1", "tru", "\"\\x\"", "{\"a\":1}{", "{\"a\":1,\"a\":2}",
                     "\"\\ud800\"x", String(repeating: "[", count: 65) + String(repeating: "]", count: 65)] {
            #expect(parse(text) == nil, "\(text)")
        }
    }

    @Test func loneSurrogatesBecomeReplacementCharacters() {
        #expect(parse(#""\ud800""#)?.string == "\u{FFFD}")
        #expect(parse(#""\udc00x""#)?.string == "\u{FFFD}x")
    }
}
