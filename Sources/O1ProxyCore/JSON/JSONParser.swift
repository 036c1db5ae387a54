import Glibc

/// Why parsing failed, with the byte offset, so a client learns where its body went wrong.
package struct JSONSyntaxError: Error, Equatable, Sendable {
    package let offset: Int
    package let reason: String

    package init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }
}

extension JSON {
    /// Deeper nesting than any chat request needs; it bounds the parser's recursion so hostile
    /// input cannot overflow the stack.
    package static let maxDepth = 256

    package init(parsing bytes: some Collection<UInt8>) throws(JSONSyntaxError) {
        let parsed = bytes.withContiguousStorageIfAvailable(JSONParser.document)
            ?? Array(bytes).withUnsafeBufferPointer(JSONParser.document)
        self = try parsed.get()
    }
}

/// A strict RFC 8259 parser over bytes. Hand-written rather than JSONSerialization so that key
/// order and number text survive, and so that it is a pure function the fuzzer can drive.
///
/// Objects and arrays are walked member by member; building a `JSON` value is one use of the
/// walk, skipping a value is another, and `members(_:)` lets a reader take what it needs from a
/// large object without building the rest. Every use checks the same grammar (the fuzzer holds
/// them to it), duplicate keys and the depth limit included.
package struct JSONParser {
    /// Borrowed for the parser's life: whoever makes one keeps the bytes alive.
    package let bytes: UnsafeBufferPointer<UInt8>
    package private(set) var index = 0

    package init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    static func document(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<JSON, JSONSyntaxError> {
        var parser = JSONParser(bytes: bytes)
        return Result { () throws(JSONSyntaxError) in try parser.parseDocument() }
    }

    private mutating func parseDocument() throws(JSONSyntaxError) -> JSON {
        skipWhitespace()
        let value = try parseValue(depth: 0)
        try end()
        return value
    }

    // MARK: an object walked without building it

    /// The document is one object: hands each member's key (escapes undone) to `body`, with the
    /// parser at the member's value, which `body` consumes with `value()` or `skipValue()`.
    /// What it accepts is what `JSON(parsing:)` accepts as an object. The usage report reads a
    /// month of journal lines (a hundred megabytes) this way, without a `JSON` value per field.
    package mutating func members(_ body: (UnsafeBufferPointer<UInt8>, inout JSONParser) throws(JSONSyntaxError) -> Void)
        throws(JSONSyntaxError)
    {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { throw fail("expected an object") }
        try walkObject(depth: 0) { (key, parser: inout JSONParser) throws(JSONSyntaxError) in try body(key, &parser) }
        try end()
    }

    /// The value at the parser's position, built.
    package mutating func value() throws(JSONSyntaxError) -> JSON {
        try parseValue(depth: 1)
    }

    /// Moves past the value at the parser's position, checking it as `value()` would.
    package mutating func skipValue() throws(JSONSyntaxError) {
        try skipValue(depth: 1)
    }

    /// The array at the parser's position, element by element: `body` finds the parser at each
    /// and consumes it with `value()`, `skipValue()` or `rawValue()`.
    package mutating func elements(_ body: (inout JSONParser) throws(JSONSyntaxError) -> Void) throws(JSONSyntaxError) {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "[") else { throw fail("expected an array") }
        try walkArray(depth: 1) { (parser: inout JSONParser) throws(JSONSyntaxError) in try body(&parser) }
    }

    /// Where the value at the parser's position lies in the bytes, checked as `value()` would;
    /// the parser moves past it.
    package mutating func rawValue() throws(JSONSyntaxError) -> Range<Int> {
        let start = index
        try skipValue(depth: 1)
        return start..<index
    }

    /// The string at the parser's position handed to `body` (escapes undone), unbuilt.
    package mutating func string<T>(_ body: (UnsafeBufferPointer<UInt8>) -> T) throws(JSONSyntaxError) -> T {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a string") }
        let token = try scanString()
        return Self.with(token, in: bytes, body)
    }

    /// The next byte that is not white space, without moving past it.
    package mutating func peek() -> UInt8? {
        skipWhitespace()
        return index < bytes.count ? bytes[index] : nil
    }

    // MARK: grammar

    private func fail(_ reason: String) -> JSONSyntaxError {
        JSONSyntaxError(offset: index, reason: reason)
    }

    private mutating func end() throws(JSONSyntaxError) {
        skipWhitespace()
        guard index == bytes.count else { throw fail("unexpected data after the JSON value") }
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> JSON {
        guard depth < JSON.maxDepth else { throw fail("nested too deeply") }
        guard index < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            var fields: [(key: String, value: JSON)] = []
            try walkObject(depth: depth) { (key, parser: inout JSONParser) throws(JSONSyntaxError) in
                fields.append((String(decoding: key, as: UTF8.self), try parser.parseValue(depth: depth + 1)))
            }
            return .object(JSONObject(fields))
        case UInt8(ascii: "["):
            var values: [JSON] = []
            try walkArray(depth: depth) { (parser: inout JSONParser) throws(JSONSyntaxError) in
                values.append(try parser.parseValue(depth: depth + 1))
            }
            return .array(values)
        case UInt8(ascii: "\""):
            return .string(Self.with(try scanString(), in: bytes) { String(decoding: $0, as: UTF8.self) })
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(String(decoding: bytes[try scanNumber()], as: UTF8.self))
        default:
            return try parseLiteral()
        }
    }

    private mutating func skipValue(depth: Int) throws(JSONSyntaxError) {
        guard depth < JSON.maxDepth else { throw fail("nested too deeply") }
        guard index < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            try walkObject(depth: depth) { (_, parser: inout JSONParser) throws(JSONSyntaxError) in
                try parser.skipValue(depth: depth + 1)
            }
        case UInt8(ascii: "["):
            try walkArray(depth: depth) { (parser: inout JSONParser) throws(JSONSyntaxError) in try parser.skipValue(depth: depth + 1) }
        case UInt8(ascii: "\""):
            _ = try scanString()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            _ = try scanNumber()
        default:
            _ = try parseLiteral()
        }
    }

    private mutating func parseLiteral() throws(JSONSyntaxError) -> JSON {
        for (literal, value) in [("true", JSON.bool(true)), ("false", .bool(false)), ("null", .null)]
        where bytes[index] == literal.utf8.first {
            guard index + literal.utf8.count <= bytes.count,
                  bytes[index..<index + literal.utf8.count].elementsEqual(literal.utf8) else { throw fail("invalid literal") }
            index += literal.utf8.count
            return value
        }
        throw fail("unexpected character")
    }

    /// `{` at `index` to its `}`: each member's key to `member`, with the parser at its value.
    /// Duplicate keys are refused: the proxy would drop one `temperature` while the upstream
    /// kept the other, and parsers disagree on which one wins.
    private mutating func walkObject(depth: Int, _ member: (UnsafeBufferPointer<UInt8>, inout JSONParser) throws(JSONSyntaxError) -> Void)
        throws(JSONSyntaxError)
    {
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return
        }
        // The keys so far: where they lie in the input, or (with escapes, rarely) their bytes; past
        // `linearKeys` of them, a set, so that a body of a million keys is not a trillion compares.
        var seen: [StringToken] = []
        var seenSet: Set<[UInt8]> = []
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            let keyOffset = index
            let token = try scanString()
            try Self.with(token, in: bytes) { (key) throws(JSONSyntaxError) in
                let duplicate: Bool
                if seen.count < Self.linearKeys {
                    duplicate = seen.contains { other in
                        Self.with(other, in: bytes) { $0.count == key.count && (key.isEmpty || memcmp($0.baseAddress!, key.baseAddress!, key.count) == 0) }
                    }
                    seen.append(token)
                    if seen.count == Self.linearKeys, !duplicate { seenSet = Set(seen.map { Self.with($0, in: bytes) { Array($0) } }) }
                } else {
                    duplicate = !seenSet.insert(Array(key)).inserted
                }
                if duplicate {
                    index = keyOffset
                    throw fail("duplicate key \"\(String(decoding: key, as: UTF8.self))\"")
                }
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                index += 1
                skipWhitespace()
                try member(key, &self)
            }
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of input") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return }
            throw fail("expected ',' or '}'")
        }
    }

    /// `[` at `index` to its `]`: `element` for each, with the parser at it.
    private mutating func walkArray(depth: Int, _ element: (inout JSONParser) throws(JSONSyntaxError) -> Void) throws(JSONSyntaxError) {
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            try element(&self)
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of input") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return }
            throw fail("expected ',' or ']'")
        }
    }

    /// The number at `index`, checked against the grammar; its text is kept as it is.
    private mutating func scanNumber() throws(JSONSyntaxError) -> Range<Int> {
        let start = index
        func digits(_ parser: inout JSONParser) -> Int {
            let from = parser.index
            while parser.index < parser.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(parser.bytes[parser.index]) {
                parser.index += 1
            }
            return parser.index - from
        }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        if index < bytes.count, bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if digits(&self) == 0 {
            throw fail("invalid number")
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits(&self) > 0 else { throw fail("invalid number") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits(&self) > 0 else { throw fail("invalid number") }
        }
        return start..<index
    }

    /// Objects up to this many keys (all a request's own) are checked for duplicates by
    /// comparing, without hashing or copying a key.
    private static let linearKeys = 16

    /// A string's content: where it lies when it has no escape (most do), its decoded bytes
    /// otherwise.
    private enum StringToken {
        case span(Range<Int>)
        case decoded([UInt8])
    }

    private static func with<T, E: Error>(_ token: StringToken, in bytes: UnsafeBufferPointer<UInt8>,
                                          _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> T) throws(E) -> T {
        switch token {
        case .span(let range): try body(UnsafeBufferPointer(rebasing: bytes[range]))
        case .decoded(let decoded): try decoded.withUnsafeBufferPointer(body)
        }
    }

    /// The string at `index`, checked (escapes, control characters, UTF-8), and moves past it.
    private mutating func scanString() throws(JSONSyntaxError) -> StringToken {
        index += 1
        let start = index
        // Every byte of the string or'ed: a high bit set means it is not all ASCII and its UTF-8
        // needs checking, which most strings then need not.
        var any: UInt8 = 0
        skipPlainASCII()
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                if any >= 0x80 { try validateUTF8(bytes[start..<index]) }
                index += 1
                return .span(start..<index - 1)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw fail("control character in string") }
            any |= byte
            index += 1
        }
        var scalars: [UInt8] = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                if scalars.contains(where: { $0 >= 0x80 }) { try validateUTF8(scalars) }
                index += 1
                return .decoded(scalars)
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw fail("unexpected end of input") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escape)
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "u"): scalars.append(contentsOf: try parseUnicodeEscape())
                default: throw fail("invalid escape")
                }
            case 0..<0x20:
                throw fail("control character in string")
            default:
                scalars.append(byte)
                index += 1
            }
        }
        throw fail("unterminated string")
    }

    /// Moves past the run of bytes at `index` that need no look of their own in a string (not a
    /// quote, a backslash, a control character or a byte of a multi-byte character), eight at a
    /// time: most of a journal line is such text.
    private mutating func skipPlainASCII() {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        while index + 8 <= bytes.count {
            let word = UInt64(littleEndian: UnsafeRawPointer(bytes.baseAddress! + index).loadUnaligned(as: UInt64.self))
            let quote = word ^ (ones &* 0x22), backslash = word ^ (ones &* 0x5C)
            // A zero byte in `quote` or `backslash`, a byte below 0x20, or a high bit, anywhere.
            let special = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | (word &- ones &* 0x20) | word
            guard special & highs == 0 else { return }
            index += 8
        }
    }

    /// Through the standard library's decoder; checked at the string's closing quote, where a
    /// failure is reported.
    private func validateUTF8(_ text: some Collection<UInt8>) throws(JSONSyntaxError) {
        guard String(validating: text, as: UTF8.self) == nil else { return }
        throw fail("invalid UTF-8 in string")
    }

    private mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail("unexpected end of input") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = hexDigit(bytes[index]) else { throw fail("invalid \\u escape") }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// `\uXXXX`, joining UTF-16 surrogate pairs; a lone surrogate is an error rather than a
    /// silently substituted character.
    private mutating func parseUnicodeEscape() throws(JSONSyntaxError) -> [UInt8] {
        var code = try hex4()
        if (0xD800...0xDBFF).contains(code) {
            guard index + 2 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                throw fail("lone surrogate in \\u escape")
            }
            index += 2
            let low = try hex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw fail("invalid surrogate pair") }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(code) {
            throw fail("lone surrogate in \\u escape")
        }
        guard let scalar = Unicode.Scalar(code) else { throw fail("invalid \\u escape") }
        return Array(String(Character(scalar)).utf8)
    }
}
