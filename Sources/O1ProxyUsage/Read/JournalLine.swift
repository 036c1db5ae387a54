import O1ProxyCore

/// One line of `journalctl -o json`. journalctl also yields systemd's own messages about the
/// units and stray stderr lines: an entry is an exchange only if it has `O1_STATUS`, or if its
/// `MESSAGE` is the proxy's logfmt line (what the proxy writes to stderr, and so to the journal,
/// when an entry is too big for a journal datagram). An entry with the proxy's fields but no
/// readable status, and a line that is not journalctl's JSON, are unreadable.
///
/// Read with the proxy's own JSON parser, the one fuzzed on what clients send: journal text is
/// no less hostile (model names and error messages come from clients and upstreams).
/// journalctl writes a value as a string, as an array of byte values when it is not UTF-8, as
/// an array of such values when the field is repeated in the entry (the first one counts here),
/// and as null when it is too large to show.
private let messageName = Array(ExchangeLog.message.name.utf8)
private let systemdNames = SystemdField.all.map { Array($0.utf8) }

func parseJournalLine(_ line: UnsafeBufferPointer<UInt8>) -> LogLine? {
    var parser = JSONParser(bytes: line)
    var fields = ExchangeFields()
    var message: [UInt8]?
    var systemd: [String: String] = [:]
    do {
        try parser.members { (key, value: inout JSONParser) throws(JSONSyntaxError) in
            if let field = ReadField.journal(key) {
                try journalValue(&value) { fields.set(field, $0) }
            } else if key.elementsEqual(messageName) {
                try journalValue(&value) { if let text = $0, text.starts(with: ExchangeLog.logfmtPrefix.utf8) { message = Array(text) } }
            } else if let index = systemdNames.firstIndex(where: { $0.elementsEqual(key) }) {
                try journalValue(&value) { if let text = $0 { systemd[SystemdField.all[index]] = String(decoding: text, as: UTF8.self) } }
            } else {
                try value.skipValue()
            }
        }
    } catch {
        return .unreadable
    }
    if fields.hasStatus { return fields.result }
    if let message, let logged = message.withUnsafeBufferPointer(parseLogfmtLine) {
        guard case .exchange(var exchange) = logged else { return logged }
        exchange.time = fields.exchange.time ?? exchange.time
        return .exchange(exchange)
    }
    return fields.result ?? instanceEnd(systemd, time: fields.exchange.time)
}

/// PID 1's entries about an o1-proxy@ instance that ended abnormally; nil for anything else.
private func instanceEnd(_ fields: [String: String], time: Int64?) -> LogLine? {
    guard fields[SystemdField.pid] == "1", let unit = fields[SystemdField.unit], unit.hasPrefix(InstanceEnd.unitPrefix) else {
        return nil
    }
    switch fields[SystemdField.messageID] {
    case InstanceEnd.unitFailed?:
        return .instanceEnd(InstanceEnd(time: time, unit: unit, reason: fields[SystemdField.unitResult] ?? "failed"))
    case InstanceEnd.processExited?:
        let code = fields[SystemdField.exitCode] ?? "", status = fields[SystemdField.exitStatus] ?? ""
        guard code != "exited" || status != "0" else { return nil }
        return .processExit(unit: unit, how: "\(code) \(status)")
    default:
        return nil
    }
}

/// Hands a field's value to `body` as bytes: a string's, an array of byte values', or a
/// repeated field's first; nil for null. Anything else is not journalctl's and fails.
private func journalValue(_ parser: inout JSONParser, _ body: (UnsafeBufferPointer<UInt8>?) -> Void) throws(JSONSyntaxError) {
    switch parser.peek() {
    case UInt8(ascii: "\""):
        try parser.string(body)
    default:
        guard try journalValue(parser.value(), body) else { throw JSONSyntaxError(offset: parser.index, reason: "not a journal value") }
    }
}

/// The same for a value already built (arrays, which are rare, and null); false when it is not one.
private func journalValue(_ value: JSON, _ body: (UnsafeBufferPointer<UInt8>?) -> Void) -> Bool {
    switch value {
    case .string(var text):
        text.withUTF8(body)
    case .array(let items):
        if let first = items.first, first.string != nil || first.array != nil || first == .null { return journalValue(first, body) }
        var bytes: [UInt8] = []
        for item in items {
            guard let byte = item.int, (0...255).contains(byte) else { return false }
            bytes.append(UInt8(byte))
        }
        bytes.withUnsafeBufferPointer(body)
    case .null:
        body(nil)
    default:
        return false
    }
    return true
}
