import Testing
@testable import O1ProxyCore

@Suite struct JSONTests {
    // MARK: round trip

    @Test func roundTripKeepsKeyOrderAndExactBytes() throws {
        let source = #"{"zeta":1,"alpha":[true,false,null],"mid":{"b":"x","a":{}},"empty":[]}"#
        let value = try parse(source)
        #expect(encodedText(value) == source)
        #expect(value.object?.keys == ["zeta", "alpha", "mid", "empty"])
        #expect(value["mid"]?.object?.keys == ["b", "a"])
    }

    @Test(arguments: ["1e400", "0.10", "-0", "-0.0", "1E+2", "1e-7", "12345678901234567890123", "0", "-1.5e-10"])
    func numbersKeepTheirExactText(_ number: String) throws {
        let value = try parse(number)
        #expect(value == .number(number))
        #expect(encodedText(value) == number)
        let wrapped = try parse(#"{"n":\#(number)}"#)
        #expect(encodedText(wrapped) == #"{"n":\#(number)}"#)
    }

    @Test func whitespaceIsAcceptedAndDroppedOnEncode() throws {
        let value = try parse(" \t\r\n{ \"a\" : [ 1 , 2 ] } \n")
        #expect(encodedText(value) == #"{"a":[1,2]}"#)
    }

    /// A body with two `temperature`s would let one survive the rule that drops the other.
    @Test(arguments: [#"{"a":1,"a":2}"#, #"{"model":"o1","messages":[],"model":"gpt-4o"}"#,
                      "{" + (0..<40).map { "\"k\($0)\":0," }.joined() + #""k7":1}"#,
                      "{" + (0..<40).map { "\"k\($0)\":0," }.joined() + #""k\u0033\u0035":1}"#,
                      "{" + (0..<15).map { "\"k\($0)\":0," }.joined() + #""k3":1}"#])
    func duplicateKeysAreRefused(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { try JSON(parsing: Array(text.utf8)) }
    }

    /// Past a few keys, duplicates are looked up, not compared with every key before: a body of
    /// 100,000 keys (1.3 MB, well under the body limit) parses at once, where comparing took
    /// minutes of one process's CPU.
    @Test func manyKeysAreCheckedInLinearTime() throws {
        let text = "{" + (0..<100_000).map { "\"k\($0)\":0" }.joined(separator: ",") + "}"
        #expect(try JSON(parsing: Array(text.utf8)).object?.fields.count == 100_000)
    }

    @Test func objectSubscriptSetReplacesInPlaceRemovesAndAppends() {
        var object: JSONObject = ["a": 1, "b": 2, "c": 3]
        object["b"] = "x"
        #expect(object.keys == ["a", "b", "c"])
        #expect(object["b"] == .string("x"))
        object["a"] = nil
        #expect(object.keys == ["b", "c"])
        object["z"] = .null
        #expect(object.keys == ["b", "c", "z"])
        object["missing"] = nil
        #expect(object.keys == ["b", "c", "z"])
    }

    @Test func objectEqualityIsOrderSensitive() {
        let ab: JSONObject = ["a": 1, "b": 2]
        let ba: JSONObject = ["b": 2, "a": 1]
        #expect(ab != ba)
        #expect(ab == ["a": 1, "b": 2])
    }

    @Test func accessors() throws {
        let value = try parse(#"{"s":"x","n":42,"f":4.5,"b":true,"a":[1],"o":{}}"#)
        #expect(value["s"]?.string == "x")
        #expect(value["n"]?.int == 42)
        #expect(value["f"]?.int == nil)
        #expect(value["b"]?.bool == true)
        #expect(value["a"]?.array == [.number("1")])
        #expect(value["o"]?.object == JSONObject())
        #expect(value["s"]?.int == nil)
        #expect(JSON.string("x")["key"] == nil)
    }

    // MARK: strings

    @Test func escapesDecode() throws {
        let value = try parse(#""q\" b\\ s\/ \b\f\n\r\t""#)
        #expect(value == .string("q\" b\\ s/ \u{08}\u{0C}\n\r\t"))
    }

    @Test func unicodeEscapesAndSurrogatePairs() throws {
        #expect(try parse(#""\u00e9\u4E2D""#) == .string("é中"))
        #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try parse(#""a\uD834\uDD1Eb""#) == .string("a𝄞b"))
        #expect(try parse(#""\u0000""#) == .string("\u{0}"))
    }

    @Test func rawUTF8PassesThrough() throws {
        #expect(try parse("\"héllo 😀 中\"") == .string("héllo 😀 中"))
        #expect(encodedText(.string("héllo 😀")) == "\"héllo 😀\"")
    }

    @Test func encoderEscapesQuotesBackslashesAndControls() {
        let value = JSON.string("\"\\\n\r\t\u{01}\u{1F}/")
        #expect(encodedText(value) == #""\"\\\n\r\t\u0001\u001f/""#)
    }

    @Test func encodedStringsReparseToTheSameValue() throws {
        let original = JSON.string("mix \u{0} \u{7} \" \\ é 😀 \u{1F}")
        #expect(try JSON(parsing: original.encoded()) == original)
    }

    @Test func literalInitializers() {
        let value: JSON = ["a": [1, "x", true, .null]]
        #expect(encodedText(value) == #"{"a":[1,"x",true,null]}"#)
    }

    // MARK: syntax errors

    @Test(arguments: [
        "",
        "   ",
        "{",
        "[",
        "[1,",
        "[1 2]",
        "[1,]",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "{\"a\":}",
        "{a:1}",
        "{1:1}",
        "'x'",
        "tru",
        "nul",
        "falsey",
        "True",
        "NaN",
        "Infinity",
        "+1",
        "01",
        "-",
        "1.",
        ".5",
        "1e",
        "1e+",
        "0x10",
        "\"abc",
        "\"\\x\"",
        "\"\\u12\"",
        "\"\\u12G4\"",
        "\"\\",
        "\"\\ud83d\"",
        "\"\\ude00\"",
        "\"\\ud83dx\"",
        "\"\\ud83d\\u0041\"",
        "\"\\ud83d\\n\"",
        "\"a\tb\"",
        "\"a\nb\"",
        "\"\u{1}\"",
        "{} {}",
        "1 2",
        "[] x",
        "nullx",
        "]",
        "}",
        ",",
    ])
    func syntaxErrorsThrow(_ source: String) {
        #expect(throws: JSONSyntaxError.self) { try parse(source) }
    }

    @Test func controlCharacterAfterEscapeIsRejected() {
        #expect(throws: JSONSyntaxError.self) { try parse("\"\\n\u{0}\"") }
        #expect(throws: JSONSyntaxError.self) { try parse("\"\\n\n\"") }
    }

    @Test(arguments: [
        [0x22, 0xFF, 0x22],                 // invalid byte
        [0x22, 0xC3, 0x22],                 // truncated 2-byte sequence
        [0x22, 0xC0, 0xAF, 0x22],           // overlong '/'
        [0x22, 0xED, 0xA0, 0x80, 0x22],     // encoded surrogate
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], // above U+10FFFF
        [0x22, 0x5C, 0x6E, 0xFF, 0x22],     // invalid byte after an escape (slow path)
    ] as [[UInt8]])
    func invalidUTF8InStringsIsRejected(_ input: [UInt8]) {
        #expect(throws: JSONSyntaxError.self) { try JSON(parsing: input) }
    }

    @Test func errorsCarryTheOffset() {
        do {
            _ = try parse("[1, 2, x]")
            Issue.record("expected an error")
        } catch {
            #expect(error.offset == 7)
            #expect(!error.reason.isEmpty)
        }
        do {
            _ = try parse("{\"a\":1} junk")
            Issue.record("expected an error")
        } catch {
            #expect(error.offset == 8)
            #expect(error.reason.contains("after"))
        }
        do {
            _ = try parse("\"\\ud83d\"")
            Issue.record("expected an error")
        } catch {
            #expect(error.reason.contains("surrogate"))
        }
    }

    // MARK: depth

    @Test func depthLimitIs256() throws {
        let okArrays = String(repeating: "[", count: 256) + String(repeating: "]", count: 256)
        #expect(throws: Never.self) { try parse(okArrays) }
        let tooDeep = String(repeating: "[", count: 257) + String(repeating: "]", count: 257)
        #expect(throws: JSONSyntaxError.self) { try parse(tooDeep) }

        let okObjects = String(repeating: "{\"a\":", count: 255) + "1" + String(repeating: "}", count: 255)
        #expect(throws: Never.self) { try parse(okObjects) }
        let deepObjects = String(repeating: "{\"a\":", count: 256) + "1" + String(repeating: "}", count: 256)
        #expect(throws: JSONSyntaxError.self) { try parse(deepObjects) }
    }

    @Test func hostileNestingFailsWithoutCrashing() {
        let huge = String(repeating: "[", count: 1_000_000)
        #expect(throws: JSONSyntaxError.self) { try parse(huge) }
        let hugeObjects = String(repeating: "{\"a\":[", count: 200_000)
        #expect(throws: JSONSyntaxError.self) { try parse(hugeObjects) }
    }

    // MARK: an object walked member by member

    /// What the walk gives: each key with its value built, or nil when `JSON(parsing:)` refuses.
    private func walked(_ source: String, skipping: Set<String> = []) -> [(String, JSON?)]? {
        var members: [(String, JSON?)] = []
        let ok = Array(source.utf8).withUnsafeBufferPointer { buffer in
            var parser = JSONParser(bytes: buffer)
            do {
                try parser.members { (key, value: inout JSONParser) throws(JSONSyntaxError) in
                    let name = String(decoding: key, as: UTF8.self)
                    if skipping.contains(name) {
                        try value.skipValue()
                        members.append((name, nil))
                    } else {
                        members.append((name, try value.value()))
                    }
                }
                return true
            } catch {
                return false
            }
        }
        return ok ? members : nil
    }

    @Test func theWalkGivesWhatTheTreeHolds() throws {
        let source = #" {"a": [1, {"x": null}], "b\u0041": "t\u00e9xt", "c": -0.5e3, "d": {"e": [true, false]}} "#
        let tree = try #require(try parse(source).object)
        let members = try #require(walked(source))
        #expect(members.map(\.0) == tree.keys)
        #expect(members.map(\.1) == tree.fields.map(\.value))
        #expect(try #require(walked(source, skipping: ["a", "d"])).map(\.1) == [nil, "téxt", .number("-0.5e3"), nil])
    }

    /// Skipped or built, the walk refuses exactly what the parser refuses (the fuzzer checks the
    /// same on any input).
    @Test(arguments: [
        #"{"a":1,"a":2}"#, #"{"a":{"x":1,"x":2}}"#, #"{"a\u0062":1,"ab":2}"#, #"{"a":[1,]}"#, #"{"a":"\x"}"#,
        #"{"a":tru}"#, #"{"a":01}"#, #"{"a":1} x"#, #"{"a":1,}"#, "{\"a\":\"\u{1}\"}",
        "{\"a\":" + String(repeating: "[", count: 256) + String(repeating: "]", count: 256) + "}",
    ])
    func theWalkRefusesWhatTheParserRefuses(_ source: String) {
        #expect(throws: JSONSyntaxError.self) { try parse(source) }
        #expect(walked(source) == nil)
        #expect(walked(source, skipping: ["a"]) == nil)
    }

    @Test func onlyAnObjectIsWalked() {
        for source in ["[1]", #""a""#, "null", "1"] {
            #expect(walked(source) == nil, "\(source)")
        }
    }

    @Test func theDeepestValueTheParserTakesIsWalkedToo() throws {
        let deep = "{\"a\":" + String(repeating: "[", count: 255) + String(repeating: "]", count: 255) + "}"
        #expect(throws: Never.self) { try parse(deep) }
        #expect(walked(deep) != nil)
        #expect(walked(deep, skipping: ["a"]) != nil)
    }
}

