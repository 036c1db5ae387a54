import Foundation

/// What one exchange did, gathered as it happens and logged once at the end: one entry per
/// exchange is what an operator filters on (`journalctl O1_MODEL=o1-mini O1_STATUS=502`).
public struct ExchangeRecord: Sendable {
    public enum StreamMode: String, Sendable {
        case none, native, faked
    }

    public var method: String?
    public var path: String?
    public var model: String?
    public var stream = StreamMode.none
    /// The status the client was sent; 499 (as nginx says) when it left before an answer.
    public var status = 0
    public var durationMS = 0
    public var upstreamMS: Int?
    public var usage: JSON?
    public var adaptations: [Fix] = []
    public var peer: String?
    public var error: String?
    public var requestBody: [UInt8]?
    public var responseBody: [UInt8]?

    public init() {}

    public var priority: Int {
        switch status {
        case 500...: 3
        case 400...: 4
        default: error == nil ? 6 : 4
        }
    }

    public var message: String {
        var text = "\(method ?? "-") \(path ?? "-")"
        if let model { text += " \(model)" }
        text += " \(status)"
        if stream != .none { text += " \(stream.rawValue) stream" }
        text += " in \(durationMS) ms"
        if let prompt = usage?["prompt_tokens"]?.int, let completion = usage?["completion_tokens"]?.int {
            text += ", tokens \(prompt)+\(completion)"
            if let reasoning = usage?["completion_tokens_details"]?["reasoning_tokens"]?.int {
                text += " (reasoning \(reasoning))"
            }
        }
        if !adaptations.isEmpty { text += ", adapted: \(adaptations.map(\.description).joined(separator: " "))" }
        if let error { text += ": \(error)" }
        return text
    }

    /// Structured fields, named so that they sort together and cannot clash with journald's own.
    /// `secrets` are masked in every value, whatever path a secret took to get there.
    public func fields(masking secrets: [String]) -> [(name: String, value: String)] {
        var fields: [(String, String?)] = [
            ("MESSAGE", message),
            ("PRIORITY", String(priority)),
            ("SYSLOG_IDENTIFIER", "o1-proxy"),
            ("O1_METHOD", method),
            ("O1_PATH", path),
            ("O1_MODEL", model),
            ("O1_STREAM", stream.rawValue),
            ("O1_STATUS", String(status)),
            ("O1_DURATION_MS", String(durationMS)),
            ("O1_UPSTREAM_MS", upstreamMS.map(String.init)),
            ("O1_PROMPT_TOKENS", usage?["prompt_tokens"]?.int.map(String.init)),
            ("O1_COMPLETION_TOKENS", usage?["completion_tokens"]?.int.map(String.init)),
            ("O1_REASONING_TOKENS", usage?["completion_tokens_details"]?["reasoning_tokens"]?.int.map(String.init)),
            ("O1_TOTAL_TOKENS", usage?["total_tokens"]?.int.map(String.init)),
            ("O1_ADAPTATIONS", adaptations.isEmpty ? nil : adaptations.map(\.description).joined(separator: " ")),
            ("O1_PEER", peer),
            ("O1_ERROR", error),
        ]
        fields.append(("O1_REQUEST_BODY", requestBody.map { String(decoding: $0, as: UTF8.self) }))
        fields.append(("O1_RESPONSE_BODY", responseBody.map { String(decoding: $0, as: UTF8.self) }))
        return fields.compactMap { name, value in value.map { (name, mask($0, secrets)) } }
    }

    /// One readable logfmt line for when there is no journal (a terminal, a test harness).
    public func line(masking secrets: [String]) -> String {
        let fields = fields(masking: secrets)
        var line = "o1-proxy: " + (fields.first { $0.name == "MESSAGE" }?.value ?? "")
        for (name, value) in fields where name.hasPrefix("O1_") {
            let key = name.dropFirst(3).lowercased()
            let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }
            let shown = needsQuotes
                ? "\"" + value.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"").replacingAll("\n", with: "\\n") + "\""
                : value
            line += " \(key)=\(shown)"
        }
        return line
    }
}

/// Secrets are masked by value, so a key echoed back inside an upstream error message, or a
/// client's token inside a logged body, is caught as well as a key in a field of its own.
func mask(_ value: String, _ secrets: [String]) -> String {
    secrets.filter { $0.count >= 4 }.reduce(value) { $0.replacingAll($1, with: "[redacted]") }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        return components(separatedBy: target).joined(separator: replacement)
    }
}

/// The native journal protocol's datagram (`systemd.journal-fields(7)`): `NAME=value\n`, or for
/// a value with a newline, `NAME\n`, its length as 64-bit little-endian, the bytes and `\n`.
public func journalDatagram(_ fields: [(name: String, value: String)]) -> [UInt8] {
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
