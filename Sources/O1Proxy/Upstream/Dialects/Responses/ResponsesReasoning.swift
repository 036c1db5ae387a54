import O1ProxyCore

/// A reasoning item the upstream sent, kept to be sent back on the next turn: its JSON text
/// byte for byte (the encrypted content is only good as it was made), and the output item it came
/// before, where it must stand again.
struct KeptReasoning: Equatable, Sendable {
    enum Anchor: Equatable, Hashable, Sendable {
        /// The assistant's text (or refusal).
        case message
        /// A function call, by its `call_id`: the id the client echoes back.
        case call(String)
    }

    var item: [UInt8]
    var before: Anchor
}

/// A turn's reasoning to keep, and the assistant message it went with as the client was sent it:
/// the client echoes that message on the next turn, which finds the reasoning by it.
struct KeptTurn: Equatable, Sendable {
    var items: [KeptReasoning]
    var answer: JSONObject

    /// nil when there is nothing to keep.
    init?(_ items: [KeptReasoning], answering answer: JSONObject) {
        guard !items.isEmpty else { return nil }
        self.items = items
        self.answer = answer
    }
}

extension Responses {
    /// The reasoning items of a whole response that carry encrypted content, each with the item
    /// it preceded. A reasoning item with nothing after it is not kept: sent back alone, the API
    /// refuses it ("provided without its required following item").
    static func keptReasoning(in body: [UInt8]) -> [KeptReasoning] {
        var pending: [[UInt8]] = []
        var kept: [KeptReasoning] = []
        body.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(bytes: buffer)
            try? parser.members { (key, value: inout JSONParser) throws(JSONSyntaxError) in
                guard key.elementsEqual("output".utf8) else { return try value.skipValue() }
                try value.elements { (element: inout JSONParser) throws(JSONSyntaxError) in
                    let range = try element.rawValue()
                    note(Array(buffer[range]), pending: &pending, kept: &kept)
                }
            }
        }
        return kept
    }

    /// One output item of a response, whole: a reasoning item with encrypted content waits for
    /// the message or function call that follows it.
    static func note(_ raw: [UInt8], pending: inout [[UInt8]], kept: inout [KeptReasoning]) {
        guard let item = (try? JSON(parsing: raw))?.object else { return }
        switch item["type"]?.string {
        case "reasoning":
            if item["encrypted_content"]?.string?.isEmpty == false { pending.append(raw) }
        case "message":
            kept += pending.map { KeptReasoning(item: $0, before: .message) }
            pending = []
        case "function_call":
            guard let callID = item["call_id"]?.string else { return }
            kept += pending.map { KeptReasoning(item: $0, before: .call(callID)) }
            pending = []
        default:
            break
        }
    }
}

/// Where kept reasoning belongs, so that nothing leaks: the credential the upstream was called
/// with (a digest: the server's key, or the client's own), the upstream (OpenAI, an Azure
/// resource), the model or deployment, and the whole conversation up to and including the output
/// the reasoning preceded. A call id that repeats in another conversation, or the same
/// conversation under another key, finds nothing.
struct ReasoningScope: Sendable {
    let credential: String
    let upstream: String
    let model: String

    /// The conversation's turns as the Responses API sees them (the chat messages, after the
    /// fixes, translated), hashed in one pass: each assistant message ends a turn whose key is
    /// the digest of everything up to it, and the answer's key goes on from the end. A client that
    /// echoes its history changed (edited arguments, a trimmed message) gets other keys, and so
    /// no replay: safe, not an error.
    func keyed(_ messages: [JSON], files: Int) -> KeyedConversation {
        var hasher = base
        var turns: [(index: Int, key: String)] = []
        for (index, message) in messages.enumerated() {
            add(message, to: &hasher)
            if message["role"] == "assistant" { turns.append((index, SHA256.hex(hasher.finish()))) }
        }
        let opening = opening(messages)
        return KeyedConversation(turns: turns, whole: hasher, file: Int(opening[31]) % files, cacheKey: Self.cacheKey(opening))
    }

    /// The conversation's `prompt_cache_key`, where nothing is kept.
    func cacheKey(_ messages: [JSON]) -> String {
        Self.cacheKey(opening(messages))
    }

    private static func cacheKey(_ opening: [UInt8]) -> String {
        "o1-proxy-" + SHA256.hex(opening.prefix(16))
    }

    /// The key of the turn the answer ends: the conversation, then the assistant message the
    /// client was sent (as it will echo it).
    func answerKey(_ conversation: KeyedConversation, answer: JSONObject) -> String {
        var hasher = conversation.whole
        add(.object(answer), to: &hasher)
        return SHA256.hex(hasher.finish())
    }

    /// The digest behind the `prompt_cache_key` the conversation gets (when the client sends
    /// none) and the file its turns are kept in: the credential and the conversation's opening
    /// (everything up to the first user message). All its turns go to the same cache and the same
    /// file, and different conversations do not crowd one.
    private func opening(_ messages: [JSON]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update("o1-proxy cache\0\(credential)\0\(upstream)\0")
        for message in messages {
            add(message, to: &hasher)
            if message["role"] == "user" { break }
        }
        return hasher.finish()
    }

    private var base: SHA256 {
        var hasher = SHA256()
        hasher.update("o1-proxy reasoning\0\(credential)\0\(upstream)\0\(model)\0")
        return hasher
    }

    private func add(_ message: JSON, to hasher: inout SHA256) {
        for item in Responses.input(from: [message]) {
            hasher.update(item.encoded())
            hasher.update([0])
        }
        hasher.update([1])
    }
}

/// A conversation keyed for the store: its turns' keys, by the index of the assistant message
/// that ends each, and where the answer's key starts from.
struct KeyedConversation: Sendable {
    let turns: [(index: Int, key: String)]
    /// The digest state after all of its messages.
    let whole: SHA256
    /// Which of the store's files its turns are kept in.
    let file: Int
    let cacheKey: String
}

/// What keeps a bridged conversation's reasoning and prompt cache across its turns.
struct Continuity: Sendable {
    /// Reasoning kept from earlier turns, by the index of the assistant message it goes back into.
    var replay: [Int: [KeptReasoning]] = [:]
    /// The keys it was kept under, to forget if the upstream refuses it.
    var replayedKeys: Set<String> = []
    /// Ask for this turn's reasoning as encrypted content, to keep it: only where it can be kept.
    var keep = false
    /// The conversation's `prompt_cache_key`, for a client that sent none.
    var cacheKey: String?

    var replayed: Int { replay.values.reduce(0) { $0 + $1.count } }

    /// The replay left out, after the upstream refused it.
    mutating func dropReplay() {
        replay = [:]
        replayedKeys = []
    }
}

extension Responses {
    /// Whether a rejection is the upstream refusing reasoning it was sent back: its encrypted
    /// content ("could not be verified", December 2025's incident included), or an item it names
    /// ("... was provided without its required following item", "Item with id 'rs_…' not
    /// found"). Sent again without them, the turn only loses the reasoning.
    static func refusesReplay(status: Int, body: [UInt8], replayed: [KeptReasoning]) -> Bool {
        guard status == 400 || status == 404, !replayed.isEmpty, let error = (try? JSON(parsing: body))?["error"] else { return false }
        if error["code"] == "invalid_encrypted_content" { return true }
        let message = error["message"]?.string ?? ""
        return replayed.contains { item in
            guard let id = (try? JSON(parsing: item.item))?["id"]?.string, !id.isEmpty else { return false }
            return message.contains(id)
        }
    }
}
