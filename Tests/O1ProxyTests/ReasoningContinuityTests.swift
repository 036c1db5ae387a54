import Foundation
import Testing
@testable import O1ProxyCore
@testable import O1Proxy

private func corpus(_ name: String) throws -> [UInt8] {
    var path = #filePath
    for _ in 0..<2 { path = String(path[..<path.lastIndex(of: "/")!]) }
    return try #require(FileManager.default.contents(atPath: path + "/Fuzz/corpus-bridge/" + name).map(Array.init))
}

private func item(_ id: String, _ content: String = "gAAAAB-sealed") -> [UInt8] {
    bytes(#"{"id":"\#(id)","type":"reasoning","summary":[],"encrypted_content":"\#(content)"}"#)
}

/// A whole response: reasoning before the message, reasoning before two calls, written with
/// the spacing of the upstream's own (kept reasoning must go back byte for byte).
private let answered = #"""
{"id":"resp_1","object":"response","created_at":1764060000,"status":"completed","model":"gpt-5-2025-08-07","output":[
 {"id": "rs_1", "type": "reasoning", "summary": [], "encrypted_content": "gAAAAB-one"},
 {"id":"msg_1","type":"message","role":"assistant","content":[{"type":"output_text","text":"hi","annotations":[]}]},
 {"id":"rs_2","type":"reasoning","summary":[],"encrypted_content":"gAAAAB-two"},
 {"id":"rs_3","type":"reasoning","summary":[]},
 {"id":"fc_1","type":"function_call","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"},
 {"id":"fc_2","type":"function_call","call_id":"call_2","name":"get_weather","arguments":"{}"},
 {"id":"rs_4","type":"reasoning","summary":[],"encrypted_content":"gAAAAB-trailing"}
],"usage":{"input_tokens":10,"output_tokens":5,"output_tokens_details":{"reasoning_tokens":3},"total_tokens":15}}
"""#

private let scope = ReasoningScope(credential: SHA256.hex(of: "authorization: Bearer sk-a"), upstream: "https://api.openai.com/v1",
                                   model: "gpt-5")

private func messages(_ json: String) throws -> [JSON] {
    try #require(parse(json).array)
}

/// The key an answer to `messages` is kept under.
private func answerKey(_ messages: [JSON], _ answer: JSONObject, scope: ReasoningScope = scope) -> String {
    scope.answerKey(scope.keyed(messages, files: 256), answer: answer)
}

@Suite struct ReasoningContinuityTests {
    // MARK: what is kept

    /// Reasoning with encrypted content goes with the item after it, as the upstream wrote it;
    /// without content, or with nothing after it, it is not kept.
    @Test func theWholeAnswersReasoningAndWhatItPreceded() throws {
        let completion = try Responses.completion(from: bytes(answered), contentType: "application/json")
        let turn = try #require(completion.turn)
        #expect(turn.items.map(\.before) == [.message, .call("call_1")])
        #expect(text(turn.items[0].item) == #"{"id": "rs_1", "type": "reasoning", "summary": [], "encrypted_content": "gAAAAB-one"}"#)
        #expect(text(turn.items[1].item) == #"{"id":"rs_2","type":"reasoning","summary":[],"encrypted_content":"gAAAAB-two"}"#)
        #expect(turn.answer == completion.object["choices"]?.array?.first?["message"]?.object.map { message in
            var message = message
            message["reasoning_content"] = nil
            return message
        })
        #expect(turn.answer["tool_calls"]?.array?.count == 2)
    }

    @Test func nothingToKeepIsNoTurn() throws {
        let plain = #"{"id":"r","status":"completed","output":[{"id":"rs_1","type":"reasoning","summary":[]},{"id":"m","type":"message","role":"assistant","content":[{"type":"output_text","text":"x"}]}]}"#
        #expect(try Responses.completion(from: bytes(plain), contentType: nil).turn == nil)
    }

    /// The stream keeps what the whole answer keeps, each item as the `output_item.done` event
    /// carried it, however the stream is split.
    @Test func aStreamKeepsTheSameAsTheWholeAnswer() throws {
        let stream = try corpus("reasoning-tools")
        var whole = Responses.StreamBridge(includeUsage: false)
        _ = whole.feed(stream)
        let turn = try #require(whole.turn)
        #expect(turn.items.count == 1)
        #expect(stream.firstRange(of: turn.items[0].item) != nil)
        let calls = try #require(turn.answer["tool_calls"]?.array)
        #expect(turn.items[0].before == .call(try #require(calls.first?["id"]?.string)))
        #expect(calls.count == 2)
        #expect(calls.allSatisfy { $0["function"]?["arguments"] == #"{"city": "Paris"}"# })
        for split in stride(from: 1, to: stream.count, by: 97) {
            var pieces = Responses.StreamBridge(includeUsage: false)
            _ = pieces.feed(Array(stream[..<split]))
            _ = pieces.feed(Array(stream[split...]))
            #expect(pieces.turn == turn, "split at \(split)")
        }
    }

    /// A stream that never completes keeps nothing.
    @Test func aCutStreamKeepsNothing() throws {
        let stream = try corpus("reasoning-tools")
        let end = try #require(stream.firstRange(of: bytes("event: response.completed"))).lowerBound
        var cut = Responses.StreamBridge(includeUsage: false)
        _ = cut.feed(Array(stream[..<end]))
        #expect(cut.turn == nil)
    }

    // MARK: what goes back

    /// Kept items go back byte for byte right before the item each preceded, in their order;
    /// reasoning for a call the client no longer echoes stays out.
    @Test func replayedItemsStandBeforeWhatTheyPreceded() throws {
        let chat = try ClientRequest(chat: bytes(#"""
            {"model":"gpt-5","messages":[{"role":"user","content":"go"},
             {"role":"assistant","content":"hi","tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}]},
             {"role":"tool","tool_call_id":"call_1","content":"sunny"}],
             "tools":[{"type":"function","function":{"name":"f","parameters":{}}}]}
            """#))
        let continuity = Continuity(replay: [1: [KeptReasoning(item: item("rs_a"), before: .message),
                                                 KeptReasoning(item: item("rs_b"), before: .call("call_1")),
                                                 KeptReasoning(item: item("rs_c"), before: .call("call_1")),
                                                 KeptReasoning(item: item("rs_gone"), before: .call("call_9"))]],
                                    keep: true, cacheKey: "o1-proxy-k")
        let body = Responses.body(for: chat, fixes: [], streaming: false, summary: .off, continuity: continuity)
        let encoded = text(JSON.object(body).encoded())
        let input = try #require(try parse(encoded)["input"]?.array)
        #expect(input.map { $0["id"]?.string ?? $0["type"]?.string ?? "" } == ["message", "rs_a", "message", "rs_b", "rs_c", "function_call", "function_call_output"])
        #expect(encoded.contains(text(item("rs_b")) + "," + text(item("rs_c"))))
        #expect(!encoded.contains("rs_gone"))
        #expect(body["include"] == ["reasoning.encrypted_content"])
        #expect(body["prompt_cache_key"] == "o1-proxy-k")
        #expect(body["store"] == false)
    }

    /// The client's own `include` and `prompt_cache_key` stay; without a store nothing is asked.
    @Test func theClientsOwnSettingsStay() throws {
        let chat = try ClientRequest(chat: bytes(#"{"model":"gpt-5","messages":[{"role":"user","content":"go"}],"prompt_cache_key":"mine","include":["message.output_text.logprobs"]}"#))
        let kept = Responses.body(for: chat, fixes: [], streaming: false, summary: .off, continuity: Continuity(keep: true, cacheKey: "o1-proxy-k"))
        #expect(kept["prompt_cache_key"] == "mine")
        #expect(kept["include"] == ["message.output_text.logprobs", "reasoning.encrypted_content"])
        let stateless = Responses.body(for: chat, fixes: [], streaming: false, summary: .off, continuity: Continuity(cacheKey: "o1-proxy-k"))
        #expect(stateless["include"] == ["message.output_text.logprobs"])
    }

    // MARK: keys

    /// The next turn finds the answer's reasoning by the message the client echoes, however the
    /// client spells an empty content.
    @Test func theEchoedAnswerFindsItsTurn() throws {
        let asked = try messages(#"[{"role":"system","content":"S"},{"role":"user","content":"go"}]"#)
        let answer: JSONObject = Responses.assistantMessage(content: "", refusal: nil, calls: [
            Responses.call(id: "call_1", name: "f", arguments: #"{"a":1}"#)])
        let key = answerKey(asked, answer)
        for echoed in [#"{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]}"#,
                       #"{"role":"assistant","content":"","tool_calls":[{"id":"call_1","type":"function","function":{"arguments":"{\"a\":1}","name":"f"}}]}"#,
                       #"{"role":"assistant","tool_calls":[{"id":"call_1","function":{"name":"f","arguments":"{\"a\":1}"}}]}"#] {
            let next = asked + [try parse(echoed), try parse(#"{"role":"tool","tool_call_id":"call_1","content":"r"}"#)]
            let keyed = scope.keyed(next, files: 256)
            #expect(keyed.turns.map(\.index) == [2])
            #expect(keyed.turns.first?.key == key, "\(echoed)")
            #expect(keyed.file == scope.keyed(asked, files: 256).file)
            #expect(keyed.cacheKey == scope.cacheKey(asked))
        }
    }

    /// Nothing is found across credentials, upstreams, models or conversations, nor for an
    /// echo that differs from what the model produced: a call id alone (`call_1` repeats
    /// everywhere) finds nothing.
    @Test func keysAreScoped() throws {
        let asked = try messages(#"[{"role":"user","content":"go"}]"#)
        let answer = Responses.assistantMessage(content: "", refusal: nil, calls: [Responses.call(id: "call_1", name: "f", arguments: "{}")])
        let key = answerKey(asked, answer)
        let others = [
            ReasoningScope(credential: SHA256.hex(of: "authorization: Bearer sk-b"), upstream: scope.upstream, model: scope.model),
            ReasoningScope(credential: scope.credential, upstream: "https://r.openai.azure.com/openai/v1", model: scope.model),
            ReasoningScope(credential: scope.credential, upstream: scope.upstream, model: "gpt-5-mini"),
        ]
        for other in others {
            #expect(answerKey(asked, answer, scope: other) != key)
        }
        // The cache key is the credential's and the upstream's; OpenAI keeps each model's cache
        // apart by itself.
        for other in others where other.model == scope.model {
            #expect(other.cacheKey(asked) != scope.cacheKey(asked))
        }
        let otherConversation = try messages(#"[{"role":"user","content":"stop"}]"#)
        #expect(answerKey(otherConversation, answer) != key)
        #expect(scope.cacheKey(otherConversation) != scope.cacheKey(asked))
        var edited = answer
        edited["tool_calls"] = [Responses.call(id: "call_1", name: "f", arguments: #"{"x":2}"#)]
        #expect(answerKey(asked, edited) != key)
        #expect(scope.cacheKey(asked).hasPrefix("o1-proxy-") && scope.cacheKey(asked).count == 9 + 32)
    }

    /// One pass: every assistant message ends a turn, keyed by everything up to it.
    @Test func everyTurnHasItsKey() throws {
        let conversation = try messages(#"""
            [{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"},
             {"role":"assistant","content":"d"},{"role":"user","content":"e"}]
            """#)
        let keys = scope.keyed(conversation, files: 256).turns
        #expect(keys.map(\.index) == [1, 3])
        #expect(keys[0].key == answerKey(Array(conversation[..<1]), ["role": "assistant", "content": "b"]))
        #expect(keys[1].key == answerKey(Array(conversation[..<3]), ["role": "assistant", "content": "d"]))
        #expect(keys.allSatisfy { KeptReasoningFile.isKey($0.key) })
    }

    // MARK: refusals

    @Test func aRefusedReplayIsRecognised() {
        let replayed = [KeptReasoning(item: item("rs_9"), before: .message)]
        let invalid = bytes(#"{"error":{"message":"The encrypted content for item rs_9 could not be verified. Reason: Encrypted content could not be decrypted or parsed.","type":"invalid_request_error","param":null,"code":"invalid_encrypted_content"}}"#)
        let following = bytes(#"{"error":{"message":"Item 'rs_9' of type 'reasoning' was provided without its required following item.","type":"invalid_request_error","param":"input","code":null}}"#)
        let notFound = bytes(#"{"error":{"message":"Item with id 'rs_9' not found. Items are not persisted when `store` is set to false.","type":"invalid_request_error","param":"input","code":null}}"#)
        let other = bytes(#"{"error":{"message":"Unsupported parameter: 'top_p'","type":"invalid_request_error","param":"top_p","code":"unsupported_parameter"}}"#)
        #expect(Responses.refusesReplay(status: 400, body: invalid, replayed: replayed))
        #expect(Responses.refusesReplay(status: 400, body: following, replayed: replayed))
        #expect(Responses.refusesReplay(status: 404, body: notFound, replayed: replayed))
        #expect(!Responses.refusesReplay(status: 400, body: other, replayed: replayed))
        #expect(!Responses.refusesReplay(status: 400, body: invalid, replayed: []))
        #expect(!Responses.refusesReplay(status: 500, body: invalid, replayed: replayed))
    }

    // MARK: routes

    /// Tool turns of the built-in reasoning models go to the Responses API; their plain turns,
    /// and every turn of a model without the rule, stay on chat.
    @Test func toolTurnsTakeTheResponsesAPI() throws {
        let tools = #","tools":[{"type":"function","function":{"name":"f","parameters":{}}}]"#
        let toolResult = #"{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c","content":"x"}"#
        func route(_ model: String, _ extra: String = "", messages: String = "", rule: ModelRule?? = nil, remembered: [Fix] = []) throws -> Endpoint {
            let request = try ClientRequest(chat: bytes(#"{"model":"\#(model)","messages":[{"role":"user","content":"u"}\#(messages)]\#(extra)}"#))
            return Plan(request: request, rule: rule ?? RuleBook.builtIn.rule(for: model), remembered: remembered, summary: .off).route.upstream
        }
        for model in ["o1", "o3-mini", "o3", "o4-mini", "gpt-5", "gpt-5-mini", "gpt-5.4", "gpt-5.6-sol", "gpt-6", "gpt-6.1-terra"] {
            #expect(try route(model, tools) == .responses, "\(model)")
            #expect(try route(model, messages: "," + toolResult) == .responses, "\(model)")
            #expect(try route(model) == .chat, "\(model)")
            #expect(try route(model, tools, remembered: [.tools(.chat)]) == .chat, "\(model): an Azure deployment without it")
        }
        for model in ["gpt-4o", "o9-future", "o1-mini"] {
            #expect(try route(model, tools) == .chat, "\(model)")
        }
        #expect(try route("o9-future", tools, remembered: [.tools(.responses)]) == .responses)
        #expect(try route("gpt-5", tools, rule: .some(ModelRule(patterns: ["gpt-5"], fixes: [.tools(.chat)]))) == .chat)
    }

    @Test func aSettingKeepsToolTurnsOnChat() throws {
        let config = try Config.from(environment: ["O1_PROXY_TOOL_TURNS": "chat"]) { _ in [] }
        #expect(config.rules.rule(for: "gpt-5")?.fixes.contains(.tools(.responses)) == false)
        #expect(config.rules.rule(for: "gpt-5")?.fixes.contains(.rename("max_tokens", to: "max_completion_tokens")) == true)
        #expect(try Config.from(environment: [:]) { _ in [] }.rules.rule(for: "gpt-5")?.fixes.contains(.tools(.responses)) == true)
        #expect(throws: ConfigError.self) { try Config.from(environment: ["O1_PROXY_TOOL_TURNS": "both"]) { _ in [] } }
        #expect(throws: ConfigError.self) { try Config.from(environment: ["O1_PROXY_REASONING_MB": "99999999999999"]) { _ in [] } }
        let hours = try Config.from(environment: ["O1_PROXY_REASONING_HOURS": "1.5", "O1_PROXY_REASONING_MB": "0"]) { _ in [] }
        #expect(hours.reasoningLifetime == .seconds(5400) && hours.reasoningBytes == 0)
    }

    @Test func rulesFilesSayWhereToolTurnsGo() throws {
        let rules = try RuleBook.parse(bytes(#"{"rules":[{"match":["az-*"],"tools":"chat"},{"match":["o9-*"],"tools":"responses"}]}"#)).rules
        #expect(rules.map(\.fixes) == [[.tools(.chat)], [.tools(.responses)]])
        #expect(rules[0].fileEntry == ["match": ["az-*"], "tools": "chat"])
        #expect(throws: ConfigError("rules[0].tools must be \"chat\" or \"responses\"")) {
            try RuleBook.parse(bytes(#"{"rules":[{"match":["x"],"tools":true}]}"#))
        }
        #expect(Fix("tools:responses") == .tools(.responses) && Fix("tools:chat") == .tools(.chat) && Fix("tools:x") == nil)
    }
}

@Suite struct KeptReasoningFileTests {
    static let keyA = String(repeating: "a", count: 64)
    static let keyB = String(repeating: "b", count: 64)

    @Test func writtenReadsBackAndIsFound() throws {
        var file = KeptReasoningFile()
        file.keep(.init(key: Self.keyA, expires: 2000, items: [KeptReasoning(item: item("rs_1", #"x\ny\"z"#), before: .call("call:1"))]))
        file.keep(.init(key: Self.keyB, expires: 1000, items: [KeptReasoning(item: item("rs_2"), before: .message)]))
        let text = file.rendered
        #expect(KeptReasoningFile(parsing: text) == file)
        #expect(O1ProxyTests.text(text).split(separator: "\n").count == 3)
        let found = KeptReasoningFile.find([Self.keyA, Self.keyB], in: text, now: 1500)
        #expect(found == [Self.keyA: [KeptReasoning(item: item("rs_1", #"x\ny\"z"#), before: .call("call:1"))]])
    }

    /// Appended again, a key is found by its last line.
    @Test func theLastLineWins() throws {
        let first = KeptReasoningFile.Turn(key: Self.keyA, expires: 2000, items: [KeptReasoning(item: item("rs_1"), before: .message)])
        let second = KeptReasoningFile.Turn(key: Self.keyA, expires: 3000, items: [KeptReasoning(item: item("rs_2"), before: .message)])
        let text = KeptReasoningFile.header + KeptReasoningFile.line(first) + KeptReasoningFile.line(second)
        #expect(KeptReasoningFile.find([Self.keyA], in: text, now: 0)[Self.keyA] == second.items)
        #expect(KeptReasoningFile(parsing: text)?.turns == [second])
    }

    /// Only reasoning items are read back: a line someone else wrote cannot add other input.
    @Test func onlyReasoningIsReadBack() throws {
        let line = #"{"key":"\#(Self.keyA)","expires":9,"items":[{"before":"message","item":"{\"type\":\"message\",\"role\":\"user\",\"content\":\"x\"}"}]}"#
        let text = KeptReasoningFile.header + bytes(line + "\n" + "not json\n" + #"{"key":"short","expires":9,"items":[]}"# + "\n")
        #expect(KeptReasoningFile(parsing: text)?.turns == [])
        #expect(KeptReasoningFile.find([Self.keyA], in: text, now: 0).isEmpty)
        #expect(KeptReasoningFile(parsing: bytes("something else\n")) == nil)
        #expect(KeptReasoningFile(parsing: []) == KeptReasoningFile())
    }

    @Test func pruningDropsTheExpiredAndTheOldestButNeverTheNewest() {
        var file = KeptReasoningFile()
        for (i, key) in ["1", "2", "3", "4"].enumerated() {
            file.keep(.init(key: String(repeating: key, count: 64), expires: Double(100 + i), items: [KeptReasoning(item: item("rs_\(i)"), before: .message)]))
        }
        var pruned = file
        pruned.prune(now: 100, maxBytes: 1 << 20)
        #expect(pruned.turns.map(\.expires) == [101, 102, 103])
        pruned.prune(now: 100, maxBytes: 0)
        #expect(pruned.turns.map(\.expires) == [103])
    }
}

@Suite struct ReasoningStoreTests {
    private func directory() throws -> String {
        let path = NSTemporaryDirectory() + "o1-proxy-store-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        return path
    }

    private let key = String(repeating: "c", count: 64)

    @Test func keptIsFoundAndForgotten() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try #require(ReasoningStore(directory: dir, maxBytes: 1 << 20, lifetime: 3600))
        let items = [KeptReasoning(item: item("rs_1"), before: .call("call_1"))]
        #expect(store.keep(items, as: key, in: 5))
        #expect(store.lookup([key], in: 5) == [key: items])
        #expect(store.lookup([key], in: 6).isEmpty)
        let path = dir + "/" + ReasoningStore.fileName(5)
        #expect(path.hasSuffix("/reasoning-05.jsonl"))
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
        #expect(store.census().turns == 1)
        store.forget([key], in: 5)
        #expect(store.lookup([key], in: 5).isEmpty)
        #expect(store.warning == nil)
        store.keep(items, as: key, in: 5)
        // Cleared without a store: a setting may have turned it off since its files were written.
        #expect(ReasoningStore.clear(directory: dir).removed == 1)
        #expect(ReasoningStore.clear(directory: dir).warning == nil)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    /// A file over its share (the operator lowered O1_PROXY_REASONING_MB) finds nothing and says
    /// so; the next turn kept rewrites it within the share.
    @Test func aFileOverItsShareIsRewritten() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let big = try #require(ReasoningStore(directory: dir, maxBytes: ReasoningStore.fileCount * 8192, lifetime: 3600))
        for n in 0..<20 {
            big.keep([KeptReasoning(item: item("rs_\(n)", String(repeating: "x", count: 300)), before: .message)],
                     as: String(repeating: "0", count: 62) + String(format: "%02x", n), in: 2)
        }
        let small = try #require(ReasoningStore(directory: dir, maxBytes: ReasoningStore.fileCount * 2048, lifetime: 3600))
        #expect(small.lookup([key], in: 2).isEmpty)
        #expect(small.warning?.contains("is over 2 KiB") == true)
        #expect(small.keep([KeptReasoning(item: item("rs_new"), before: .message)], as: key, in: 2))
        let size = try #require(try FileManager.default.attributesOfItem(atPath: dir + "/" + ReasoningStore.fileName(2))[.size] as? Int)
        #expect(size <= 2048)
        #expect(small.lookup([key], in: 2).count == 1)
    }

    /// A turn kept costs one appended line until the file outgrows its share; then it is
    /// rewritten to three quarters of it, the oldest going first, and stays readable.
    @Test func aFullFileDropsItsOldest() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try #require(ReasoningStore(directory: dir, maxBytes: ReasoningStore.fileCount * 4096, lifetime: 3600))
        let keys = (0..<40).map { String(repeating: "0", count: 62) + String(format: "%02x", $0) }
        for key in keys {
            store.keep([KeptReasoning(item: item("rs_" + key.suffix(2), String(repeating: "x", count: 300)), before: .message)], as: key, in: 0)
        }
        let size = try #require(try FileManager.default.attributesOfItem(atPath: dir + "/reasoning-00.jsonl")[.size] as? Int)
        #expect(size <= 4096)
        let found = store.lookup(Set(keys), in: 0)
        #expect(found[keys.last!] != nil)
        #expect(found[keys.first!] == nil)
        #expect(store.warning == nil)
    }

    /// A file that is not one of the store's costs its contents, never the exchange.
    @Test func aForeignFileIsReplaced() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("not a store\n".utf8).write(to: URL(fileURLWithPath: dir + "/" + ReasoningStore.fileName(1)))
        let store = try #require(ReasoningStore(directory: dir, maxBytes: 1 << 20, lifetime: 3600))
        #expect(store.lookup([key], in: 1).isEmpty)
        // Kept, though the store warns of the file it replaced: the journal counts it kept.
        #expect(store.keep([KeptReasoning(item: item("rs_1"), before: .message)], as: key, in: 1))
        #expect(store.warning?.contains("was not a kept-reasoning file; replaced") == true)
        #expect(store.lookup([key], in: 1).count == 1)
    }

    @Test func anUnwritableDirectoryOnlyWarns() throws {
        let store = try #require(ReasoningStore(directory: "/nonexistent/o1-proxy", maxBytes: 1 << 20, lifetime: 3600))
        #expect(!store.keep([KeptReasoning(item: item("rs_1"), before: .message)], as: key, in: 1))
        #expect(store.warning?.hasPrefix("kept reasoning not kept: cannot open /nonexistent/o1-proxy/reasoning.lock") == true)
        #expect(store.lookup([key], in: 1).isEmpty)
    }

    @Test func nothingIsKeptWithoutARoom() {
        #expect(ReasoningStore(directory: nil, maxBytes: 1 << 20, lifetime: 3600) == nil)
        #expect(ReasoningStore(directory: "/tmp", maxBytes: 0, lifetime: 3600) == nil)
    }
}
