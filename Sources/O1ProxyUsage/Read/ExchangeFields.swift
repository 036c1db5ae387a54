import Glibc
import O1ProxyCore

/// A field of the proxy's entries that the report reads, from the schema the proxy writes them
/// with (`ExchangeLog`), and what reading it sets: the codec that wrote a value reads it back.
struct ReadField: Sendable {
    let name: [UInt8]
    let logfmtKey: [UInt8]?
    let apply: @Sendable (inout ExchangeFields, UnsafeBufferPointer<UInt8>) -> Void

    init<Value>(_ field: LogField<Value>, _ set: @escaping @Sendable (inout ExchangeFields, Value) -> Void) {
        name = Array(field.name.utf8)
        logfmtKey = field.logfmtKey.map { Array($0.utf8) }
        apply = { fields, bytes in
            if let value = field.codec.read(bytes) { set(&fields, value) }
        }
    }

    /// Everything the report counts. A value that does not parse is treated as missing; an
    /// entry without a readable status is no exchange.
    static let all: [ReadField] = [
        ReadField(ExchangeLog.journalTime) { $0.exchange.time = $1 },
        ReadField(ExchangeLog.time) { $0.exchange.time = $1 },
        ReadField(ExchangeLog.model) { $0.exchange.model = $1 },
        ReadField(ExchangeLog.status) { fields, status in
            guard status < 1000 else { return }
            fields.exchange.status = status
            fields.hasStatus = true
        },
        ReadField(ExchangeLog.durationMS) { $0.exchange.durationMS = $1 },
        ReadField(ExchangeLog.upstreamMS) { $0.exchange.upstreamMS = $1 },
        ReadField(ExchangeLog.promptTokens) { $0.exchange.promptTokens = $1 },
        ReadField(ExchangeLog.cachedTokens) { $0.exchange.cachedTokens = $1 },
        ReadField(ExchangeLog.completionTokens) { $0.exchange.completionTokens = $1 },
        ReadField(ExchangeLog.reasoningTokens) { $0.exchange.reasoningTokens = $1 },
        ReadField(ExchangeLog.learned) { $0.exchange.learned = $1 },
        ReadField(ExchangeLog.learnedBefore0_2) { $0.exchange.learned = $1 },
        ReadField(ExchangeLog.error) { fields, _ in fields.exchange.failed = true },
        ReadField(ExchangeLog.peer) { $0.exchange.peer = $1 },
    ]

    /// The journal fields to ask journalctl for: the exchange's own (but `time`, which only the
    /// logfmt line has), and the message (an entry too big for a datagram is the logfmt line
    /// there). journalctl adds its own timestamp.
    static let journalNames = all.map { String(decoding: $0.name, as: UTF8.self) }
        .filter { $0.hasPrefix("O1_") && $0 != ExchangeLog.time.name } + [ExchangeLog.message.name]

    /// Called for every field of every journal line: compared by length and first byte before
    /// the bytes.
    static func journal(_ key: UnsafeBufferPointer<UInt8>) -> ReadField? {
        guard let first = key.first else { return nil }
        for field in all where field.name.count == key.count && field.name[0] == first
            && field.name.withUnsafeBufferPointer({ memcmp($0.baseAddress!, key.baseAddress!, key.count) }) == 0 {
            return field
        }
        return nil
    }

    static func logfmt(_ key: UnsafeBufferPointer<UInt8>) -> ReadField? {
        all.first { $0.logfmtKey?.elementsEqual(key) ?? false }
    }
}

/// The fields of one entry as they are found, in any order; an exchange once the status is known.
struct ExchangeFields {
    var exchange = LoggedExchange(status: 0)
    var hasStatus = false

    mutating func set(_ field: ReadField, _ value: UnsafeBufferPointer<UInt8>) {
        field.apply(&self, value)
    }

    var result: LoggedExchange? {
        hasStatus ? exchange : nil
    }
}
