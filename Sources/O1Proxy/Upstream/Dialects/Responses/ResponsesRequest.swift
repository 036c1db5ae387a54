import O1ProxyCore

/// `POST /v1/responses`: the API OpenAI serves its pro, codex and deep-research models on, and
/// the one gpt-5.4 and later need for function tools with reasoning. The bridge turns a chat
/// request into a stateless Responses request (`store: false`, the whole conversation as
/// `input`), and the answer and its stream back into chat completions.
enum Responses {
    /// Chat parameters with no Responses equivalent. `logprobs` has one only through `include`,
    /// and `top_logprobs` means nothing without it; `stream_options.include_usage` is implied
    /// (usage always arrives with the final event).
    static let chatOnly = ["n", "stop", "presence_penalty", "frequency_penalty", "logit_bias", "seed", "logprobs",
                           "top_logprobs", "modalities", "audio", "prediction", "functions", "function_call",
                           "stream_options", "web_search_options"]
    /// Responses parameters chat completions has no name for (openai-python's
    /// `response_create_params.py`): a preset that sets one takes its requests there.
    static let onlyFields: Set<String> = ["background", "context_management", "conversation", "include", "instructions",
                                          "max_output_tokens", "max_tool_calls", "previous_response_id", "prompt",
                                          "reasoning", "text", "truncation"]

    /// The translated request. Messages become `input` items in their order, system and
    /// developer messages included as items of their own role (the Responses API takes both, and
    /// keeping them in place keeps their order relative to the turns). Parameters are renamed or
    /// reshaped where the Responses API spells them differently, chat-only ones are dropped, and
    /// every other field the client sent is kept. `fixes` apply to the chat body first (roles,
    /// renames, dropped chat parameters) and to the translation after (what the Responses API
    /// itself refused: `reasoning.summary`, `max_output_tokens`, ...). `continuity` puts back the
    /// reasoning of earlier turns, asks for this turn's to keep it, and keeps the cache warm.
    static func body(for request: ClientRequest, fixes: [Fix], streaming: Bool, summary: ReasoningSummary,
                     continuity: Continuity = Continuity()) -> JSONObject {
        let chat = fixes.applied(to: request.body)
        var body = JSONObject()
        // A preset's `reasoning` and `text` (in the Responses API's own names) are the start; the
        // client's chat parameters go into them.
        var reasoning = chat["reasoning"]?.object ?? JSONObject()
        var text = chat["text"]?.object ?? JSONObject()
        for (key, value) in chat.fields {
            switch key {
            case "reasoning" where value.object != nil, "text" where value.object != nil:
                break
            case "messages":
                body["input"] = .array(input(from: value.array ?? [], replay: continuity.replay))
            case "tools":
                body["tools"] = .array((value.array ?? []).map(tool))
            case "tool_choice":
                body["tool_choice"] = toolChoice(value)
            case "max_tokens" where chat["max_completion_tokens"] != nil:
                break
            case "max_tokens", "max_completion_tokens":
                // Below 16 the Responses API refuses the request; chat took any positive count.
                body["max_output_tokens"] = value.int.map { .number(String(max(16, $0))) } ?? value
            case "reasoning_effort":
                reasoning["effort"] = value
            case "response_format":
                text["format"] = textFormat(value)
            case "verbosity":
                text["verbosity"] = value
            case "stream":
                break
            case "store":
                break
            case _ where chatOnly.contains(key):
                break
            default:
                // What a chat parameter was translated to wins over the same Responses name sent
                // as is (a preset's `max_output_tokens` under the client's `max_tokens`), in
                // whichever order the two came.
                if body[key] == nil { body[key] = value }
            }
        }
        if summary != .off { reasoning["summary"] = .string(summary.rawValue) }
        if !reasoning.fields.isEmpty { body["reasoning"] = .object(reasoning) }
        if !text.fields.isEmpty { body["text"] = .object(text) }
        body["store"] = false
        if continuity.keep {
            var include = body["include"]?.array ?? []
            if !include.contains("reasoning.encrypted_content") { include.append("reasoning.encrypted_content") }
            body["include"] = .array(include)
        }
        if body["prompt_cache_key"] == nil, let key = continuity.cacheKey { body["prompt_cache_key"] = .string(key) }
        if streaming { body["stream"] = true }
        return fixes.applied(to: body)
    }

    // MARK: messages → input items

    /// The messages as input items; `replay` puts kept reasoning back right before the items it
    /// preceded, by the index of the assistant message that holds them.
    static func input(from messages: [JSON], replay: [Int: [KeptReasoning]] = [:]) -> [JSON] {
        var items: [JSON] = []
        for (index, message) in messages.enumerated() {
            guard let message = message.object else { continue }
            let role = message["role"]?.string ?? "user"
            switch role {
            case "assistant":
                items += replaying(replay[index] ?? [], into: assistantItems(message))
            case "tool":
                items.append(["type": "function_call_output",
                              "call_id": message["tool_call_id"] ?? .null,
                              "output": .string(plainText(message["content"]))])
            default:
                items.append(["type": "message", "role": .string(role), "content": userContent(message["content"])])
            }
        }
        return items
    }

    /// An assistant turn's items with its kept reasoning before the item each preceded, in the
    /// order they were given; reasoning whose item the client no longer echoes stays out.
    private static func replaying(_ kept: [KeptReasoning], into items: [JSON]) -> [JSON] {
        guard !kept.isEmpty else { return items }
        var out: [JSON] = []
        for item in items {
            let anchor: KeptReasoning.Anchor? = switch item["type"]?.string {
            case "message": .message
            case "function_call": item["call_id"]?.string.map(KeptReasoning.Anchor.call)
            default: nil
            }
            out += kept.filter { $0.before == anchor }.map { JSON.verbatim($0.item) }
            out.append(item)
        }
        return out
    }

    /// User, system and developer content: a string stays a string; parts take the Responses
    /// names. `detail` is required on an image there, and `auto` is chat's default.
    private static func userContent(_ content: JSON?) -> JSON {
        guard let parts = content?.array else { return content ?? "" }
        return .array(parts.map { part in
            guard let object = part.object else { return part }
            switch object["type"]?.string {
            case "text":
                return ["type": "input_text", "text": object["text"] ?? ""]
            case "image_url":
                let image = object["image_url"]
                return ["type": "input_image",
                        "image_url": image?["url"] ?? image ?? .null,
                        "detail": image?["detail"] ?? "auto"]
            case "file":
                var file: JSONObject = ["type": "input_file"]
                for key in ["file_id", "file_data", "filename"] {
                    if let value = object["file"]?[key] { file[key] = value }
                }
                return .object(file)
            default:
                return part
            }
        })
    }

    /// An assistant turn: its text (as `output_text`, never `input_text`, which the Responses
    /// API refuses there) or refusal, then one `function_call` item per tool call. The calls go
    /// without an `id`: an `fc_` id would need the reasoning item it came with, which a
    /// stateless bridge never kept.
    private static func assistantItems(_ message: JSONObject) -> [JSON] {
        var parts: [JSON] = []
        switch message["content"] {
        case .string(let text)? where !text.isEmpty:
            parts.append(["type": "output_text", "text": .string(text), "annotations": []])
        case .array(let list)?:
            for part in list {
                switch part["type"]?.string {
                case "text": parts.append(["type": "output_text", "text": part["text"] ?? "", "annotations": []])
                case "refusal": parts.append(["type": "refusal", "refusal": part["refusal"] ?? ""])
                default: parts.append(part)
                }
            }
        default:
            break
        }
        if case .string(let refusal)? = message["refusal"], !parts.contains(where: { $0["type"] == "refusal" }) {
            parts.append(["type": "refusal", "refusal": .string(refusal)])
        }
        var items: [JSON] = []
        if !parts.isEmpty {
            items.append(["type": "message", "role": "assistant", "content": .array(parts)])
        }
        for call in message["tool_calls"]?.array ?? [] {
            items.append(["type": "function_call",
                          "call_id": call["id"] ?? .null,
                          "name": call["function"]?["name"] ?? .null,
                          "arguments": call["function"]?["arguments"] ?? "{}"])
        }
        return items
    }

    /// A tool result as the string the Responses API accepts everywhere: text parts joined.
    private static func plainText(_ content: JSON?) -> String {
        switch content {
        case .string(let text)?: text
        case .array(let parts)?: parts.compactMap { $0["text"]?.string }.joined()
        default: ""
        }
    }

    // MARK: tools and formats

    /// Chat nests a function tool (`{type, function: {name, ...}}`); Responses wants it flat.
    /// A Responses tool without `strict` is strict, which makes every optional property
    /// required: a chat client that did not ask for strict gets `strict: false`.
    private static func tool(_ value: JSON) -> JSON {
        guard value["type"] == "function", let function = value["function"]?.object else { return value }
        var flat: JSONObject = ["type": "function"]
        for (key, field) in function.fields { flat[key] = field }
        if flat["strict"] == nil || flat["strict"] == .null { flat["strict"] = false }
        return .object(flat)
    }

    private static func toolChoice(_ value: JSON) -> JSON {
        guard value["type"] == "function", let name = value["function"]?["name"] else { return value }
        return ["type": "function", "name": name]
    }

    /// `json_schema` moves its schema's fields up a level; `text` and `json_object` stay.
    private static func textFormat(_ value: JSON) -> JSON {
        guard value["type"] == "json_schema", let schema = value["json_schema"]?.object else { return value }
        var flat: JSONObject = ["type": "json_schema"]
        for (key, field) in schema.fields { flat[key] = field }
        return .object(flat)
    }
}
