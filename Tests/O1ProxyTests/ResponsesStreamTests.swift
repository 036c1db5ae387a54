import Foundation
import Testing
@testable import O1ProxyCore
@testable import O1Proxy

/// A recorded Responses stream from `Tests/Fuzz/corpus-bridge/` (the fuzz target's seeds).
private func recorded(_ name: String) throws -> [UInt8] {
    var path = #filePath
    for _ in 0..<2 { path = String(path[..<path.lastIndex(of: "/")!]) }
    return try #require(FileManager.default.contents(atPath: path + "/Fuzz/corpus-bridge/" + name).map(Array.init))
}

private struct Translation {
    var output: [UInt8]
    var translator: Responses.StreamBridge

    var chunks: [JSONObject] {
        text(output).components(separatedBy: "\n\n").dropLast()
            .compactMap { $0.hasPrefix("data: {") ? try? parse(String($0.dropFirst(6))).object : nil }
    }

    var deltas: [JSON] { chunks.compactMap { $0["choices"]?.array?.first?["delta"] } }

    func joined(_ key: String) -> String { deltas.compactMap { $0[key]?.string }.joined() }
}

/// Translates `input` fed whole, byte by byte (split at every byte boundary at once), and in
/// two pieces at every 7th byte; all must agree.
private func translateAtEverySplit(_ input: [UInt8], includeUsage: Bool = false,
                                   sourceLocation: SourceLocation = #_sourceLocation) -> Translation {
    var whole = Responses.StreamBridge(includeUsage: includeUsage)
    let output = whole.feed(input)
    func expectSame(_ translator: Responses.StreamBridge, _ out: [UInt8], _ how: String) {
        #expect(out == output, "\(how)", sourceLocation: sourceLocation)
        #expect(translator.ending == whole.ending, "\(how)", sourceLocation: sourceLocation)
        #expect(translator.usage == whole.usage, "\(how)", sourceLocation: sourceLocation)
    }
    var byteWise = Responses.StreamBridge(includeUsage: includeUsage)
    let byteWiseOutput = input.reduce(into: []) { $0 += byteWise.feed([$1]) }
    expectSame(byteWise, byteWiseOutput, "byte by byte")
    for split in stride(from: 0, through: input.count, by: 7) {
        var translator = Responses.StreamBridge(includeUsage: includeUsage)
        let out = translator.feed(Array(input[0..<split])) + translator.feed(Array(input[split...]))
        expectSame(translator, out, "split at \(split)")
    }
    return Translation(output: output, translator: whole)
}

@Suite struct ResponsesStreamTests {
    @Test func text() throws {
        let t = translateAtEverySplit(try recorded("text"))
        #expect(t.deltas.first == ["role": "assistant", "content": "", "refusal": .null])
        #expect(t.joined("content") == "echo: hello")
        #expect(t.chunks.last?["choices"]?.array?.first?["finish_reason"] == "stop")
        #expect(O1ProxyTests.text(t.output).hasSuffix("data: [DONE]\n\n"))
        #expect(t.translator.ending == .completed)
        #expect(t.translator.usage?.reasoning == 192)
        #expect(t.translator.usage?.cached == 4)
        for chunk in t.chunks {
            #expect(chunk["object"] == "chat.completion.chunk")
            #expect(chunk["id"] == "resp_1")
            #expect(chunk["created"] == 1_764_060_000)
            #expect(chunk["model"] == "o1-pro-2025-03-19")
            #expect(chunk["usage"] == nil)
        }
        #expect(!O1ProxyTests.text(t.output).contains("event:"))
        #expect(!O1ProxyTests.text(t.output).contains("obfuscation"))
    }

    /// The terminal response says which tier served the request and what was written to the
    /// cache; the chat usage chunk carries the cache writes on.
    @Test func theServiceTierAndCacheWritesOfTheTerminalResponse() throws {
        let completed = #"event: response.completed\#ndata: {"type":"response.completed","sequence_number":0,"response":{"id":"r","status":"completed","service_tier":"flex","output":[],"usage":{"input_tokens":9,"input_tokens_details":{"cached_tokens":0,"cache_write_tokens":8},"output_tokens":1,"total_tokens":10}}}\#n\#n"#
        let t = translateAtEverySplit(bytes(completed), includeUsage: true)
        #expect(t.translator.usage?.serviceTier == "flex")
        #expect(t.translator.usage?.cacheWrite == 8)
        #expect(t.chunks.last?["usage"]?["prompt_tokens_details"]?["cache_write_tokens"] == 8)
    }

    @Test func usageChunkWhenAsked() throws {
        let t = translateAtEverySplit(try recorded("text"), includeUsage: true)
        let last = try #require(t.chunks.last)
        #expect(last["choices"] == [])
        #expect(last["usage"]?["completion_tokens_details"]?["reasoning_tokens"] == 192)
        #expect(t.chunks.dropLast().allSatisfy { $0["usage"] == .null })
    }

    /// Tool calls get dense indices in the order they start, `id`, `type` and `name` on their
    /// first delta; a message next to them stays in the same choice; the finish is `tool_calls`.
    @Test func parallelToolCallsWithAMessage() throws {
        let t = translateAtEverySplit(try recorded("tool-calls"))
        #expect(t.joined("content") == "Let me check.")
        let calls = t.deltas.compactMap { $0["tool_calls"]?.array?.first }
        #expect(calls.count == 5)
        #expect(encodedText(calls[0]) == #"{"index":0,"id":"call_A","type":"function","function":{"name":"get_weather","arguments":""}}"#)
        #expect(encodedText(calls[2]) == #"{"index":1,"id":"call_B","type":"function","function":{"name":"get_time","arguments":""}}"#)
        let first = calls.filter { $0["index"] == 0 }.compactMap { $0["function"]?["arguments"]?.string }.joined()
        let second = calls.filter { $0["index"] == 1 }.compactMap { $0["function"]?["arguments"]?.string }.joined()
        #expect(first == #"{"city": "Paris"}"#)
        #expect(second == #"{"tz": "CET"}"#)
        #expect(t.chunks.allSatisfy { $0["choices"]?.array?.first?["index"] == 0 })
        #expect(t.chunks.last?["choices"]?.array?.first?["finish_reason"] == "tool_calls")
    }

    @Test func summariesAsReasoningContent() throws {
        let t = translateAtEverySplit(try recorded("summary"))
        #expect(t.joined("reasoning_content") == "Thinking about hello\n\nSecond part")
        #expect(t.joined("content") == "Hi")
    }

    @Test func refusal() throws {
        let t = translateAtEverySplit(try recorded("refusal"))
        #expect(t.joined("refusal") == "I can't help.")
        #expect(t.translator.ending == .completed)
    }

    @Test func incompleteEndsWithLength() throws {
        let t = translateAtEverySplit(try recorded("incomplete"))
        #expect(t.chunks.last?["choices"]?.array?.first?["finish_reason"] == "length")
        #expect(t.translator.ending == .completed)
    }

    @Test func failedBecomesAnErrorEventWithoutDone() throws {
        let t = translateAtEverySplit(try recorded("failed"))
        #expect(t.translator.ending == .failed("The model failed to generate a response."))
        let last = try #require(t.chunks.last)
        #expect(last["error"]?["code"] == "server_error")
        #expect(last["error"]?["type"] == "upstream_error")
        #expect(!O1ProxyTests.text(t.output).contains("[DONE]"))
    }

    @Test func errorEventBecomesAnErrorEventWithoutDone() throws {
        let t = translateAtEverySplit(try recorded("error-event"))
        #expect(t.translator.ending == .failed("Rate limit reached for o1-pro."))
        #expect(t.chunks.last?["error"]?["code"] == "rate_limit_exceeded")
        #expect(t.joined("content") == "par")
        #expect(!O1ProxyTests.text(t.output).contains("[DONE]"))
    }

    /// A stream that stops before its terminal event is still open: the attempt calls it cut.
    @Test func cutStreamHasNoEnding() throws {
        let t = translateAtEverySplit(try recorded("cut"))
        #expect(t.translator.ending == nil)
        #expect(!O1ProxyTests.text(t.output).contains("[DONE]"))
    }

    /// 10 MB of deltas in small pieces: translated as they come, in time linear in the input
    /// (the split buffer keeps only the unfinished event).
    @Test func largeAnswerInSmallPieces() {
        var input = bytes(#"event: response.created"# + "\n" + #"data: {"type":"response.created","response":{"id":"r","created_at":1,"model":"m"}}"# + "\n\n")
        let delta = bytes(#"event: response.output_text.delta"# + "\n" + #"data: {"type":"response.output_text.delta","item_id":"m","output_index":0,"content_index":0,"delta":"0123456789abcdef"}"# + "\n\n")
        for _ in 0..<5000 { input += delta }
        input += bytes(#"data: {"type":"response.completed","response":{"status":"completed"}}"# + "\n\n")
        var translator = Responses.StreamBridge(includeUsage: false)
        var output: [UInt8] = []
        var i = 0
        while i < input.count {
            output += translator.feed(Array(input[i..<min(i + 1000, input.count)]))
            i += 1000
        }
        #expect(translator.ending == .completed)
        #expect(Translation(output: output, translator: translator).joined("content").count == 5000 * 16)
    }
}
