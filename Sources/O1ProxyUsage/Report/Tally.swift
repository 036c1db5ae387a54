import O1ProxyCore

/// What a group of exchanges (one model on one day, one model, one day, all) added up to, as
/// they come in. Durations are kept whole: percentiles need them, and 100,000 of them are 1.6 MB.
/// Tokens are kept by how they were billed, so that a price applies its rules (service tier, long
/// prompt) per exchange and stays exact for a sum of them.
struct Tally {
    var exchanges = 0
    var clientErrors = 0
    var serverErrors = 0
    var clientsGone = 0
    var streamsFailed = 0
    var crashed = 0
    var crashes: [String: Int] = [:]
    var learned: [String: Int] = [:]
    var billed: [Billing: (tokens: Tokens, exchanges: Int)] = [:]
    var reasoningTokens = 0
    var reasoningReplayed = 0
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
        let prompt = exchange.promptTokens ?? 0
        // Entries from before cached tokens were logged count as uncached: the cost is then an
        // upper bound, never an underestimate. Reads and writes are parts of the prompt.
        let cached = min(exchange.cachedTokens ?? 0, prompt)
        let tokens = Tokens(prompt: prompt, cached: cached, cacheWrite: min(exchange.cacheWriteTokens ?? 0, prompt - cached),
                            completion: exchange.completionTokens ?? 0)
        if !tokens.isEmpty {
            let billing = Billing(tier: exchange.serviceTier, longPrompt: prompt > Price.longContextAbove)
            billed[billing, default: (Tokens(), 0)].tokens += tokens
            billed[billing]!.exchanges += 1
        }
        reasoningTokens += exchange.reasoningTokens ?? 0
        reasoningReplayed += exchange.reasoningReplayed ?? 0
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
        billed.merge(other.billed) { ($0.tokens + $1.tokens, $0.exchanges + $1.exchanges) }
        reasoningTokens += other.reasoningTokens
        reasoningReplayed += other.reasoningReplayed
        durations += other.durations
        upstreamDurations += other.upstreamDurations
    }

    /// At `price`: what the exchanges that have one cost, and which have none.
    func cost(_ price: Price) -> Cost {
        var cost = Cost()
        for (billing, group) in billed {
            guard let rates = price.rates(billing) else {
                cost.unpriced[billing, default: 0] += group.exchanges
                continue
            }
            let bill = rates.bill(group.tokens)
            cost.usd += bill.usd
            cost.cacheSaved += bill.cacheSaved
        }
        return cost
    }

    var hasTokens: Bool {
        !billed.isEmpty
    }

    var stats: UsageStats {
        let tokens = billed.values.reduce(into: Tokens()) { $0 += $1.tokens }
        return UsageStats(
            exchanges: exchanges, clientErrors: clientErrors, serverErrors: serverErrors, clientsGone: clientsGone,
            streamsFailed: streamsFailed, crashed: crashed,
            crashes: crashes.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .map { (reason: $0.key, count: $0.value) },
            learned: learned.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .map { (fix: $0.key, count: $0.value) },
            duration: Percentiles(durations), upstream: Percentiles(upstreamDurations),
            promptTokens: tokens.prompt, cachedTokens: tokens.cached, cacheWriteTokens: tokens.cacheWrite,
            completionTokens: tokens.completion, reasoningTokens: reasoningTokens, reasoningReplayed: reasoningReplayed)
    }
}

/// What a group's exchanges cost at their model's price: the dollars of those that have a price,
/// what the cache saved on them, and, by how they were billed, the exchanges that have none.
struct Cost: Sendable {
    var usd = 0.0
    var cacheSaved = 0.0
    var unpriced: [Billing: Int] = [:]

    /// Every exchange with tokens had a price: `usd` is the cost, not a lower bound.
    var complete: Bool { unpriced.isEmpty }

    static func += (sum: inout Cost, other: Cost) {
        sum.usd += other.usd
        sum.cacheSaved += other.cacheSaved
        sum.unpriced.merge(other.unpriced, uniquingKeysWith: +)
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
    var cacheWriteTokens: Int
    var completionTokens: Int
    var reasoningTokens: Int
    /// Reasoning items of earlier turns sent back: what keeps a bridged conversation's prompt
    /// the same from turn to turn, and so cached.
    var reasoningReplayed: Int

    var rejectedRoundTrips: Int {
        learned.reduce(0) { $0 + $1.count }
    }

    var errors: Int {
        clientErrors + serverErrors + clientsGone + streamsFailed + crashed
    }

    /// Of the prompt tokens, the share read from the cache.
    var cachedShare: Double? {
        promptTokens > 0 ? Double(cachedTokens) / Double(promptTokens) : nil
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
