import Glibc

/// Watches a native upstream stream as it is relayed. It hands on whole events only, so that a
/// keep-alive or an error event the proxy adds can never land in the middle of one, and it notes
/// whether `[DONE]` arrived: a stream that ends without it was cut, and the client must hear so.
public struct EventStreamScanner {
    private var pending: [UInt8] = []
    private var scanned = 0
    public private(set) var sawDone = false
    public private(set) var sawError = false
    /// The last non-null `usage` seen, for the log.
    public private(set) var usage: JSON?

    public init() {}

    /// Returns the complete events among what has arrived so far, byte for byte.
    public mutating func feed(_ bytes: some Collection<UInt8>) -> [UInt8] {
        pending.append(contentsOf: bytes)
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
                inspect(end..<at)
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
        return complete
    }

    /// Most events are content deltas the proxy has no interest in; only those that mention
    /// `[DONE]`, `usage` or `error` are taken apart, found with `memmem` rather than by walking
    /// lines, so a 10 MB relay costs little more than its copy.
    private mutating func inspect(_ event: Range<Int>) {
        guard has(done, in: event) || has(usageKey, in: event) || has(errorKey, in: event) else { return }
        var data: [UInt8] = []
        for line in pending[event].split(separator: lf) {
            var line = line
            if line.last == cr { line = line.dropLast() }
            guard line.starts(with: dataPrefix) else { continue }
            var value = line.dropFirst(dataPrefix.count)
            if value.first == space { value = value.dropFirst() }
            if !data.isEmpty { data.append(lf) }
            data.append(contentsOf: value)
        }
        if data.elementsEqual(done) {
            sawDone = true
            return
        }
        guard let json = try? JSON(parsing: data) else { return }
        if let usage = json["usage"], usage != .null { self.usage = usage }
        if json["error"] != nil { sawError = true }
    }

    private func index(of byte: UInt8, from start: Int, before end: Int? = nil) -> Int? {
        let end = end ?? pending.count
        guard start < end else { return nil }
        return pending.withUnsafeBufferPointer { buffer in
            memchr(buffer.baseAddress! + start, Int32(byte), end - start)
                .map { buffer.baseAddress!.distance(to: $0.assumingMemoryBound(to: UInt8.self)) }
        }
    }

    private func has(_ needle: [UInt8], in range: Range<Int>) -> Bool {
        var from = range.lowerBound
        while let at = index(of: needle[0], from: from, before: range.upperBound) {
            if at + needle.count <= range.upperBound, pending[at..<at + needle.count].elementsEqual(needle) { return true }
            from = at + 1
        }
        return false
    }
}

private let lf = UInt8(ascii: "\n")
private let cr = UInt8(ascii: "\r")
private let space = UInt8(ascii: " ")
private let dataPrefix = Array("data:".utf8)
private let done = Array("[DONE]".utf8)
private let usageKey = Array("usage\"".utf8)
private let errorKey = Array("error\"".utf8)
