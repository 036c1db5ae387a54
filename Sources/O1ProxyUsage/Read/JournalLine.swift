/// One line of `journalctl -o json`. journalctl also yields systemd's own messages about the
/// units and stray stderr lines: an entry is an exchange only if it has `O1_STATUS`, or if its
/// `MESSAGE` is the proxy's logfmt line (what the proxy writes to stderr, and so to the journal,
/// when an entry is too big for a journal datagram).
///
/// journalctl writes a value as a string, as an array of byte values when it is not UTF-8, as
/// an array of such values when the field is repeated in the entry (the first one counts here),
/// and as null when it is too large to show.
func parseJournalLine(_ line: UnsafeBufferPointer<UInt8>) -> LoggedExchange? {
    var scanner = JSONScanner(line)
    var fields = ExchangeFields(journal: true)
    var message: [UInt8]?
    guard scanner.consume(UInt8(ascii: "{")) else { return nil }
    if scanner.consume(UInt8(ascii: "}")) { return nil }
    repeat {
        var field: ExchangeField?
        var isMessage = false
        guard scanner.string({ (key) -> Void in
            field = ExchangeField.journal(key)
            isMessage = equal(key, "MESSAGE")
        }) != nil, scanner.consume(UInt8(ascii: ":")) else { return nil }
        if field == nil && !isMessage {
            guard scanner.skipValue() else { return nil }
            continue
        }
        guard journalValue(&scanner, { value in
            guard let value else { return }
            if let field {
                fields.set(field, value)
            } else if value.starts(with: logfmtPrefix.utf8) {
                message = Array(value)
            }
        }) else { return nil }
    } while scanner.consume(UInt8(ascii: ","))
    guard scanner.consume(UInt8(ascii: "}")) else { return nil }

    if let exchange = fields.result { return exchange }
    guard let message else { return nil }
    return message.withUnsafeBufferPointer { bytes in
        guard var exchange = parseLogfmtLine(bytes) else { return nil }
        exchange.time = fields.exchange.time ?? exchange.time
        return exchange
    }
}

/// Hands a field's value to `body` as bytes (nil for null); false when the JSON is malformed.
private func journalValue(_ scanner: inout JSONScanner, _ body: (UnsafeBufferPointer<UInt8>?) -> Void) -> Bool {
    switch scanner.peek() {
    case UInt8(ascii: "\""):
        return scanner.string { body($0) } != nil
    case UInt8(ascii: "["):
        _ = scanner.consume(UInt8(ascii: "["))
        if scanner.consume(UInt8(ascii: "]")) {
            body(nil)
            return true
        }
        if scanner.peek() == UInt8(ascii: "\"") || scanner.peek() == UInt8(ascii: "[") {
            guard journalValue(&scanner, body) else { return false }
            while scanner.consume(UInt8(ascii: ",")) {
                guard scanner.skipValue() else { return false }
            }
            return scanner.consume(UInt8(ascii: "]"))
        }
        var bytes: [UInt8] = []
        repeat {
            guard let digits = scanner.numberText(), let byte = parseCount(digits), byte < 256 else { return false }
            bytes.append(UInt8(byte))
        } while scanner.consume(UInt8(ascii: ","))
        guard scanner.consume(UInt8(ascii: "]")) else { return false }
        bytes.withUnsafeBufferPointer { body($0) }
        return true
    default:
        body(nil)
        return scanner.skipValue()
    }
}
