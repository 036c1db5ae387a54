import Glibc
import O1ProxyCore

/// A field of the proxy's entries that the report reads, from the schema the proxy writes them
/// with (`ExchangeLog`), and what reading it sets: the codec that wrote a value reads it back.
struct ReadField: Sendable {
    let name: [UInt8]
    let logfmtKey: [UInt8]?
    /// Sets what the value says; nil is journalctl's null, its word for a value too large to show.
    let apply: @Sendable (inout ExchangeFields, UnsafeBufferPointer<UInt8>?) -> Void

    /// A value read with the codec that wrote it. An empty one is none (the proxy writes none but
    /// a client's empty model name); one that does not read, or that journalctl would not show,
    /// is a figure the report cannot count, and the exchange says so rather than counting 0.
    init<Value>(_ field: LogField<Value>, _ set: @escaping @Sendable (inout ExchangeFields, Value) -> Void) {
        self.init(field, reading: { fields, bytes in
            guard let bytes else { return fields.exchange.unreadableFigure = true }
            guard !bytes.isEmpty else { return }
            if let value = field.codec.read(bytes) { set(&fields, value) } else { fields.exchange.unreadableFigure = true }
        })
    }

    /// A field of which only its presence counts, whatever it holds or however long it is.
    init<Value>(present field: LogField<Value>, _ set: @escaping @Sendable (inout ExchangeFields) -> Void) {
        self.init(field, reading: { fields, _ in set(&fields) })
    }

    private init<Value>(_ field: LogField<Value>, reading apply: @escaping @Sendable (inout ExchangeFields, UnsafeBufferPointer<UInt8>?) -> Void) {
        name = Array(field.name.utf8)
        logfmtKey = field.logfmtKey.map { Array($0.utf8) }
        // journald's own stamp is on every entry; only the proxy's fields make one the proxy's.
        let own = field.logfmtKey != nil
        self.apply = { fields, bytes in
            fields.hasOwnField = fields.hasOwnField || own
            apply(&fields, bytes)
        }
    }

    /// Everything the report counts. An entry without a readable status is no exchange.
    static let all: [ReadField] = [
        ReadField(ExchangeLog.journalTime) { $0.exchange.time = $1 },
        ReadField(ExchangeLog.time) { $0.exchange.time = $1 },
        ReadField(ExchangeLog.model) { $0.exchange.model = $1 },
        ReadField(ExchangeLog.upstreamModel) { $0.exchange.upstreamModel = $1 },
        ReadField(ExchangeLog.status) { fields, status in
            guard status < 1000 else { return fields.exchange.unreadableFigure = true }
            fields.exchange.status = status
            fields.hasStatus = true
        },
        ReadField(ExchangeLog.durationMS) { $0.exchange.durationMS = $1 },
        ReadField(ExchangeLog.upstreamMS) { $0.exchange.upstreamMS = $1 },
        ReadField(ExchangeLog.promptTokens) { $0.exchange.promptTokens = $1 },
        ReadField(ExchangeLog.cachedTokens) { $0.exchange.cachedTokens = $1 },
        ReadField(ExchangeLog.cacheWriteTokens) { $0.exchange.cacheWriteTokens = $1 },
        ReadField(ExchangeLog.completionTokens) { $0.exchange.completionTokens = $1 },
        ReadField(ExchangeLog.reasoningTokens) { $0.exchange.reasoningTokens = $1 },
        ReadField(ExchangeLog.serviceTier) { $0.exchange.serviceTier = $1 },
        ReadField(ExchangeLog.reasoningReplayed) { $0.exchange.reasoningReplayed = $1 },
        ReadField(ExchangeLog.learned) { $0.exchange.learned = $1 },
        ReadField(ExchangeLog.learnedBefore0_2) { $0.exchange.learned = $1 },
        // An error too long for journalctl to show is still an error.
        ReadField(present: ExchangeLog.error) { $0.exchange.failed = true },
        ReadField(ExchangeLog.peer) { $0.exchange.peer = $1 },
    ]

    /// The journal fields to ask journalctl for: the exchange's own (but `time`, which only the
    /// logfmt line has), and the message (an entry too big for a datagram is the logfmt line
    /// there). journalctl adds its own timestamp.
    static let journalNames = all.map { String(decoding: $0.name, as: UTF8.self) }
        .filter { ExchangeLog.logfmtKey($0) != nil && $0 != ExchangeLog.time.name } + [ExchangeLog.message.name]

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

/// The fields of one entry as they are found, in any order.
struct ExchangeFields {
    var exchange = LoggedExchange(status: 0)
    var hasStatus = false
    /// One of the proxy's own fields was there: the entry is the proxy's, readable or not.
    var hasOwnField = false

    mutating func set(_ field: ReadField, _ value: UnsafeBufferPointer<UInt8>?) {
        field.apply(&self, value)
    }

    /// An exchange once the status is known; an entry of the proxy's without one is unreadable
    /// (counted as such, never dropped); anything else is not the proxy's.
    var result: LogLine? {
        guard hasStatus else { return hasOwnField ? .unreadable : nil }
        var exchange = exchange
        // A preset's target is named only when it is another model.
        if exchange.upstreamModel == exchange.model { exchange.upstreamModel = nil }
        return .exchange(exchange)
    }
}
