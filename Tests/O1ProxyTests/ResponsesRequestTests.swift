import Testing
@testable import O1ProxyCore
@testable import O1Proxy

private func translate(_ source: String, fixes: [Fix] = [], summary: ReasoningSummary = .off) throws -> JSONObject {
    let request = try ClientRequest(chat: bytes(source))
    return Responses.body(for: request, fixes: fixes, streaming: request.streamsUpstream(with: fixes), summary: summary)
}

/// One chat parameter and what the Responses request holds for it (`nil`: nothing).
struct ParameterRow: CustomTestStringConvertible, Sendable {
    var chat: String
    var responses: String?
    var testDescription: String { chat }
}

@Suite struct ResponsesRequestTests {
    /// Each chat parameter as docs/requests.md's mapping table states it.
    static let parameters: [ParameterRow] = [
        ParameterRow(chat: #""max_tokens":100"#, responses: #""max_output_tokens":100"#),
        ParameterRow(chat: #""max_completion_tokens":2000"#, responses: #""max_output_tokens":2000"#),
        ParameterRow(chat: #""max_tokens":5"#, responses: #""max_output_tokens":16"#),
        ParameterRow(chat: #""max_tokens":5,"max_completion_tokens":300"#, responses: #""max_output_tokens":300"#),
        // A preset's (or the client's own) Responses name gives way to the chat parameter, either order.
        ParameterRow(chat: #""max_output_tokens":50,"max_tokens":100"#, responses: #""max_output_tokens":100"#),
        ParameterRow(chat: #""max_tokens":100,"max_output_tokens":50"#, responses: #""max_output_tokens":100"#),
        ParameterRow(chat: #""reasoning_effort":"high""#, responses: #""reasoning":{"effort":"high"}"#),
        ParameterRow(chat: #""response_format":{"type":"json_object"}"#, responses: #""text":{"format":{"type":"json_object"}}"#),
        ParameterRow(chat: #""response_format":{"type":"json_schema","json_schema":{"name":"n","schema":{"type":"object"},"strict":true}}"#,
                     responses: #""text":{"format":{"type":"json_schema","name":"n","schema":{"type":"object"},"strict":true}}"#),
        ParameterRow(chat: #""verbosity":"low""#, responses: #""text":{"verbosity":"low"}"#),
        ParameterRow(chat: #""response_format":{"type":"text"},"verbosity":"high""#, responses: #""text":{"format":{"type":"text"},"verbosity":"high"}"#),
        ParameterRow(chat: #""tools":[{"type":"function","function":{"name":"f","description":"d","parameters":{"type":"object"}}}]"#,
                     responses: #""tools":[{"type":"function","name":"f","description":"d","parameters":{"type":"object"},"strict":false}]"#),
        ParameterRow(chat: #""tools":[{"type":"function","function":{"name":"f","strict":true}}]"#,
                     responses: #""tools":[{"type":"function","name":"f","strict":true}]"#),
        ParameterRow(chat: #""tools":[{"type":"web_search"}]"#, responses: #""tools":[{"type":"web_search"}]"#),
        ParameterRow(chat: #""tool_choice":"required""#, responses: #""tool_choice":"required""#),
        ParameterRow(chat: #""tool_choice":{"type":"function","function":{"name":"f"}}"#, responses: #""tool_choice":{"type":"function","name":"f"}"#),
        ParameterRow(chat: #""parallel_tool_calls":false"#, responses: #""parallel_tool_calls":false"#),
        ParameterRow(chat: #""temperature":0.2,"top_p":0.9"#, responses: #""temperature":0.2,"top_p":0.9"#),
        ParameterRow(chat: #""metadata":{"k":"v"},"service_tier":"flex","user":"u","prompt_cache_key":"p","safety_identifier":"s""#,
                     responses: #""metadata":{"k":"v"},"service_tier":"flex","user":"u","prompt_cache_key":"p","safety_identifier":"s""#),
        ParameterRow(chat: #""x_unknown":[1e400]"#, responses: #""x_unknown":[1e400]"#),
        ParameterRow(chat: #""store":true"#, responses: nil),
        ParameterRow(chat: #""stream":false"#, responses: nil),
        ParameterRow(chat: #""n":1,"stop":["\n"],"presence_penalty":0,"frequency_penalty":0,"logit_bias":{"1":2},"seed":4"#, responses: nil),
        ParameterRow(chat: #""logprobs":true,"top_logprobs":3,"modalities":["text"],"audio":{},"prediction":{}"#, responses: nil),
        ParameterRow(chat: #""functions":[],"function_call":"auto","web_search_options":{}"#, responses: nil),
    ]

    @Test(arguments: parameters)
    func parameter(_ row: ParameterRow) throws {
        let body = try translate(#"{"model":"o1-pro","messages":[{"role":"user","content":"hi"}],"# + row.chat + "}")
        let expected = #"{"model":"o1-pro","input":[{"type":"message","role":"user","content":"hi"}]"#
            + (row.responses.map { "," + $0 } ?? "") + #","store":false}"#
        #expect(encodedText(body) == expected)
    }

    @Test func messagesBecomeInputItemsInOrder() throws {
        let body = try translate(#"""
        {"model":"o1-pro","messages":[
          {"role":"system","content":"S"},
          {"role":"developer","content":[{"type":"text","text":"D"}]},
          {"role":"user","content":[{"type":"text","text":"look"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AA"}},
                                   {"type":"image_url","image_url":{"url":"https://x/y.png","detail":"high"}},
                                   {"type":"file","file":{"file_id":"file-1"}}]},
          {"role":"assistant","content":"Checking.","tool_calls":[
             {"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}},
             {"id":"call_2","type":"function","function":{"name":"g","arguments":"{}"}}]},
          {"role":"tool","tool_call_id":"call_1","content":"one"},
          {"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"t"},{"type":"text","text":"wo"}]},
          {"role":"assistant","content":null,"refusal":"No."},
          {"role":"assistant","content":[{"type":"text","text":"A"},{"type":"refusal","refusal":"R"}]},
          {"role":"user","content":"go","name":"bob"}
        ]}
        """#)
        let input = try #require(body["input"])
        #expect(encodedText(input) == #"""
        [{"type":"message","role":"system","content":"S"},\#
        {"type":"message","role":"developer","content":[{"type":"input_text","text":"D"}]},\#
        {"type":"message","role":"user","content":[{"type":"input_text","text":"look"},\#
        {"type":"input_image","image_url":"data:image/png;base64,AA","detail":"auto"},\#
        {"type":"input_image","image_url":"https://x/y.png","detail":"high"},{"type":"input_file","file_id":"file-1"}]},\#
        {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Checking.","annotations":[]}]},\#
        {"type":"function_call","call_id":"call_1","name":"f","arguments":"{\"a\":1}"},\#
        {"type":"function_call","call_id":"call_2","name":"g","arguments":"{}"},\#
        {"type":"function_call_output","call_id":"call_1","output":"one"},\#
        {"type":"function_call_output","call_id":"call_2","output":"two"},\#
        {"type":"message","role":"assistant","content":[{"type":"refusal","refusal":"No."}]},\#
        {"type":"message","role":"assistant","content":[{"type":"output_text","text":"A","annotations":[]},{"type":"refusal","refusal":"R"}]},\#
        {"type":"message","role":"user","content":"go"}]
        """#)
    }

    @Test func streamingAndStore() throws {
        let streamed = try translate(#"{"model":"o1-pro","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}"#)
        #expect(streamed["stream"] == true)
        #expect(streamed["stream_options"] == nil)
        #expect(streamed["store"] == false)
        let faked = try translate(#"{"model":"o1-pro","messages":[{"role":"user","content":"hi"}],"stream":true}"#, fixes: [.fakeStream])
        #expect(faked["stream"] == nil)
    }

    @Test func summariesAreAskedForOnlyWhenOn() throws {
        let source = #"{"model":"o3-pro","messages":[{"role":"user","content":"hi"}],"reasoning_effort":"low"}"#
        #expect(try translate(source)["reasoning"] == ["effort": "low"])
        #expect(try translate(source, summary: .auto)["reasoning"] == ["effort": "low", "summary": "auto"])
        #expect(try translate(#"{"model":"o3-pro","messages":[{"role":"user","content":"hi"}]}"#, summary: .detailed)["reasoning"]
                == ["summary": "detailed"])
    }

    /// Fixes apply to the chat request (roles, chat names) and to its translation (what the
    /// Responses API itself refused, named as it saw them).
    @Test func fixesApplyOnBothSides() throws {
        let body = try translate(#"{"model":"o1-pro","messages":[{"role":"developer","content":"D"}],"temperature":1,"max_tokens":50,"reasoning_effort":"low","verbosity":"low"}"#,
                                 fixes: [.drop("temperature"), .mapRole("developer", to: "user"), .drop("max_output_tokens"),
                                         .drop("reasoning.summary"), .drop("text.verbosity")],
                                 summary: .auto)
        #expect(encodedText(body) == #"{"model":"o1-pro","input":[{"type":"message","role":"user","content":"D"}],"reasoning":{"effort":"low"},"store":false}"#)
    }
}
