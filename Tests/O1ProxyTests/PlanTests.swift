import Testing
@testable import O1ProxyCore
@testable import O1Proxy

private func request(_ source: String) throws -> ClientRequest {
    try ClientRequest(chat: bytes(source))
}

private func answer(_ status: Int, _ body: String) -> UpstreamAnswer {
    UpstreamAnswer(status: status, headers: [], contentType: "application/json", body: bytes(body))
}

private let onlyResponses = #"{"error":{"message":"This model is only supported in v1/responses and not in v1/chat/completions.","type":"invalid_request_error","param":"model","code":null}}"#
private let noTemperature = #"{"error":{"message":"Unsupported parameter: 'temperature' is not supported with this model.","type":"invalid_request_error","param":"temperature","code":"unsupported_parameter"}}"#
private let noSummary = #"{"error":{"message":"Your organization must be verified to generate reasoning summaries.","type":"invalid_request_error","param":"reasoning.summary","code":"unsupported_value"}}"#

@Suite struct PlanTests {
    /// An unknown Responses-only model: chat says 404, the bridge is learned; the Responses API
    /// refuses `temperature`, that is learned too; the third call is the one that works.
    @Test func learnsTheBridgeAndThenAParameter() throws {
        let chat = try request(#"{"model":"o7-sage","messages":[{"role":"user","content":"hi"}],"temperature":0.3}"#)
        var plan = Plan(request: chat, rule: nil, remembered: [], summary: .off)
        #expect(plan.route.upstream == .chat)
        var sent = plan.body
        #expect(sent == chat.body)
        #expect(plan.learn(from: answer(404, onlyResponses), sent: sent) == .useResponses)
        #expect(plan.route.upstream == .responses)
        sent = plan.body
        #expect(sent["input"] != nil && sent["temperature"] == "0.3".jsonNumber)
        #expect(plan.learn(from: answer(400, noTemperature), sent: sent) == .drop("temperature"))
        sent = plan.body
        #expect(sent["temperature"] == nil)
        #expect(plan.fixes == [.useResponses, .drop("temperature")])
        #expect(plan.learn(from: answer(400, noTemperature), sent: sent) == nil, "a stubborn upstream cannot loop the plan")
        #expect(plan.learn(from: answer(200, "{}"), sent: sent) == nil)
    }

    /// What an earlier exchange learned applies before the first call: one call, not three.
    @Test func rememberedFixesApplyFirst() throws {
        let chat = try request(#"{"model":"o7-sage","messages":[{"role":"user","content":"hi"}],"temperature":0.3}"#)
        let plan = Plan(request: chat, rule: nil, remembered: [.useResponses, .drop("temperature")], summary: .off)
        #expect(plan.route.upstream == .responses)
        #expect(plan.body["temperature"] == nil)
        #expect(plan.fixes == plan.remembered)
    }

    @Test func rememberedFixesTheRuleHasAreNotCountedTwice() throws {
        let chat = try request(#"{"model":"o1-mini","messages":[{"role":"user","content":"hi"}]}"#)
        let plan = Plan(request: chat, rule: RuleBook.builtIn.rule(for: "o1-mini"), remembered: [.fakeStream, .drop("seed")], summary: .off)
        #expect(plan.remembered == [.drop("seed")])
        #expect(plan.fixes.filter { $0 == .fakeStream }.count == 1)
    }

    /// Summaries refused for an unverified organization: retried without, the answer arrives.
    @Test func summariesRefusedAreDropped() throws {
        let chat = try request(#"{"model":"o3-pro","messages":[{"role":"user","content":"hi"}]}"#)
        var plan = Plan(request: chat, rule: RuleBook.builtIn.rule(for: "o3-pro"), remembered: [], summary: .auto)
        #expect(plan.body["reasoning"] == ["summary": "auto"])
        #expect(plan.learn(from: answer(400, noSummary), sent: plan.body) == .drop("reasoning.summary"))
        #expect(plan.body["reasoning"] == nil)
    }

    @Test func aRulesSummaryWinsOverTheDefault() throws {
        let chat = try request(#"{"model":"o3-pro","messages":[{"role":"user","content":"hi"}]}"#)
        let rule = ModelRule(patterns: ["o3-pro"], fixes: [.useResponses], summary: .off)
        #expect(Plan(request: chat, rule: rule, remembered: [], summary: .detailed).body["reasoning"] == nil)
    }

    @Test func streamsUpstreamUnlessFaked() throws {
        let chat = try request(#"{"model":"o3","messages":[{"role":"user","content":"hi"}],"stream":true}"#)
        #expect(Plan(request: chat, rule: nil, remembered: [], summary: .off).streamsUpstream)
        #expect(!Plan(request: chat, rule: nil, remembered: [.fakeStream], summary: .off).streamsUpstream)
    }
}

private extension String {
    var jsonNumber: JSON { .number(self) }
}
