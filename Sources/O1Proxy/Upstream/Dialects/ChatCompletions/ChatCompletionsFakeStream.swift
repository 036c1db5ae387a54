import O1ProxyCore

/// Turns one whole `chat.completion` into the `text/event-stream` a streaming client expected,
/// with the chunk sequence OpenAI itself sends (role, reasoning summary, content, refusal and
/// tool-call deltas, finish, optional usage, `[DONE]`) so SDKs and Continue cannot tell it from
/// a real stream.
extension ChatCompletions {
    static func fakeStream(_ completion: JSONObject, includeUsage: Bool) -> [UInt8] {
        var base = JSONObject()
        for key in ["id", "created", "model", "system_fingerprint", "service_tier"] {
            base[key] = completion[key]
        }
        base["object"] = "chat.completion.chunk"
        if includeUsage { base["usage"] = .null }

        var out: [UInt8] = []
        func send(_ choice: JSONObject) {
            var chunk = base
            chunk["choices"] = [.object(choice)]
            SSE.event(.object(chunk), into: &out)
        }
        for (position, choice) in (completion["choices"]?.array ?? []).enumerated() {
            let index = choice["index"] ?? .number(String(position))
            let message = choice["message"]?.object ?? JSONObject()
            func delta(_ delta: JSONObject, finish: JSON = .null) {
                send(["index": index, "delta": .object(delta), "logprobs": .null, "finish_reason": finish])
            }
            delta(["role": message["role"] ?? "assistant", "content": "", "refusal": .null])
            if let reasoning = message["reasoning_content"]?.string, !reasoning.isEmpty {
                delta(["reasoning_content": .string(reasoning)])
            }
            if let content = message["content"]?.string, !content.isEmpty {
                delta(["content": .string(content)])
            }
            if let refusal = message["refusal"]?.string {
                delta(["refusal": .string(refusal)])
            }
            for (k, call) in (message["tool_calls"]?.array ?? []).enumerated() {
                var indexed = call.object ?? JSONObject()
                indexed = JSONObject([(key: "index", value: .number(String(k)))] + indexed.fields)
                delta(["tool_calls": [.object(indexed)]])
            }
            if let call = message["function_call"], call != .null {
                delta(["function_call": call])
            }
            delta([:], finish: choice["finish_reason"] ?? .null)
        }
        if includeUsage {
            var chunk = base
            chunk["choices"] = []
            chunk["usage"] = completion["usage"] ?? .null
            SSE.event(.object(chunk), into: &out)
        }
        out += SSE.done
        return out
    }
}
