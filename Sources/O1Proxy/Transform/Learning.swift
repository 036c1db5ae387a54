import O1ProxyCore

/// Learning from a rejection: when the upstream answers that a model refuses a parameter, a
/// value, a role, streaming, or chat completions altogether, the proxy can often tell which
/// `Fix` makes the same request acceptable. This is what lets a model released tomorrow work on
/// its first request, before anyone writes a rule for it.
enum Learning {
    static let fixableCodes: Set<String> = ["unsupported_parameter", "unsupported_value", "unknown_parameter"]

    /// The fix for an upstream rejection (`status`, error `body`) of `sent`, the body the
    /// upstream saw on `api`; `nil` when the rejection is not one the proxy can repair, or when
    /// the fix was already applied (so a stubborn upstream cannot loop it).
    static func fix(status: Int, body: [UInt8], sent: JSONObject, api: Endpoint, applied: [Fix]) -> Fix? {
        guard status == 400 || status == 404, let error = try? JSON(parsing: body)["error"] else { return nil }
        let param = error["param"]?.string
        let code = error["code"]?.string
        // "The 'stream_options' parameter is only allowed when 'stream' is enabled." comes with
        // no code at all, and is fixed like the others: drop what the upstream named.
        let fixable = code.map(fixableCodes.contains) ?? false || param == "stream_options"
        let fix: Fix?
        let message = error["message"]?.string ?? ""
        if api == .chat, refusesToolsWithReasoning(status: status, param: param, message: message) {
            fix = .tools(.responses)
        } else if api == .chat, servedOnlyByResponses(status: status, param: param, code: code, message: message) {
            fix = .useResponses
        } else if api == .responses, !applied.contains(.useResponses), code == "OperationNotSupported", !message.contains("chatCompletion") {
            // Bridged only for its tools, where the Responses API is not offered (an Azure
            // deployment): its tool turns stay on chat completions.
            fix = .tools(.chat)
        } else if api == .responses, status == 400, param == "include", message.hasPrefix("Encrypted content is not supported") {
            // A model that does not reason has no reasoning to keep, which the bridge asked for.
            fix = .drop("include")
        } else if status == 400, let param, code == "unsupported_value", ValueScale.of(param) != nil {
            fix = nearest(param, in: sent, message: message, api: api)
        } else if status == 400, let param, fixable {
            // A value refused with the values the model takes listed is the user's choice, which
            // no fix may change silently (the scales above are the exception); only what the
            // model takes at its default alone is dropped.
            fix = code == "unsupported_value" && param != "stream" && message.contains("Supported values are:") ? nil
                : repair(param, in: sent)
        } else {
            fix = nil
        }
        guard let fix, !applied.contains(fix) else { return nil }
        return fix
    }

    /// Whether `fix` is one a rejection can teach: what the learned-state file may hold.
    static func canLearn(_ fix: Fix) -> Bool {
        switch fix {
        case .drop(let key): !essentialKeys.contains(key)
        case .rename(let from, let to): from == "max_tokens" && to == "max_completion_tokens"
        case .mapRole(_, let to): to == "user"
        case .fakeStream, .useResponses, .tools: true
        case .mapValue(let path, let from, let to):
            ValueScale.of(path).map { $0.contains(from) && $0.contains(to) } ?? false
        case .responsesFor(let path, let value): path == "reasoning_effort" && value == "max"
        }
    }

    /// OpenAI's 400 for function tools with reasoning on chat completions (gpt-5.4 and later):
    /// "... are not supported for gpt-5.4 in /v1/chat/completions. Please use /v1/responses
    /// instead." Only the tool turns need the Responses API.
    private static func refusesToolsWithReasoning(status: Int, param: String?, message: String) -> Bool {
        status == 400 && param == "reasoning_effort" && message.contains("/v1/responses")
    }

    /// OpenAI's two 404 wordings for models chat completions does not serve, and Azure's 400 for
    /// a deployment whose model has no chat completions operation.
    private static func servedOnlyByResponses(status: Int, param: String?, code: String?, message: String) -> Bool {
        switch (status, param, code) {
        case (404, "model", _): message.contains("v1/responses") || message.contains("not a chat model")
        case (400, _, "OperationNotSupported"): message.contains("chatCompletion operation does not work")
        default: false
        }
    }

    /// A value on an ordered scale the model refused: the nearest it takes (the cheaper on a
    /// tie), or, for the effort only the Responses API takes (`max`), that API. A value the
    /// proxy cannot place (off the scale, no list to choose from) is the upstream's error to tell.
    private static func nearest(_ param: String, in sent: JSONObject, message: String, api: Endpoint) -> Fix? {
        guard let scale = ValueScale.of(param), let value = sent.value(at: param)?.string,
              let supported = ValueScale.supported(in: message), !supported.contains(value) else { return nil }
        if api == .chat, param == "reasoning_effort", value == "max" { return .responsesFor(param, value: value) }
        return ValueScale.nearest(to: value, among: supported, on: scale).map { .mapValue(param, from: value, to: $0) }
    }

    private static func repair(_ param: String, in sent: JSONObject) -> Fix? {
        switch param {
        case "stream":
            return sent["stream"]?.bool == true ? .fakeStream : nil
        case "max_tokens":
            return sent["max_tokens"] != nil ? .rename("max_tokens", to: "max_completion_tokens") : nil
        case _ where essentialKeys.contains(param):
            return nil
        default:
            if let role = role(named: param, in: sent) {
                return role == "user" ? nil : .mapRole(role, to: "user")
            }
            return sent.value(at: param) != nil ? .drop(param) : nil
        }
    }

    /// `messages[3].role` (chat) or `input[3].role` (Responses) → that item's role in the body sent.
    private static func role(named param: String, in body: JSONObject) -> String? {
        for list in ["messages", "input"] where param.hasPrefix(list + "[") && param.hasSuffix("].role") {
            guard let index = Int(param.dropFirst(list.count + 1).dropLast("].role".count)),
                  let items = body[list]?.array, items.indices.contains(index) else { return nil }
            return items[index]["role"]?.string
        }
        return nil
    }
}
