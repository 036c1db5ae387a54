import Glibc

/// Cuts a `text/event-stream` into whole events as its bytes arrive, however the network split
/// them, so that the proxy hands on, drops or translates complete events only and anything it
/// adds (a keep-alive, an error event) can never land in the middle of one.
package struct EventSplitter {
    package init() {}

    private var pending: [UInt8] = []
    /// Where the search for the next line end resumes, so no byte is scanned twice.
    private var scanned = 0

    /// The events completed by `bytes`, byte for byte, each with its blank line.
    package mutating func feed(_ bytes: some Collection<UInt8>) -> Events {
        pending.append(contentsOf: bytes)
        var ranges: [Range<Int>] = []
        var end = 0
        var i = scanned
        while let at = index(of: lf, from: i) {
            guard at + 1 < pending.count else { i = at; break }
            var separator = 0
            if pending[at + 1] == lf {
                separator = 2
            } else if pending[at + 1] == cr {
                guard at + 2 < pending.count else { i = at; break }
                separator = pending[at + 2] == lf ? 3 : 0
            }
            if separator > 0 {
                ranges.append(end..<at + separator)
                end = at + separator
                i = end
            } else {
                i = at + 1
            }
        }
        if index(of: lf, from: i) == nil { i = max(i, pending.count) }
        let complete = Array(pending[0..<end])
        pending.removeFirst(end)
        scanned = i - end
        return Events(bytes: complete, ranges: ranges)
    }

    private func index(of byte: UInt8, from start: Int) -> Int? {
        guard start < pending.count else { return nil }
        return pending.withUnsafeBufferPointer { buffer in
            memchr(buffer.baseAddress! + start, Int32(byte), pending.count - start)
                .map { buffer.baseAddress!.distance(to: $0.assumingMemoryBound(to: UInt8.self)) }
        }
    }
}

/// Whole events, as the bytes that carried them and where each one lies in those bytes.
package struct Events {
    package var bytes: [UInt8]
    package var ranges: [Range<Int>]

    /// Whether the event mentions `needle` anywhere: a cheap test that spares parsing the
    /// thousands of content deltas of a long answer.
    /// (`memmem` is a GNU extension Swift does not import; `memchr` finds the candidates.)
    package func mentions(_ needle: [UInt8], in event: Range<Int>) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            var from = event.lowerBound
            while from + needle.count <= event.upperBound,
                  let hit = memchr(base + from, Int32(needle[0]), event.upperBound - from) {
                let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                guard at + needle.count <= event.upperBound else { return false }
                if memcmp(base + at, needle, needle.count) == 0 { return true }
                from = at + 1
            }
            return false
        }
    }

    /// The event's `data:` lines joined by newlines, as the SSE specification says; empty when
    /// it has none (a comment).
    package func data(of event: Range<Int>) -> [UInt8] {
        var data: [UInt8] = []
        var sawData = false
        for line in bytes[event].split(separator: lf) {
            var line = line
            if line.last == cr { line = line.dropLast() }
            guard line.starts(with: dataPrefix) else { continue }
            var value = line.dropFirst(dataPrefix.count)
            if value.first == space { value = value.dropFirst() }
            if sawData { data.append(lf) }
            data.append(contentsOf: value)
            sawData = true
        }
        return data
    }
}

private let lf = UInt8(ascii: "\n")
private let cr = UInt8(ascii: "\r")
private let space = UInt8(ascii: " ")
private let dataPrefix = Array("data:".utf8)
