/// The schema of the one journal entry each exchange leaves: every field once, with its name and
/// how its value is written and read back. The proxy writes its entries with these fields
/// (`LogEntry`) and `o1-proxy usage` reads them with the same ones, so the compiler ties the
/// two: a field renamed, retyped or re-encoded changes both, and a test reads back what the
/// writer wrote.
///
/// The journal has the names as they are (`O1_MODEL`, filter with `journalctl O1_MODEL=o1`);
/// the logfmt line written where there is no journal has the `O1_` fields only, each as the name
/// without `O1_`, lower-cased (`model=o1`).
package enum ExchangeLog {
    package static let message = LogField("MESSAGE", .text)
    package static let priority = LogField("PRIORITY", .count)
    package static let identifier = LogField("SYSLOG_IDENTIFIER", .text)
    /// When the exchange began: on the logfmt line only (`time=`); the journal stamps every
    /// entry itself (`journalTime`).
    package static let time = LogField("O1_TIME", .timestamp)
    /// journald's own stamp, in microseconds; not written by the proxy.
    package static let journalTime = LogField("__REALTIME_TIMESTAMP", .microseconds)

    package static let method = LogField("O1_METHOD", .text)
    package static let path = LogField("O1_PATH", .text)
    package static let model = LogField("O1_MODEL", .text)
    /// The model the upstream was asked for, when a preset of the operator's rules names another
    /// than the client's `O1_MODEL` (which is the preset's name).
    package static let upstreamModel = LogField("O1_UPSTREAM_MODEL", .text)
    /// The upstream API the exchange's last call went to: `chat` or `responses`.
    package static let api = LogField("O1_API", .text)
    /// What the client got: `none`, `native` (relayed or translated) or `faked`.
    package static let stream = LogField("O1_STREAM", .text)
    /// What the client was sent; 499 when it left before an answer.
    package static let status = LogField("O1_STATUS", .count)
    package static let durationMS = LogField("O1_DURATION_MS", .count)
    package static let upstreamMS = LogField("O1_UPSTREAM_MS", .count)
    package static let promptTokens = LogField("O1_PROMPT_TOKENS", .count)
    package static let cachedTokens = LogField("O1_CACHED_TOKENS", .count)
    /// Prompt tokens written to the cache (gpt-5.6 on), billed above the input price.
    package static let cacheWriteTokens = LogField("O1_CACHE_WRITE_TOKENS", .count)
    package static let completionTokens = LogField("O1_COMPLETION_TOKENS", .count)
    package static let reasoningTokens = LogField("O1_REASONING_TOKENS", .count)
    package static let totalTokens = LogField("O1_TOTAL_TOKENS", .count)
    /// The tier the upstream says served the request (`default`, `flex`, `priority`): flex bills
    /// at about half the standard price, priority above it.
    package static let serviceTier = LogField("O1_SERVICE_TIER", .text)
    /// Fixes learned from this exchange's rejections, one rejected round trip each.
    package static let learned = LogField("O1_LEARNED", .words)
    /// What `learned` was called before version 0.2; read, never written.
    package static let learnedBefore0_2 = LogField("O1_ADAPTATIONS", .words)
    /// Fixes applied from what earlier exchanges learned.
    package static let remembered = LogField("O1_REMEMBERED", .words)
    /// A bridged chat conversation's reasoning items: sent back from earlier turns, kept from
    /// this one for the next, and sent back but refused by the upstream (the turn was then asked
    /// again without them).
    package static let reasoningReplayed = LogField("O1_REASONING_REPLAYED", .count)
    package static let reasoningKept = LogField("O1_REASONING_KEPT", .count)
    package static let reasoningRefused = LogField("O1_REASONING_REFUSED", .count)
    /// The client's `address:port`, as the unit's instance name also has it.
    package static let peer = LogField("O1_PEER", .text)
    /// Why the exchange failed; with a 2xx status, its stream broke after the head went out.
    package static let error = LogField("O1_ERROR", .text)
    package static let warning = LogField("O1_WARNING", .text)
    package static let requestBody = LogField("O1_REQUEST_BODY", .text)
    package static let responseBody = LogField("O1_RESPONSE_BODY", .text)

    /// The identifier every entry of the proxy's is logged under: `journalctl -t o1-proxy`.
    package static let syslogIdentifier = "o1-proxy"
    /// How the logfmt line begins: `o1-proxy: MESSAGE key=value ...`.
    package static let logfmtPrefix = "o1-proxy: "

    /// A field's key on the logfmt line: its name without `O1_`, lower-cased; nil for fields that
    /// are not the proxy's own (`MESSAGE`, ...), which the line does not carry as pairs.
    package static func logfmtKey(_ name: String) -> String? {
        name.hasPrefix("O1_") ? String(name.dropFirst(3)).lowercased() : nil
    }
}

/// One field of the entry: its journal name, and its codec.
package struct LogField<Value>: Sendable {
    package let name: String
    package let codec: LogCodec<Value>

    package init(_ name: String, _ codec: LogCodec<Value>) {
        self.name = name
        self.codec = codec
    }

    package var logfmtKey: String? { ExchangeLog.logfmtKey(name) }
}

/// How a value is written as the text of a field, and read back from its bytes (as journalctl or
/// the logfmt line give them). Reading is total: a value that does not parse is nil, never a
/// crash, because anything can be in a journal.
package struct LogCodec<Value>: Sendable {
    package let write: @Sendable (Value) -> String
    package let read: @Sendable (UnsafeBufferPointer<UInt8>) -> Value?
}

extension LogCodec where Value == String {
    /// Text as it is; empty reads as none.
    package static var text: LogCodec {
        LogCodec(write: { $0 }, read: { $0.isEmpty ? nil : String(decoding: $0, as: UTF8.self) })
    }
}

extension LogCodec where Value == Int {
    /// A non-negative decimal count.
    package static var count: LogCodec {
        LogCodec(write: { String($0) }, read: { parseCount($0) })
    }
}

extension LogCodec where Value == [String] {
    /// Words separated by single spaces (fixes never hold one).
    package static var words: LogCodec {
        LogCodec(write: { $0.joined(separator: " ") },
                 read: { bytes in
                     let words = bytes.split(separator: UInt8(ascii: " ")).map { String(decoding: $0, as: UTF8.self) }
                     return words.isEmpty ? nil : words
                 })
    }
}

extension LogCodec where Value == Int64 {
    /// Microseconds since the epoch, written as `Timestamp.iso8601`.
    package static var timestamp: LogCodec {
        LogCodec(write: { Timestamp.iso8601(micros: $0) }, read: { Timestamp.parse($0) })
    }

    /// Microseconds since the epoch as decimal digits (journald's `__REALTIME_TIMESTAMP`).
    package static var microseconds: LogCodec {
        LogCodec(write: { String($0) }, read: { parseCount($0, maxDigits: 18).map(Int64.init) })
    }
}

/// A non-negative decimal count; nil for anything else, including values too big to be real:
/// no exchange uses a trillion tokens, and sums of a few million such counts cannot overflow.
package func parseCount(_ bytes: UnsafeBufferPointer<UInt8>, maxDigits: Int = 12) -> Int? {
    guard !bytes.isEmpty, bytes.count <= maxDigits else { return nil }
    var value = 0
    for byte in bytes {
        let digit = byte &- UInt8(ascii: "0")
        guard digit < 10 else { return nil }
        value = value * 10 + Int(digit)
    }
    return value
}

/// An entry as it is built: fields in the order they are added, each value written by its
/// field's codec. Absent values are left out.
package struct LogEntry: Sendable {
    package private(set) var fields: [(name: String, value: String)] = []

    package init() {}

    package mutating func add<Value>(_ field: LogField<Value>, _ value: Value?) {
        if let value { fields.append((field.name, field.codec.write(value))) }
    }
}
