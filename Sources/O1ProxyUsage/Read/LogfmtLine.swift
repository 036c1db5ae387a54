import O1ProxyCore

private let logfmtPrefixBytes = Array(ExchangeLog.logfmtPrefix.utf8)

/// The proxy's stderr line: `o1-proxy: <message> key=value key="quoted value" ...`, written
/// where there is no journal (`make run`, `systemd-socket-activate`, a terminal). Lines that
/// are not such lines (systemd-socket-activate's own, garbage, the proxy's own complaints
/// without a field) give nil; one with the proxy's fields but no readable status is unreadable.
///
/// The message comes first and is free text: it can hold `=`, quotes and even `key=value`
/// (an upstream error quoted in it). So the pairs are read from the end of the line backwards,
/// where their syntax is strict: a quoted value's opening quote is the first quote, going left,
/// not escaped by an odd run of backslashes, and an unquoted value has no space, quote or `=`.
/// Reading stops at the first word that is not a pair, or at a key seen already: the message
/// repeats the error, and the real pair is the one on the right.
func parseLogfmtLine(_ line: UnsafeBufferPointer<UInt8>) -> LogLine? {
    guard let prefix = firstRange(of: logfmtPrefixBytes, in: line) else { return nil }
    let start = prefix.upperBound
    var end = line.count
    while end > start, line[end - 1] == UInt8(ascii: "\r") || line[end - 1] == UInt8(ascii: " ") { end -= 1 }

    var fields = ExchangeFields()
    var seen: [Range<Int>] = []
    while end > start {
        let valueRange: Range<Int>
        let quoted: Bool
        let keyEnd: Int
        if line[end - 1] == UInt8(ascii: "\"") {
            guard let open = openingQuote(line, before: end - 1, from: start), open > start,
                  line[open - 1] == UInt8(ascii: "=") else { break }
            valueRange = open + 1..<end - 1
            quoted = true
            keyEnd = open - 1
        } else {
            var equals: Int?
            var valid = true
            var i = end - 1
            while i >= start, line[i] != UInt8(ascii: " ") {
                switch line[i] {
                case UInt8(ascii: "="):
                    valid = valid && equals == nil
                    equals = i
                case UInt8(ascii: "\""):
                    valid = false
                default:
                    break
                }
                i -= 1
            }
            guard valid, let equals else { break }
            valueRange = equals + 1..<end
            quoted = false
            keyEnd = equals
        }
        var keyStart = keyEnd
        while keyStart > start, isKeyByte(line[keyStart - 1]) { keyStart -= 1 }
        guard keyStart < keyEnd, keyStart == start || line[keyStart - 1] == UInt8(ascii: " ") else { break }
        let key = UnsafeBufferPointer(rebasing: line[keyStart..<keyEnd])
        guard !seen.contains(where: { line[$0].elementsEqual(key) }) else { break }
        seen.append(keyStart..<keyEnd)
        if let field = ReadField.logfmt(key) {
            let raw = UnsafeBufferPointer(rebasing: line[valueRange])
            if quoted, raw.contains(UInt8(ascii: "\\")) {
                unescapeLogfmt(raw).withUnsafeBufferPointer { fields.set(field, $0) }
            } else {
                fields.set(field, raw)
            }
        }
        end = keyStart - 1
    }
    return fields.result
}

private func isKeyByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
         UInt8(ascii: "_"), UInt8(ascii: "."):
        true
    default:
        false
    }
}

/// The quote that opens a value whose closing quote is at `close`: escaped quotes inside are
/// preceded by an odd number of backslashes.
private func openingQuote(_ line: UnsafeBufferPointer<UInt8>, before close: Int, from start: Int) -> Int? {
    var i = close - 1
    while i >= start {
        if line[i] == UInt8(ascii: "\"") {
            var backslashes = 0
            while i - backslashes - 1 >= start, line[i - backslashes - 1] == UInt8(ascii: "\\") { backslashes += 1 }
            if backslashes % 2 == 0 { return i }
        }
        i -= 1
    }
    return nil
}

/// Undoes the proxy's escapes: `\n \r \t \\ \"` and `\xH`/`\xHH` for other control characters.
private func unescapeLogfmt(_ raw: UnsafeBufferPointer<UInt8>) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(raw.count)
    var i = 0
    while i < raw.count {
        guard raw[i] == UInt8(ascii: "\\"), i + 1 < raw.count else {
            out.append(raw[i])
            i += 1
            continue
        }
        let kind = raw[i + 1]
        i += 2
        switch kind {
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "x"):
            var value: UInt8 = 0
            var digits = 0
            while digits < 2, i < raw.count, let digit = hexDigit(raw[i]) {
                value = value << 4 | digit
                digits += 1
                i += 1
            }
            out.append(digits > 0 ? value : UInt8(ascii: "x"))
        default: out.append(kind)
        }
    }
    return out
}

private func firstRange(of pattern: [UInt8], in haystack: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
    guard haystack.count >= pattern.count else { return nil }
    var i = 0
    while i <= haystack.count - pattern.count {
        if haystack[i] == pattern[0], haystack[i..<i + pattern.count].elementsEqual(pattern) {
            return i..<i + pattern.count
        }
        i += 1
    }
    return nil
}
