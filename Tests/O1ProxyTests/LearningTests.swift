import Testing
@testable import O1ProxyCore
@testable import O1Proxy

private func errorBody(param: String?, code: String?, message: String = "Unsupported.") -> [UInt8] {
    APIError(status: 400, message: message, param: param, code: code).envelope.encoded()
}

private let sent: JSONObject = {
    let source = #"""
    {"model":"o9","messages":[{"role":"system","content":"S"},{"role":"user","content":"U"},{"role":"developer","content":"D"}],\#
    "max_tokens":10,"temperature":0.5,"stream":true,"stream_options":{"include_usage":true},"seed":3}
    """#
    return try! JSON(parsing: Array(source.utf8)).object!
}()

private func fix(param: String?, code: String? = "unsupported_parameter", body: JSONObject = sent, api: Endpoint = .chat,
                 applied: [Fix] = []) -> Fix? {
    Learning.fix(status: 400, body: errorBody(param: param, code: code), sent: body, api: api, applied: applied)
}

private func learned(_ body: String, status: Int = 400, api: Endpoint = .chat, sent: JSONObject = sent, applied: [Fix] = []) -> Fix? {
    Learning.fix(status: status, body: bytes(body), sent: sent, api: api, applied: applied)
}

@Suite struct LearningTests {
    @Test func maxTokensIsRenamed() {
        #expect(fix(param: "max_tokens") == .rename("max_tokens", to: "max_completion_tokens"))
        #expect(fix(param: "max_tokens", code: "unsupported_value") == .rename("max_tokens", to: "max_completion_tokens"))
    }

    @Test func messageRoleIsMappedToUser() {
        #expect(fix(param: "messages[0].role", code: "unsupported_value") == .mapRole("system", to: "user"))
        #expect(fix(param: "messages[2].role", code: "unsupported_value") == .mapRole("developer", to: "user"))
    }

    @Test func messageRoleThatIsAlreadyUserOrOutOfRangeIsNotFixable() {
        #expect(fix(param: "messages[1].role", code: "unsupported_value") == nil)
        #expect(fix(param: "messages[9].role", code: "unsupported_value") == nil)
        #expect(fix(param: "messages[-1].role", code: "unsupported_value") == nil)
        #expect(fix(param: "messages[x].role", code: "unsupported_value") == nil)
        #expect(fix(param: "messages[0].content", code: "unsupported_value") == nil)
    }

    @Test func mappedRoleAppliesToEveryMessageWithThatRole() throws {
        let request = try ClientRequest(chat: bytes(#"{"model":"o9","messages":[{"role":"system"},{"role":"user"},{"role":"system"}]}"#))
        let learned = try #require(fix(param: "messages[0].role", code: "unsupported_value", body: request.body))
        let body = [learned].applied(to: request.body)
        #expect(body["messages"]?.array?.map { $0["role"]?.string } == ["user", "user", "user"])
    }

    @Test func streamIsFaked() {
        #expect(fix(param: "stream", code: "unsupported_value") == .fakeStream)
        var notStreamed = sent
        notStreamed["stream"] = nil
        #expect(fix(param: "stream", code: "unsupported_value", body: notStreamed) == nil)
        notStreamed["stream"] = false
        #expect(fix(param: "stream", code: "unsupported_value", body: notStreamed) == nil)
    }

    @Test func streamOptionsIsDroppedEvenWithoutACode() {
        #expect(fix(param: "stream_options", code: nil) == .drop("stream_options"))
        #expect(fix(param: "stream_options", code: "invalid_value") == .drop("stream_options"))
        #expect(fix(param: "stream_options", code: "unsupported_parameter") == .drop("stream_options"))
    }

    @Test(arguments: ["temperature", "seed"])
    func presentTopLevelKeyIsDropped(_ key: String) {
        #expect(fix(param: key) == .drop(key))
        #expect(fix(param: key, code: "unsupported_value") == .drop(key))
    }

    @Test func learnedDropRemovesTheKey() throws {
        let request = try ClientRequest(chat: bytes(#"{"model":"o9","messages":[{"role":"user"}],"top_p":1,"user":"u"}"#))
        let learned = try #require(fix(param: "top_p", body: request.body))
        #expect([learned].applied(to: request.body).keys == ["model", "messages", "user"])
    }

    @Test(arguments: ["invalid_value", "missing_required_parameter", "invalid_type", "rate_limit_exceeded", ""])
    func otherCodesAreNotFixable(_ code: String) {
        #expect(fix(param: "temperature", code: code) == nil)
        #expect(fix(param: "max_tokens", code: code) == nil)
    }

    @Test func nullCodeIsNotFixableOutsideStreamOptions() {
        #expect(fix(param: "temperature", code: nil) == nil)
    }

    @Test func modelAndMessagesAreNotFixable() {
        #expect(fix(param: "model") == nil)
        #expect(fix(param: "messages") == nil)
        #expect(fix(param: "model", code: "unsupported_value") == nil)
    }

    @Test func absentParamsAreNotFixable() {
        #expect(fix(param: "top_p") == nil)
        #expect(fix(param: "tools", code: "unsupported_value") == nil)
        #expect(fix(param: "messages[0].role.extra") == nil)
    }

    /// A rename of a key that was not sent changes nothing; retrying it would repeat the exact
    /// same request to a paid API.
    @Test func absentMaxTokensIsNotFixable() {
        var body = sent
        body["max_tokens"] = nil
        #expect(fix(param: "max_tokens", body: body) == nil)
    }

    @Test func alreadyAppliedFixIsNotRepeated() {
        #expect(fix(param: "max_tokens", applied: [.rename("max_tokens", to: "max_completion_tokens")]) == nil)
        #expect(fix(param: "stream", code: "unsupported_value", applied: [.fakeStream]) == nil)
        #expect(fix(param: "temperature", applied: [.drop("temperature")]) == nil)
        #expect(fix(param: "messages[0].role", code: "unsupported_value", applied: [.mapRole("system", to: "user")]) == nil)
        #expect(fix(param: "stream_options", code: nil, applied: [.drop("stream_options")]) == nil)
        // A different fix already applied does not block this one.
        #expect(fix(param: "temperature", applied: [.drop("top_p"), .fakeStream]) == .drop("temperature"))
    }

    @Test func unusableErrorBodiesAreNotFixable() {
        for body in ["", "not json", "{}", #"{"error":"bad"}"#, #"{"error":{"code":"unsupported_parameter"}}"#,
                     #"{"error":{"param":null,"code":"unsupported_parameter"}}"#,
                     #"{"error":{"param":5,"code":"unsupported_parameter"}}"#, #"[{"error":{}}]"#] {
            #expect(learned(body) == nil, "\(body)")
        }
    }

    @Test func realOpenAIErrorBodies() {
        let maxTokens = #"{"error":{"message":"Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.","type":"invalid_request_error","param":"max_tokens","code":"unsupported_parameter"}}"#
        #expect(learned(maxTokens) == .rename("max_tokens", to: "max_completion_tokens"))
        let streamOptions = #"{"error":{"message":"The 'stream_options' parameter is only allowed when 'stream' is enabled.","type":"invalid_request_error","param":"stream_options","code":null}}"#
        #expect(learned(streamOptions) == .drop("stream_options"))
        let unverified = #"{"error":{"message":"Your organization must be verified to stream this model. Please go to: https://platform.openai.com/settings/organization/general and click on Verify Organization. If you just verified, it can take up to 15 minutes for access to propagate.","type":"invalid_request_error","param":"stream","code":"unsupported_value"}}"#
        #expect(learned(unverified) == .fakeStream)
        #expect(learned(unverified, api: .responses) == .fakeStream)
    }

    // MARK: the Responses API

    static let notAChatModel = #"{"error":{"message":"This is not a chat model and thus not supported in the v1/chat/completions endpoint. Did you mean to use v1/completions?","type":"invalid_request_error","param":"model","code":null}}"#
    static let onlyResponses = #"{"error":{"message":"This model is only supported in v1/responses and not in v1/chat/completions.","type":"invalid_request_error","param":"model","code":null}}"#
    static let toolsWithReasoning = #"{"error":{"message":"Function tools with reasoning_effort are not supported for gpt-5.4 in /v1/chat/completions. Please use /v1/responses instead.","type":"invalid_request_error","param":"reasoning_effort","code":null}}"#

    static let azureNoChat = #"{"error":{"code":"OperationNotSupported","message":"The chatCompletion operation does not work with the specified model, o1-pro. Please choose different model and try again. You can learn more about which models can be used with each operation here: https://go.microsoft.com/fwlink/?linkid=2197993."}}"#

    @Test(arguments: [(notAChatModel, 404), (onlyResponses, 404), (azureNoChat, 400)])
    func chatRefusalsLeadToTheResponsesAPI(_ body: String, _ status: Int) {
        #expect(learned(body, status: status) == .useResponses)
        // Once there, the same answer teaches nothing more: it is passed on.
        #expect(learned(body, status: status, api: .responses) == nil)
        #expect(learned(body, status: status, applied: [.useResponses]) == nil)
    }

    /// Only the tool turns of a model that refuses tools with reasoning on chat need the
    /// Responses API; once there, or where a rule already sent them, nothing more is learned.
    @Test func toolsWithReasoningTakeTheirTurnsToTheResponsesAPI() {
        #expect(learned(Self.toolsWithReasoning, status: 400) == .tools(.responses))
        #expect(learned(Self.toolsWithReasoning, status: 400, api: .responses) == nil)
        #expect(learned(Self.toolsWithReasoning, status: 400, applied: [.tools(.responses)]) == nil)
    }

    /// The bridge asks every model for its reasoning; one that has none says so, once.
    @Test func aModelWithoutReasoningIsNotAskedForIt() {
        let refused = #"{"error":{"message":"Encrypted content is not supported with this model.","type":"invalid_request_error","param":"include","code":null}}"#
        let sent: JSONObject = ["model": "gpt-4o", "input": [], "include": ["reasoning.encrypted_content"]]
        #expect(learned(refused, status: 400, api: .responses, sent: sent) == .drop("include"))
        #expect(learned(refused, status: 400, api: .responses, sent: sent, applied: [.drop("include")]) == nil)
        #expect(learned(refused, status: 400, sent: sent) == nil)
    }

    // MARK: values along a scale

    static func refusedValue(_ param: String, _ value: String, supported: [String]) -> String {
        let list = supported.count == 1 ? "'\(supported[0])'"
            : supported.dropLast().map { "'\($0)'" }.joined(separator: ", ") + ", and '\(supported.last!)'"
        return #"{"error":{"message":"Unsupported value: '\#(param)' does not support '\#(value)' with this model. Supported values are: \#(list).","type":"invalid_request_error","param":"\#(param)","code":"unsupported_value"}}"#
    }

    /// gpt-6-astra's chat completions takes low to xhigh (genkit PR #6303): below, the nearest;
    /// `max`, the Responses API; on the Responses API, the nearest again.
    @Test(arguments: [
        ("minimal", ["low", "medium", "high", "xhigh"], Endpoint.chat, Fix.mapValue("reasoning_effort", from: "minimal", to: "low")),
        ("none", ["low", "medium", "high", "xhigh"], .chat, .mapValue("reasoning_effort", from: "none", to: "low")),
        ("max", ["low", "medium", "high", "xhigh"], .chat, .responsesFor("reasoning_effort", value: "max")),
        ("xhigh", ["low", "medium", "high"], .chat, .mapValue("reasoning_effort", from: "xhigh", to: "high")),
        // A tie goes to the cheaper: medium is one step from low and from high.
        ("medium", ["low", "high"], .chat, .mapValue("reasoning_effort", from: "medium", to: "low")),
        ("medium", ["high"], .chat, .mapValue("reasoning_effort", from: "medium", to: "high")),
    ])
    func refusedEffortsGoToTheNearest(_ value: String, _ supported: [String], _ api: Endpoint, _ expected: Fix) {
        let body: JSONObject = ["model": "gpt-6-astra", "messages": [], "reasoning_effort": .string(value)]
        #expect(learned(Self.refusedValue("reasoning_effort", value, supported: supported), api: api, sent: body) == expected)
        #expect(Learning.canLearn(expected))
    }

    @Test func onTheResponsesAPIMaxIsMappedToo() {
        let body: JSONObject = ["model": "gpt-5.4", "input": [], "reasoning": ["effort": "max"]]
        #expect(learned(Self.refusedValue("reasoning.effort", "max", supported: ["none", "low", "medium", "high", "xhigh"]),
                        api: .responses, sent: body) == .mapValue("reasoning.effort", from: "max", to: "xhigh"))
        let verbosity: JSONObject = ["model": "m", "messages": [], "verbosity": "low"]
        #expect(learned(Self.refusedValue("verbosity", "low", supported: ["medium"]), sent: verbosity)
                == .mapValue("verbosity", from: "low", to: "medium"))
    }

    /// What the proxy cannot place goes to the client: a value off the scale, a scale it does
    /// not know, a list of another parameter (`service_tier: flex` refused must not become the
    /// default tier, which costs more).
    @Test func unplaceableValuesAreTheUpstreamsError() {
        let odd: JSONObject = ["model": "m", "messages": [], "reasoning_effort": "turbo", "service_tier": "flex"]
        #expect(learned(Self.refusedValue("reasoning_effort", "turbo", supported: ["low", "high"]), sent: odd) == nil)
        #expect(learned(Self.refusedValue("reasoning_effort", "low", supported: ["fast"]), sent: ["reasoning_effort": "low"]) == nil)
        #expect(learned(Self.refusedValue("service_tier", "flex", supported: ["auto", "default"]), sent: odd) == nil)
        #expect(learned(Self.refusedValue("reasoning_effort", "low", supported: ["low"]), sent: ["reasoning_effort": "low"]) == nil)
        #expect(!Learning.canLearn(.mapValue("service_tier", from: "flex", to: "default")))
        #expect(!Learning.canLearn(.mapValue("reasoning_effort", from: "low", to: "turbo")))
        #expect(!Learning.canLearn(.responsesFor("reasoning_effort", value: "high")))
        #expect(Fix("value:reasoning.effort=max->xhigh") == .mapValue("reasoning.effort", from: "max", to: "xhigh"))
        #expect(Fix("api:responses:reasoning_effort=max") == .responsesFor("reasoning_effort", value: "max"))
        #expect(Fix("value:reasoning_effort=low") == nil && Fix("api:responses:x") == nil)
    }

    static let azureNoResponses = #"{"error":{"code":"OperationNotSupported","message":"The responses operation does not work with the specified model, o3-mini. Please choose different model and try again. You can learn more about which models can be used with each operation here: https://go.microsoft.com/fwlink/?linkid=2197993."}}"#

    /// An Azure deployment without the Responses API: its tool turns stay on chat, unless the
    /// model has no other way (then the refusal is the answer).
    @Test func withoutTheResponsesAPIToolTurnsStayOnChat() {
        #expect(learned(Self.azureNoResponses, status: 400, api: .responses) == .tools(.chat))
        #expect(learned(Self.azureNoResponses, status: 400, api: .responses, applied: [.tools(.responses), .tools(.chat)]) == nil)
        #expect(learned(Self.azureNoResponses, status: 400, api: .responses, applied: [.useResponses]) == nil)
        #expect(learned(Self.azureNoResponses, status: 400) == nil)
    }

    @Test func otherNotFoundsAreNotLearned() {
        let missing = #"{"error":{"message":"The model `o9-nope` does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}"#
        #expect(learned(missing, status: 404) == nil)
        let wrongStatus = Self.onlyResponses
        #expect(learned(wrongStatus, status: 400) == nil)
        #expect(learned(wrongStatus, status: 500) == nil)
        #expect(learned(#"{"error":{"message":"reasoning_effort must be low","type":"invalid_request_error","param":"reasoning_effort","code":null}}"#) == nil)
    }

    /// On the Responses API the upstream names parameters as it saw them: nested ones by path.
    @Test func responsesParametersAreDroppedByPath() {
        let body: JSONObject = ["model": "o1-pro", "input": [["type": "message", "role": "developer", "content": "D"]],
                                "reasoning": ["effort": "low", "summary": "auto"], "max_output_tokens": 100, "top_logprobs": 2]
        let summaryRefused = #"{"error":{"message":"Your organization must be verified to generate reasoning summaries. Please go to: https://platform.openai.com/settings/organization/general and click on Verify Organization. If you just verified, it can take up to 15 minutes for access to propagate.","type":"invalid_request_error","param":"reasoning.summary","code":"unsupported_value"}}"#
        #expect(learned(summaryRefused, api: .responses, sent: body) == .drop("reasoning.summary"))
        #expect(fix(param: "reasoning.effort", code: "unsupported_value", body: body, api: .responses) == nil,
                "a refused effort is mapped along its scale, never dropped; without the values it takes, it is the client's to see")
        #expect(fix(param: "reasoning.effort", code: "unsupported_parameter", body: body, api: .responses) == .drop("reasoning.effort"),
                "a model that takes no effort at all")
        #expect(fix(param: "max_output_tokens", body: body, api: .responses) == .drop("max_output_tokens"))
        #expect(fix(param: "top_logprobs", code: "unknown_parameter", body: body, api: .responses) == .drop("top_logprobs"))
        #expect(fix(param: "input[0].role", code: "unsupported_value", body: body, api: .responses) == .mapRole("developer", to: "user"))
        #expect(fix(param: "input", body: body, api: .responses) == nil)
        #expect(fix(param: "reasoning.missing", body: body, api: .responses) == nil)
    }

    @Test func onlyFixesARejectionCanTeachAreKept() {
        #expect(Learning.canLearn(.drop("temperature")))
        #expect(Learning.canLearn(.drop("reasoning.summary")))
        #expect(Learning.canLearn(.rename("max_tokens", to: "max_completion_tokens")))
        #expect(Learning.canLearn(.mapRole("developer", to: "user")))
        #expect(Learning.canLearn(.fakeStream))
        #expect(Learning.canLearn(.useResponses))
        #expect(Learning.canLearn(.tools(.responses)))
        #expect(Learning.canLearn(.tools(.chat)))
        #expect(!Learning.canLearn(.drop("messages")))
        #expect(!Learning.canLearn(.drop("model")))
        #expect(!Learning.canLearn(.rename("temperature", to: "seed")))
        #expect(!Learning.canLearn(.mapRole("user", to: "system")))
    }
}
