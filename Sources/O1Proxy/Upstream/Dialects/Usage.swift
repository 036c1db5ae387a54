import O1ProxyCore

/// What an answer cost, in one shape whichever API reported it, so that the journal (and the
/// usage report that reads it) counts both alike. Reasoning tokens are part of the completion
/// tokens and billed as output, though never shown. Each API names the counts in its own way
/// (`Names`, in its folder).
struct Usage: Equatable, Sendable {
    var prompt: Int?
    var cached: Int?
    var completion: Int?
    var reasoning: Int?
    var total: Int?

    /// Where an API's `usage` object keeps each count; both keep the cached and reasoning
    /// counts under the same names in their details objects, and the total as `total_tokens`.
    struct Names: Sendable {
        var prompt: String
        var promptDetails: String
        var completion: String
        var completionDetails: String
    }

    init?(_ usage: JSON?, _ names: Names) {
        guard let usage, usage.object != nil else { return nil }
        prompt = usage[names.prompt]?.int
        cached = usage[names.promptDetails]?["cached_tokens"]?.int
        completion = usage[names.completion]?.int
        reasoning = usage[names.completionDetails]?["reasoning_tokens"]?.int
        total = usage["total_tokens"]?.int
    }

    /// The `usage` object an API with these names would have sent.
    func object(_ names: Names) -> JSON {
        func number(_ value: Int?) -> JSON { value.map { .number(String($0)) } ?? .null }
        return .object(JSONObject([
            (names.prompt, number(prompt)),
            (names.completion, number(completion)),
            ("total_tokens", number(total)),
            (names.promptDetails, JSON.object(["cached_tokens": number(cached)])),
            (names.completionDetails, JSON.object(["reasoning_tokens": number(reasoning)])),
        ]))
    }
}
