import O1ProxyCore

/// How a request reaches its model: which way (`Route`), with which fixes. It starts from
/// the model's rule and what earlier exchanges learned, and grows with every rejection the
/// proxy can repair, so that each upstream call is the one the last rejection asked for.
struct Plan {
    let request: ClientRequest
    private(set) var fixes: [Fix]
    /// Fixes from earlier exchanges, applied before the first call.
    let remembered: [Fix]
    let summary: ReasoningSummary
    /// What a preset set (dotted paths): no fix learned may take it away.
    private let preset: [String]

    /// - Parameter preset: the operator's preset the client named, already applied to `request`.
    init(request: ClientRequest, rule: ModelRule?, remembered: [Fix], summary: ReasoningSummary, preset: Preset? = nil) {
        self.request = request
        let ruled = (rule?.fixes ?? []) + (preset?.needsResponses == true ? [.useResponses] : [])
        self.remembered = remembered.filter { !ruled.contains($0) }
        fixes = ruled + self.remembered
        self.summary = rule?.summary ?? summary
        self.preset = preset?.paths ?? []
        route = Self.route(of: request, with: fixes)
    }

    /// The way the request goes with the fixes so far: set with them, since each call, its body,
    /// its stream and its answer ask for it again.
    private(set) var route: Route

    /// Bridged to the Responses API: a model served only there, a value only it takes, or a tool
    /// turn of a model whose tool turns go there (unless it asks for no reasoning at all, which
    /// leaves nothing to keep and nothing for chat to refuse).
    private static func route(of request: ClientRequest, with fixes: [Fix]) -> Route {
        guard request.endpoint == .chat else { return Route(client: request.endpoint, bridged: true) }
        let sent = fixes.applied(to: request.body)
        let valued = fixes.contains { fix in
            if case .responsesFor(let path, let value) = fix { sent.value(at: path) == .string(value) } else { false }
        }
        let toolTurn = request.carriesTools && fixes.toolTurns == .responses && sent["reasoning_effort"] != "none"
        return Route(client: .chat, bridged: fixes.contains(.useResponses) || valued || toolTurn)
    }

    /// The upstream is asked for a stream (relayed as it comes); otherwise the answer is whole
    /// (and faked into a stream when the client asked for one).
    var streamsUpstream: Bool { request.streamsUpstream(with: fixes) }

    /// A bridged chat conversation's reasoning and prompt cache across turns.
    var continuity = Continuity()

    /// A chat request bridged to the Responses API, where its turns can keep their reasoning.
    var bridgesChat: Bool { route.client == .chat && route.upstream == .responses }

    /// The chat messages as the upstream gets them, once the fixes apply: what a conversation's
    /// turns are keyed by.
    var messages: [JSON] { fixes.applied(to: request.body)["messages"]?.array ?? [] }

    var body: JSONObject { route.body(for: request, fixes: fixes, summary: summary, continuity: continuity) }

    /// Takes the lesson of a rejection of `sent`: the fix to retry with, or `nil` when there is
    /// none to learn and the rejection goes to the client.
    mutating func learn(from answer: UpstreamAnswer, sent: JSONObject) -> Fix? {
        guard let fix = Learning.fix(status: answer.status, body: answer.body, sent: sent, api: route.upstream, applied: fixes),
              !touchesPreset(fix) else {
            return nil
        }
        fixes.append(fix)
        route = Self.route(of: request, with: fixes)
        return fix
    }

    /// A preset is the operator's word: a field it sets that the model refuses is the upstream's
    /// error to tell, not something to drop.
    private func touchesPreset(_ fix: Fix) -> Bool {
        let path: String
        switch fix {
        case .drop(let key), .rename(let key, _), .mapValue(let key, _, _): path = key
        default: return false
        }
        return preset.contains { $0 == path || $0.hasPrefix(path + ".") || path.hasPrefix($0 + ".") }
    }
}
