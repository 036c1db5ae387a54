import O1ProxyCore

/// US dollars per million tokens, one way of billing. Without a cached-input price, cached prompt
/// tokens cost what other prompt tokens cost (the pro models have no cache discount); without a
/// cache-write price, so do writes (models before gpt-5.6 bill them as input).
struct Rates: Equatable, Sendable {
    var input: Double
    var cachedInput: Double?
    var cacheWrite: Double?
    var output: Double

    /// An exchange's (or a sum of exchanges billed alike) cost at these rates, and what its cache
    /// saved against paying the input price for every prompt token: reads cheaper than input,
    /// less what writes cost above it (so it can be negative).
    func bill(_ tokens: Tokens) -> (usd: Double, cacheSaved: Double) {
        let cached = Double(tokens.cached), writes = Double(tokens.cacheWrite)
        let uncached = Double(tokens.prompt - tokens.cached - tokens.cacheWrite)
        let readRate = cachedInput ?? input, writeRate = cacheWrite ?? input
        let micros = uncached * input + cached * readRate + writes * writeRate + Double(tokens.completion) * output
        return (micros / 1_000_000, (cached * (input - readRate) + writes * (input - writeRate)) / 1_000_000)
    }
}

/// One service tier's rates and, for a model that bills long prompts higher, those of an exchange
/// whose prompt is over `Price.longContextAbove` tokens: all its tokens at them, not only those over.
struct TierPrice: Equatable, Sendable {
    var rates: Rates
    var longContext: Rates?

    init(_ rates: Rates, long longContext: Rates? = nil) {
        self.rates = rates
        self.longContext = longContext
    }
}

/// What a model costs: the standard tier, and flex and priority where they are published.
struct Price: Equatable, Sendable {
    var standard: TierPrice
    var flex: TierPrice?
    var priority: TierPrice?

    /// OpenAI bills "prompts with more than 272K input tokens" higher, for every model that has a
    /// long-context price (the pricing page; genai-prices' tier start 272000).
    static let longContextAbove = 272_000

    init(_ rates: Rates, long: Rates? = nil, flex: TierPrice? = nil, priority: TierPrice? = nil) {
        standard = TierPrice(rates, long: long)
        self.flex = flex
        self.priority = priority
    }

    /// The rates exchanges billed so were charged; nil where none is published: a tier the model
    /// has no price for, or a long prompt at a tier that gives no long-context price. Never a
    /// guess: such exchanges are shown unpriced.
    func rates(_ billing: Billing) -> Rates? {
        let tier: TierPrice?
        switch ServiceTier(logged: billing.tier) {
        case .standard?: tier = standard
        case .flex?: tier = flex
        case .priority?: tier = priority
        case nil: tier = nil
        }
        guard let tier else { return nil }
        // Whether a prompt is long matters only for a model that bills long prompts higher.
        return billing.longPrompt && standard.longContext != nil ? tier.longContext : tier.rates
    }
}

/// The tier the upstream says served a request, as far as prices go.
enum ServiceTier: Sendable {
    case standard, flex, priority

    /// nil for a tier without per-token list prices here (`scale`, `ultrafast`, ...).
    init?(logged: String?) {
        switch logged {
        // Entries from before the tier was logged; `auto` is the project's tier, which is the
        // standard one unless its settings say otherwise.
        case nil, "default"?, "auto"?: self = .standard
        case "flex"?: self = .flex
        // gpt-6.2 says `fast`: priority under its new name, at the same prices.
        case "priority"?, "fast"?: self = .priority
        default: return nil
        }
    }
}

/// How a group of exchanges was billed: exchanges alike in these are priced together, which
/// applies every rule of the price list per exchange.
struct Billing: Hashable, Sendable {
    /// As the upstream said it, nil where the entry has none.
    var tier: String?
    /// The prompt was over `Price.longContextAbove` tokens.
    var longPrompt: Bool
}

/// Token counts as OpenAI reports them: the prompt includes the cached and the cache-write
/// tokens, the completion the reasoning tokens.
struct Tokens: Equatable, Sendable {
    var prompt = 0
    var cached = 0
    var cacheWrite = 0
    var completion = 0

    var isEmpty: Bool { prompt == 0 && completion == 0 }

    static func + (a: Tokens, b: Tokens) -> Tokens {
        Tokens(prompt: a.prompt + b.prompt, cached: a.cached + b.cached, cacheWrite: a.cacheWrite + b.cacheWrite,
               completion: a.completion + b.completion)
    }

    static func += (sum: inout Tokens, other: Tokens) {
        sum = sum + other
    }
}

/// Where a price came from, and as of when: printed with every cost it produces.
struct PriceOrigin: Equatable, Sendable {
    /// `YYYY-MM-DD`
    var date: String
    /// nil for the table built into o1-proxy, else the `O1_PROXY_PRICES` file.
    var file: String?
}

/// What a model is billed as: the list entry it matched, its price and that price's date.
struct PriceMatch: Equatable, Sendable {
    var pricedAs: String
    var price: Price
    var origin: PriceOrigin
}

/// The price list: built in, extended or overridden by the operator's file. A model matches an
/// entry of its own name, or a dated snapshot of one (`o1-mini-2024-09-12`, `gpt-4-0613`: the
/// entry's name, a dash, then only digits and dashes), or an alias. Nothing else matches: an
/// unknown model has no price, never a guessed one.
struct PriceList: Sendable {
    struct Entry: Sendable {
        var price: Price
        var origin: PriceOrigin
    }

    private(set) var entries: [String: Entry]
    /// Operator names for models (Azure deployments, gateways' prefixes), tried in file order
    /// before the names themselves; `*` matches any run of characters.
    private(set) var aliases: [(pattern: String, model: String)]

    init(entries: [String: Entry], aliases: [(pattern: String, model: String)] = []) {
        self.entries = entries
        self.aliases = aliases
    }

    func match(_ model: String) -> PriceMatch? {
        if let alias = aliases.first(where: { glob($0.pattern, matches: model) }) {
            return direct(alias.model)
        }
        return direct(model)
    }

    private func direct(_ model: String) -> PriceMatch? {
        if let entry = entries[model] {
            return PriceMatch(pricedAs: model, price: entry.price, origin: entry.origin)
        }
        let utf8 = Array(model.utf8)
        var dash = utf8.count - 1
        while dash > 0 {
            if utf8[dash] == UInt8(ascii: "-") {
                let suffix = utf8[(dash + 1)...]
                guard let first = suffix.first, first &- UInt8(ascii: "0") < 10,
                      suffix.allSatisfy({ $0 == UInt8(ascii: "-") || $0 &- UInt8(ascii: "0") < 10 }) else { return nil }
                let base = String(decoding: utf8[..<dash], as: UTF8.self)
                if let entry = entries[base] {
                    return PriceMatch(pricedAs: base, price: entry.price, origin: entry.origin)
                }
            }
            dash -= 1
        }
        return nil
    }

    /// The list with an operator's file applied: its prices replace built-in ones of the same
    /// name, its aliases come first.
    func merging(file bytes: [UInt8], path: String) throws(PricesFileError) -> PriceList {
        func fail(_ problem: String) -> PricesFileError {
            PricesFileError(path: path, problem: problem)
        }
        guard let document = try? JSON(parsing: bytes) else {
            throw fail("not valid JSON (or a key appears twice)")
        }
        guard let members = document.object?.fields else { throw fail("expected a JSON object") }
        for (key, _) in members where !["date", "prices", "aliases"].contains(key) {
            throw fail("unknown key \"\(key)\" (expected \"date\", \"prices\", \"aliases\")")
        }
        var merged = self
        var prices: [(key: String, value: JSON)] = []
        if let value = document["prices"] {
            guard let members = value.object?.fields else { throw fail("\"prices\" must be an object") }
            prices = members
        }
        if !prices.isEmpty {
            guard let date = document["date"]?.string, isISODate(date) else {
                throw fail("\"date\" must say when the prices were taken, as YYYY-MM-DD")
            }
            for (model, value) in prices {
                guard !model.isEmpty, !model.contains("*") else {
                    throw fail("\"prices\" names a model \"\(model)\": a model name, without *, is expected (patterns go in \"aliases\")")
                }
                merged.entries[model] = Entry(price: try price(value, model: model, fail: fail), origin: PriceOrigin(date: date, file: path))
            }
        } else if let date = document["date"], date.string.map(isISODate) != true {
            throw fail("\"date\" must be YYYY-MM-DD")
        }
        if let aliases = document["aliases"] {
            guard let members = aliases.object?.fields else { throw fail("\"aliases\" must be an object") }
            var fileAliases: [(pattern: String, model: String)] = []
            for (pattern, target) in members {
                guard let model = target.string, !pattern.isEmpty else {
                    throw fail("alias \"\(pattern)\" must name a model as a string")
                }
                guard merged.direct(model) != nil else {
                    throw fail("alias \"\(pattern)\" names \"\(model)\", which has no price")
                }
                fileAliases.append((pattern, model))
            }
            merged.aliases = fileAliases + merged.aliases
        }
        return merged
    }

    /// `{"input", "cached_input", "cache_write", "output"}` (USD per million tokens), with
    /// `long_context` (the same four) for a model that bills long prompts higher, and `flex` and
    /// `priority` (the same, with their own `long_context`).
    private func price(_ value: JSON, model: String, fail: (String) -> PricesFileError) throws(PricesFileError) -> Price {
        let standard = try tierPrice(value, model: model, tiers: ["flex", "priority"], fail: fail)
        func tier(_ key: String) throws(PricesFileError) -> TierPrice? {
            guard let value = value[key] else { return nil }
            let price = try tierPrice(value, model: model, path: key + ".", fail: fail)
            guard price.longContext == nil || standard.longContext != nil else {
                throw fail("the price of \"\(model)\" has \(key).long_context but no long_context of its own: "
                    + "whether a prompt is long is the standard price's to say")
            }
            return price
        }
        var price = Price(standard.rates, long: standard.longContext)
        price.flex = try tier("flex")
        price.priority = try tier("priority")
        return price
    }

    private func tierPrice(_ value: JSON, model: String, path: String = "", tiers: [String] = [],
                           fail: (String) -> PricesFileError) throws(PricesFileError) -> TierPrice {
        guard value.object != nil else {
            throw fail("the price of \"\(model)\" \(path.isEmpty ? "" : path.dropLast() + " ")must be an object like "
                + #"{"input": 1.1, "cached_input": 0.55, "output": 4.4}"#)
        }
        let rates = try self.rates(value, model: model, path: path, more: ["long_context"] + tiers, fail: fail)
        let long = try value["long_context"].map { (long) throws(PricesFileError) in
            guard long.object != nil else { throw fail("\"\(model)\": \(path)long_context must be an object of rates") }
            return try self.rates(long, model: model, path: path + "long_context.", more: [], fail: fail)
        }
        return TierPrice(rates, long: long)
    }

    private func rates(_ value: JSON, model: String, path: String, more: [String],
                       fail: (String) -> PricesFileError) throws(PricesFileError) -> Rates {
        let keys = ["input", "cached_input", "cache_write", "output"]
        for (key, _) in value.object?.fields ?? [] where !(keys + more).contains(key) {
            throw fail("the price of \"\(model)\" has an unknown key \"\(path)\(key)\" (expected "
                + (keys + more).map { "\"\($0)\"" }.joined(separator: ", ") + "; rates in USD per million tokens)")
        }
        func amount(_ key: String) throws(PricesFileError) -> Double? {
            guard let field = value[key] else { return nil }
            // A bound far above any list price keeps every sum of costs finite.
            guard let number = field.double, number >= 0, number <= 1_000_000 else {
                throw fail("\"\(model)\": \"\(path)\(key)\" must be a number of US dollars per million tokens, from 0 to 1000000")
            }
            return number
        }
        guard let input = try amount("input"), let output = try amount("output") else {
            throw fail("the price of \"\(model)\" needs \"\(path)input\" and \"\(path)output\" (USD per million tokens)")
        }
        return Rates(input: input, cachedInput: try amount("cached_input"), cacheWrite: try amount("cache_write"), output: output)
    }
}

struct PricesFileError: Error, CustomStringConvertible {
    var path: String
    var problem: String

    var description: String {
        "O1_PROXY_PRICES=\(path): \(problem)"
    }
}

func isISODate(_ text: String) -> Bool {
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
          parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
          let month = Int(parts[1]), let day = Int(parts[2]) else { return false }
    return (1...12).contains(month) && (1...31).contains(day)
}
