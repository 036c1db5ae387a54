import O1ProxyCore

/// One line of input, whichever of the two formats it is in: `journalctl -o json` (what the
/// command reads from the journal, or a saved copy of it) or the proxy's logfmt stderr line.
func parseLogLine(_ line: UnsafeBufferPointer<UInt8>) -> LoggedExchange? {
    var first = 0
    while first < line.count, line[first] == UInt8(ascii: " ") || line[first] == UInt8(ascii: "\t") { first += 1 }
    guard first < line.count else { return nil }
    let rest = UnsafeBufferPointer(rebasing: line[first...])
    return line[first] == UInt8(ascii: "{") ? parseJournalLine(rest) : parseLogfmtLine(rest)
}

func parseLogLine(_ line: String) -> LoggedExchange? {
    var line = line
    return line.withUTF8(parseLogLine)
}
