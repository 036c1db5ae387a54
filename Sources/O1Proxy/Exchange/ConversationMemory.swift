import O1ProxyCore

/// One exchange's part in its conversation's continuity, when a chat request is bridged to the
/// Responses API: before the first bridged call, the reasoning the store kept for the turns the
/// client echoes (and the conversation's cache key); on a refused replay, forgetting it; once the
/// client has its answer, keeping this turn's. The exchange calls it at those three points; it
/// holds what they share, and touches the store only through them.
final class ConversationMemory {
    private let store: ReasoningStore?
    private let scope: ReasoningScope
    /// Keyed when first needed; again only if a fix learned since changed the messages (a role
    /// mapped), so that the answer is kept under the key the next turn will look for.
    private var keyed: (conversation: KeyedConversation, fixes: [Fix])?

    init(config: Config, clientHeaders: HTTPFields, model: String) {
        store = ReasoningStore(config: config)
        // Whose conversation it is, as far as the upstream can tell: a digest of the credentials
        // it is called with (the server's key, or the client's own), never the credentials.
        let credentials = UpstreamCall.credentials(config: config, clientHeaders: clientHeaders)
        scope = ReasoningScope(credential: SHA256.hex(of: credentials.map { $0.name.lowercased() + ": " + $0.value }.joined(separator: "\n")),
                               upstream: config.upstream.baseURL.absoluteString, model: model)
    }

    /// The last problem with the store, for the journal entry.
    var warning: String? { store?.warning }

    /// What the plan's conversation takes from its earlier turns: the reasoning kept for the
    /// assistant messages it echoes, and its cache key. Without a store, only the cache key.
    func continuity(for plan: Plan) -> Continuity {
        guard let store else { return Continuity(cacheKey: scope.cacheKey(plan.messages)) }
        let conversation = conversation(of: plan)
        var continuity = Continuity(keep: true, cacheKey: conversation.cacheKey)
        let found = store.lookup(Set(conversation.turns.map(\.key)), in: conversation.file)
        for turn in conversation.turns {
            guard let items = found[turn.key] else { continue }
            continuity.replay[turn.index] = items
            continuity.replayedKeys.insert(turn.key)
        }
        return continuity
    }

    /// The upstream refused what was replayed: it is not offered again.
    func forget(_ continuity: Continuity, of plan: Plan) {
        guard let store, !continuity.replayedKeys.isEmpty else { return }
        store.forget(continuity.replayedKeys, in: conversation(of: plan).file)
    }

    /// Keeps an answered turn's reasoning for the conversation's next turn; how many items were
    /// kept (none when the store could not keep them).
    func keep(_ turn: KeptTurn?, of plan: Plan) -> Int? {
        guard let turn, let store, plan.continuity.keep else { return nil }
        let conversation = conversation(of: plan)
        return store.keep(turn.items, as: scope.answerKey(conversation, answer: turn.answer), in: conversation.file) ? turn.items.count : 0
    }

    private func conversation(of plan: Plan) -> KeyedConversation {
        if let keyed, keyed.fixes == plan.fixes { return keyed.conversation }
        let conversation = scope.keyed(plan.messages, files: ReasoningStore.fileCount)
        keyed = (conversation, plan.fixes)
        return conversation
    }
}
