import O1ProxyCore

/// What the client has been sent so far, and so how anything still to be said must be framed.
/// Pure: each step returns the bytes to write. Its point is the late error: before the head went
/// out an error keeps its real status; inside an event stream it becomes an error event; inside a
/// raw relay the missing final chunk is the only honest signal left.
struct Reply {
    enum State: Equatable, Sendable {
        case nothing, eventStream, raw, finished
    }

    /// The API the client speaks: how an error is told inside its stream.
    let client: Endpoint
    private(set) var state = State.nothing
    /// The status the client was sent, 0 while nothing was.
    private(set) var status = 0
    /// The client was sent an event stream (and so, whatever came after, had a stream).
    private(set) var streamed = false

    init(client: Endpoint = .chat) {
        self.client = client
    }

    mutating func full(status: Int, headers: HTTPFields = [],
                              contentType: String = "application/json", body: [UInt8]) -> [UInt8] {
        guard state == .nothing else { return [] }
        state = .finished
        self.status = status
        return ResponseHead.full(status: status, headers: headers, contentType: contentType, body: body)
    }

    /// Opens the stream once; later calls (the real stream arriving after keep-alives) add nothing.
    mutating func openEventStream(headers: HTTPFields = []) -> [UInt8] {
        guard state == .nothing else { return [] }
        state = .eventStream
        status = 200
        streamed = true
        return ResponseHead.eventStream(headers: headers)
    }

    /// A relayed answer of unknown length, passed on chunk by chunk as it arrives.
    mutating func openRaw(status: Int, headers: HTTPFields, contentType: String?) -> [UInt8] {
        guard state == .nothing else { return [] }
        state = .raw
        self.status = status
        let type: HTTPFields = contentType.map { [("Content-Type", $0)] } ?? []
        return ResponseHead(status: status, headers: type + headers + [("Transfer-Encoding", "chunked")]).encoded()
    }

    func chunk(_ bytes: [UInt8]) -> [UInt8] {
        state == .eventStream || state == .raw ? Chunked.chunk(bytes) : []
    }

    func keepalive() -> [UInt8] {
        state == .eventStream ? Chunked.chunk(SSE.keepalive) : []
    }

    mutating func end() -> [UInt8] {
        guard state == .eventStream || state == .raw else { return [] }
        state = .finished
        return Chunked.end
    }

    mutating func fail(_ error: APIError) -> [UInt8] {
        switch state {
        case .nothing:
            return full(status: error.status, headers: error.headers, body: error.envelope.encoded())
        case .eventStream:
            state = .finished
            return Chunked.chunk(client.errorEvent(error, sequenceNumber: 0)) + Chunked.end
        case .raw, .finished:
            state = .finished
            return []
        }
    }
}
