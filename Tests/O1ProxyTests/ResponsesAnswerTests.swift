import Foundation
import Testing
@testable import O1ProxyCore
@testable import O1Proxy

private let usage = #""usage":{"input_tokens":12,"input_tokens_details":{"cached_tokens":4},"output_tokens":210,"output_tokens_details":{"reasoning_tokens":192},"total_tokens":222}"#

private func response(status: String = "completed", output: String, extra: String = "") -> [UInt8] {
    bytes(#"{"id":"resp_1","object":"response","created_at":1764060000.9,"status":"\#(status)","model":"o1-pro-2025-03-19","output":[\#(output)],\#(usage)\#(extra)}"#)
}

private func message(_ parts: String) -> String {
    #"{"id":"msg_1","type":"message","status":"completed","role":"assistant","content":[\#(parts)]}"#
}

private func call(_ id: String, _ name: String) -> String {
    #"{"id":"fc_\#(id)","type":"function_call","status":"completed","call_id":"call_\#(id)","name":"\#(name)","arguments":"{\"x\":1}"}"#
}

@Suite struct ResponsesAnswerTests {
    @Test func textAnswer() throws {
        let completion = try Responses.completion(from: response(output: #"{"id":"rs_1","type":"reasoning","summary":[]},"#
            + message(#"{"type":"output_text","text":"Hello ","annotations":[]},{"type":"output_text","text":"there","annotations":[]}"#)),
            contentType: "application/json")
        #expect(encodedText(completion.object) == #"""
        {"id":"resp_1","object":"chat.completion","created":1764060000,"model":"o1-pro-2025-03-19",\#
        "choices":[{"index":0,"message":{"role":"assistant","content":"Hello there","refusal":null},"logprobs":null,"finish_reason":"stop"}],\#
        "usage":{"prompt_tokens":12,"completion_tokens":210,"total_tokens":222,"prompt_tokens_details":{"cached_tokens":4},\#
        "completion_tokens_details":{"reasoning_tokens":192}}}
        """#)
        #expect(completion.usage == Usage(prompt: 12, cached: 4, completion: 210, reasoning: 192, total: 222))
        #expect(completion.original == nil)
    }

    /// A message and function calls stay one choice with `tool_calls`: split into two choices,
    /// clients lose the call.
    @Test func messageAndParallelCallsAreOneChoice() throws {
        let completion = try Responses.completion(
            from: response(output: message(#"{"type":"output_text","text":"Checking.","annotations":[]}"#) + "," + call("A", "f") + "," + call("B", "g")),
            contentType: nil)
        let choices = try #require(completion.object["choices"]?.array)
        #expect(choices.count == 1)
        #expect(choices[0]["finish_reason"] == "tool_calls")
        #expect(choices[0]["message"]?["content"] == "Checking.")
        #expect(encodedText(try #require(choices[0]["message"]?["tool_calls"])) == #"""
        [{"id":"call_A","type":"function","function":{"name":"f","arguments":"{\"x\":1}"}},\#
        {"id":"call_B","type":"function","function":{"name":"g","arguments":"{\"x\":1}"}}]
        """#)
    }

    @Test func callsAloneHaveNullContent() throws {
        let completion = try Responses.completion(from: response(output: call("A", "f")), contentType: nil)
        #expect(completion.object["choices"]?.array?.first?["message"]?["content"] == .null)
    }

    @Test func refusal() throws {
        let completion = try Responses.completion(from: response(output: message(#"{"type":"refusal","refusal":"I can't help."}"#)),
                                                  contentType: nil)
        let message = try #require(completion.object["choices"]?.array?.first?["message"])
        #expect(message["refusal"] == "I can't help.")
        #expect(message["content"] == .null)
        #expect(completion.object["choices"]?.array?.first?["finish_reason"] == "stop")
    }

    @Test func summariesBecomeReasoningContent() throws {
        let completion = try Responses.completion(from: response(output: #"{"id":"rs_1","type":"reasoning","summary":[{"type":"summary_text","text":"First."},{"type":"summary_text","text":"Second."}]},"#
            + message(#"{"type":"output_text","text":"Hi","annotations":[]}"#)), contentType: nil)
        #expect(completion.object["choices"]?.array?.first?["message"]?["reasoning_content"] == "First.\n\nSecond.")
    }

    @Test(arguments: [("max_output_tokens", "length"), ("content_filter", "content_filter")])
    func incomplete(_ reason: String, _ finish: String) throws {
        let completion = try Responses.completion(from: response(status: "incomplete", output: "",
                                                                 extra: #","incomplete_details":{"reason":"\#(reason)"}"#),
                                                  contentType: nil)
        let choice = try #require(completion.object["choices"]?.array?.first)
        #expect(choice["finish_reason"] == .string(finish))
        #expect(choice["message"]?["content"] == "")
    }

    @Test(arguments: [
        ("server_error", 502, "upstream_error"),
        ("rate_limit_exceeded", 429, "rate_limit_exceeded"),
        ("invalid_prompt", 400, "invalid_request_error"),
    ])
    func failedIsAnErrorWithAnHonestStatus(_ code: String, _ status: Int, _ type: String) {
        let failed = response(status: "failed", output: "", extra: #","error":{"code":"\#(code)","message":"It failed."}"#)
        #expect(throws: APIError(status: status, message: "It failed.", type: type, code: code)) {
            try Responses.completion(from: failed, contentType: nil)
        }
    }

    @Test func notAResponse() {
        #expect(throws: APIError.self) { try Responses.completion(from: bytes("<html>"), contentType: "text/html") }
        #expect(throws: APIError.self) { try Responses.completion(from: bytes(#"{"choices":[]}"#), contentType: nil) }
        #expect(throws: APIError.upstream("The upstream's response is queued, not complete.")) {
            try Responses.completion(from: response(status: "queued", output: ""), contentType: nil)
        }
    }

    /// What pricing needs comes through: the tier that served the request, and the cache
    /// writes, which the chat answer reports where the chat API has them.
    @Test func theServiceTierAndTheCacheWritesAreKept() throws {
        let usage = #""usage":{"input_tokens":12,"input_tokens_details":{"cached_tokens":4,"cache_write_tokens":6},"output_tokens":2,"output_tokens_details":{"reasoning_tokens":1},"total_tokens":14}"#
        let body = bytes(#"{"object":"response","status":"completed","service_tier":"flex","output":[],\#(usage)}"#)
        let completion = try Responses.completion(from: body, contentType: nil)
        #expect(completion.usage?.cacheWrite == 6 && completion.usage?.cached == 4)
        #expect(completion.usage?.serviceTier == "flex")
        #expect(completion.object["service_tier"] == "flex")
        #expect(completion.object["usage"]?["prompt_tokens_details"] == ["cached_tokens": 4, "cache_write_tokens": 6])
        #expect(try Responses.relayedCompletion(from: body, contentType: nil).usage == completion.usage)
    }

    @Test(arguments: [("1764060000.9", "1764060000"), ("17", "17"), ("-1", "0"), ("1e300", "0"), (#""x""#, "0")])
    func createdIsWholeSeconds(_ value: String, _ expected: String) throws {
        #expect(Responses.created(try parse(value)) == .number(expected))
    }
}

extension Usage {
    init(prompt: Int?, cached: Int?, completion: Int?, reasoning: Int?, total: Int?) {
        self.init(chatAnswer: ["usage": [:]])!
        (self.prompt, self.cached, self.completion, self.reasoning, self.total) = (prompt, cached, completion, reasoning, total)
    }
}
