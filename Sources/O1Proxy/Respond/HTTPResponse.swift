import O1ProxyCore

/// The bytes of an HTTP/1.1 response head. Every answer closes the connection: one exchange per
/// process, so there is never a second request to keep the connection for.
struct ResponseHead: Sendable {
    var status: Int
    var headers: HTTPFields

    init(status: Int, headers: HTTPFields) {
        self.status = status
        self.headers = headers
    }

    func encoded() -> [UInt8] {
        var text = "HTTP/1.1 \(status) \(reasonPhrase(status))\r\n"
        for (name, value) in headers {
            text += "\(name): \(value)\r\n"
        }
        text += "Connection: close\r\n\r\n"
        return Array(text.utf8)
    }

    /// A complete response with a known length.
    static func full(status: Int, headers: HTTPFields = [], contentType: String = "application/json", body: [UInt8]) -> [UInt8] {
        ResponseHead(status: status, headers: [("Content-Type", contentType), ("Content-Length", String(body.count))] + headers)
            .encoded() + body
    }

    /// The head of a streamed answer. Chunked even though the connection closes anyway: only
    /// the final zero-length chunk tells a client that the stream was complete rather than cut.
    static func eventStream(headers: HTTPFields = []) -> [UInt8] {
        let own: HTTPFields = [
            ("Content-Type", "text/event-stream; charset=utf-8"),
            ("Cache-Control", "no-cache"),
            ("Transfer-Encoding", "chunked"),
            ("X-Accel-Buffering", "no"),
        ]
        let ownNames: HeaderNames = ["Content-Type", "Cache-Control", "Transfer-Encoding", "X-Accel-Buffering"]
        return ResponseHead(status: 200, headers: own + headers.removing(ownNames)).encoded()
    }
}

enum Chunked {
    static func chunk(_ bytes: [UInt8]) -> [UInt8] {
        guard !bytes.isEmpty else { return [] }
        return Array((String(bytes.count, radix: 16) + "\r\n").utf8) + bytes + [13, 10]
    }

    static let end: [UInt8] = Array("0\r\n\r\n".utf8)
}

func reasonPhrase(_ status: Int) -> String {
    switch status {
    case 100: "Continue"
    case 200: "OK"
    case 201: "Created"
    case 204: "No Content"
    case 400: "Bad Request"
    case 401: "Unauthorized"
    case 403: "Forbidden"
    case 404: "Not Found"
    case 405: "Method Not Allowed"
    case 408: "Request Timeout"
    case 409: "Conflict"
    case 413: "Content Too Large"
    case 422: "Unprocessable Content"
    case 429: "Too Many Requests"
    case 431: "Request Header Fields Too Large"
    case 500: "Internal Server Error"
    case 501: "Not Implemented"
    case 502: "Bad Gateway"
    case 503: "Service Unavailable"
    case 504: "Gateway Timeout"
    case 505: "HTTP Version Not Supported"
    default: "Status \(status)"
    }
}
