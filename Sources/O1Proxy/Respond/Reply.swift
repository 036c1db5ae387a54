/// What the client has been sent so far, and so how anything still to be said must be framed.
/// Pure: each step returns the bytes to write. Its point is the late error: before the head went
/// out an error keeps its real status; inside an event stream it becomes an error event; inside a
/// raw relay the missing final chunk is the only honest signal left.
public struct Reply {
    public enum State: Equatable, Sendable {
        case nothing, eventStream, raw, finished
    }

    public private(set) var state = State.nothing
    /// The status the client was sent, 0 while nothing was.
    public private(set) var status = 0

    public init() {}

    public mutating func full(status: Int, headers: [(name: String, value: String)] = [],
                              contentType: String = "application/json", body: [UInt8]) -> [UInt8] {
        guard state == .nothing else { return [] }
        state = .finished
        self.status = status
        return ResponseHead.full(status: status, headers: headers, contentType: contentType, body: body)
    }

    /// Opens the stream once; later calls (the real stream arriving after keep-alives) add nothing.
    public mutating func openEventStream(headers: [(name: String, value: String)] = []) -> [UInt8] {
        guard state == .nothing else { return [] }
        state = .eventStream
        status = 200
        return ResponseHead.eventStream(headers: headers)
    }

    /// A relayed answer of unknown length, passed on chunk by chunk as it arrives.
    public mutating func openRaw(status: Int, headers: [(name: String, value: String)], contentType: String?) -> [UInt8] {
        guard state == .nothing else { return [] }
        state = .raw
        self.status = status
        let type = contentType.map { [(name: "Content-Type", value: $0)] } ?? []
        return ResponseHead(status: status, headers: type + headers + [("Transfer-Encoding", "chunked")]).encoded()
    }

    public func chunk(_ bytes: [UInt8]) -> [UInt8] {
        state == .eventStream || state == .raw ? Chunked.chunk(bytes) : []
    }

    public func keepalive() -> [UInt8] {
        state == .eventStream ? Chunked.chunk(FakeStream.keepalive) : []
    }

    public mutating func end() -> [UInt8] {
        guard state == .eventStream || state == .raw else { return [] }
        state = .finished
        return Chunked.end
    }

    public mutating func fail(_ error: APIError) -> [UInt8] {
        switch state {
        case .nothing:
            return full(status: error.status, headers: error.headers, body: error.envelope.encoded())
        case .eventStream:
            state = .finished
            return Chunked.chunk(FakeStream.errorEvent(error)) + Chunked.end
        case .raw, .finished:
            state = .finished
            return []
        }
    }
}
