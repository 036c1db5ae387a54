import Testing
@testable import O1ProxyCore
@testable import O1Proxy

private func chat(_ source: String) throws(APIError) -> ClientRequest {
    try ClientRequest(chat: bytes(source))
}

private func validationError(_ source: String) -> APIError? {
    do {
        _ = try chat(source)
        return nil
    } catch {
        return error
    }
}

/// The chat completions body for `source` under `rules`.
private func upstream(_ source: String, rules: RuleBook = .builtIn) throws -> JSONObject {
    let request = try chat(source)
    return chatBody(request, rules.rule(for: request.model)?.fixes ?? [])
}

private func chatBody(_ request: ClientRequest, _ fixes: [Fix]) -> JSONObject {
    ChatCompletions.body(for: request, fixes: fixes, streaming: request.streamsUpstream(with: fixes))
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

    /// `input` next to `messages`: two conversations, and no upstream takes both.
    @Test func chatWithResponsesInput() {
        let error = validationError(#"{"model":"o1-pro","messages":[{"role":"user","content":"x"}],"input":[{"role":"user","content":"y"}]}"#)
        #expect(error?.status == 400)
        #expect(error?.param == "input")
        #expect(error?.code == "unknown_parameter")
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

    // MARK: built-in rules, as docs/requests.md's table states them

    /// One row of the rule table: the models it covers and what the proxy does to their requests.
    struct RuleRow: CustomTestStringConvertible, Sendable {
        var models: [String]
        var api: Endpoint = .chat
        /// Where its tool turns go, when the rule says.
        var tools: Endpoint?
        /// Efforts the Responses API answers; efforts mapped to the nearest the model takes.
        var responsesFor: [String] = []
        var efforts: [String: String] = [:]
        var faked = false
        var dropped: [String] = []
        var renamed: [String: String] = [:]
        var roles: [String: String] = [:]
        var deadline: Duration?

        var testDescription: String { models[0] }
    }

    static let maxTokens = ["max_tokens": "max_completion_tokens"]
    static let table: [RuleRow] = [
        RuleRow(models: ["o1-mini", "o1-mini-2024-09-12", "o1-preview", "o1-preview-2024-09-12"], faked: true,
                dropped: sampling + ["n", "stop", "tools", "tool_choice", "functions", "function_call", "parallel_tool_calls",
                                     "response_format", "reasoning_effort"],
                renamed: maxTokens, roles: ["system": "user", "developer": "user"]),
        RuleRow(models: ["o1", "o1-2024-12-17"], tools: .responses, faked: true, dropped: sampling + ["n", "parallel_tool_calls"],
                renamed: maxTokens),
        RuleRow(models: ["o3-mini", "o3-mini-2025-01-31"], tools: .responses, dropped: sampling + ["parallel_tool_calls", "stop"],
                renamed: maxTokens),
        RuleRow(models: ["o3", "o3-2025-04-16", "o4-mini", "o4-mini-2025-04-16"], tools: .responses, dropped: ["temperature", "top_p"],
                renamed: maxTokens),
        RuleRow(models: ["gpt-5", "gpt-5-2025-08-07", "gpt-5-mini", "gpt-5-mini-2025-08-07", "gpt-5-nano"], tools: .responses,
                dropped: ["temperature", "top_p", "logprobs", "top_logprobs"], renamed: maxTokens),
        RuleRow(models: ["gpt-5.1", "gpt-5.2", "gpt-5.4", "gpt-5.5-mini"], tools: .responses, renamed: maxTokens),
        RuleRow(models: ["gpt-5.6", "gpt-5.6-sol", "gpt-5.6-luna-2026-07-09"], tools: .responses, responsesFor: ["max"],
                renamed: maxTokens),
        RuleRow(models: ["gpt-6", "gpt-6-astra", "gpt-6.1-sol", "gpt-6.1-terra-2026-10-26"], tools: .responses, responsesFor: ["max"],
                efforts: ["none": "low", "minimal": "low"], dropped: ["stop", "temperature"], renamed: maxTokens),
        RuleRow(models: ["o1-pro", "o1-pro-2025-03-19", "o3-pro", "gpt-5-pro", "gpt-5-pro-2025-10-06", "gpt-5.2-pro",
                         "o3-deep-research", "o4-mini-deep-research-2025-06-26"],
                api: .responses, dropped: sampling, deadline: .seconds(3600)),
        RuleRow(models: ["codex-mini-latest", "gpt-5-codex", "gpt-5.1-codex-max", "gpt-5.3-codex"], api: .responses, dropped: sampling),
        RuleRow(models: ["gpt-4o", "gpt-4o-mini", "o1x", "O1-MINI", "my-o1-mini", "gpt-5-chat-latest", "o7-sage"]),
    ]

    @Test(arguments: table)
    func builtInRule(_ row: RuleRow) throws {
        for model in row.models {
            let rule = RuleBook.builtIn.rule(for: model)
            let fixes = rule?.fixes ?? []
            #expect(fixes.contains(.useResponses) == (row.api == .responses), "\(model)")
            #expect(fixes.contains(.fakeStream) == row.faked, "\(model)")
            #expect(fixes.toolTurns == row.tools, "\(model)")
            #expect(fixes.compactMap { if case .responsesFor("reasoning_effort", let value) = $0 { value } else { nil } } == row.responsesFor,
                    "\(model)")
            #expect(Dictionary(uniqueKeysWithValues: fixes.compactMap {
                if case .mapValue("reasoning_effort", let from, let to) = $0 { (from, to) } else { nil }
            }) == row.efforts, "\(model)")
            #expect(Set(fixes.compactMap { if case .drop(let key) = $0 { key } else { nil } }) == Set(row.dropped), "\(model)")
            #expect(Dictionary(uniqueKeysWithValues: fixes.compactMap { if case .rename(let a, let b) = $0 { (a, b) } else { nil } })
                    == row.renamed, "\(model)")
            #expect(Dictionary(uniqueKeysWithValues: fixes.compactMap { if case .mapRole(let a, let b) = $0 { (a, b) } else { nil } })
                    == row.roles, "\(model)")
            #expect(rule?.deadline == row.deadline, "\(model)")
            guard row.api == .chat else { continue }

            // The chat completions body: exactly the dropped and renamed keys gone, everything
            // else as sent and in order, roles mapped, streamed or not as the row says.
            let source = everything(model: model)
            let original = try #require(try parse(source).object)
            let request = try chat(source)
            let body = chatBody(request, fixes)
            var expected = Set(allParams).subtracting(row.dropped).subtracting(row.renamed.keys).union(row.renamed.values)
            if row.faked { expected.subtract(["stream", "stream_options"]) }
            expectKept(body, original: original, expectedKeys: expected)
            for (from, to) in row.renamed { #expect(body[to] == original[from], "\(model)") }
            #expect(roles(body) == roles(original).map { role in role.map { row.roles[$0] ?? $0 } }, "\(model)")
            #expect(request.streamsUpstream(with: fixes) == !row.faked, "\(model)")
        }
    }

    @Test func o3MiniNotStreamedLosesStreamOptions() throws {
        let body = try upstream(everything(model: "o3-mini", stream: false))
        #expect(body["stream_options"] == nil)
        #expect(body["stream"] == nil || body["stream"] == .bool(false))
    }

    /// A native stream asks for usage even when the client did not: the journal gets every
    /// exchange's tokens, and the relay takes the usage chunk out again.
    @Test func nativeStreamAsksForUsage() throws {
        let plain = try upstream(#"{"model":"gpt-4o","messages":[{"role":"user"}],"stream":true}"#)
        #expect(encodedText(plain) == #"{"model":"gpt-4o","messages":[{"role":"user"}],"stream":true,"stream_options":{"include_usage":true}}"#)
        let other = try upstream(#"{"model":"gpt-4o","messages":[{"role":"user"}],"stream":true,"stream_options":{"include_obfuscation":false}}"#)
        #expect(other["stream_options"] == ["include_obfuscation": false, "include_usage": true])
        let refused = try chat(#"{"model":"gpt-4o","messages":[{"role":"user"}],"stream":true}"#)
        #expect(chatBody(refused, [.drop("stream_options")])["stream_options"] == nil)
    }

    @Test func gpt4oStreamedBodyIsByteIdentical() throws {
        let source = everything(model: "gpt-4o")
        let request = try chat(source)
        #expect(RuleBook.builtIn.rule(for: "gpt-4o") == nil)
        #expect(request.streamsUpstream(with: []))
        let body = chatBody(request, [])
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
        let body = chatBody(request, [.drop("model"), .drop("messages"), .rename("model", to: "x"),
                                      .rename("messages", to: "y"), .rename("a", to: "model")])
        #expect(body.keys == ["model", "messages"])
        #expect(body["model"] == .string("m"))
    }

    @Test func fixDescriptionsReadBack() {
        let fixes: [(Fix, String)] = [
            (.drop("temperature"), "drop:temperature"),
            (.drop("reasoning.summary"), "drop:reasoning.summary"),
            (.rename("max_tokens", to: "max_completion_tokens"), "rename:max_tokens->max_completion_tokens"),
            (.mapRole("system", to: "user"), "role:system->user"),
            (.fakeStream, "stream:faked"),
            (.useResponses, "api:responses"),
        ]
        for (fix, text) in fixes {
            #expect(fix.description == text)
            #expect(Fix(text) == fix)
        }
        for bad in ["", "drop:", "rename:a", "rename:->b", "role:a->", "stream:native", "api:chat", "nope"] {
            #expect(Fix(bad) == nil, "\(bad)")
        }
    }

    @Test func dropReachesIntoNestedObjects() {
        let body: JSONObject = ["reasoning": ["effort": "high", "summary": "auto"], "text": ["verbosity": "low"], "a.b": 1]
        let dropped = [Fix.drop("reasoning.summary"), .drop("text.verbosity"), .drop("a.b"), .drop("missing.key")].applied(to: body)
        #expect(dropped == ["reasoning": ["effort": "high"]])
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
          {"match":["plain"]},
          {"match":["o9-pro*"],"api":"responses","deadline":1800,"summary":"detailed"}
        ]}
        """#
        let rules = try RuleBook.parse(bytes(file)).rules
        #expect(rules.count == 4)
        #expect(rules[3] == ModelRule(patterns: ["o9-pro*"], fixes: [.useResponses], deadline: .seconds(1800), summary: .detailed))
        #expect(rules[0].patterns == ["o4-*", "my-model"])
        #expect(Set(rules[0].fixes) == [.fakeStream, .mapRole("system", to: "user"), .mapRole("developer", to: "user"),
                                        .drop("temperature"), .drop("top_p"), .rename("max_tokens", to: "max_completion_tokens")])
        #expect(rules[0].fixes.count == 6)
        #expect(rules[1] == ModelRule(patterns: ["o9"], fixes: []))
        #expect(rules[2] == ModelRule(patterns: ["plain"], fixes: []))
        #expect(rules[0].matches("o4-mini"))
        #expect(rules[0].matches("my-model"))
        #expect(!rules[0].matches("o4"))
        #expect(try RuleBook.parse(bytes(#"{"rules":[]}"#)) == RuleBook(rules: []))
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
        (#"{"rules":[{"match":["a"],"api":"completions"}]}"#, "api"),
        (#"{"rules":[{"match":["a"],"deadline":0}]}"#, "deadline"),
        (#"{"rules":[{"match":["a"],"deadline":"1h"}]}"#, "deadline"),
        (#"{"rules":[{"match":["a"],"summary":"short"}]}"#, "summary"),
        (#"{"rules":[{"match":["a"],"tools":"both"}]}"#, "rules[0].tools"),
        (#"{"rules":[{"match":["a"],"values":{"reasoning_effort":"low"}}]}"#, "rules[0].values.reasoning_effort"),
        (#"{"rules":[{"match":["a"],"values":["low"]}]}"#, "rules[0].values"),
        (#"{"rules":[{"match":["a"],"responses_for":{"reasoning_effort":"max"}}]}"#, "rules[0].responses_for.reasoning_effort"),
        // Presets: a target model, an object of fields, nothing else.
        (#"{"rules":[{"match":["a"]},{"match":["p"],"model":""}]}"#, "rules[1].model"),
        (#"{"rules":[{"match":["p"],"set":{"service_tier":"flex"}}]}"#, "rules[0].model"),
        (#"{"rules":[{"match":["p"],"model":"o3","set":["flex"]}]}"#, "rules[0].set"),
        (#"{"rules":[{"match":["p"],"model":"o3","set":{"messages":[]}}]}"#, "rules[0].set cannot set \"messages\""),
        (#"{"rules":[{"match":["p"],"model":"o3","drop":["stop"]}]}"#, "rules[0] is a preset"),
        (#"{"rules":[{"match":["p"],"model":"o3","sett":{}}]}"#, "not \"sett\""),
        (#"{"rules":[{"match":[""],"model":"o3"}]}"#, "rules[0].match"),
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
        let custom = try RuleBook.parse(bytes(#"{"rules":[{"match":["o1-mini*"],"drop":["user"]}]}"#)).rules
        let book = RuleBook(rules: custom + RuleBook.builtIn.rules)
        #expect(book.rule(for: "o1-mini")?.fixes == [.drop("user")])
        #expect(book.rule(for: "o1-mini-2024-09-12")?.fixes == [.drop("user")])
        #expect(book.rule(for: "o1") == RuleBook.builtIn.rule(for: "o1"))
        let body = try upstream(#"{"model":"o1-mini","messages":[{"role":"system"}],"user":"u","temperature":1,"stream":true}"#, rules: book)
        #expect(body.keys == ["model", "messages", "temperature", "stream", "stream_options"])
        #expect(roles(body) == ["system"])
    }

    /// What `o1-proxy rules` prints reads back as the same rule.
    @Test(arguments: RuleBook.builtIn.rules + [ModelRule(patterns: ["x"], fixes: [.useResponses, .fakeStream], deadline: .seconds(90.5), summary: .auto)])
    func ruleFileEntryRoundTrips(_ rule: ModelRule) throws {
        let text = #"{"rules":["# + encodedText(rule.fileEntry) + "]}"
        let parsed = try RuleBook.parse(bytes(text)).rules
        #expect(parsed.count == 1)
        #expect(Set(parsed[0].fixes) == Set(rule.fixes))
        #expect(parsed[0].patterns == rule.patterns)
        #expect(parsed[0].deadline == rule.deadline)
        #expect(parsed[0].summary == rule.summary)
    }

    @Test func firstMatchingRuleWins() {
        let book = RuleBook(rules: [ModelRule(patterns: ["a*"], fixes: [.drop("x")]),
                                    ModelRule(patterns: ["ab"], fixes: [.drop("y")])])
        #expect(book.rule(for: "ab")?.fixes == [.drop("x")])
        #expect(book.rule(for: "b") == nil)
    }
}
