import O1ProxyCore

/// One exchange, from the first byte read to the record that gets logged. This driver and
/// `main` are the only places that decide when to touch the client, the network, the clock and
/// the learned state; the steps they call (decoder, plan, translations, attempt, reply) are pure.
final class Exchange {
    private let client: ClientConnection
    /// The settings, or why they could not be read: a request is answered either way.
    private let configuration: Result<Config, ConfigError>
    private let start = ContinuousClock.now
    /// How long the exchange may take, from `start`; a model's rule may extend it once the
    /// model is known.
    private var allowed: Duration
    /// The whole exchange ends by then, whatever the upstream or the client does.
    private var deadline: ContinuousClock.Instant { start + allowed }
    private var record = ExchangeRecord()
    private var reply = Reply()
    /// What the client gets if its event stream opens: the upstream's stream relayed, or one
    /// faked from a whole answer. Logged once the reply shows the stream was opened, so that a
    /// stream cut or failed after its head is logged as the stream the client had.
    private var streamMode = ExchangeRecord.StreamMode.none
    private var mailbox: Mailbox?
    /// Values that must never be logged: the configured secrets and whatever the client sent
    /// as its own credentials.
    private(set) var secrets: [String] = []

    /// - Parameter warning: a problem from before the exchange (the sandbox), for its record.
    init(client: ClientConnection, config: Result<Config, ConfigError>, warning: String? = nil) {
        self.client = client
        configuration = config
        record.warning = warning
        let settings = try? config.get()
        allowed = settings?.deadline ?? Knobs.deadline.defaultValue
        secrets = settings?.secrets ?? []
    }

    /// The life of one request: read → authorize → route → plan → upstream → respond.
    func run() -> ExchangeRecord {
        record.peer = client.peer
        var requestRead = false
        do {
            // A bad configuration is answered too, so the request is read with default limits.
            let settings = try? configuration.get()
            let request = try client.readRequest(limits: settings?.limits ?? HTTPLimits(),
                                                 deadline: start + (settings?.readTimeout ?? Knobs.readTimeout.defaultValue))
            requestRead = true
            record.method = request.method
            record.path = String(request.path)
            for name in ["authorization", "api-key"] {
                if let credential = request.headers[name] {
                    secrets += [credential, String(credential.drop { $0 != " " }.dropFirst())]
                }
            }
            let config = try configuration.get()
            try authorize(request, config)
            switch try way(request) {
            case .complete(let endpoint): try complete(request, as: endpoint, config)
            case .relay(let pathAndQuery): try relay(request, pathAndQuery, config)
            }
        } catch {
            settle(error)
        }
        record.status = reply.status == 0 ? 499 : reply.status
        record.stream = reply.streamed ? streamMode : .none
        record.durationMS = ContinuousClock.now.milliseconds(since: start)
        client.close(lingering: !requestRead)
        return record
    }

    // MARK: steps

    private enum Way {
        /// A chat completion, or a client's own Responses request: planned for its model.
        case complete(Endpoint)
        /// Anything else under `/v1/`, passed on.
        case relay(String)
    }

    private func way(_ request: HTTPRequest) throws -> Way {
        if request.path == "/v1" + Endpoint.chat.path {
            guard request.method == "POST" else {
                throw APIError(status: 405, message: "Use POST for /v1/chat/completions.", code: "method_not_allowed",
                               headers: [("Allow", "POST")])
            }
            return .complete(.chat)
        }
        if request.path == "/v1" + Endpoint.responses.path, request.method == "POST" {
            return .complete(.responses)
        }
        guard request.path.hasPrefix("/v1/") else {
            throw APIError(status: 404, message: "Unknown path \(request.path): o1-proxy serves the OpenAI API under /v1/.",
                           code: "not_found")
        }
        return .relay(String(request.target.dropFirst("/v1".count)))
    }

    /// With `O1_PROXY_TOKEN` set, only clients that know it may spend the key.
    private func authorize(_ request: HTTPRequest, _ config: Config) throws {
        guard let token = config.clientToken else { return }
        guard constantTimeEquals(request.headers["authorization"] ?? "", "Bearer \(token)") else {
            throw APIError(status: 401, message: "Missing or wrong proxy token: send 'Authorization: Bearer <O1_PROXY_TOKEN>'.",
                           code: "invalid_api_key")
        }
    }

    /// The unit found no key file and the client brings no key of its own: said before anything
    /// goes upstream, which would only answer that no key was sent.
    private func requireKey(_ headers: HTTPFields, _ config: Config) throws {
        guard let file = config.upstream.missingKeyFile,
              UpstreamCall.credentials(config: config, clientHeaders: headers).count == 0 else { return }
        throw APIError(status: 500, message: "o1-proxy has no API key: put it in \(file) (root, mode 0600) on the machine "
                           + "o1-proxy runs on, e.g. sudo sh -c 'umask 077; printf %s \"sk-...\" > \(file)'.",
                       type: "server_error", code: "missing_api_key", headers: [("x-should-retry", "false")])
    }

    /// Sends the request the way its model takes it, and when the upstream rejects something the
    /// proxy knows how to fix (a parameter, a role, streaming, chat completions itself), fixes
    /// it, remembers the fix for the next exchange, and tries again: the client sees one answer,
    /// in the API it spoke.
    private func complete(_ request: HTTPRequest, as endpoint: Endpoint, _ config: Config) throws {
        reply = Reply(client: endpoint)
        let asSent = try endpoint == .chat ? ClientRequest(chat: request.body) : ClientRequest(responses: request.body)
        record.model = asSent.model
        // A preset's name goes to its model, as if the client had sent the preset's fields too;
        // from here on the request is for that model, under its rules and what it taught.
        let preset = config.rules.preset(for: asSent.model)
        let chat = preset.map(asSent.applying) ?? asSent
        record.upstreamModel = preset?.model
        let rule = config.rules.rule(for: chat.model)
        if let longer = rule?.deadline, longer > allowed { allowed = longer }
        let memory = LearnedFixesFile(config: config)
        var plan = Plan(request: chat, rule: rule, remembered: memory.fixes(for: chat.model), summary: config.summary, preset: preset)
        record.remembered = plan.remembered
        record.warning = memory.warning ?? record.warning
        // Made for the first bridged call: only a conversation bridged to the Responses API has
        // reasoning to keep.
        var conversation: ConversationMemory?
        while true {
            if plan.bridgesChat, conversation == nil {
                let memory = ConversationMemory(config: config, clientHeaders: request.headers, model: chat.model)
                conversation = memory
                plan.continuity = memory.continuity(for: plan)
                if plan.continuity.keep { record.reasoningReplayed = plan.continuity.replayed }
                record.warning = memory.warning ?? record.warning
            }
            let body = plan.body
            record.api = plan.route.upstream
            // A body no fix touched goes on as the client's own bytes, not re-encoded.
            let bytes = body == asSent.body ? request.body : JSON.object(body).encoded()
            if config.logBodies { record.requestBody = bytes }
            let delivery: Attempt.Delivery = plan.streamsUpstream ? .stream(plan.route.translator(for: chat)) : .collect
            streamMode = plan.streamsUpstream ? .native : .faked
            // A stream's reasoning is kept before its last bytes go out, as a whole answer's is
            // before it is sent: an agent that calls again the moment it has the answer finds it.
            let keepTurn = { [plan, conversation] (outcome: Attempt.Outcome) in
                if case .relayed(_, _, let turn) = outcome { self.keep(turn, plan, conversation) }
            }
            switch try call(config, method: "POST", pathAndQuery: plan.route.upstream.path, headers: request.headers, body: bytes,
                            delivery: delivery, keepAlive: chat.stream, beforeTheEnd: keepTurn) {
            case .relayed(let ending, let usage, _):
                record.usage = usage
                if case .failed(let why)? = ending { record.error = "the upstream stream failed: \(why)" }
                return
            case .answered(let answer):
                if record.reasoningRefused == nil,
                   Responses.refusesReplay(status: answer.status, body: answer.body, replayed: plan.continuity.replay.values.flatMap { $0 }) {
                    // Asked again without it: the client gets its answer, and only the reasoning is lost.
                    record.reasoningRefused = plan.continuity.replayed
                    record.reasoningReplayed = 0
                    conversation?.forget(plan.continuity, of: plan)
                    record.warning = conversation?.warning ?? record.warning
                    plan.continuity.dropReplay()
                    continue
                }
                if record.learned.count < config.maxRetries, let fix = plan.learn(from: answer, sent: body) {
                    record.learned.append(fix)
                    memory.remember(fix, for: chat.model)
                    record.warning = memory.warning ?? record.warning
                    continue
                }
                if config.logBodies { record.responseBody = answer.body }
                try respond(with: answer, plan, conversation)
                return
            }
        }
    }

    /// Sends the answer (or the upstream's rejection) in the client's API, once its reasoning is
    /// kept for the next turn.
    private func respond(with answer: UpstreamAnswer, _ plan: Plan, _ conversation: ConversationMemory?) throws {
        guard answer.status == 200 else { return try passUpstreamError(answer) }
        let completion = try plan.route.completion(from: answer.body, contentType: answer.contentType)
        record.usage = completion.usage
        keep(completion.turn, plan, conversation)
        if plan.request.stream {
            try send(reply.openEventStream(headers: answer.headers))
            try send(reply.chunk(plan.route.fakeStream(completion, for: plan.request)) + reply.end())
        } else {
            try send(reply.full(status: 200, headers: answer.headers, body: completion.bytes))
        }
    }

    /// Keeps an answered turn's reasoning for the conversation's next turn.
    private func keep(_ turn: KeptTurn?, _ plan: Plan, _ conversation: ConversationMemory?) {
        guard let conversation, let kept = conversation.keep(turn, of: plan) else { return }
        record.reasoningKept = kept
        record.warning = conversation.warning ?? record.warning
    }

    /// Upstream errors in OpenAI's shape reach the client as they are; anything else becomes a
    /// 502 that says what came back instead.
    private func passUpstreamError(_ answer: UpstreamAnswer) throws {
        guard let error = (try? JSON(parsing: answer.body))?["error"]?.object else {
            throw APIError.upstream("The upstream answered \(answer.status) with \(answer.body.count) bytes of \(answer.contentType ?? "no content type") instead of an OpenAI error.")
        }
        let message = error["message"]?.string ?? "upstream error"
        record.error = "upstream \(answer.status): \(message)"
        if reply.state == .nothing {
            try send(reply.full(status: answer.status, headers: answer.headers, body: answer.body))
        } else {
            try send(reply.fail(APIError(status: answer.status, message: message, type: error["type"]?.string ?? "upstream_error",
                                         param: error["param"]?.string, code: error["code"]?.string)))
        }
    }

    /// Everything else under /v1 goes upstream as it is (retrieving a stored response included),
    /// so the proxy is a complete `apiBase`; the model list gets the operator's presets added, so
    /// that Continue's model picker shows them beside the upstream's models.
    private func relay(_ request: HTTPRequest, _ pathAndQuery: String, _ config: Config) throws {
        let presets = config.rules.presets.flatMap(\.listedNames)
        guard request.method == "GET", !presets.isEmpty, pathAndQuery == "/models" || pathAndQuery.hasPrefix("/models/") else {
            _ = try call(config, method: request.method, pathAndQuery: pathAndQuery, headers: request.headers, body: request.body,
                         delivery: .raw, keepAlive: false)
            return
        }
        let name = String(pathAndQuery.dropFirst("/models/".count))
        if pathAndQuery != "/models", presets.contains(name) {
            return try send(reply.full(status: 200, body: JSON.object(ModelList.entry(name)).encoded()))
        }
        guard case .answered(let answer) = try call(config, method: "GET", pathAndQuery: pathAndQuery, headers: request.headers,
                                                    body: [], delivery: .collect, keepAlive: false) else { return }
        let body = pathAndQuery == "/models" && answer.status == 200 ? ModelList.adding(presets, to: answer.body) : nil
        try send(reply.full(status: answer.status, headers: answer.headers, contentType: answer.contentType ?? "application/json",
                            body: body ?? answer.body))
    }

    // MARK: the upstream call

    /// Runs one upstream call to its end through an `Attempt`, while watching the client, the
    /// clock and SIGTERM, and writes what the attempt says to write; `beforeTheEnd` sees the
    /// outcome before its last bytes go out.
    private func call(_ config: Config, method: String, pathAndQuery: String, headers: HTTPFields, body: [UInt8],
                      delivery: Attempt.Delivery, keepAlive: Bool,
                      beforeTheEnd: (Attempt.Outcome) -> Void = { _ in }) throws -> Attempt.Outcome {
        try requireKey(headers, config)
        // One mailbox for all the exchange's calls, made with the first: until money is spent
        // upstream, SIGTERM's default (the process ends at once) loses nothing; from then on it
        // must become an event, so that the call is cancelled and the client told.
        let mailbox = self.mailbox ?? Mailbox()
        if self.mailbox == nil {
            mailbox.deliverTermination()
            self.mailbox = mailbox
        }
        let began = ContinuousClock.now
        defer { record.upstreamMS = (record.upstreamMS ?? 0) + ContinuousClock.now.milliseconds(since: began) }
        let call = UpstreamCall(config: config, method: method, pathAndQuery: pathAndQuery, clientHeaders: headers,
                                body: body, deadline: allowed, mailbox: mailbox)
        let keepalive = keepAlive ? Attempt.KeepAlive(grace: start + config.grace, every: config.keepalive) : nil
        var attempt = Attempt(delivery: delivery, keepAlive: keepalive, deadline: deadline,
                              timeout: .upstreamTimeout(after: allowed))
        defer { call.cancel() }
        do {
            while true {
                let events: [Attempt.Event]
                switch mailbox.wait(client: client.input, until: attempt.nextWake) {
                case .clientGone:
                    throw ClientGone(reason: "hung up while the upstream was answering")
                case .timeout:
                    events = [.tick]
                case .events(let arrived):
                    events = try arrived.map { event throws(APIError) in
                        guard case .upstream(let event) = event else {
                            throw APIError(status: 503, message: "o1-proxy is shutting down.", type: "server_error", code: "shutting_down")
                        }
                        return event
                    }
                }
                for event in events {
                    let step = try attempt.handle(event, at: .now, reply: &reply)
                    if let outcome = step.outcome { beforeTheEnd(outcome) }
                    try send(step.write)
                    if let outcome = step.outcome { return outcome }
                }
            }
        } catch let failure as APIError {
            // Told in the client's own stream, if it has one, numbered after what went out.
            try send(attempt.fail(failure, reply: &reply))
            throw failure
        }
    }

    // MARK: output

    private func send(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        try client.write(bytes, until: deadline)
    }

    /// Says what went wrong in the only form still open to the reply, and records why.
    private func settle(_ error: Error) {
        let answer: APIError
        switch error {
        case let gone as ClientGone:
            record.error = "client gone: \(gone.reason)"
            return
        case let failure as RequestError:
            answer = failure.apiError
        case let failure as ConfigError:
            answer = APIError(status: 500, message: "o1-proxy is misconfigured: \(failure.description)", type: "server_error",
                              code: "bad_configuration")
        case let failure as APIError:
            answer = failure
        default:
            answer = APIError(status: 500, message: "Internal error: \(error)", type: "server_error")
        }
        if record.error == nil || answer.status >= 500 { record.error = answer.message }
        do {
            try send(reply.fail(answer))
        } catch {
            record.error = (record.error ?? "") + "; client gone before the error could be sent"
        }
    }
}

/// Compares without stopping at the first difference, so response time leaks nothing about how
/// much of a guessed token was right.
func constantTimeEquals(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    var difference = UInt8(x.count == y.count ? 0 : 1)
    for i in 0..<max(x.count, y.count) {
        difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
    }
    return difference == 0
}
