import O1ProxyCore

/// Turns the bytes a client sends into one `HTTPRequest`, incrementally and without I/O, so it is
/// tested (and fuzzed) on bytes alone. Strict on purpose: every framing ambiguity a smuggling
/// attack relies on (two lengths, length plus chunked, folded or bare-LF headers) is a 400, and
/// every limit is checked before the bytes it protects against are buffered.
struct RequestDecoder {
    let limits: HTTPLimits
    /// The request line and headers, once they are complete; the body may still be arriving.
    private(set) var head: HTTPRequest?
    /// The client waits for `100 Continue` before sending its body (curl does, for a second).
    private(set) var expectsContinue = false

    private var buffer: [UInt8] = []
    private var cursor = 0
    private var framing = Framing.none
    private var body: [UInt8] = []
    private var trailerBytes = 0

    private enum Framing {
        case none
        case length(Int)
        case chunked(ChunkState)
    }

    private enum ChunkState {
        case size
        case data(remaining: Int)
        case dataEnd
        case trailers
    }

    init(limits: HTTPLimits) {
        self.limits = limits
    }

    /// Feeds what arrived; returns the request once it is complete, `nil` while more is needed.
    mutating func feed(_ bytes: some Collection<UInt8>) throws(RequestError) -> HTTPRequest? {
        buffer.append(contentsOf: bytes)
        if head == nil {
            guard try decodeHead() else { return nil }
        }
        guard try decodeBody() else { return nil }
        var request = head!
        request.body = body
        return request
    }

    // MARK: head

    private mutating func decodeHead() throws(RequestError) -> Bool {
        let found = find(crlfcrlf, from: max(0, cursor - 3))
        // A head written with bare LFs would never show CRLFCRLF: refuse it now rather than let
        // the client wait for the read deadline. Only bytes within the head limit are looked
        // at, so the same bytes give the same error however the reads split them.
        let scanEnd = min(found.map { $0 + 4 } ?? buffer.count, limits.maxHeadBytes)
        for i in cursor..<max(cursor, scanEnd) where buffer[i] == lf && (i == 0 || buffer[i - 1] != cr) {
            throw .malformed("bare LF in the request head")
        }
        guard let end = found else {
            if buffer.count > limits.maxHeadBytes { throw .headTooLarge }
            cursor = buffer.count
            return false
        }
        guard end + 4 <= limits.maxHeadBytes else { throw .headTooLarge }
        let lines = try splitLines(buffer[0..<end])
        var request = try parseRequestLine(lines[0])
        guard lines.count - 1 <= limits.maxHeaders else { throw .tooManyHeaders }
        for line in lines.dropFirst() {
            let field = try parseHeaderLine(line)
            request.headers.append(field.name, field.value)
        }
        framing = try bodyFraming(request)
        expectsContinue = request.headers.list("expect").contains { same($0, "100-continue") }
        head = request
        buffer.removeFirst(end + 4)
        cursor = 0
        return true
    }

    private func splitLines(_ head: ArraySlice<UInt8>) throws(RequestError) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = head.startIndex
        var i = head.startIndex
        while i < head.endIndex {
            switch head[i] {
            case cr:
                guard i + 1 < head.endIndex, head[i + 1] == lf else { throw .malformed("bare CR in the request head") }
                lines.append(head[start..<i])
                i += 2
                start = i
            case lf:
                throw .malformed("bare LF in the request head")
            default:
                i += 1
            }
        }
        lines.append(head[start..<head.endIndex])
        return lines
    }

    private func parseRequestLine(_ line: ArraySlice<UInt8>) throws(RequestError) -> HTTPRequest {
        let parts = line.split(separator: space, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy(isTokenByte),
              !parts[1].isEmpty, parts[1].allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw .malformed("malformed request line")
        }
        let version = Array(parts[2])
        guard version.count == 8, version.starts(with: Array("HTTP/".utf8)), version[6] == UInt8(ascii: "."),
              isDigit(version[5]), isDigit(version[7]) else {
            throw .malformed("malformed HTTP version")
        }
        guard version[5] == UInt8(ascii: "1") else { throw .versionNotSupported }
        let target = String(decoding: parts[1], as: UTF8.self)
        guard target.hasPrefix("/") else { throw .malformed("request target must be an absolute path") }
        return HTTPRequest(method: String(decoding: parts[0], as: UTF8.self), target: target, headers: [])
    }

    private func parseHeaderLine(_ line: ArraySlice<UInt8>) throws(RequestError) -> (name: String, value: String) {
        guard let first = line.first, first != space, first != tab else {
            throw .malformed("obsolete line folding in header")
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { throw .malformed("header line without ':'") }
        let name = line[line.startIndex..<colon]
        guard !name.isEmpty, name.allSatisfy(isTokenByte) else { throw .malformed("invalid header name") }
        var value = line[(colon + 1)...]
        while let b = value.first, b == space || b == tab { value = value.dropFirst() }
        while let b = value.last, b == space || b == tab { value = value.dropLast() }
        guard value.allSatisfy({ $0 == tab || ($0 >= 0x20 && $0 != 0x7F) }) else {
            throw .malformed("control character in header value")
        }
        return (String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
    }

    private func bodyFraming(_ request: HTTPRequest) throws(RequestError) -> Framing {
        guard request.headers.count(of: "host") <= 1 else { throw .malformed("more than one Host header") }
        let lengths = request.headers.list("content-length")
        let codings = request.headers.list("transfer-encoding").map { $0.lowercased() }
        if !codings.isEmpty {
            guard lengths.isEmpty else { throw .malformed("both Content-Length and Transfer-Encoding") }
            guard codings.allSatisfy({ $0 == "chunked" }) else { throw .unsupportedTransferCoding }
            guard codings.count == 1 else { throw .malformed("chunked applied more than once") }
            return .chunked(.size)
        }
        guard let first = lengths.first else { return .none }
        guard lengths.allSatisfy({ $0 == first }) else { throw .malformed("conflicting Content-Length values") }
        guard !first.isEmpty, first.utf8.allSatisfy(isDigit) else { throw .malformed("invalid Content-Length") }
        guard first.utf8.count <= 18, let length = Int(first), length <= limits.maxBodyBytes else { throw .bodyTooLarge }
        return .length(length)
    }

    // MARK: body

    private mutating func decodeBody() throws(RequestError) -> Bool {
        switch framing {
        case .none:
            return true
        case .length(let length):
            if buffer.count >= length {
                body = Array(buffer[0..<length])
                buffer = []
                return true
            }
            return false
        case .chunked(var state):
            defer {
                framing = .chunked(state)
                if cursor > 64 * 1024 || cursor == buffer.count {
                    buffer.removeFirst(cursor)
                    cursor = 0
                }
            }
            while true {
                switch state {
                case .size:
                    guard let end = find(crlf, from: cursor) else {
                        // 1024 bytes of line plus the CR whose LF has not arrived yet.
                        if buffer.count - cursor > 1025 { throw .malformed("chunk size line too long") }
                        return false
                    }
                    guard end - cursor <= 1024 else { throw .malformed("chunk size line too long") }
                    let size = try chunkSize(buffer[cursor..<end])
                    guard size <= limits.maxBodyBytes - body.count else { throw .bodyTooLarge }
                    cursor = end + 2
                    state = size == 0 ? .trailers : .data(remaining: size)
                case .data(let remaining):
                    let available = min(remaining, buffer.count - cursor)
                    body.append(contentsOf: buffer[cursor..<cursor + available])
                    cursor += available
                    guard available == remaining else {
                        state = .data(remaining: remaining - available)
                        return false
                    }
                    state = .dataEnd
                case .dataEnd:
                    guard buffer.count - cursor >= 2 else { return false }
                    guard buffer[cursor] == cr, buffer[cursor + 1] == lf else { throw .malformed("chunk data not followed by CRLF") }
                    cursor += 2
                    state = .size
                case .trailers:
                    guard let end = find(crlf, from: cursor) else {
                        if trailerBytes + buffer.count - cursor > limits.maxHeadBytes { throw .headTooLarge }
                        return false
                    }
                    let line = buffer[cursor..<end]
                    trailerBytes += line.count + 2
                    guard trailerBytes <= limits.maxHeadBytes else { throw .headTooLarge }
                    cursor = end + 2
                    if line.isEmpty { return true }
                    _ = try parseHeaderLine(line)
                }
            }
        }
    }

    private func chunkSize(_ line: ArraySlice<UInt8>) throws(RequestError) -> Int {
        var digits = line.prefix { $0 != UInt8(ascii: ";") }
        let extensions = line[digits.endIndex...]
        if !extensions.isEmpty {
            while let last = digits.last, last == space || last == tab { digits = digits.dropLast() }
        }
        guard extensions.allSatisfy({ $0 == tab || ($0 >= 0x20 && $0 != 0x7F) }) else {
            throw .malformed("control character in chunk extension")
        }
        guard !digits.isEmpty, digits.count <= 15, let size = Int(String(decoding: digits, as: UTF8.self), radix: 16),
              digits.allSatisfy(isHexDigit) else {
            throw .malformed("invalid chunk size")
        }
        return size
    }

    private func find(_ needle: [UInt8], from start: Int) -> Int? {
        guard buffer.count >= needle.count else { return nil }
        var i = start
        while i <= buffer.count - needle.count {
            if buffer[i] == needle[0] && buffer[i..<i + needle.count].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}

/// What can be wrong with a request before its meaning is even looked at, each with the status
/// RFC 9110/9112 gives it.
enum RequestError: Error, Equatable, Sendable {
    case malformed(String)
    case headTooLarge
    case tooManyHeaders
    case bodyTooLarge
    case unsupportedTransferCoding
    case versionNotSupported
    case timedOut

    var apiError: APIError {
        switch self {
        case .malformed(let why): APIError(status: 400, message: "Malformed HTTP request: \(why).", code: "bad_http")
        case .headTooLarge: APIError(status: 431, message: "The request head is too large.", code: "request_head_too_large")
        case .tooManyHeaders: APIError(status: 431, message: "The request has too many header fields.", code: "request_head_too_large")
        case .bodyTooLarge: APIError(status: 413, message: "The request body is too large.", code: "request_too_large")
        case .unsupportedTransferCoding: APIError(status: 501, message: "Only the chunked transfer coding is supported.", code: "unsupported_transfer_coding")
        case .versionNotSupported: APIError(status: 505, message: "Only HTTP/1.x is supported.", code: "http_version_not_supported")
        case .timedOut: APIError(status: 408, message: "The request was not received in time.", code: "request_timeout")
        }
    }
}

private let cr = UInt8(ascii: "\r")
private let lf = UInt8(ascii: "\n")
private let space = UInt8(ascii: " ")
private let tab = UInt8(ascii: "\t")
private let crlf: [UInt8] = [cr, lf]
private let crlfcrlf: [UInt8] = [cr, lf, cr, lf]

private func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

private func isHexDigit(_ byte: UInt8) -> Bool {
    isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
}

/// RFC 9110 `tchar`.
private func isTokenByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
        return true
    default:
        return "!#$%&'*+-.^_`|~".utf8.contains(byte)
    }
}

