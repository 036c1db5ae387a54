import Testing
@testable import O1ProxyCore
@testable import O1Proxy

/// A client's own Responses request: its body with its model's fixes, its answer and stream as
/// they came.
@Suite struct ResponsesRelayTests {
    func request(_ text: String) throws -> ClientRequest { try ClientRequest(responses: bytes(text)) }

    @Test func theClientsBodyWithTheFixes() throws {
        let r = try request(#"{"model":"o3","input":[{"role":"system","content":"s"},{"role":"user","content":"u"}],"temperature":0.2,"store":true,"previous_response_id":"resp_1","include":["x"],"unknown":1.10}"#)
        let body = Responses.relayBody(for: r, fixes: [.drop("temperature"), .mapRole("system", to: "developer")], streaming: false,
                                       summary: .off)
        #expect(encodedText(body) == #"{"model":"o3","input":[{"role":"developer","content":"s"},{"role":"user","content":"u"}],"store":true,"previous_response_id":"resp_1","include":["x"],"unknown":1.10}"#)
    }

    @Test func aFakedStreamIsAskedForWhole() throws {
        let r = try request(#"{"model":"gpt-5","input":"x","stream":true,"stream_options":{"include_obfuscation":false}}"#)
        #expect(Route(client: .responses, bridged: false).body(for: r, fixes: [.fakeStream], summary: .off) == ["model": "gpt-5", "input": "x"])
        #expect(Route(client: .responses, bridged: false).body(for: r, fixes: [], summary: .off)["stream"] == true)
    }

    @Test func theOperatorsSummaryUnlessTheClientChose() throws {
        func summary(_ text: String) throws -> JSON? {
            Responses.relayBody(for: try request(text), fixes: [], streaming: false, summary: .auto).value(at: "reasoning.summary")
        }
        #expect(try summary(#"{"model":"o3","input":"x"}"#) == "auto")
        #expect(try summary(#"{"model":"o3","input":"x","reasoning":{"effort":"low"}}"#) == "auto")
        #expect(try summary(#"{"model":"o3","input":"x","reasoning":{"summary":"detailed"}}"#) == "detailed")
        #expect(try summary(#"{"model":"o3","input":"x","reasoning":{"summary":null}}"#) == .null)
        let dropped = Responses.relayBody(for: try request(#"{"model":"o3","input":"x"}"#), fixes: [.drop("reasoning.summary")],
                                          streaming: false, summary: .auto)
        #expect(dropped["reasoning"] == nil, "a learned drop wins over the setting")
    }

    @Test func aResponsesClientIsAlwaysAnsweredByTheResponsesAPI() {
        #expect(Route(client: .responses, bridged: false).upstream == .responses)
        #expect(Route(client: .chat, bridged: false).upstream == .chat)
        #expect(Route(client: .chat, bridged: true).upstream == .responses)
    }

    @Test(arguments: [
        (#"{"input":"x"}"#, "model"), (#"{"model":"o3","input":{"a":1}}"#, "input"), (#"{"model":"o3","input":[1]}"#, "input[0]"),
        (#"{"model":"o3","stream":1}"#, "stream"), (#"[]"#, nil),
    ] as [(String, String?)])
    func requestsThatCannotBePlanned(_ text: String, _ param: String?) {
        #expect(throws: APIError.self) { try ClientRequest(responses: bytes(text)) }
        do { _ = try ClientRequest(responses: bytes(text)) } catch { #expect(error.param == param) }
    }

    @Test func aStoredConversationNeedsNoInput() throws {
        let r = try request(#"{"model":"o3","previous_response_id":"resp_1"}"#)
        #expect(r.model == "o3" && r.endpoint == .responses && !r.stream)
    }

    static let stream = [
        #"event: response.created"# + "\n" + #"data: {"type":"response.created","sequence_number":0,"response":{"id":"r","error":null}}"#,
        #"event: response.output_text.delta"# + "\n" + #"data: {"type":"response.output_text.delta","sequence_number":1,"delta":"hi","obfuscation":"abc"}"#,
        #"event: response.completed"# + "\n" + #"data: {"type":"response.completed","sequence_number":2,"response":{"id":"r","service_tier":"flex","usage":{"input_tokens":3,"output_tokens":5,"output_tokens_details":{"reasoning_tokens":2},"total_tokens":8}}}"#,
    ].map { $0 + "\n\n" }.joined()

    /// Byte for byte, however the network splits it; the terminal event ends it with its usage.
    @Test func theStreamIsRelayedAsItCame() {
        let all = bytes(Self.stream)
        for size in [1, 7, all.count] {
            var relay = Responses.StreamRelay()
            var out: [UInt8] = []
            var i = 0
            while i < all.count {
                out += relay.feed(Array(all[i..<min(i + size, all.count)]))
                i += size
            }
            #expect(out == all, "pieces of \(size)")
            #expect(relay.ending == .completed)
            #expect(relay.usage?.prompt == 3 && relay.usage?.reasoning == 2 && relay.usage?.serviceTier == "flex")
        }
    }

    @Test func aFailureIsAnErrorEventNumberedAfterWhatWentOut() {
        var relay = Responses.StreamRelay()
        _ = relay.feed(bytes(Self.stream.components(separatedBy: "\n\n").prefix(2).joined(separator: "\n\n") + "\n\n"))
        let event = text(relay.fail(.upstream("cut", code: "upstream_stream_cut")))
        #expect(event == "event: error\n" + #"data: {"type":"error","code":"upstream_stream_cut","message":"cut","param":null,"sequence_number":2}"# + "\n\n")
        #expect(relay.ending == .failed("cut"))
        #expect(relay.feed(bytes("event: x\ndata: {}\n\n")).isEmpty)
    }

    @Test(arguments: ["response.failed", "error"])
    func anUpstreamFailureEndsTheStream(_ type: String) {
        var relay = Responses.StreamRelay()
        let failed = type == "error" ? #"{"type":"error","code":"rate_limit_exceeded","message":"slow down","param":null,"sequence_number":0}"#
            : #"{"type":"response.failed","sequence_number":0,"response":{"error":{"code":"server_error","message":"slow down"}}}"#
        let event = "event: \(type)\ndata: \(failed)\n\n"
        #expect(text(relay.feed(bytes(event + "event: late\ndata: {}\n\n"))) == event)
        #expect(relay.ending == .failed("slow down"))
    }

    /// From a whole response, the events the SDK's stream helper rebuilds the same response from.
    @Test func aFakedStreamRebuildsTheResponse() throws {
        let response = try #require(try parse(#"{"id":"resp_1","object":"response","status":"completed","error":null,"output":[{"id":"rs_1","type":"reasoning","summary":[{"type":"summary_text","text":"think"}]},{"id":"msg_1","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"hello","annotations":[]}]},{"id":"fc_1","type":"function_call","status":"completed","call_id":"call_1","name":"f","arguments":"{}"}],"usage":{"input_tokens":1}}"#).object)
        let events = text(Responses.fakeStream(response)).components(separatedBy: "\n\n").filter { !$0.isEmpty }
        let data = try events.map { event in try parse(String(event.split(separator: "\n")[1].dropFirst("data: ".count))) }
        #expect(data.map { $0["type"]?.string ?? "" } == [
            "response.created", "response.in_progress",
            "response.output_item.added", "response.reasoning_summary_part.added", "response.reasoning_summary_text.delta",
            "response.reasoning_summary_text.done", "response.reasoning_summary_part.done", "response.output_item.done",
            "response.output_item.added", "response.content_part.added", "response.output_text.delta", "response.output_text.done",
            "response.content_part.done", "response.output_item.done",
            "response.output_item.added", "response.function_call_arguments.delta", "response.function_call_arguments.done",
            "response.output_item.done", "response.completed",
        ])
        #expect(data.enumerated().allSatisfy { $0.element["sequence_number"]?.int == $0.offset })
        #expect(events.allSatisfy { $0.hasPrefix("event: ") })
        #expect(data[0]["response"]?["status"] == "in_progress" && data[0]["response"]?["output"] == [])
        #expect(data[10]["delta"] == "hello" && data[10]["output_index"] == 1 && data[10]["content_index"] == 0)
        #expect(data.last?["response"] == .object(response))
    }
}
