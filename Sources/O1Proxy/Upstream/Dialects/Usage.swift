import O1ProxyCore

/// What an answer cost, in one shape whichever API reported it, so that the journal (and the
/// usage report that reads it) counts both alike. Reasoning tokens are part of the completion
/// tokens and billed as output, though never shown. Each API names the counts in its own way
/// (`Names`, in its folder).
struct Usage: Equatable, Sendable {
    var prompt: Int?
    var cached: Int?
    /// Prompt tokens written to the cache: billed above the input price from gpt-5.6 on, so the
    /// report prices them apart from reads and from other prompt tokens.
    var cacheWrite: Int?
    var completion: Int?
    var reasoning: Int?
    var total: Int?
    /// The tier that served the request (`default`, `flex`, `priority`...), as the answer says:
    /// it sets the price, and it may differ from the tier the request asked for.
    var serviceTier: String?

    /// Where an API's `usage` object keeps each count; both keep the cached, cache-write and
    /// reasoning counts under the same names in their details objects, and the total as
    /// `total_tokens`.
    struct Names: Sendable {
        var prompt: String
        var promptDetails: String
        var completion: String
        var completionDetails: String
    }

    /// From a whole answer (or a stream's chunk or terminal response), which holds both the
    /// `usage` object and, beside it, the `service_tier`.
    init?(of answer: JSON?, _ names: Names) {
        guard let usage = answer?["usage"], usage.object != nil else { return nil }
        prompt = usage[names.prompt]?.int
        cached = usage[names.promptDetails]?["cached_tokens"]?.int
        cacheWrite = usage[names.promptDetails]?["cache_write_tokens"]?.int
        completion = usage[names.completion]?.int
        reasoning = usage[names.completionDetails]?["reasoning_tokens"]?.int
        total = usage["total_tokens"]?.int
        serviceTier = answer?["service_tier"]?.string
    }

    /// The `usage` object an API with these names would have sent; a cache-write count only where
    /// the upstream gave one (models before gpt-5.6 have none).
    func object(_ names: Names) -> JSON {
        func number(_ value: Int?) -> JSON { value.map { .number(String($0)) } ?? .null }
        var promptDetails: JSONObject = ["cached_tokens": number(cached)]
        if let cacheWrite { promptDetails["cache_write_tokens"] = number(cacheWrite) }
        return .object(JSONObject([
            (names.prompt, number(prompt)),
            (names.completion, number(completion)),
            ("total_tokens", number(total)),
            (names.promptDetails, .object(promptDetails)),
            (names.completionDetails, JSON.object(["reasoning_tokens": number(reasoning)])),
        ]))
    }
}
