/// The event-stream framing of chat completions, for every stream the proxy writes: relayed,
/// translated from the Responses API, or faked from a whole answer. Each event is one `data:`
/// line and a blank line, never an `event:` line (older SDKs then yield the wrong type), and
/// the stream ends with `data: [DONE]`.
package enum SSE {
    package static func event(_ value: JSON, into out: inout [UInt8]) {
        out.append(contentsOf: "data: ".utf8)
        value.encode(into: &out)
        out.append(contentsOf: "\n\n".utf8)
    }

    package static let done = Array("data: [DONE]\n\n".utf8)

    /// How an error is told once a 200 and the stream head have gone out: the official SDKs
    /// raise an `APIError` for a `data:` event carrying an `error` object.
    package static func errorEvent(_ error: APIError) -> [UInt8] {
        var out: [UInt8] = []
        event(error.envelope, into: &out)
        return out
    }

    /// A comment, ignored by every client. Not `: ping`, which Continue reads as the end.
    package static let keepalive: [UInt8] = Array(": keepalive\n\n".utf8)
}
