import O1ProxyCore

/// `POST /v1/chat/completions`: the client's own API, so the request is the client's body with
/// the fixes applied.
enum ChatCompletions {
    /// The fixes applied; on a call that does not stream, no `stream: true` or `stream_options`
    /// (the upstream refuses the latter without the former). A stream asks for usage even when
    /// the client did not, so that every exchange's tokens reach the journal; the relay takes
    /// that usage chunk out again.
    static func body(for request: ClientRequest, fixes: [Fix], streaming: Bool) -> JSONObject {
        var body = fixes.applied(to: request.body)
        if streaming {
            if !request.includeUsage, body["stream_options"]?.object != nil || body["stream_options"] == nil {
                var options = body["stream_options"]?.object ?? JSONObject()
                options["include_usage"] = true
                body["stream_options"] = .object(options)
            }
        } else {
            if body["stream"] == .bool(true) { body["stream"] = nil }
            body["stream_options"] = nil
        }
        // Again: a fix learned against what the proxy itself added (`drop:stream_options`) must
        // win over adding it.
        return fixes.applied(to: body)
    }
}
