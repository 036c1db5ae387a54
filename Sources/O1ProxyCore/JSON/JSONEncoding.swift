extension JSON {
    /// Compact encoding; the same bytes for the same value, so tests and logs can compare.
    package func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        encode(into: &out)
        return out
    }

    package func encode(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let value): out.append(contentsOf: (value ? "true" : "false").utf8)
        case .number(let text): out.append(contentsOf: text.utf8)
        case .verbatim(let bytes): out.append(contentsOf: bytes)
        case .string(let value): JSON.encodeString(value, into: &out)
        case .array(let values):
            out.append(UInt8(ascii: "["))
            for (i, value) in values.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                value.encode(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            for (i, field) in object.fields.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSON.encodeString(field.key, into: &out)
                out.append(UInt8(ascii: ":"))
                field.value.encode(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Copies runs of bytes that need no escaping in one go: a faked stream re-encodes the whole
    /// answer, and byte-at-a-time appends made that the dominant cost of a large one.
    package static func encodeString(_ string: String, into out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        var string = string
        out.append(UInt8(ascii: "\""))
        string.withUTF8 { bytes in
            var run = 0
            for i in 0..<bytes.count {
                let byte = bytes[i]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<i]))
                run = i + 1
                switch byte {
                case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case UInt8(ascii: "\n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case UInt8(ascii: "\r"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case UInt8(ascii: "\t"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                default:
                    out.append(contentsOf: "\\u00".utf8)
                    out.append(hex[Int(byte >> 4)])
                    out.append(hex[Int(byte & 0xF)])
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<bytes.count]))
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Indented by two spaces a level, for people (the usage report's `--json`); the same
    /// escapes as `encoded()`, plus U+2028 and U+2029, which some JavaScript readers take for
    /// line ends.
    package func prettyPrinted(indent: String = "") -> String {
        let inner = indent + "  "
        switch self {
        case .array(let values) where !values.isEmpty:
            return "[\n" + values.map { inner + $0.prettyPrinted(indent: inner) }.joined(separator: ",\n") + "\n\(indent)]"
        case .object(let object) where !object.fields.isEmpty:
            return "{\n" + object.fields.map { field in
                inner + JSON.string(field.key).prettyPrinted(indent: inner) + ": " + field.value.prettyPrinted(indent: inner)
            }.joined(separator: ",\n") + "\n\(indent)}"
        default:
            var out: [UInt8] = []
            for byte in encoded() {
                out.append(byte)
                // DEL, and the last byte of U+2028 and U+2029 (E2 80 A8, E2 80 A9): escaped.
                if byte == 0x7F {
                    out.removeLast()
                    out.append(contentsOf: "\\u007f".utf8)
                } else if byte == 0xA8 || byte == 0xA9, out.count >= 3, out[out.count - 3] == 0xE2, out[out.count - 2] == 0x80 {
                    out.removeLast(3)
                    out.append(contentsOf: (byte == 0xA8 ? "\\u2028" : "\\u2029").utf8)
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}

