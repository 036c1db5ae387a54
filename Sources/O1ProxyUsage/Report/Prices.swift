import O1ProxyCore
/// A list price in US dollars per million tokens. Without a cached-input price, cached prompt
/// tokens cost what other prompt tokens cost (the pro models have no cache discount).
struct Price: Equatable, Sendable {
    var input: Double
    var cachedInput: Double?
    var output: Double

    init(input: Double, cachedInput: Double? = nil, output: Double) {
        self.input = input
        self.cachedInput = cachedInput
        self.output = output
    }

    /// `prompt` includes `cached`, `completion` includes reasoning, as the API counts them.
    func cost(prompt: Int, cached: Int, completion: Int) -> Double {
        let cached = min(cached, prompt)
        let micros = Double(prompt - cached) * input + Double(cached) * (cachedInput ?? input) + Double(completion) * output
        return micros / 1_000_000
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

    private func price(_ value: JSON, model: String, fail: (String) -> PricesFileError) throws(PricesFileError) -> Price {
        guard let members = value.object?.fields else {
            throw fail("the price of \"\(model)\" must be an object like {\"input\": 1.1, \"cached_input\": 0.55, \"output\": 4.4}")
        }
        for (key, _) in members where !["input", "cached_input", "output"].contains(key) {
            throw fail("the price of \"\(model)\" has an unknown key \"\(key)\" (expected \"input\", \"cached_input\", \"output\": USD per million tokens)")
        }
        func amount(_ key: String) throws(PricesFileError) -> Double? {
            guard let field = value[key] else { return nil }
            guard let number = field.double, number.isFinite, number >= 0 else {
                throw fail("\"\(model)\": \"\(key)\" must be a number of US dollars per million tokens, 0 or more")
            }
            return number
        }
        guard let input = try amount("input"), let output = try amount("output") else {
            throw fail("the price of \"\(model)\" needs \"input\" and \"output\" (USD per million tokens)")
        }
        return Price(input: input, cachedInput: try amount("cached_input"), output: output)
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
