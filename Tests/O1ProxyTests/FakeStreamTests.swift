import Testing
@testable import O1ProxyCore
@testable import O1Proxy

/// Parses the SSE the proxy produced, checking the framing on the way: only `data: X\n\n` events,
/// no `event:` or other lines, `[DONE]` last and only there.
private func sse(_ output: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws -> [JSON] {
    let all = text(output)
    #expect(all.hasSuffix("data: [DONE]\n\n"), sourceLocation: sourceLocation)
    var events = all.components(separatedBy: "\n\n")
    #expect(events.last == "", sourceLocation: sourceLocation)
    events.removeLast()
    #expect(events.last == "data: [DONE]", sourceLocation: sourceLocation)
    events.removeLast()
    var chunks: [JSON] = []
    for event in events {
        #expect(event.hasPrefix("data: "), "\(event)", sourceLocation: sourceLocation)
        #expect(!event.contains("\n"), "event with more than one line: \(event)", sourceLocation: sourceLocation)
        #expect(!event.hasPrefix("event:"), sourceLocation: sourceLocation)
        #expect(event != "data: [DONE]", sourceLocation: sourceLocation)
        chunks.append(try JSON(parsing: Array(event.dropFirst("data: ".count).utf8)))
    }
    return chunks
}

private func completion(_ choices: String, usage: String? = #"{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12,"completion_tokens_details":{"reasoning_tokens":3}}"#) -> JSONObject {
    var source = #"{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"o1-mini-2024-09-12","system_fingerprint":"fp_1","choices":\#(choices)"#
    if let usage { source += #","usage":\#(usage)"# }
    source += "}"
    return try! JSON(parsing: Array(source.utf8)).object!
}

private func deltas(_ chunks: [JSON], choice index: Int = 0) -> [JSON] {
    chunks.compactMap { chunk in
        chunk["choices"]?.array?.first { $0["index"]?.int == index }?["delta"]
    }
}

private func finishReasons(_ chunks: [JSON], choice index: Int = 0) -> [JSON] {
    chunks.compactMap { chunk in
        chunk["choices"]?.array?.first { $0["index"]?.int == index }?["finish_reason"]
    }
}

@Suite struct FakeStreamTests {
    @Test func contentStream() throws {
        let source = completion(#"[{"index":0,"message":{"role":"assistant","content":"Hello \"world\"\n","refusal":null},"finish_reason":"stop"}]"#)
        let chunks = try sse(ChatCompletions.fakeStream(source, includeUsage: false))
        #expect(chunks.count == 3)
        for chunk in chunks {
            #expect(chunk["id"] == .string("chatcmpl-1"))
            #expect(chunk["created"] == .number("1700000000"))
            #expect(chunk["model"] == .string("o1-mini-2024-09-12"))
            #expect(chunk["object"] == .string("chat.completion.chunk"))
            #expect(chunk["system_fingerprint"] == .string("fp_1"))
            #expect(chunk["usage"] == nil)
            #expect(chunk["choices"]?.array?.count == 1)
        }
        let d = deltas(chunks)
        #expect(d[0]["role"] == .string("assistant"))
        #expect(d[0]["content"] == .string(""))
        #expect(d[1] == ["content": "Hello \"world\"\n"])
        #expect(d[2] == .object(JSONObject()))
        #expect(finishReasons(chunks) == [.null, .null, .string("stop")])
    }

    @Test func usageChunkOnlyWithIncludeUsage() throws {
        let source = completion(#"[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}]"#)
        let chunks = try sse(ChatCompletions.fakeStream(source, includeUsage: true))
        #expect(chunks.count == 4)
        for chunk in chunks.dropLast() {
            #expect(chunk["usage"] == .null)
            #expect(chunk["choices"]?.array?.isEmpty == false)
        }
        let last = try #require(chunks.last)
        #expect(last["choices"] == .array([]))
        #expect(last["usage"] == source["usage"])
        #expect(last["id"] == .string("chatcmpl-1"))
        #expect(last["object"] == .string("chat.completion.chunk"))

        let without = try sse(ChatCompletions.fakeStream(source, includeUsage: false))
        #expect(without.allSatisfy { $0["choices"]?.array?.isEmpty == false })
        #expect(without.allSatisfy { $0["usage"] == nil })
    }

    @Test func lengthWithEmptyContent() throws {
        let source = completion(#"[{"index":0,"message":{"role":"assistant","content":""},"finish_reason":"length"}]"#)
        let chunks = try sse(ChatCompletions.fakeStream(source, includeUsage: false))
        #expect(chunks.count == 2)
        #expect(deltas(chunks)[0]["role"] == .string("assistant"))
        #expect(deltas(chunks)[1] == .object(JSONObject()))
        #expect(finishReasons(chunks).last == .string("length"))
    }

    @Test func nullContentAndNoFinishReason() throws {
        let source = completion(#"[{"index":0,"message":{"role":"assistant","content":null}}]"#, usage: nil)
        let chunks = try sse(ChatCompletions.fakeStream(source, includeUsage: true))
        #expect(chunks.count == 3)
        #expect(finishReasons(chunks).last == .null)
        #expect(chunks.last?["usage"] == .null)
    }

    @Test func refusal() throws {
        let source = completion(#"[{"index":0,"message":{"role":"assistant","content":null,"refusal":"I can't help with that."},"finish_reason":"stop"}]"#)
        let chunks = try sse(ChatCompletions.fakeStream(source, includeUsage: false))
        let d = deltas(chunks)
        #expect(d.count == 3)
        #expect(d[1] == ["refusal": "I can't help with that."])
        #expect(!d.dropFirst().contains { $0["content"] != nil })
        #expect(finishReasons(chunks).last == .string("stop"))
    }

    @Test func toolCallsCarryTheirIndex() throws {
        let source = completion(#"""
        [{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[
          {"id":"call_a","type":"function","function":{"name":"f","arguments":"{\"x\":1}"}},
          {"id":"call_b","type":"function","function":{"name":"g","arguments":"{}"}}]},"finish_reason":"tool_calls"}]
        """#)
        let chunks = try sse(ChatCompletions.fakeStream(source, includeUsage: false))
        let calls = deltas(chunks).compactMap { $0["tool_calls"]?.array }
        #expect(calls.count == 2)
        #expect(calls.allSatisfy { $0.count == 1 })
        let first = try #require(calls.first?.first?.object)
        #expect(first.keys == ["index", "id", "type", "function"])
        #expect(first["index"] == .number("0"))
        #expect(first["id"] == .string("call_a"))
        #expect(first["function"]?["arguments"] == .string(#"{"x":1}"#))
        #expect(calls.last?.first?["index"] == .number("1"))
        #expect(calls.last?.first?["id"] == .string("call_b"))
        #expect(finishReasons(chunks).last == .string("tool_calls"))
        #expect(deltas(chunks).first?["role"] == .string("assistant"))
    }

    @Test func legacyFunctionCall() throws {
        let source = completion(#"[{"index":0,"message":{"role":"assistant","content":null,"function_call":{"name":"f","arguments":"{}"}},"finish_reason":"function_call"}]"#)
        let chunks = try sse(ChatCompletions.fakeStream(source, includeUsage: false))
        #expect(deltas(chunks).contains { $0["function_call"]?["name"] == .string("f") })
        #expect(finishReasons(chunks).last == .string("function_call"))
    }

    @Test func severalChoices() throws {
        let source = completion(#"""
        [{"index":0,"message":{"role":"assistant","content":"A"},"finish_reason":"stop"},
         {"index":1,"message":{"role":"assistant","content":"B"},"finish_reason":"length"}]
        """#)
        let chunks = try sse(ChatCompletions.fakeStream(source, includeUsage: true))
        #expect(chunks.count == 7)
        #expect(Set(chunks.compactMap { $0["id"]?.string }) == ["chatcmpl-1"])
        #expect(chunks.allSatisfy { $0["created"] == .number("1700000000") })
        for index in [0, 1] {
            let d = deltas(chunks, choice: index)
            #expect(d.count == 3)
            #expect(d.first?["role"] == .string("assistant"))
            #expect(d[1]["content"] == .string(index == 0 ? "A" : "B"))
        }
        #expect(finishReasons(chunks, choice: 0).last == .string("stop"))
        #expect(finishReasons(chunks, choice: 1).last == .string("length"))
        #expect(chunks.last?["choices"] == .array([]))
    }

    @Test func missingChoiceIndexUsesPosition() throws {
        let source = completion(#"[{"message":{"content":"A"}},{"message":{"content":"B"}}]"#)
        let chunks = try sse(ChatCompletions.fakeStream(source, includeUsage: false))
        #expect(deltas(chunks, choice: 1).count == 3)
        #expect(deltas(chunks, choice: 1).first?["role"] == .string("assistant"))
    }

    @Test func noChoicesStillEndsWithDone() throws {
        let chunks = try sse(ChatCompletions.fakeStream(completion("[]"), includeUsage: false))
        #expect(chunks.isEmpty)
    }

    @Test func errorEventAndKeepalive() throws {
        let error = APIError(status: 502, message: "Upstream said no.", type: "upstream_error", code: "upstream_error")
        let event = text(SSE.errorEvent(error))
        #expect(event.hasPrefix("data: {\"error\":"))
        #expect(event.hasSuffix("}\n\n"))
        #expect(event.filter { $0 == "\n" }.count == 2)
        let json = try parse(String(event.dropFirst(6).dropLast(2)))
        #expect(json["error"]?["message"] == .string("Upstream said no."))
        #expect(json["error"]?["type"] == .string("upstream_error"))
        #expect(json["error"]?["param"] == .null)
        #expect(text(SSE.keepalive) == ": keepalive\n\n")
    }
}
