/// The logged fields the report reads, under their journal and logfmt names.
enum ExchangeField: CaseIterable {
    case time, model, status, durationMS, upstreamMS, promptTokens, cachedTokens, completionTokens,
         reasoningTokens, learned, learnedBefore0_2, error

    /// logfmt keys are the journal names without `O1_`, lower-cased; `time=` stands in for the
    /// journal's own timestamp.
    var logfmtKey: StaticString {
        switch self {
        case .time: "time"
        case .model: "model"
        case .status: "status"
        case .durationMS: "duration_ms"
        case .upstreamMS: "upstream_ms"
        case .promptTokens: "prompt_tokens"
        case .cachedTokens: "cached_tokens"
        case .completionTokens: "completion_tokens"
        case .reasoningTokens: "reasoning_tokens"
        case .learned: "learned"
        case .learnedBefore0_2: "adaptations"
        case .error: "error"
        }
    }

    var journalKey: StaticString {
        switch self {
        case .time: "__REALTIME_TIMESTAMP"
        case .model: "O1_MODEL"
        case .status: "O1_STATUS"
        case .durationMS: "O1_DURATION_MS"
        case .upstreamMS: "O1_UPSTREAM_MS"
        case .promptTokens: "O1_PROMPT_TOKENS"
        case .cachedTokens: "O1_CACHED_TOKENS"
        case .completionTokens: "O1_COMPLETION_TOKENS"
        case .reasoningTokens: "O1_REASONING_TOKENS"
        case .learned: "O1_LEARNED"
        // What versions before 0.2 called the fixes learned in an exchange.
        case .learnedBefore0_2: "O1_ADAPTATIONS"
        case .error: "O1_ERROR"
        }
    }

    static func logfmt(_ key: UnsafeBufferPointer<UInt8>) -> ExchangeField? {
        allCases.first { equal(key, $0.logfmtKey) }
    }

    static func journal(_ key: UnsafeBufferPointer<UInt8>) -> ExchangeField? {
        // Every field the report reads starts with O1_ or __: skip the rest without comparing.
        guard key.count > 3, key[0] == UInt8(ascii: "O") || key[0] == UInt8(ascii: "_") else { return nil }
        return allCases.first { equal(key, $0.journalKey) }
    }
}

func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ text: StaticString) -> Bool {
    guard bytes.count == text.utf8CodeUnitCount else { return false }
    return bytes.elementsEqual(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
}

/// The fields of one entry as they are found, in any order; an exchange once the status is known.
struct ExchangeFields {
    var exchange = LoggedExchange(status: 0)
    var hasStatus = false
    /// Whether `time` holds a journal timestamp (µs digits) or an ISO 8601 text.
    let timeIsJournalTimestamp: Bool

    init(journal: Bool) {
        timeIsJournalTimestamp = journal
    }

    /// A value that does not parse is treated as missing; a bad status means no exchange.
    mutating func set(_ field: ExchangeField, _ value: UnsafeBufferPointer<UInt8>) {
        switch field {
        case .time:
            exchange.time = timeIsJournalTimestamp ? parseCount(value, maxDigits: 18).map(Int64.init) : parseISO8601(value)
        case .model: exchange.model = value.isEmpty ? nil : String(decoding: value, as: UTF8.self)
        case .status:
            if let status = parseCount(value), status < 1000 {
                exchange.status = status
                hasStatus = true
            }
        case .durationMS: exchange.durationMS = parseCount(value)
        case .upstreamMS: exchange.upstreamMS = parseCount(value)
        case .promptTokens: exchange.promptTokens = parseCount(value)
        case .cachedTokens: exchange.cachedTokens = parseCount(value)
        case .completionTokens: exchange.completionTokens = parseCount(value)
        case .reasoningTokens: exchange.reasoningTokens = parseCount(value)
        case .learned, .learnedBefore0_2:
            exchange.learned = value.split(separator: UInt8(ascii: " ")).map { String(decoding: $0, as: UTF8.self) }
        case .error: exchange.failed = true
        }
    }

    var result: LoggedExchange? {
        hasStatus ? exchange : nil
    }
}

/// A non-negative decimal count; nil for anything else, including values too big to be real:
/// no exchange uses a trillion tokens, and sums of a few million such counts cannot overflow.
func parseCount(_ bytes: UnsafeBufferPointer<UInt8>, maxDigits: Int = 12) -> Int? {
    guard !bytes.isEmpty, bytes.count <= maxDigits else { return nil }
    var value = 0
    for byte in bytes {
        let digit = byte &- UInt8(ascii: "0")
        guard digit < 10 else { return nil }
        value = value * 10 + Int(digit)
    }
    return value
}
