import O1ProxyCore

/// Headers that never cross the proxy, in either direction, grouped by why.
enum NotForwarded {
    /// Hop-by-hop (RFC 9110 §7.6.1): they describe one connection, not the message.
    static let hopByHop: HeaderNames = ["connection", "keep-alive", "proxy-connection", "proxy-authenticate",
                                        "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"]
    /// The framing and coding of a body that URLSession has already de-chunked and un-gzipped:
    /// copied, they would make the client misread the body it gets.
    static let framing: HeaderNames = ["content-length", "content-encoding", "accept-encoding"]
    /// Credentials: the proxy sets the upstream's own, and a client never gets an upstream cookie.
    static let credentials: HeaderNames = ["authorization", "api-key", "set-cookie"]
    /// About the connection to the proxy itself (its host name, the 100-continue it answered) or
    /// the upstream's other endpoints (`alt-svc`, which no client of the proxy can use).
    static let addressing: HeaderNames = ["host", "expect", "alt-svc"]

    static let any = hopByHop + framing + credentials + addressing
}
