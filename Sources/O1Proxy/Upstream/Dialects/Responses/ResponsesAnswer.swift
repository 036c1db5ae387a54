import O1ProxyCore

extension Responses {
    /// A whole `response` as one `chat.completion` with one choice: all output text joined as
    /// its content, refusals as its refusal, every function call among its `tool_calls` (never
    /// split into a second choice, where clients would lose it), summaries as
    /// `reasoning_content`. A failed response is an error with an honest status.
    static func completion(from body: [UInt8], contentType: String?) throws(APIError) -> Completion {
        let response = try response(from: body, contentType: contentType)
        switch response["status"]?.string {
        case "failed"?:
            throw failure(response["error"])
        case "completed"?, "incomplete"?, nil:
            break
        case let status?:
            throw APIError.upstream("The upstream's response is \(status), not complete.")
        }
        var content = ""
        var refusal: String?
        var calls: [JSON] = []
        var summaries: [String] = []
        for item in response["output"]?.array ?? [] {
            switch item["type"]?.string {
            case "message":
                for part in item["content"]?.array ?? [] {
                    if part["type"] == "output_text", let text = part["text"]?.string { content += text }
                    if part["type"] == "refusal", let text = part["refusal"]?.string { refusal = (refusal ?? "") + text }
                }
            case "function_call":
                calls.append(call(id: item["call_id"] ?? .null, name: item["name"] ?? .null, arguments: item["arguments"] ?? "{}"))
            case "reasoning":
                summaries += (item["summary"]?.array ?? []).compactMap { $0["text"]?.string }
            default:
                break
            }
        }
        var message = assistantMessage(content: content, refusal: refusal, calls: calls)
        if !summaries.isEmpty { message["reasoning_content"] = .string(summaries.joined(separator: "\n\n")) }
        let usage = Usage(response: .object(response))
        var completion: JSONObject = [
            "id": response["id"] ?? "",
            "object": "chat.completion",
            "created": created(response["created_at"]),
            "model": response["model"] ?? .null,
            "choices": [["index": 0, "message": .object(message), "logprobs": .null,
                         "finish_reason": .string(finishReason(response, calledTools: !calls.isEmpty))]],
        ]
        if let usage { completion["usage"] = usage.chat }
        if let tier = response["service_tier"], tier != .null { completion["service_tier"] = tier }
        return Completion(object: completion, usage: usage, turn: KeptTurn(keptReasoning(in: body), answering: message))
    }

    /// The assistant's message as chat completions has it, whole or built from a stream: the
    /// one shape the client gets and echoes back, so also what a kept turn is keyed by.
    static func assistantMessage(content: String, refusal: String?, calls: [JSON]) -> JSONObject {
        var message: JSONObject = ["role": "assistant",
                                   "content": content.isEmpty && (refusal != nil || !calls.isEmpty) ? .null : .string(content),
                                   "refusal": refusal.map(JSON.string) ?? .null]
        if !calls.isEmpty { message["tool_calls"] = .array(calls) }
        return message
    }

    static func call(id: JSON, name: JSON, arguments: JSON) -> JSON {
        ["id": id, "type": "function", "function": ["name": name, "arguments": arguments]]
    }

    /// `tool_calls` whenever a function was called; an incomplete answer says why it stopped.
    static func finishReason(_ response: JSONObject, calledTools: Bool) -> String {
        if calledTools { return "tool_calls" }
        guard response["status"] == "incomplete" else { return "stop" }
        return response["incomplete_details"]?["reason"] == "content_filter" ? "content_filter" : "length"
    }

    /// `created_at` is in (fractional) seconds; chat's `created` is whole seconds.
    static func created(_ value: JSON?) -> JSON {
        guard case .number(let text)? = value, let seconds = Double(text), seconds.isFinite,
              seconds >= 0, seconds < 1e15 else { return 0 }
        return .number(String(Int(seconds)))
    }

    /// A failed response's `error{code, message}` as the status a client would have got for it
    /// from chat completions: a rate limit stays a 429 (so clients back off), a refused prompt
    /// or image a 400, and anything else is the upstream failing: 502.
    static func failure(_ error: JSON?) -> APIError {
        let code = error?["code"]?.string
        let message = error?["message"]?.string ?? "The upstream's response failed."
        switch code {
        case "rate_limit_exceeded"?:
            return APIError(status: 429, message: message, type: "rate_limit_exceeded", code: code)
        case let code? where code.hasPrefix("invalid_"):
            return APIError(status: 400, message: message, code: code)
        default:
            return APIError(status: 502, message: message, type: "upstream_error", code: code ?? "upstream_error")
        }
    }
}
