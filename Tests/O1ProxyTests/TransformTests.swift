import Testing
@testable import O1Proxy

private func chat(_ source: String) throws(APIError) -> ChatRequest {
    try ChatRequest(parsing: bytes(source))
}

private func validationError(_ source: String) -> APIError? {
    do {
        _ = try chat(source)
        return nil
    } catch {
        return error
    }
}

/// The upstream body for `source` under `rules`.
private func upstream(_ source: String, rules: RuleBook = .builtIn) throws -> JSONObject {
    let request = try chat(source)
    return request.upstreamBody(applying: rules.fixes(for: request.model))
}

/// A request with every parameter any rule touches, plus fields no rule knows.
private func everything(model: String, stream: Bool = true) -> String {
    """
    {"model":"\(model)","messages":[{"role":"system","content":"S"},{"role":"user","content":[{"type":"text","text":"U"}]},\
    {"role":"developer","content":"D"},{"role":"assistant","content":"A","name":"bot"}],\
    "temperature":0.7,"top_p":0.10,"n":1,"presence_penalty":0,"frequency_penalty":-0,"logprobs":false,"top_logprobs":2,\
    "logit_bias":{"50256":-100},"stop":["\\n"],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"auto",\
    "functions":[],"function_call":"auto","parallel_tool_calls":true,"response_format":{"type":"text"},\
    "reasoning_effort":"low","max_tokens":100,"stream":\(stream),"stream_options":{"include_usage":true},\
    "user":"u1","seed":1e400,"metadata":{"k":"v"},"x_custom":[1,{"b":2,"a":1}]}
    """
}

private let allParams: [String] = [
    "model", "messages", "temperature", "top_p", "n", "presence_penalty", "frequency_penalty", "logprobs",
    "top_logprobs", "logit_bias", "stop", "tools", "tool_choice", "functions", "function_call",
    "parallel_tool_calls", "response_format", "reasoning_effort", "max_tokens", "stream", "stream_options",
    "user", "seed", "metadata", "x_custom",
]

private let sampling = ["temperature", "top_p", "presence_penalty", "frequency_penalty", "logprobs", "top_logprobs", "logit_bias"]

private func roles(_ body: JSONObject) -> [String?] {
    body["messages"]?.array?.map { $0["role"]?.string } ?? []
}

/// Checks the upstream body has exactly `expectedKeys`, values unchanged from the original for
/// every kept key (except `messages` and the renamed `max_completion_tokens`), and kept keys in
/// their original relative order.
private func expectKept(_ body: JSONObject, original: JSONObject, expectedKeys: Set<String>,
                        sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(Set(body.keys) == expectedKeys, "extra: \(Set(body.keys).subtracting(expectedKeys)), missing: \(expectedKeys.subtracting(body.keys))",
            sourceLocation: sourceLocation)
    for key in body.keys where key != "messages" && key != "max_completion_tokens" {
        #expect(body[key] == original[key], "value of \(key) changed", sourceLocation: sourceLocation)
    }
    let keptOriginal = original.keys.filter { body[$0] != nil }
    let keptBody = body.keys.filter { original[$0] != nil }
    #expect(keptBody == keptOriginal, "order of kept keys changed", sourceLocation: sourceLocation)
}

@Suite struct TransformTests {
    // MARK: validation

    @Test func bodyNotJSON() {
        for source in ["", "{", "not json", "{\"model\":\"o1\",}"] {
            let error = validationError(source)
            #expect(error?.status == 400)
            #expect(error?.code == "invalid_json")
            #expect(error?.type == "invalid_request_error")
        }
        for source in ["[]", "\"x\"", "null", "1"] {
            let error = validationError(source)
            #expect(error?.status == 400)
            #expect(error?.code == "invalid_json")
        }
    }

    @Test func invalidJSONMessageSaysWhere() {
        let error = validationError("{\"model\": x}")
        #expect(error?.message.contains("byte 10") == true)
    }

    @Test(arguments: [
        #"{"messages":[{"role":"user","content":"hi"}]}"#,
        #"{"model":"","messages":[{"role":"user","content":"hi"}]}"#,
        #"{"model":5,"messages":[{"role":"user","content":"hi"}]}"#,
        #"{"model":null,"messages":[{"role":"user","content":"hi"}]}"#,
        #"{"model":["o1"],"messages":[{"role":"user","content":"hi"}]}"#,
    ])
    func badModel(_ source: String) {
        let error = validationError(source)
        #expect(error?.status == 400)
        #expect(error?.param == "model")
        #expect(error?.type == "invalid_request_error")
    }

    @Test func missingModelCode() {
        #expect(validationError(#"{"messages":[{"role":"user"}]}"#)?.code == "missing_required_parameter")
        #expect(validationError(#"{"model":1,"messages":[{"role":"user"}]}"#)?.code == "invalid_type")
    }

    @Test(arguments: [
        #"{"model":"o1"}"#,
        #"{"model":"o1","messages":[]}"#,
        #"{"model":"o1","messages":{}}"#,
        #"{"model":"o1","messages":"hi"}"#,
        #"{"model":"o1","messages":null}"#,
    ])
    func badMessages(_ source: String) {
        let error = validationError(source)
        #expect(error?.status == 400)
        #expect(error?.param == "messages")
    }

    @Test func messageThatIsNotAnObject() {
        let error = validationError(#"{"model":"o1","messages":[{"role":"user","content":"hi"},"hi"]}"#)
        #expect(error?.status == 400)
        #expect(error?.param == "messages[1]")
        #expect(error?.code == "invalid_type")
    }

    @Test(arguments: [#""yes""#, "1", "{}", "[]", #""true""#])
    func badStream(_ value: String) {
        let error = validationError(#"{"model":"o1","messages":[{"role":"user"}],"stream":\#(value)}"#)
        #expect(error?.status == 400)
        #expect(error?.param == "stream")
    }

    @Test func validRequestFields() throws {
        let streamed = try chat(#"{"model":"o1-mini","messages":[{"role":"user"}],"stream":true,"stream_options":{"include_usage":true}}"#)
        #expect(streamed.model == "o1-mini")
        #expect(streamed.stream)
        #expect(streamed.includeUsage)
        let plain = try chat(#"{"model":"o1","messages":[{"role":"user"}],"stream":null}"#)
        #expect(!plain.stream)
        #expect(!plain.includeUsage)
        let noUsage = try chat(#"{"model":"o1","messages":[{"role":"user"}],"stream":true,"stream_options":{"include_usage":false}}"#)
        #expect(noUsage.stream)
        #expect(!noUsage.includeUsage)
    }

    // MARK: built-in rules

    @Test(arguments: ["o1-mini", "o1-mini-2024-09-12", "o1-preview", "o1-preview-2024-09-12"])
    func o1MiniAndPreview(_ model: String) throws {
        let source = everything(model: model)
        let original = try #require(try parse(source).object)
        let request = try chat(source)
        let fixes = RuleBook.builtIn.fixes(for: model)
        #expect(fixes.contains(.fakeStream))
        #expect(!request.streamsUpstream(with: fixes))
        let body = request.upstreamBody(applying: fixes)
        let dropped = Set(sampling + ["n", "stop", "tools", "tool_choice", "functions", "function_call",
                                      "parallel_tool_calls", "response_format", "reasoning_effort",
                                      "max_tokens", "stream", "stream_options"])
        expectKept(body, original: original, expectedKeys: Set(allParams).subtracting(dropped).union(["max_completion_tokens"]))
        #expect(body["max_completion_tokens"] == .number("100"))
        #expect(roles(body) == ["user", "user", "user", "assistant"])
    }

    @Test(arguments: ["o1", "o1-2024-12-17"])
    func o1(_ model: String) throws {
        let source = everything(model: model)
        let original = try #require(try parse(source).object)
        let request = try chat(source)
        let fixes = RuleBook.builtIn.fixes(for: model)
        #expect(!request.streamsUpstream(with: fixes))
        let body = request.upstreamBody(applying: fixes)
        let dropped = Set(sampling + ["n", "parallel_tool_calls", "max_tokens", "stream", "stream_options"])
        expectKept(body, original: original, expectedKeys: Set(allParams).subtracting(dropped).union(["max_completion_tokens"]))
        #expect(body["max_completion_tokens"] == .number("100"))
        #expect(body["messages"] == original["messages"])
        #expect(roles(body) == ["system", "user", "developer", "assistant"])
    }

    @Test(arguments: ["o3-mini", "o3-mini-2025-01-31"])
    func o3Mini(_ model: String) throws {
        let source = everything(model: model)
        let original = try #require(try parse(source).object)
        let request = try chat(source)
        let fixes = RuleBook.builtIn.fixes(for: model)
        #expect(request.streamsUpstream(with: fixes))
        let body = request.upstreamBody(applying: fixes)
        let dropped = Set(sampling + ["parallel_tool_calls", "stop", "max_tokens"])
        expectKept(body, original: original, expectedKeys: Set(allParams).subtracting(dropped).union(["max_completion_tokens"]))
        #expect(body["stream"] == .bool(true))
        #expect(body["stream_options"] == original["stream_options"])
        #expect(body["messages"] == original["messages"])
    }

    @Test func o3MiniNotStreamedLosesStreamOptions() throws {
        let body = try upstream(everything(model: "o3-mini", stream: false))
        #expect(body["stream_options"] == nil)
        #expect(body["stream"] == nil || body["stream"] == .bool(false))
    }

    @Test(arguments: ["gpt-4o", "gpt-4o-mini", "o1x", "O1-MINI", "my-o1-mini", "o3", "o1-pro"])
    func otherModelsHaveNoFixes(_ model: String) {
        #expect(RuleBook.builtIn.fixes(for: model) == [])
    }

    @Test func gpt4oStreamedBodyIsByteIdentical() throws {
        let source = everything(model: "gpt-4o")
        let request = try chat(source)
        let fixes = RuleBook.builtIn.fixes(for: "gpt-4o")
        #expect(request.streamsUpstream(with: fixes))
        let body = request.upstreamBody(applying: fixes)
        #expect(encodedText(body) == encodedText(try parse(source)))
        #expect(encodedText(body).contains(#""seed":1e400"#))
        #expect(encodedText(body).contains(#""top_p":0.10"#))
    }

    @Test func gpt4oPlainBodyIsByteIdentical() throws {
        let source = #"{"model":"gpt-4o","messages":[{"role":"system","content":"S"}],"temperature":0.10,"max_tokens":5,"seed":1e400}"#
        #expect(encodedText(try upstream(source)) == source)
    }

    /// Contract: "anything else (gpt-4o, ...): untouched." A client's explicit `"stream":false`
    /// is part of the body it sent.
    @Test func gpt4oExplicitStreamFalseIsByteIdentical() throws {
        let source = #"{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"stream":false}"#
        #expect(encodedText(try upstream(source)) == source)
    }

    @Test func streamOptionsRemovedWhenUpstreamIsNotStreamed() throws {
        let source = #"{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"stream_options":{"include_usage":true},"user":"x"}"#
        let body = try upstream(source)
        #expect(body["stream_options"] == nil)
        #expect(body["user"] == .string("x"))
        // A faked stream: the client asked to stream, upstream is not.
        let faked = try upstream(everything(model: "o1"))
        #expect(faked["stream_options"] == nil)
        #expect(faked["stream"] == nil)
    }

    @Test func renameKeepsAnExplicitMaxCompletionTokens() throws {
        let source = #"{"model":"o1-mini","max_tokens":100,"messages":[{"role":"user"}],"max_completion_tokens":50}"#
        let body = try upstream(source)
        #expect(body["max_tokens"] == nil)
        #expect(body["max_completion_tokens"] == .number("50"))
        #expect(body.keys.filter { $0 == "max_completion_tokens" }.count == 1)
    }

    @Test func renameWithoutTheSourceKeyAddsNothing() throws {
        let body = try upstream(#"{"model":"o1","messages":[{"role":"user"}]}"#)
        #expect(body.keys == ["model", "messages"])
    }

    @Test func rolesMappedKeepOrderAndContent() throws {
        let source = #"""
        {"model":"o1-mini","messages":[{"role":"developer","content":"D","name":"n"},{"role":"user","content":"U1"},\#
        {"role":"system","content":[{"type":"text","text":"S"}]},{"role":"assistant","content":null,"refusal":"r"},{"content":"no role"}]}
        """#
        let original = try #require(try parse(source)["messages"]?.array)
        let messages = try #require(try upstream(source)["messages"]?.array)
        #expect(messages.count == original.count)
        #expect(messages.map { $0["role"]?.string } == ["user", "user", "user", "assistant", nil])
        for (mapped, before) in zip(messages, original) {
            let a = try #require(mapped.object), b = try #require(before.object)
            #expect(a.keys == b.keys)
            for key in a.keys where key != "role" {
                #expect(a[key] == b[key])
            }
        }
    }

    @Test func unknownFieldsKeptInOrder() throws {
        let source = #"{"zz":1,"model":"o1-mini","messages":[{"role":"user"}],"custom":{"b":0.10,"a":-0},"temperature":1,"aa":[1e400]}"#
        let body = try upstream(source)
        #expect(body.keys == ["zz", "model", "messages", "custom", "aa"])
        #expect(encodedText(body) == #"{"zz":1,"model":"o1-mini","messages":[{"role":"user"}],"custom":{"b":0.10,"a":-0},"aa":[1e400]}"#)
    }

    @Test func modelAndMessagesAreNeverDroppedOrRenamed() throws {
        let request = try chat(#"{"model":"m","messages":[{"role":"user"}]}"#)
        let body = request.upstreamBody(applying: [.drop("model"), .drop("messages"), .rename("model", to: "x"),
                                                   .rename("messages", to: "y"), .rename("a", to: "model")])
        #expect(body.keys == ["model", "messages"])
        #expect(body["model"] == .string("m"))
    }

    @Test func fixDescriptions() {
        #expect(Fix.drop("temperature").description == "drop:temperature")
        #expect(Fix.rename("max_tokens", to: "max_completion_tokens").description == "rename:max_tokens->max_completion_tokens")
        #expect(Fix.mapRole("system", to: "user").description == "role:system->user")
        #expect(Fix.fakeStream.description == "stream:faked")
    }

    // MARK: glob

    @Test func globMatching() {
        #expect(glob("o1-mini", matches: "o1-mini"))
        #expect(!glob("o1-mini", matches: "o1-mini-2024"))
        #expect(!glob("o1", matches: "o1-mini"))
        #expect(glob("o1-mini-*", matches: "o1-mini-2024-09-12"))
        #expect(glob("o1-mini-*", matches: "o1-mini-"))
        #expect(!glob("o1-mini-*", matches: "o1-mini"))
        #expect(glob("o1-2*", matches: "o1-2024-12-17"))
        #expect(!glob("o1-2*", matches: "o1-mini"))
        #expect(glob("*", matches: ""))
        #expect(glob("*", matches: "anything"))
        #expect(glob("*-mini", matches: "o3-mini"))
        #expect(!glob("*-mini", matches: "o3-mini-x"))
        #expect(glob("a*b*c", matches: "abc"))
        #expect(glob("a*b*c", matches: "aXXbYYc"))
        #expect(glob("a*b*c", matches: "abcbc"))
        #expect(!glob("a*b*c", matches: "acb"))
        #expect(glob("**x", matches: "abx"))
        #expect(!glob("", matches: "a"))
        #expect(glob("", matches: ""))
        #expect(!glob("O1", matches: "o1"))
        #expect(glob("gpt-*o*", matches: "gpt-4o-mini"))
    }

    // MARK: rules file

    @Test func parseValidRulesFile() throws {
        let file = #"""
        {"rules":[
          {"match":["o4-*","my-model"],"stream":"faked","roles":{"system":"user","developer":"user"},
           "drop":["temperature","top_p"],"rename":{"max_tokens":"max_completion_tokens"}},
          {"match":["o9"],"stream":"native"},
          {"match":["plain"]}
        ]}
        """#
        let rules = try RuleBook.parse(bytes(file))
        #expect(rules.count == 3)
        #expect(rules[0].patterns == ["o4-*", "my-model"])
        #expect(Set(rules[0].fixes) == [.fakeStream, .mapRole("system", to: "user"), .mapRole("developer", to: "user"),
                                        .drop("temperature"), .drop("top_p"), .rename("max_tokens", to: "max_completion_tokens")])
        #expect(rules[0].fixes.count == 6)
        #expect(rules[1] == ModelRule(patterns: ["o9"], fixes: []))
        #expect(rules[2] == ModelRule(patterns: ["plain"], fixes: []))
        #expect(rules[0].matches("o4-mini"))
        #expect(rules[0].matches("my-model"))
        #expect(!rules[0].matches("o4"))
        #expect(try RuleBook.parse(bytes(#"{"rules":[]}"#)).isEmpty)
    }

    @Test(arguments: [
        ("not json", "not JSON"),
        ("[]", "\"rules\""),
        ("{}", "\"rules\""),
        (#"{"rules":{}}"#, "\"rules\""),
        (#"{"rules":[1]}"#, "rules[0]"),
        (#"{"rules":[{"match":["a"]},"x"]}"#, "rules[1]"),
        (#"{"rules":[{"match":["a"],"sream":"faked"}]}"#, "sream"),
        (#"{"rules":[{"stream":"faked"}]}"#, "match"),
        (#"{"rules":[{"match":[]}]}"#, "match"),
        (#"{"rules":[{"match":"o1"}]}"#, "match"),
        (#"{"rules":[{"match":["o1",2]}]}"#, "match"),
        (#"{"rules":[{"match":["a"],"stream":"yes"}]}"#, "stream"),
        (#"{"rules":[{"match":["a"],"stream":true}]}"#, "stream"),
        (#"{"rules":[{"match":["a"],"stream":null}]}"#, "stream"),
        (#"{"rules":[{"match":["a"],"roles":["system"]}]}"#, "roles"),
        (#"{"rules":[{"match":["a"],"roles":{"system":1}}]}"#, "roles.system"),
        (#"{"rules":[{"match":["a"],"rename":"max_tokens"}]}"#, "rename"),
        (#"{"rules":[{"match":["a"],"rename":{"max_tokens":null}}]}"#, "rename.max_tokens"),
        (#"{"rules":[{"match":["a"],"drop":"temperature"}]}"#, "drop"),
        (#"{"rules":[{"match":["a"],"drop":["temperature",1]}]}"#, "drop"),
    ])
    func parseInvalidRulesFile(_ file: String, _ mentions: String) {
        do {
            let rules = try RuleBook.parse(bytes(file))
            Issue.record("accepted \(file) as \(rules)")
        } catch {
            #expect(error.description.contains(mentions), "\(error.description)")
        }
    }

    @Test func operatorRulesTakePrecedence() throws {
        let custom = try RuleBook.parse(bytes(#"{"rules":[{"match":["o1-mini*"],"drop":["user"]}]}"#))
        let book = RuleBook(rules: custom + RuleBook.builtIn.rules)
        #expect(book.fixes(for: "o1-mini") == [.drop("user")])
        #expect(book.fixes(for: "o1-mini-2024-09-12") == [.drop("user")])
        #expect(book.fixes(for: "o1") == RuleBook.builtIn.fixes(for: "o1"))
        let body = try upstream(#"{"model":"o1-mini","messages":[{"role":"system"}],"user":"u","temperature":1,"stream":true}"#, rules: book)
        #expect(body.keys == ["model", "messages", "temperature", "stream"])
        #expect(roles(body) == ["system"])
    }

    @Test func firstMatchingRuleWins() {
        let book = RuleBook(rules: [ModelRule(patterns: ["a*"], fixes: [.drop("x")]),
                                    ModelRule(patterns: ["ab"], fixes: [.drop("y")])])
        #expect(book.fixes(for: "ab") == [.drop("x")])
        #expect(book.fixes(for: "b") == [])
    }
}
