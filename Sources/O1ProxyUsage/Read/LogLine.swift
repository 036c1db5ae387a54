import O1ProxyCore

/// What a line of input says: an exchange the proxy logged, an entry that cannot be read, or
/// systemd's word that an instance of the proxy ended abnormally.
enum LogLine: Equatable, Sendable {
    case exchange(LoggedExchange)
    /// An entry of the proxy's without a readable status, or a line of journalctl's JSON that is
    /// not: counted and shown, never silently dropped.
    case unreadable
    /// How an instance's process ended, when not with status 0 (systemd's detail, logged just
    /// before the instance's failure).
    case processExit(unit: String, how: String)
    case instanceEnd(InstanceEnd)
}

/// One line of input, whichever of the two formats it is in: `journalctl -o json` (what the
/// command reads from the journal, or a saved copy of it) or the proxy's logfmt stderr line.
func readLogLine(_ line: UnsafeBufferPointer<UInt8>) -> LogLine? {
    var first = 0
    while first < line.count, line[first] == UInt8(ascii: " ") || line[first] == UInt8(ascii: "\t") { first += 1 }
    guard first < line.count else { return nil }
    let rest = UnsafeBufferPointer(rebasing: line[first...])
    return line[first] == UInt8(ascii: "{") ? parseJournalLine(rest) : parseLogfmtLine(rest)
}

/// The exchange a line logged, if it is one.
func parseLogLine(_ line: UnsafeBufferPointer<UInt8>) -> LoggedExchange? {
    if case .exchange(let exchange)? = readLogLine(line) { return exchange }
    return nil
}

func parseLogLine(_ line: String) -> LoggedExchange? {
    var line = line
    return line.withUTF8(parseLogLine)
}
