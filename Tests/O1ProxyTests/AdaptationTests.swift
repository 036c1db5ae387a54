import Testing
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

private func fix(param: String?, code: String? = "unsupported_parameter", body: JSONObject = sent, applied: [Fix] = []) -> Fix? {
    Adaptation.fix(for: errorBody(param: param, code: code), sent: body, applied: applied)
}

@Suite struct AdaptationTests {
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
        let request = try ChatRequest(parsing: bytes(#"{"model":"o9","messages":[{"role":"system"},{"role":"user"},{"role":"system"}]}"#))
        let learned = try #require(Adaptation.fix(for: errorBody(param: "messages[0].role", code: "unsupported_value"),
                                                  sent: request.body, applied: []))
        let body = request.upstreamBody(applying: [learned])
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
        let request = try ChatRequest(parsing: bytes(#"{"model":"o9","messages":[{"role":"user"}],"top_p":1,"user":"u"}"#))
        let learned = try #require(Adaptation.fix(for: errorBody(param: "top_p", code: "unsupported_parameter"),
                                                  sent: request.body, applied: []))
        #expect(request.upstreamBody(applying: [learned]).keys == ["model", "messages", "user"])
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
            #expect(Adaptation.fix(for: bytes(body), sent: sent, applied: []) == nil, "\(body)")
        }
    }

    @Test func realOpenAIErrorBodies() {
        let maxTokens = #"{"error":{"message":"Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.","type":"invalid_request_error","param":"max_tokens","code":"unsupported_parameter"}}"#
        #expect(Adaptation.fix(for: bytes(maxTokens), sent: sent, applied: []) == .rename("max_tokens", to: "max_completion_tokens"))
        let streamOptions = #"{"error":{"message":"The 'stream_options' parameter is only allowed when 'stream' is enabled.","type":"invalid_request_error","param":"stream_options","code":null}}"#
        #expect(Adaptation.fix(for: bytes(streamOptions), sent: sent, applied: []) == .drop("stream_options"))
    }
}
