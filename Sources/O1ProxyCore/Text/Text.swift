extension StringProtocol {
    /// Trims spaces, tabs and line ends (header values, a key file's final newline) on UTF-8
    /// bytes: the generic `drop(while:)`/`reversed()` version cost 5% of a whole exchange's
    /// instructions in first-use generic instantiation.
    package func trimmingWhitespace() -> String {
        let bytes = Array(utf8)
        func blank(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n")
        }
        var start = 0, end = bytes.count
        while start < end, blank(bytes[start]) { start += 1 }
        while end > start, blank(bytes[end - 1]) { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}

/// `*` matches any run of characters; everything else matches itself. How model rules match
/// model names, and how the usage report's price aliases do.
package func glob(_ pattern: String, matches name: String) -> Bool {
    let pattern = Array(pattern.utf8), name = Array(name.utf8)
    var p = 0, n = 0, star = -1, mark = 0
    while n < name.count {
        if p < pattern.count, pattern[p] == UInt8(ascii: "*") {
            star = p
            mark = n
            p += 1
        } else if p < pattern.count, pattern[p] == name[n] {
            p += 1
            n += 1
        } else if star >= 0 {
            p = star + 1
            mark += 1
            n = mark
        } else {
            return false
        }
    }
    while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
    return p == pattern.count
}

/// The value of a hexadecimal digit, either case.
package func hexDigit(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
}
