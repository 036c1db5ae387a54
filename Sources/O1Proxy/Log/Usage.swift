import O1ProxyCore

/// What an answer cost, in one shape whichever API reported it, so that the journal (and the
/// usage report that reads it) counts both alike. Reasoning tokens are part of the completion
/// tokens and billed as output, though never shown.
struct Usage: Equatable, Sendable {
    var prompt: Int?
    var cached: Int?
    var completion: Int?
    var reasoning: Int?
    var total: Int?

    /// Chat completions' `usage` object.
    init?(chat usage: JSON?) {
        guard let usage, usage.object != nil else { return nil }
        prompt = usage["prompt_tokens"]?.int
        cached = usage["prompt_tokens_details"]?["cached_tokens"]?.int
        completion = usage["completion_tokens"]?.int
        reasoning = usage["completion_tokens_details"]?["reasoning_tokens"]?.int
        total = usage["total_tokens"]?.int
    }

    /// The Responses API's `usage` object.
    init?(responses usage: JSON?) {
        guard let usage, usage.object != nil else { return nil }
        prompt = usage["input_tokens"]?.int
        cached = usage["input_tokens_details"]?["cached_tokens"]?.int
        completion = usage["output_tokens"]?.int
        reasoning = usage["output_tokens_details"]?["reasoning_tokens"]?.int
        total = usage["total_tokens"]?.int
    }

    /// As chat completions reports it, for answers translated from the Responses API.
    var chat: JSON {
        func number(_ value: Int?) -> JSON { value.map { .number(String($0)) } ?? .null }
        return [
            "prompt_tokens": number(prompt),
            "completion_tokens": number(completion),
            "total_tokens": number(total),
            "prompt_tokens_details": ["cached_tokens": number(cached)],
            "completion_tokens_details": ["reasoning_tokens": number(reasoning)],
        ]
    }
}
