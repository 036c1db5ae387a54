import O1ProxyCore

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
    var began: Double = WallClock.now()
    var method: String?
    var path: String?
    var model: String?
    /// The model a preset sent the request to, when not `model`.
    var upstreamModel: String?
    /// Which upstream API the chat completion went to last.
    var api: Endpoint?
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
    /// A bridged conversation's reasoning: items replayed from earlier turns, items kept from
    /// this one, and items the upstream refused to take back (the turn was asked again without).
    var reasoningReplayed: Int?
    var reasoningKept: Int?
    var reasoningRefused: Int?
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
        if let upstreamModel { text += " (\(upstreamModel))" }
        text += " \(status)"
        if stream != .none { text += " \(stream.rawValue) stream" }
        if api == .responses { text += " via responses" }
        text += " in \(durationMS) ms"
        if let prompt = usage?.prompt, let completion = usage?.completion {
            text += ", tokens \(prompt)+\(completion)"
            if let reasoning = usage?.reasoning { text += " (reasoning \(reasoning))" }
        }
        if let tier = usage?.serviceTier, tier != "default" { text += ", \(tier) tier" }
        let reasoning = [("replayed", reasoningReplayed), ("kept", reasoningKept), ("refused", reasoningRefused)].compactMap { name, count in
            count.map { "\($0) \(name)" }
        }
        if !reasoning.isEmpty { text += ", reasoning items \(reasoning.joined(separator: ", "))" }
        if !learned.isEmpty { text += ", learned: \(learned.map(\.description).joined(separator: " "))" }
        if let error { text += ": \(error)" }
        if let warning { text += " (warning: \(warning))" }
        return text
    }

    /// The entry's fields (`ExchangeLog`), named so that they sort together and cannot clash
    /// with journald's own. `secrets` are masked in every value, whatever path a secret took to
    /// get there.
    func fields(masking secrets: [String]) -> [(name: String, value: String)] {
        var entry = LogEntry()
        entry.add(ExchangeLog.message, message)
        entry.add(ExchangeLog.priority, priority)
        entry.add(ExchangeLog.identifier, ExchangeLog.syslogIdentifier)
        entry.add(ExchangeLog.method, method)
        entry.add(ExchangeLog.path, path)
        entry.add(ExchangeLog.model, model)
        entry.add(ExchangeLog.upstreamModel, upstreamModel)
        entry.add(ExchangeLog.api, api?.rawValue)
        entry.add(ExchangeLog.stream, stream.rawValue)
        entry.add(ExchangeLog.status, status)
        entry.add(ExchangeLog.durationMS, durationMS)
        entry.add(ExchangeLog.upstreamMS, upstreamMS)
        entry.add(ExchangeLog.promptTokens, usage?.prompt)
        entry.add(ExchangeLog.cachedTokens, usage?.cached)
        entry.add(ExchangeLog.cacheWriteTokens, usage?.cacheWrite)
        entry.add(ExchangeLog.completionTokens, usage?.completion)
        entry.add(ExchangeLog.reasoningTokens, usage?.reasoning)
        entry.add(ExchangeLog.totalTokens, usage?.total)
        entry.add(ExchangeLog.serviceTier, usage?.serviceTier)
        entry.add(ExchangeLog.learned, learned.isEmpty ? nil : learned.map(\.description))
        entry.add(ExchangeLog.remembered, remembered.isEmpty ? nil : remembered.map(\.description))
        entry.add(ExchangeLog.reasoningReplayed, reasoningReplayed)
        entry.add(ExchangeLog.reasoningKept, reasoningKept)
        entry.add(ExchangeLog.reasoningRefused, reasoningRefused)
        entry.add(ExchangeLog.peer, peer)
        entry.add(ExchangeLog.error, error)
        entry.add(ExchangeLog.warning, warning)
        entry.add(ExchangeLog.requestBody, requestBody.map { String(decoding: $0, as: UTF8.self) })
        entry.add(ExchangeLog.responseBody, responseBody.map { String(decoding: $0, as: UTF8.self) })
        return entry.fields.map { ($0.name, mask($0.value, secrets)) }
    }

    /// One readable logfmt line for when there is no journal (a terminal, a test harness).
    /// Control characters are escaped, so one exchange is always exactly one line.
    func line(masking secrets: [String]) -> String {
        var fields = fields(masking: secrets)
        var time = LogEntry()
        time.add(ExchangeLog.time, Int64((began * 1_000_000).rounded()))
        fields.insert(contentsOf: time.fields, at: fields.firstIndex { ExchangeLog.logfmtKey($0.name) != nil } ?? fields.count)
        var line = ExchangeLog.logfmtPrefix + escaped(fields.first { $0.name == ExchangeLog.message.name }?.value ?? "", quotes: false)
        for (name, value) in fields {
            guard let key = ExchangeLog.logfmtKey(name) else { continue }
            let needsQuotes = value.isEmpty || value.unicodeScalars.contains { $0.value <= 0x20 || $0 == "\"" || $0 == "=" || $0.value == 0x7F }
            line += " \(key)=" + (needsQuotes ? "\"" + escaped(value, quotes: true) + "\"" : value)
        }
        return line
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
