import O1ProxyCore

/// The report, as values: what each model (or each model on each day) cost and how it behaved,
/// and the series the page's charts draw. Renderers turn it into a table, JSON or HTML.
struct UsageReport: Sendable {
    enum Grouping: String, Sendable {
        case model, day
    }

    /// One model, or one model on one day.
    struct Row: Sendable {
        /// By day only; nil there for exchanges logged without a date (older versions).
        var day: Day?
        var name: ModelName
        var stats: UsageStats
        /// The price of the model billed.
        var price: PriceMatch?
        /// nil when the model has no price (or there is no model).
        var cost: Cost?

        /// nil for requests that named no model (`GET /v1/models`, malformed requests).
        var model: String? { name.model }
    }

    /// A day's or the whole period's figures.
    struct Total: Sendable {
        var day: Day?
        var stats: UsageStats
        /// Of what had a price.
        var cost: Cost
        /// Some tokens had no price (their model none, or not for how they were served), so
        /// `cost.usd` is a lower bound.
        var incomplete: Bool
    }

    /// A model's figures on one day, for the charts over time.
    struct DayOfModel: Sendable {
        var name: ModelName
        /// nil when the model has no price.
        var usd: Double?
        var promptTokens: Int
        var cachedTokens: Int
    }

    struct Daily: Sendable {
        /// nil: exchanges without a date.
        var day: Day?
        /// The models used that day, in the order of `models`.
        var models: [DayOfModel]
    }

    /// Exchanges per bucket of total time, per model.
    struct LatencyHistogram: Sendable {
        /// Upper bounds (exclusive) in ms; the last bucket is everything at or above the last bound.
        static let bounds = [250, 500, 1000, 2000, 5000, 10000, 20000, 30000, 60000, 120000, 300000]
        var counts: [(model: ModelName, counts: [Int])]

        static func bucket(_ ms: Int) -> Int {
            bounds.firstIndex { ms < $0 } ?? bounds.count
        }
    }

    var grouping: Grouping
    /// Per `grouping`: by model, most expensive first; by day, day after day, then as by model.
    var rows: [Row]
    /// By day only: each day's total.
    var dayTotals: [Total]
    var total: Total
    /// Always by model, most expensive first: the order (and colours) of the charts' series.
    var models: [Row]
    /// Models billed whose tokens could not be costed: they have no price.
    var unpricedModels: [String]
    /// Exchanges of models with a price, but none for how they were served.
    var unpricedTiers: [(name: ModelName, billing: Billing, exchanges: Int)]
    /// The dates and sources of the prices that produced the costs.
    var priceOrigins: [PriceOrigin]
    var daily: [Daily]
    var latency: LatencyHistogram
    /// Local time of the first and last dated exchange.
    var period: (first: LocalTime, last: LocalTime)?
    /// Exchanges logged without a date.
    var undated: Int
    /// Non-empty input lines read, exchanges or not.
    var linesRead: Int
    /// Entries of the proxy's that could not be read (no readable status, or not journalctl's
    /// JSON): not in any figure, but said.
    var unreadableEntries: Int
    /// Exchanges counted without a figure that did not read (a token count too large to be
    /// real, a value journalctl would not show).
    var unreadableFigures: Int
}

/// A moment on the local clock, minute precision: `2026-11-25 08:52`.
struct LocalTime: Equatable, Sendable {
    var day: Day
    var minuteOfDay: Int

    init(micros: Int64, utcOffset: Int) {
        let seconds = micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
        day = Day(seconds: seconds, utcOffset: utcOffset)
        let local = seconds + Int64(utcOffset)
        minuteOfDay = Int((local - Int64(day.daysSinceEpoch) * 86400) / 60)
    }

    var text: String {
        "\(day.iso) \(twoDigits(minuteOfDay / 60)):\(twoDigits(minuteOfDay % 60))"
    }
}

/// A row's model: as the client named it, and the model a preset of the proxy's rules sent it to
/// (`O1_UPSTREAM_MODEL`), which is the one billed. A preset's exchanges are counted under its
/// name, one row per model it sent them to.
struct ModelName: Hashable, Sendable {
    var model: String?
    var upstream: String?

    init(_ model: String?, upstream: String? = nil) {
        self.model = model
        self.upstream = upstream
    }

    var billed: String? { upstream ?? model }
}

/// Collects exchanges one line at a time (a month of them never sits in memory as text) and
/// makes the report at the end.
struct UsageReportBuilder {
    private struct Key: Hashable {
        var day: Day?
        var name: ModelName
    }

    /// Seconds east of UTC at a moment (seconds since the epoch): the local calendar decides
    /// which day an exchange belongs to, as `journalctl --since` does.
    private let utcOffset: (Int64) -> Int
    private var offsetCache: (slot: Int64, offset: Int)?
    private var groups: [Key: Tally] = [:]
    private var first: Int64?
    private var last: Int64?
    private var undated = 0
    private(set) var linesRead = 0
    private var unreadableEntries = 0
    private var unreadableFigures = 0
    private var counted = 0
    /// Exchanges held back until no crash can follow them, in the order they came: an instance
    /// that ends abnormally does so right after its entry, if it wrote one.
    private var recent: [LoggedExchange] = []
    /// How each failing instance's process ended, until its failure entry comes.
    private var exits: [String: String] = [:]
    /// Exchanges read so far, those held back included.
    var exchanges: Int { counted + recent.count }

    /// How long after an exchange's entry its instance's failure is looked for.
    static let crashWindow: Int64 = 10_000_000

    init(utcOffset: @escaping (Int64) -> Int) {
        self.utcOffset = utcOffset
    }

    mutating func add(line: UnsafeBufferPointer<UInt8>) {
        guard line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\t") }) else { return }
        linesRead += 1
        switch readLogLine(line) {
        case .exchange(let exchange)?:
            hold(exchange)
        case .processExit(let unit, let how)?:
            exits[unit] = how
        case .instanceEnd(let end)?:
            ended(end)
        case .unreadable?:
            unreadableEntries += 1
        case nil:
            break
        }
    }

    /// An exchange that may yet turn out to have crashed; older ones are counted now.
    private mutating func hold(_ exchange: LoggedExchange) {
        guard let time = exchange.time, exchange.peer != nil else { return add(exchange) }
        release(before: time - Self.crashWindow)
        recent.append(exchange)
    }

    private mutating func release(before time: Int64) {
        let old = recent.prefix { ($0.time ?? 0) < time }
        guard !old.isEmpty else { return }
        recent.removeFirst(old.count)
        for exchange in old { add(exchange) }
    }

    /// An instance ended abnormally: the exchange it logged last is a failure whatever it said;
    /// one that logged nothing is a failed exchange of its own, of an unknown model.
    private mutating func ended(_ end: InstanceEnd) {
        if let time = end.time { release(before: time - Self.crashWindow) }
        let reason = exits.removeValue(forKey: end.unit).map { "\(end.reason): \($0)" } ?? end.reason
        if let peer = end.peer, let i = recent.lastIndex(where: { $0.peer == peer && $0.crash == nil }) {
            recent[i].crash = reason
        } else {
            add(LoggedExchange(time: end.time, status: 0, peer: end.peer, crash: reason))
        }
    }

    mutating func add(_ exchange: LoggedExchange) {
        counted += 1
        if exchange.unreadableFigure { unreadableFigures += 1 }
        var day: Day?
        if let time = exchange.time {
            first = min(first ?? time, time)
            last = max(last ?? time, time)
            let seconds = time >= 0 ? time / 1_000_000 : (time - 999_999) / 1_000_000
            day = Day(seconds: seconds, utcOffset: offset(at: seconds))
        } else {
            undated += 1
        }
        groups[Key(day: day, name: ModelName(exchange.model, upstream: exchange.upstreamModel)), default: Tally()].add(exchange)
    }

    /// Offsets change only at a zone's transitions, which fall on a quarter hour.
    private mutating func offset(at seconds: Int64) -> Int {
        let slot = seconds >= 0 ? seconds / 900 : (seconds - 899) / 900
        if let cache = offsetCache, cache.slot == slot { return cache.offset }
        let offset = utcOffset(seconds)
        offsetCache = (slot, offset)
        return offset
    }

    func report(grouping: UsageReport.Grouping, prices: PriceList) -> UsageReport {
        var builder = self
        builder.release(before: .max)
        return builder.tallied(grouping: grouping, prices: prices)
    }

    private func tallied(grouping: UsageReport.Grouping, prices: PriceList) -> UsageReport {
        var byModel: [ModelName: Tally] = [:]
        var byDay: [Day?: Tally] = [:]
        var all = Tally()
        for (key, tally) in groups {
            byModel[key.name, default: Tally()].merge(tally)
            byDay[key.day, default: Tally()].merge(tally)
            all.merge(tally)
        }
        var matches: [String: PriceMatch] = [:]
        for case let model? in byModel.keys.map(\.billed) { matches[model] = prices.match(model) }

        func row(day: Day?, name: ModelName, tally: Tally) -> UsageReport.Row {
            let price = name.billed.flatMap { matches[$0] }
            return UsageReport.Row(day: day, name: name, stats: tally.stats, price: price, cost: price.map { tally.cost($0.price) })
        }
        func total(day: Day?, keys: [Key], tally: Tally) -> UsageReport.Total {
            var cost = Cost()
            var incomplete = false
            for key in keys {
                let part = groups[key]!
                if let match = key.name.billed.flatMap({ matches[$0] }) {
                    cost += part.cost(match.price)
                } else if part.hasTokens {
                    incomplete = true
                }
            }
            return UsageReport.Total(day: day, stats: tally.stats, cost: cost, incomplete: incomplete || !cost.complete)
        }
        let models = byModel.map { row(day: nil, name: $0.key, tally: $0.value) }.sorted(by: mostExpensiveFirst)
        let rank = Dictionary(uniqueKeysWithValues: models.enumerated().map { ($0.element.name, $0.offset) })
        let days = byDay.keys.sorted(by: earlierFirst)

        let rows: [UsageReport.Row]
        var dayTotals: [UsageReport.Total] = []
        switch grouping {
        case .model:
            rows = models
        case .day:
            rows = groups.map { row(day: $0.key.day, name: $0.key.name, tally: $0.value) }.sorted {
                $0.day != $1.day ? earlierFirst($0.day, $1.day) : rank[$0.name]! < rank[$1.name]!
            }
            dayTotals = days.map { day in total(day: day, keys: groups.keys.filter { $0.day == day }, tally: byDay[day]!) }
        }

        let daily = days.map { day in
            UsageReport.Daily(day: day, models: models.compactMap { model in
                guard let tally = groups[Key(day: day, name: model.name)] else { return nil }
                let stats = tally.stats
                return UsageReport.DayOfModel(name: model.name, usd: model.price.map { tally.cost($0.price).usd },
                                              promptTokens: stats.promptTokens, cachedTokens: stats.cachedTokens)
            })
        }
        let latency = UsageReport.LatencyHistogram(counts: models.map { model in
            var counts = Array(repeating: 0, count: UsageReport.LatencyHistogram.bounds.count + 1)
            for duration in byModel[model.name]!.durations { counts[UsageReport.LatencyHistogram.bucket(duration)] += 1 }
            return (model.name, counts)
        })
        var origins: [PriceOrigin] = []
        for model in models {
            if let origin = model.price?.origin, !origins.contains(origin) { origins.append(origin) }
        }
        var unpriced: [String] = []
        for model in models {
            if let name = model.name.billed, model.price == nil, byModel[model.name]!.hasTokens, !unpriced.contains(name) {
                unpriced.append(name)
            }
        }
        let unpricedTiers = models.flatMap { model in
            (model.cost?.unpriced ?? [:]).sorted { ($0.key.tier ?? "", $0.key.longPrompt ? 1 : 0) < ($1.key.tier ?? "", $1.key.longPrompt ? 1 : 0) }
                .map { (name: model.name, billing: $0.key, exchanges: $0.value) }
        }
        let period = first.flatMap { first in
            last.map { last in
                (LocalTime(micros: first, utcOffset: utcOffset(first / 1_000_000)),
                 LocalTime(micros: last, utcOffset: utcOffset(last / 1_000_000)))
            }
        }
        return UsageReport(
            grouping: grouping, rows: rows, dayTotals: dayTotals, total: total(day: nil, keys: Array(groups.keys), tally: all),
            models: models, unpricedModels: unpriced, unpricedTiers: unpricedTiers, priceOrigins: origins, daily: daily,
            latency: latency, period: period, undated: undated, linesRead: linesRead, unreadableEntries: unreadableEntries,
            unreadableFigures: unreadableFigures)
    }
}

/// Cost first (a model without a price after those with one), then exchanges, then name; the
/// requests without a model last.
private func mostExpensiveFirst(_ a: UsageReport.Row, _ b: UsageReport.Row) -> Bool {
    if (a.model == nil) != (b.model == nil) { return b.model == nil }
    if a.cost?.usd != b.cost?.usd { return (a.cost?.usd ?? -1) > (b.cost?.usd ?? -1) }
    if a.stats.exchanges != b.stats.exchanges { return a.stats.exchanges > b.stats.exchanges }
    return ((a.model ?? ""), (a.name.upstream ?? "")) < ((b.model ?? ""), (b.name.upstream ?? ""))
}

/// Undated exchanges (older versions) come after the dated days.
private func earlierFirst(_ a: Day?, _ b: Day?) -> Bool {
    switch (a, b) {
    case let (a?, b?): a < b
    case (_?, nil): true
    default: false
    }
}
