import Testing
@testable import O1ProxyCore
@testable import O1Proxy

@Suite struct PresetTests {
    static let pro = Preset(patterns: ["gpt-5.6-sol-pro"], model: "gpt-5.6-sol", settings: ["reasoning": ["mode": "pro"]])
    static let flex = Preset(patterns: ["o3-flex", "o3-flex-*"], model: "o3", settings: ["service_tier": "flex", "metadata": ["via": "preset"]])

    /// The client's fields win, field by field inside objects; the model is the preset's.
    @Test func theClientsOwnFieldsWin() throws {
        let request = try ClientRequest(chat: bytes(#"{"model":"o3-flex","messages":[{"role":"user","content":"hi"}],"metadata":{"team":"a"},"service_tier":"default"}"#))
        let applied = request.applying(Self.flex)
        #expect(applied.model == "o3")
        #expect(applied.body["service_tier"] == "default")
        #expect(applied.body["metadata"] == ["team": "a", "via": "preset"])
        #expect(Self.flex.paths == ["service_tier", "metadata.via"])
        #expect(!Self.flex.needsResponses && Self.pro.needsResponses)
        #expect(Self.flex.listedNames == ["o3-flex"])
    }

    /// Pro mode is the Responses API's: the request goes there, the client's effort beside it.
    @Test func aResponsesFieldTakesTheRequestThere() throws {
        let request = try ClientRequest(chat: bytes(#"{"model":"gpt-5.6-sol-pro","messages":[{"role":"user","content":"hi"}],"reasoning_effort":"high"}"#))
        let applied = request.applying(Self.pro)
        let plan = Plan(request: applied, rule: RuleBook.builtIn.rule(for: "gpt-5.6-sol"), remembered: [], summary: .off, preset: Self.pro)
        #expect(plan.route.upstream == .responses)
        #expect(plan.body["model"] == "gpt-5.6-sol")
        #expect(plan.body["reasoning"] == ["mode": "pro", "effort": "high"])
    }

    /// What a preset sets is the operator's word: a refusal of it is not learned away.
    @Test func learningLeavesThePresetsFieldsAlone() throws {
        let request = try ClientRequest(chat: bytes(#"{"model":"o3-flex","messages":[{"role":"user","content":"hi"}],"temperature":0.5}"#)).applying(Self.flex)
        var plan = Plan(request: request, rule: nil, remembered: [], summary: .off, preset: Self.flex)
        func refusal(_ param: String) -> UpstreamAnswer {
            UpstreamAnswer(status: 400, headers: [], contentType: "application/json", body: APIError(
                status: 400, message: "Unsupported parameter: '\(param)'.", param: param, code: "unsupported_parameter").envelope.encoded())
        }
        #expect(plan.learn(from: refusal("service_tier"), sent: plan.body) == nil)
        #expect(plan.learn(from: refusal("metadata"), sent: plan.body) == nil)
        #expect(plan.learn(from: refusal("temperature"), sent: plan.body) == .drop("temperature"))
    }

    /// `max` goes to the Responses API; a tool turn without reasoning stays on chat.
    @Test func valuesAndEffortsChooseTheRoute() throws {
        func route(_ extra: String, model: String = "gpt-6-astra") throws -> Plan {
            let request = try ClientRequest(chat: bytes(#"{"model":"\#(model)","messages":[{"role":"user","content":"u"}]\#(extra)}"#))
            return Plan(request: request, rule: RuleBook.builtIn.rule(for: model), remembered: [], summary: .off)
        }
        #expect(try route(#","reasoning_effort":"max""#).route.upstream == .responses)
        #expect(try route(#","reasoning_effort":"max""#).body["reasoning"] == ["effort": "max"])
        #expect(try route(#","reasoning_effort":"minimal""#).route.upstream == .chat)
        #expect(try route(#","reasoning_effort":"minimal""#).body["reasoning_effort"] == "low")
        let tools = #","tools":[{"type":"function","function":{"name":"f","parameters":{}}}]"#
        #expect(try route(tools + #","reasoning_effort":"none""#, model: "gpt-5.6-sol").route.upstream == .chat)
        #expect(try route(tools, model: "gpt-5.6-sol").route.upstream == .responses)
        // gpt-6 takes no "none": mapped to low first, so its tool turn goes to the Responses API.
        #expect(try route(tools + #","reasoning_effort":"none""#).route.upstream == .responses)
    }

    @Test func theModelListGetsThePresets() throws {
        let upstream = bytes(#"{"object":"list","data":[{"id":"o3","object":"model","created":1,"owned_by":"system"}]}"#)
        let listed = try #require(ModelList.adding(["o3-flex", "o3", "gpt-5.6-sol-pro", "o3-flex"], to: upstream))
        #expect(try parse(text(listed))["data"]?.array?.compactMap { $0["id"]?.string } == ["o3", "o3-flex", "gpt-5.6-sol-pro"])
        #expect(try parse(text(listed))["data"]?.array?.last?["owned_by"] == "o1-proxy")
        #expect(ModelList.adding(["x"], to: bytes("not a list")) == nil)
    }

    /// A preset reads back from what `o1-proxy rules` prints.
    @Test func presetsRoundTripThroughTheRulesFile() throws {
        let text = #"{"rules":["# + encodedText(Self.pro.fileEntry) + "," + encodedText(Self.flex.fileEntry) + "]}"
        #expect(try RuleBook.parse(bytes(text)) == RuleBook(rules: [], presets: [Self.pro, Self.flex]))
        let book = RuleBook(rules: RuleBook.builtIn.rules, presets: [Self.flex])
        #expect(book.preset(for: "o3-flex-2") == Self.flex && book.preset(for: "o3") == nil)
    }
}
