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
        scan: while i + 1 < pending.count {
            if pending[i] == lf {
                var separator = 0
                if pending[i + 1] == lf {
                    separator = 2
                } else if pending[i + 1] == cr {
                    guard i + 2 < pending.count else { break scan }
                    separator = pending[i + 2] == lf ? 3 : 0
                }
                if separator > 0 {
                    inspect(pending[end..<i])
                    end = i + separator
                    i = end
                    continue
                }
            }
            i += 1
        }
        let complete = Array(pending[0..<end])
        pending.removeFirst(end)
        scanned = i - end
        return complete
    }

    private mutating func inspect(_ event: ArraySlice<UInt8>) {
        var data: [UInt8] = []
        for line in event.split(separator: lf) {
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
        guard contains(data, usageKey) || contains(data, errorKey), let json = try? JSON(parsing: data) else { return }
        if let usage = json["usage"], usage != .null { self.usage = usage }
        if json["error"] != nil { sawError = true }
    }

    private func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if haystack[i..<i + needle.count].elementsEqual(needle) { return true }
        }
        return false
    }
}

private let lf = UInt8(ascii: "\n")
private let cr = UInt8(ascii: "\r")
private let space = UInt8(ascii: " ")
private let dataPrefix = Array("data:".utf8)
private let done = Array("[DONE]".utf8)
private let usageKey = Array("\"usage\"".utf8)
private let errorKey = Array("\"error\"".utf8)
