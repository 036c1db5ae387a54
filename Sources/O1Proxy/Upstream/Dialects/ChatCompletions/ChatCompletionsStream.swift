import O1ProxyCore

extension ChatCompletions {
    /// Relays a native chat stream event by event, byte for byte. It notes the usage chunk (and
    /// takes it out when only the proxy asked for it) and sees the stream end at `data: [DONE]`
    /// or an error event; most events are content deltas it leaves unparsed.
    struct StreamRelay: StreamTranslator {
        /// The client asked for the usage chunk itself.
        let includeUsage: Bool
        private var splitter = EventSplitter()
        private(set) var ending: StreamEnding?
        private(set) var usage: Usage?

        init(includeUsage: Bool) {
            self.includeUsage = includeUsage
        }

        mutating func fail(_ error: APIError) -> [UInt8] {
            guard ending == nil else { return [] }
            ending = .failed(error.message)
            return SSE.errorEvent(error)
        }

        mutating func feed(_ bytes: [UInt8]) -> [UInt8] {
            guard ending == nil else { return [] }
            let events = splitter.feed(bytes)
            var out: [UInt8] = []
            var kept = 0
            for event in events.ranges {
                guard events.mentions(done, in: event) || events.mentions(usageKey, in: event)
                        || events.mentions(errorKey, in: event) else { continue }
                let data = events.data(of: event)
                if data == done {
                    ending = .completed
                    out += events.bytes[kept..<event.upperBound]
                    return out
                }
                guard let chunk = try? JSON(parsing: data) else { continue }
                if let error = chunk["error"], error != .null {
                    ending = .failed(error["message"]?.string ?? "the upstream stream carried an error event")
                    out += events.bytes[kept..<event.upperBound]
                    return out
                }
                if let found = Usage(chatAnswer: chunk) {
                    usage = found
                    // The chunk that carries only usage has no choices: a client that did not
                    // ask for it may index `choices[0]` and fail.
                    if !includeUsage, chunk["choices"] == [] {
                        out += events.bytes[kept..<event.lowerBound]
                        kept = event.upperBound
                    }
                }
            }
            out += events.bytes[kept...]
            return out
        }
    }
}

private let done = Array("[DONE]".utf8)
private let usageKey = Array("\"usage\"".utf8)
private let errorKey = Array("\"error\"".utf8)
