import O1ProxyCore
import Glibc

/// The reasoning kept for the next turns of bridged conversations, as one of the store's files
/// holds it: a header line, then one turn per line, a JSON object, so that a lookup compares a
/// line's start with the key and parses only the line it finds, and keeping a turn appends one:
///
///     o1-proxy kept reasoning 1
///     {"key":"<64 hex>","expires":1764146400,"items":[{"before":"call:call_1","item":"{\"type\":\"reasoning\",...}"}]}
///
/// A key kept again later is found by its last line. An item is kept as the JSON text the
/// upstream sent, inside a string, so that it goes back byte for byte. Read back, only a single
/// JSON object of type `reasoning` is an item: a file someone else wrote can at most make a
/// replay fail (and be dropped), never add other input.
struct KeptReasoningFile: Equatable, Sendable, StateContents {
    static let kind = "kept-reasoning"

    struct Turn: Equatable, Sendable {
        var key: String
        /// Seconds since the epoch, whole: as the file has them.
        var expires: Double
        var items: [KeptReasoning]
    }

    static let header = Array("o1-proxy kept reasoning 1\n".utf8)

    /// Oldest first.
    private(set) var turns: [Turn] = []

    init() {}

    /// Every readable turn of `text`, each key's last; lines that do not read are skipped. nil
    /// when the text is not such a file at all.
    init?(parsing text: [UInt8]) {
        guard text.starts(with: Self.header) else {
            if text.isEmpty { return }
            return nil
        }
        var last: [String: Int] = [:]
        for line in text[Self.header.count...].split(separator: newline) {
            guard let turn = Self.turn(line) else { continue }
            if let index = last[turn.key] {
                turns[index].expires = -1
            }
            last[turn.key] = turns.count
            turns.append(turn)
        }
        turns.removeAll { $0.expires < 0 }
    }

    /// The unexpired turns of `keys` in `text`, parsing only their lines: each line's key is
    /// compared where it stands, and the next line found with `memchr`, so a lookup costs about a
    /// copy of the file.
    static func find(_ keys: Set<String>, in text: [UInt8], now: Double) -> [String: [KeptReasoning]] {
        guard !keys.isEmpty, text.starts(with: header) else { return [:] }
        let wanted = Set(keys.map { Array($0.utf8) })
        let opening = Array(#"{"key":""#.utf8)
        var lines: [[UInt8]: [Range<Int>]] = [:]
        text.withUnsafeBufferPointer { (buffer: UnsafeBufferPointer<UInt8>) in
            guard let base = buffer.baseAddress else { return }
            var start = header.count
            while start < buffer.count {
                var end = buffer.count
                if let found = memchr(base + start, Int32(newline), buffer.count - start) {
                    end = UnsafeRawPointer(found) - UnsafeRawPointer(base)
                }
                let keyStart = start + opening.count
                if keyStart + 65 <= end, memcmp(base + start, opening, opening.count) == 0,
                   buffer[keyStart + 64] == UInt8(ascii: "\"") {
                    let key = Array(buffer[keyStart..<keyStart + 64])
                    if wanted.contains(key) { lines[key, default: []].append(start..<end) }
                }
                start = end + 1
            }
        }
        var found: [String: [KeptReasoning]] = [:]
        for (key, candidates) in lines {
            let name = String(decoding: key, as: UTF8.self)
            guard let turn = candidates.reversed().lazy.compactMap({ turn(text[$0]) }).first(where: { $0.key == name }) else { continue }
            if turn.expires > now { found[name] = turn.items }
        }
        return found
    }

    /// The file's text.
    var rendered: [UInt8] {
        turns.reduce(into: Self.header) { $0 += Self.line($1) }
    }

    /// One turn's line, newline included: what keeping it appends.
    static func line(_ turn: Turn) -> [UInt8] {
        let items: [JSON] = turn.items.map { item in
            ["before": .string(name(item.before)), "item": .string(String(decoding: item.item, as: UTF8.self))]
        }
        var out: [UInt8] = []
        JSON.object(["key": .string(turn.key), "expires": .number(String(Int(turn.expires))), "items": .array(items)]).encode(into: &out)
        out.append(newline)
        return out
    }

    /// Keeps a turn, in place of one with its key.
    mutating func keep(_ turn: Turn) {
        turns.removeAll { $0.key == turn.key }
        turns.append(turn)
    }

    mutating func forget(_ keys: Set<String>) {
        turns.removeAll { keys.contains($0.key) }
    }

    /// Without expired turns, and without the oldest beyond `maxBytes` of text; the newest
    /// stays, the one just kept.
    mutating func prune(now: Double, maxBytes: Int) {
        turns.removeAll { $0.expires <= now }
        let sizes = turns.map { Self.line($0).count }
        var size = sizes.reduce(Self.header.count, +)
        var dropped = 0
        while dropped < turns.count - 1, size > maxBytes {
            size -= sizes[dropped]
            dropped += 1
        }
        turns.removeFirst(dropped)
    }

    // MARK: lines

    private static func turn(_ line: ArraySlice<UInt8>) -> Turn? {
        guard let object = (try? JSON(parsing: line))?.object, let key = object["key"]?.string, isKey(key),
              case .number(let text)? = object["expires"], let expires = Int(text), expires >= 0, expires < 1_000_000_000_000,
              let list = object["items"]?.array else { return nil }
        var items: [KeptReasoning] = []
        for entry in list {
            guard let before = entry["before"]?.string.flatMap(anchor), let text = entry["item"]?.string,
                  (try? JSON(parsing: Array(text.utf8)))?["type"] == "reasoning" else { return nil }
            items.append(KeptReasoning(item: Array(text.utf8), before: before))
        }
        return items.isEmpty ? nil : Turn(key: key, expires: Double(expires), items: items)
    }

    /// 64 lowercase hex digits: a SHA-256, nothing else.
    static func isKey(_ key: String) -> Bool {
        key.utf8.count == 64 && key.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
    }

    private static func name(_ anchor: KeptReasoning.Anchor) -> String {
        switch anchor {
        case .message: "message"
        case .call(let id): "call:" + id
        }
    }

    private static func anchor(_ name: String) -> KeptReasoning.Anchor? {
        if name == "message" { return .message }
        guard name.hasPrefix("call:"), name.count > 5 else { return nil }
        return .call(String(name.dropFirst(5)))
    }
}

private let newline = UInt8(ascii: "\n")
