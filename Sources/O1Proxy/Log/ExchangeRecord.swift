import Glibc

/// What one exchange did, gathered as it happens and logged once at the end: one entry per
/// exchange is what an operator filters on (`journalctl O1_MODEL=o1-mini O1_STATUS=502`) and
/// what `o1-proxy usage` reads.
struct ExchangeRecord: Sendable {
    /// What the client got: no stream, the upstream's stream relayed (or translated), or a
    /// stream faked from a whole answer. Known only once the answer starts.
    enum StreamMode: String, Sendable {
        case none, native, faked
    }

    /// When the exchange began, in seconds since the epoch (for the log line; the journal
    /// stamps its entries itself).
    var began: Double = ExchangeRecord.wallClock()
    var method: String?
    var path: String?
    var model: String?
    /// Which upstream API the chat completion went to last.
    var api: UpstreamAPI?
    var stream = StreamMode.none
    /// The status the client was sent; 499 (as nginx says) when it left before an answer.
    var status = 0
    var durationMS = 0
    var upstreamMS: Int?
    var usage: Usage?
    /// Fixes learned from the upstream's rejections during this exchange: one rejected round
    /// trip each.
    var learned: [Fix] = []
    /// Fixes applied from what earlier exchanges learned, saving those round trips.
    var remembered: [Fix] = []
    var peer: String?
    var error: String?
    /// A non-fatal problem worth an operator's attention (the learned-state file unusable).
    var warning: String?
    var requestBody: [UInt8]?
    var responseBody: [UInt8]?

    init() {}

    /// journald's syslog levels: `err` for what an operator must look at (5xx, a stream that
    /// failed after its 200), `warning` for what the client did or was told (4xx, 499), `info`.
    var priority: Int {
        switch status {
        case 500...: 3
        case 400...: 4
        default: error == nil ? (warning == nil ? 6 : 4) : 3
        }
    }

    var message: String {
        var text = "\(method ?? "-") \(path ?? "-")"
        if let model { text += " \(model)" }
        text += " \(status)"
        if stream != .none { text += " \(stream.rawValue) stream" }
        if api == .responses { text += " via responses" }
        text += " in \(durationMS) ms"
        if let prompt = usage?.prompt, let completion = usage?.completion {
            text += ", tokens \(prompt)+\(completion)"
            if let reasoning = usage?.reasoning { text += " (reasoning \(reasoning))" }
        }
        if !learned.isEmpty { text += ", learned: \(learned.map(\.description).joined(separator: " "))" }
        if let error { text += ": \(error)" }
        if let warning { text += " (warning: \(warning))" }
        return text
    }

    /// Structured fields, named so that they sort together and cannot clash with journald's own.
    /// `secrets` are masked in every value, whatever path a secret took to get there.
    func fields(masking secrets: [String]) -> [(name: String, value: String)] {
        func list(_ fixes: [Fix]) -> String? {
            fixes.isEmpty ? nil : fixes.map(\.description).joined(separator: " ")
        }
        let fields: [(String, String?)] = [
            ("MESSAGE", message),
            ("PRIORITY", String(priority)),
            ("SYSLOG_IDENTIFIER", "o1-proxy"),
            ("O1_METHOD", method),
            ("O1_PATH", path),
            ("O1_MODEL", model),
            ("O1_API", api?.rawValue),
            ("O1_STREAM", stream.rawValue),
            ("O1_STATUS", String(status)),
            ("O1_DURATION_MS", String(durationMS)),
            ("O1_UPSTREAM_MS", upstreamMS.map(String.init)),
            ("O1_PROMPT_TOKENS", usage?.prompt.map(String.init)),
            ("O1_CACHED_TOKENS", usage?.cached.map(String.init)),
            ("O1_COMPLETION_TOKENS", usage?.completion.map(String.init)),
            ("O1_REASONING_TOKENS", usage?.reasoning.map(String.init)),
            ("O1_TOTAL_TOKENS", usage?.total.map(String.init)),
            ("O1_LEARNED", list(learned)),
            ("O1_REMEMBERED", list(remembered)),
            ("O1_PEER", peer),
            ("O1_ERROR", error),
            ("O1_WARNING", warning),
            ("O1_REQUEST_BODY", requestBody.map { String(decoding: $0, as: UTF8.self) }),
            ("O1_RESPONSE_BODY", responseBody.map { String(decoding: $0, as: UTF8.self) }),
        ]
        return fields.compactMap { name, value in value.map { (name, mask($0, secrets)) } }
    }

    /// One readable logfmt line for when there is no journal (a terminal, a test harness).
    /// Control characters are escaped, so one exchange is always exactly one line.
    func line(masking secrets: [String]) -> String {
        let fields = fields(masking: secrets)
        var line = "o1-proxy: " + escaped(fields.first { $0.name == "MESSAGE" }?.value ?? "", quotes: false)
        line += " time=" + Self.iso8601(began)
        for (name, value) in fields where name.hasPrefix("O1_") {
            let key = name.dropFirst(3).lowercased()
            let needsQuotes = value.isEmpty || value.unicodeScalars.contains { $0.value <= 0x20 || $0 == "\"" || $0 == "=" || $0.value == 0x7F }
            line += " \(key)=" + (needsQuotes ? "\"" + escaped(value, quotes: true) + "\"" : value)
        }
        return line
    }
}

extension ExchangeRecord {
    static func wallClock() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// `2026-11-25T08:52:59.123Z`: UTC with milliseconds, by `gmtime_r` rather than a Foundation
    /// formatter, whose set-up would cost every exchange more than the rest of its log line.
    static func iso8601(_ seconds: Double) -> String {
        var time = time_t(seconds.rounded(.down))
        var parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let millis = Int32((seconds - seconds.rounded(.down)) * 1000)
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(millis, 3))Z"
    }
}

/// Escapes by Unicode scalar, not by Character: "\r\n" or a key followed by a combining mark
/// is one Character, and a Character-wise replace would miss it.
private func escaped(_ value: String, quotes: Bool) -> String {
    var out = String.UnicodeScalarView()
    for scalar in value.unicodeScalars {
        switch scalar {
        case "\n": out.append(contentsOf: "\\n".unicodeScalars)
        case "\r": out.append(contentsOf: "\\r".unicodeScalars)
        case "\t": out.append(contentsOf: "\\t".unicodeScalars)
        case "\\" where quotes: out.append(contentsOf: "\\\\".unicodeScalars)
        case "\"" where quotes: out.append(contentsOf: "\\\"".unicodeScalars)
        case _ where scalar.value < 0x20 || scalar.value == 0x7F:
            let hex = String(scalar.value, radix: 16)
            out.append(contentsOf: "\\x\(hex.count < 2 ? "0" + hex : hex)".unicodeScalars)
        default: out.append(scalar)
        }
    }
    return String(out)
}

/// Secrets are masked by value, so a key echoed back inside an upstream error message, or a
/// client's token inside a logged body, is caught as well as a key in a field of its own.
/// Matching is on UTF-8 bytes: a key followed by a combining mark must still be found.
func mask(_ value: String, _ secrets: [String]) -> String {
    let replacement = Array("[redacted]".utf8)
    var bytes = Array(value.utf8)
    for secret in secrets where secret.utf8.count >= 4 {
        let needle = Array(secret.utf8)
        guard bytes.count >= needle.count else { continue }
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            if bytes[i] == needle[0], i + needle.count <= bytes.count, bytes[i..<i + needle.count].elementsEqual(needle) {
                out += replacement
                i += needle.count
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        bytes = out
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// The native journal protocol's datagram (`systemd.journal-fields(7)`): `NAME=value\n`, or for
/// a value with a newline, `NAME\n`, its length as 64-bit little-endian, the bytes and `\n`.
func journalDatagram(_ fields: [(name: String, value: String)]) -> [UInt8] {
    var out: [UInt8] = []
    for (name, value) in fields {
        out.append(contentsOf: name.utf8)
        if value.contains(where: \.isNewline) {
            out.append(UInt8(ascii: "\n"))
            withUnsafeBytes(of: UInt64(value.utf8.count).littleEndian) { out.append(contentsOf: $0) }
            out.append(contentsOf: value.utf8)
        } else {
            out.append(UInt8(ascii: "="))
            out.append(contentsOf: value.utf8)
        }
        out.append(UInt8(ascii: "\n"))
    }
    return out
}
