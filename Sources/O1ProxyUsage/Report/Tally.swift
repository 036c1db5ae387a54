import O1ProxyCore

/// What a group of exchanges (one model on one day, one model, one day, all) added up to, as
/// they come in. Durations are kept whole: percentiles need them, and 100,000 of them are 1.6 MB.
struct Tally {
    var exchanges = 0
    var clientErrors = 0
    var serverErrors = 0
    var clientsGone = 0
    var streamsFailed = 0
    var crashed = 0
    var crashes: [String: Int] = [:]
    var learned: [String: Int] = [:]
    var promptTokens = 0
    var cachedTokens = 0
    var completionTokens = 0
    var reasoningTokens = 0
    var durations: [Int] = []
    var upstreamDurations: [Int] = []

    mutating func add(_ exchange: LoggedExchange) {
        exchanges += 1
        switch exchange.outcome {
        case .ok: break
        case .clientError: clientErrors += 1
        case .serverError: serverErrors += 1
        case .clientGone: clientsGone += 1
        case .streamFailed: streamsFailed += 1
        case .crashed: crashed += 1
        }
        if let crash = exchange.crash { crashes[crash, default: 0] += 1 }
        for fix in exchange.learned { learned[fix, default: 0] += 1 }
        promptTokens += exchange.promptTokens ?? 0
        // Entries from before cached tokens were logged count as uncached: the cost is then an
        // upper bound, never an underestimate.
        cachedTokens += min(exchange.cachedTokens ?? 0, exchange.promptTokens ?? 0)
        completionTokens += exchange.completionTokens ?? 0
        reasoningTokens += exchange.reasoningTokens ?? 0
        if let duration = exchange.durationMS { durations.append(duration) }
        if let upstream = exchange.upstreamMS { upstreamDurations.append(upstream) }
    }

    mutating func merge(_ other: Tally) {
        exchanges += other.exchanges
        clientErrors += other.clientErrors
        serverErrors += other.serverErrors
        clientsGone += other.clientsGone
        streamsFailed += other.streamsFailed
        crashed += other.crashed
        crashes.merge(other.crashes, uniquingKeysWith: +)
        learned.merge(other.learned, uniquingKeysWith: +)
        promptTokens += other.promptTokens
        cachedTokens += other.cachedTokens
        completionTokens += other.completionTokens
        reasoningTokens += other.reasoningTokens
        durations += other.durations
        upstreamDurations += other.upstreamDurations
    }

    func cost(_ price: Price) -> Double {
        price.cost(prompt: promptTokens, cached: cachedTokens, completion: completionTokens)
    }

    var hasTokens: Bool {
        promptTokens > 0 || completionTokens > 0
    }

    var stats: UsageStats {
        UsageStats(
            exchanges: exchanges, clientErrors: clientErrors, serverErrors: serverErrors, clientsGone: clientsGone,
            streamsFailed: streamsFailed, crashed: crashed,
            crashes: crashes.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .map { (reason: $0.key, count: $0.value) },
            learned: learned.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .map { (fix: $0.key, count: $0.value) },
            duration: Percentiles(durations), upstream: Percentiles(upstreamDurations),
            promptTokens: promptTokens, cachedTokens: cachedTokens, completionTokens: completionTokens,
            reasoningTokens: reasoningTokens)
    }
}

/// A group's figures as the report shows them.
struct UsageStats: Sendable {
    var exchanges: Int
    var clientErrors: Int
    var serverErrors: Int
    var clientsGone: Int
    /// 2xx answers whose stream broke after the head went out.
    var streamsFailed: Int
    /// Exchanges whose instance ended abnormally (systemd's word), whatever they logged.
    var crashed: Int
    /// How those instances ended, most frequent first.
    var crashes: [(reason: String, count: Int)]
    /// Learned fixes, most frequent first; each one was a rejected upstream round trip.
    var learned: [(fix: String, count: Int)]
    /// Total time per exchange, in ms.
    var duration: Percentiles?
    /// Time spent in upstream calls, in ms.
    var upstream: Percentiles?
    var promptTokens: Int
    var cachedTokens: Int
    var completionTokens: Int
    var reasoningTokens: Int

    var rejectedRoundTrips: Int {
        learned.reduce(0) { $0 + $1.count }
    }

    var errors: Int {
        clientErrors + serverErrors + clientsGone + streamsFailed + crashed
    }

    /// Of the completion tokens billed, the share the client never saw.
    var reasoningShare: Double? {
        completionTokens > 0 ? Double(reasoningTokens) / Double(completionTokens) : nil
    }
}

/// Nearest-rank percentiles: always a value that was measured, never an interpolation.
struct Percentiles: Equatable, Sendable {
    var p50: Int
    var p95: Int

    init(p50: Int, p95: Int) {
        self.p50 = p50
        self.p95 = p95
    }

    init?(_ values: [Int]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        func rank(_ percent: Int) -> Int {
            sorted[(percent * sorted.count + 99) / 100 - 1]
        }
        self.init(p50: rank(50), p95: rank(95))
    }
}
