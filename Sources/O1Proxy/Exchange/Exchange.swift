import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One exchange, from the first byte read to the record that gets logged. This driver and
/// `main` are the only places that touch the client, the network and the clock; the steps they
/// call (decoder, transform, fake stream, reply) are pure.
public final class Exchange {
    private let client: ClientConnection
    private let config: Result<Config, ConfigError>
    private let start = Deadline.now
    /// The whole exchange ends by then, whatever the upstream or the client does.
    private let deadline: Deadline
    private var record = ExchangeRecord()
    private var reply = Reply()
    private var mailbox: Mailbox?
    /// Values that must never be logged: the configured secrets and whatever the client sent
    /// as its own credentials.
    public private(set) var secrets: [String] = []

    public init(client: ClientConnection, config: Result<Config, ConfigError>) {
        self.client = client
        self.config = config
        let settings = try? config.get()
        deadline = Deadline(seconds: settings?.deadline ?? 900, from: start)
        secrets = settings?.secrets ?? []
    }

    /// The life of one request: read → authorize → route → transform → upstream → respond.
    public func run() -> ExchangeRecord {
        record.peer = client.peer
        var requestRead = false
        do {
            // A bad configuration is answered too, so the request is read with default limits.
            let settings = try? config.get()
            let request = try client.readRequest(limits: settings?.limits ?? HTTPLimits(),
                                                 deadline: Deadline(seconds: settings?.readTimeout ?? 30, from: start))
            requestRead = true
            record.method = request.method
            record.path = String(request.path)
            if let credential = request.header("authorization") {
                secrets += [credential, String(credential.drop { $0 != " " }.dropFirst())]
            }
            let config = try config.get()
            try authorize(request, config)
            switch try route(request) {
            case .chatCompletions: try completeChat(request, config)
            case .relay(let pathAndQuery): try relay(request, pathAndQuery, config)
            }
        } catch {
            settle(error)
        }
        record.status = reply.status == 0 ? 499 : reply.status
        record.durationMS = Deadline.now.milliseconds(since: start)
        client.close(lingering: !requestRead)
        return record
    }

    // MARK: steps

    private enum Route {
        case chatCompletions
        case relay(String)
    }

    private func route(_ request: HTTPRequest) throws -> Route {
        if request.path == "/v1/chat/completions" {
            guard request.method == "POST" else {
                throw APIError(status: 405, message: "Use POST for /v1/chat/completions.", code: "method_not_allowed",
                               headers: [("Allow", "POST")])
            }
            return .chatCompletions
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
        guard constantTimeEquals(request.header("authorization") ?? "", "Bearer \(token)") else {
            throw APIError(status: 401, message: "Missing or wrong proxy token: send 'Authorization: Bearer <O1_PROXY_TOKEN>'.",
                           code: "invalid_api_key")
        }
    }

    /// Rewrites the request for its model, calls upstream, and when the model rejects something
    /// the proxy knows how to fix, fixes it and tries again.
    private func completeChat(_ request: HTTPRequest, _ config: Config) throws {
        let chat = try ChatRequest(parsing: request.body)
        record.model = chat.model
        var fixes = config.rules.fixes(for: chat.model)
        while true {
            let streaming = chat.streamsUpstream(with: fixes)
            record.stream = chat.stream ? (streaming ? .native : .faked) : .none
            let body = chat.upstreamBody(applying: fixes)
            // A body no rule touched goes on as the client's own bytes, not re-encoded.
            let bytes = body == chat.body ? request.body : JSON.object(body).encoded()
            if config.logBodies { record.requestBody = bytes }
            guard let answer = try callUpstream(config, method: "POST", pathAndQuery: "/chat/completions", headers: request.headers,
                                                body: bytes, waiting: chat.stream ? .keepalive : .silent,
                                                delivery: streaming ? .relayEvents : .collect)
            else { return }
            if answer.status == 400, record.adaptations.count < config.maxAdaptations,
               let fix = Adaptation.fix(for: answer.body, sent: body, applied: fixes) {
                fixes.append(fix)
                record.adaptations.append(fix)
                continue
            }
            if config.logBodies { record.responseBody = answer.body }
            try respond(with: answer, to: chat)
            return
        }
    }

    private func respond(with answer: UpstreamAnswer, to chat: ChatRequest) throws {
        guard answer.status == 200 else { return try passUpstreamError(answer) }
        guard let completion = (try? JSON(parsing: answer.body))?.object else {
            throw APIError.upstream("The upstream answered 200 with \(answer.body.count) bytes of \(answer.contentType ?? "no content type") that are not JSON.")
        }
        guard completion["choices"]?.array != nil else {
            throw APIError.upstream("The upstream answered 200 without 'choices'.")
        }
        record.usage = completion["usage"]
        if chat.stream {
            try send(reply.openEventStream(headers: answer.headers))
            try send(reply.chunk(FakeStream.events(for: completion, includeUsage: chat.includeUsage)))
            try send(reply.end())
        } else {
            try send(reply.full(status: 200, headers: answer.headers, body: answer.body))
        }
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

    /// Everything under /v1 that is not a chat completion goes upstream as it is, so the proxy is
    /// a complete `apiBase` (Continue lists models through it).
    private func relay(_ request: HTTPRequest, _ pathAndQuery: String, _ config: Config) throws {
        _ = try callUpstream(config, method: request.method, pathAndQuery: pathAndQuery, headers: request.headers,
                             body: request.body, waiting: .silent, delivery: .relayRaw)
    }

    // MARK: the upstream call

    struct UpstreamAnswer {
        var status: Int
        var headers: [(name: String, value: String)]
        var contentType: String?
        var body: [UInt8]
    }

    /// How the client is kept waiting: a stream can be opened early and kept alive with comments.
    private enum Waiting {
        case silent, keepalive
    }

    /// What happens to the upstream's body: collected for the caller, or passed on as it arrives.
    private enum Delivery {
        case collect, relayEvents, relayRaw
    }

    /// Runs one upstream call to its end while watching the client, the deadline and SIGTERM.
    /// Returns the collected answer, or `nil` when it was relayed.
    private func callUpstream(_ config: Config, method: String, pathAndQuery: String, headers: [(name: String, value: String)],
                              body: [UInt8], waiting: Waiting, delivery: Delivery) throws -> UpstreamAnswer? {
        let mailbox = self.mailbox ?? Mailbox()
        if self.mailbox == nil {
            mailbox.deliverTermination()
            self.mailbox = mailbox
        }
        let began = Deadline.now
        defer { record.upstreamMS = (record.upstreamMS ?? 0) + Deadline.now.milliseconds(since: began) }
        let call = UpstreamCall(config: config, method: method, pathAndQuery: pathAndQuery, clientHeaders: headers,
                                body: body, mailbox: mailbox)
        let grace = Deadline(seconds: config.grace, from: start)
        var nextKeepalive = grace
        var response: HTTPURLResponse?
        var collected: [UInt8] = []
        var scanner = EventStreamScanner()
        do {
            while true {
                let wakeAt = waiting == .keepalive ? min(deadline, reply.state == .nothing ? grace : nextKeepalive) : deadline
                switch mailbox.wait(client: client.input, until: wakeAt) {
                case .clientGone:
                    throw ClientGone(reason: "hung up while the upstream was answering")
                case .timeout:
                    if deadline.hasPassed { throw APIError.upstreamTimeout(after: config.deadline) }
                    try send(reply.state == .nothing ? reply.openEventStream() : reply.keepalive())
                    nextKeepalive = Deadline(seconds: config.keepalive)
                case .events(let events):
                    for event in events {
                        switch event {
                        case .terminate:
                            throw APIError(status: 503, message: "o1-proxy is shutting down.", type: "server_error", code: "shutting_down")
                        case .response(let latest):
                            response = latest
                        case .data(let data):
                            let status = response?.statusCode ?? 0
                            switch delivery {
                            case .relayEvents where status == 200:
                                try send(reply.openEventStream(headers: response?.forwardableHeaders ?? []))
                                let events = scanner.feed(data)
                                if !events.isEmpty {
                                    try send(reply.chunk(events))
                                    nextKeepalive = Deadline(seconds: config.keepalive)
                                }
                            case .relayRaw:
                                try send(reply.openRaw(status: status, headers: response?.forwardableHeaders ?? [], contentType: response?.contentType))
                                try send(reply.chunk(Array(data)))
                            default:
                                collected.append(contentsOf: data)
                            }
                        case .finished(let error?):
                            throw APIError.upstream("The upstream call failed: \(describeTransportError(error)).")
                        case .finished(nil):
                            guard let response else { throw APIError.upstream("The upstream sent no response.") }
                            return try finish(response, collected, scanner, delivery)
                        }
                    }
                }
            }
        } catch {
            call.cancel()
            throw error
        }
    }

    private func finish(_ response: HTTPURLResponse, _ collected: [UInt8], _ scanner: EventStreamScanner,
                        _ delivery: Delivery) throws -> UpstreamAnswer? {
        switch delivery {
        case .relayEvents where response.statusCode == 200:
            record.usage = scanner.usage
            guard scanner.sawDone || scanner.sawError else {
                throw APIError.upstream("The upstream stream ended before [DONE]; the answer is incomplete.", code: "upstream_stream_cut")
            }
            if scanner.sawError { record.error = "the upstream stream carried an error event" }
            try send(reply.end())
            return nil
        case .relayRaw:
            try send(reply.openRaw(status: response.statusCode, headers: response.forwardableHeaders, contentType: response.contentType))
            try send(reply.end())
            return nil
        default:
            return UpstreamAnswer(status: response.statusCode, headers: response.forwardableHeaders,
                                  contentType: response.contentType, body: collected)
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
