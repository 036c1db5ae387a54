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

    init(request: ClientRequest, rule: ModelRule?, remembered: [Fix], summary: ReasoningSummary) {
        self.request = request
        let ruled = rule?.fixes ?? []
        self.remembered = remembered.filter { !ruled.contains($0) }
        fixes = ruled + self.remembered
        self.summary = rule?.summary ?? summary
    }

    /// Bridged to the Responses API: a model served only there, or a tool turn of a model whose
    /// tool turns go there.
    var route: Route {
        Route(client: request.endpoint, bridged: fixes.contains(.useResponses) || (request.carriesTools && fixes.toolTurns == .responses))
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
        guard let fix = Learning.fix(status: answer.status, body: answer.body, sent: sent, api: route.upstream, applied: fixes) else {
            return nil
        }
        fixes.append(fix)
        return fix
    }
}
