import O1ProxyCore

extension Responses {
    /// Translates a Responses event stream (`event:` + `data:` lines, no `[DONE]`) into the chat
    /// completions stream a chat client reads, event by event as they arrive: the role delta
    /// when the response is created, content, refusal and reasoning-summary deltas, tool-call
    /// deltas with dense indices 0, 1, 2 (`id`, `type` and `name` on a call's first delta), a
    /// finish chunk with the real `finish_reason`, the usage chunk when the client asked for
    /// it, and the proxy's own `data: [DONE]`. A failed response or an `error` event becomes an
    /// error event instead.
    struct StreamBridge: StreamTranslator {
        let includeUsage: Bool
        private var splitter = EventSplitter()
        private(set) var ending: StreamEnding?
        private(set) var usage: Usage?
        /// What every chunk repeats, from `response.created`.
        private var id: JSON = ""
        private var created: JSON = 0
        private var model: JSON = .null
        private var startedChoice = false
        /// A function call's `item_id` → its index among the tool calls (Responses numbers its
        /// output items with gaps; chat clients index calls densely). The next index is the count
        /// of `callsSent`, not of this map, so that an item id seen twice cannot give two calls one
        /// index.
        private var callIndex: [String: Int] = [:]
        /// Separates summary parts as the whole answer joins them.
        private var lastSummaryPart: (item: String, index: Int)?
        /// What the client is being sent, gathered to key the reasoning kept with it.
        private var content = ""
        private var refusal: String?
        /// The calls started so far, in their chat index order.
        private var callsSent: [(id: JSON, name: JSON, arguments: String)] = []
        /// Reasoning items done, waiting for the item they precede.
        private var pendingReasoning: [[UInt8]] = []
        private var kept: [KeptReasoning] = []
        private(set) var turn: KeptTurn?

        init(includeUsage: Bool) {
            self.includeUsage = includeUsage
        }

        mutating func fail(_ error: APIError) -> [UInt8] {
            guard ending == nil else { return [] }
            ending = .failed(error.message)
            return SSE.errorEvent(error)
        }

        mutating func feed(_ bytes: [UInt8]) -> [UInt8] {
            guard ending == nil else { return [] }
            let events = splitter.feed(bytes)
            var out: [UInt8] = []
            for range in events.ranges {
                let data = events.data(of: range)
                guard let event = try? JSON(parsing: data), let type = event["type"]?.string else { continue }
                if type == "response.output_item.done" { noteDone(data) }
                translate(type, event, into: &out)
                if ending != nil { break }
            }
            return out
        }

        private mutating func translate(_ type: String, _ event: JSON, into out: inout [UInt8]) {
            switch type {
            case "response.created", "response.in_progress":
                if let response = event["response"]?.object { remember(response) }
                if !startedChoice {
                    startedChoice = true
                    delta(["role": "assistant", "content": "", "refusal": .null], into: &out)
                }
            case "response.output_text.delta":
                if let text = event["delta"], text != "" {
                    content += text.string ?? ""
                    delta(["content": text], into: &out)
                }
            case "response.refusal.delta":
                if let text = event["delta"], text != "" {
                    refusal = (refusal ?? "") + (text.string ?? "")
                    delta(["refusal": text], into: &out)
                }
            case "response.reasoning_summary_text.delta":
                guard let text = event["delta"]?.string, !text.isEmpty else { return }
                let part = (item: event["item_id"]?.string ?? "", index: event["summary_index"]?.int ?? 0)
                let separator = lastSummaryPart.map { $0 != part } ?? false ? "\n\n" : ""
                lastSummaryPart = part
                delta(["reasoning_content": .string(separator + text)], into: &out)
            case "response.output_item.added":
                guard let item = event["item"], item["type"] == "function_call" else { return }
                let index = callsSent.count
                callIndex[item["id"]?.string ?? "#\(index)"] = index
                callsSent.append((item["call_id"] ?? .null, item["name"] ?? .null, ""))
                delta(["tool_calls": [["index": .number(String(index)), "id": item["call_id"] ?? .null, "type": "function",
                                       "function": ["name": item["name"] ?? .null, "arguments": ""]]]], into: &out)
            case "response.function_call_arguments.delta":
                guard let index = callIndex[event["item_id"]?.string ?? ""], let arguments = event["delta"], arguments != "" else { return }
                callsSent[index].arguments += arguments.string ?? ""
                delta(["tool_calls": [["index": .number(String(index)), "function": ["arguments": arguments]]]], into: &out)
            case "response.completed", "response.incomplete":
                let response = event["response"]?.object ?? JSONObject()
                remember(response)
                usage = Usage(response: .object(response))
                turn = KeptTurn(kept, answering: assistantMessage(content: content, refusal: refusal, calls: callsSent.map {
                    call(id: $0.id, name: $0.name, arguments: .string($0.arguments))
                }))
                delta([:], finish: .string(finishReason(response, calledTools: !callsSent.isEmpty)), into: &out)
                if includeUsage {
                    SSE.event(.object(chunk(choices: [], usage: usage?.chat ?? .null)), into: &out)
                }
                out += SSE.done
                ending = .completed
            case "response.failed":
                let error = failure(event["response"]?["error"])
                out += SSE.errorEvent(error)
                usage = Usage(response: event["response"])
                ending = .failed(error.message)
            case "error":
                let error = APIError(status: 502, message: event["message"]?.string ?? "The upstream stream failed.",
                                     type: "upstream_error", param: event["param"]?.string, code: event["code"]?.string)
                out += SSE.errorEvent(error)
                ending = .failed(error.message)
            default:
                break
            }
        }

        /// A whole output item, as the event carried it: reasoning to keep waits for the item
        /// it precedes.
        private mutating func noteDone(_ data: [UInt8]) {
            data.withUnsafeBufferPointer { buffer in
                var parser = JSONParser(bytes: buffer)
                try? parser.members { (key, value: inout JSONParser) throws(JSONSyntaxError) in
                    guard key.elementsEqual("item".utf8) else { return try value.skipValue() }
                    let range = try value.rawValue()
                    Responses.note(Array(buffer[range]), pending: &pendingReasoning, kept: &kept)
                }
            }
        }

        private mutating func remember(_ response: JSONObject) {
            if let value = response["id"] { id = value }
            if let value = response["created_at"] { created = Responses.created(value) }
            if let value = response["model"] { model = value }
        }

        /// A chunk as chat completions sends it; with usage asked for, every chunk has the key.
        private func chunk(choices: JSON, usage: JSON = .null) -> JSONObject {
            var chunk: JSONObject = ["id": id, "object": "chat.completion.chunk", "created": created, "model": model,
                                     "choices": choices]
            if includeUsage { chunk["usage"] = usage }
            return chunk
        }

        private func delta(_ delta: JSONObject, finish: JSON = .null, into out: inout [UInt8]) {
            let choice: JSON = ["index": 0, "delta": .object(delta), "logprobs": .null, "finish_reason": finish]
            SSE.event(.object(chunk(choices: [choice])), into: &out)
        }
    }
}
