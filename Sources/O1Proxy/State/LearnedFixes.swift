import O1ProxyCore

/// What exchanges learned about models, kept between processes: each model's fixes, when they
/// were first learned and when an upstream last confirmed them. A text file with one line per
/// model, so that an exchange finds its model's line without parsing the rest:
///
///     o1-proxy learned fixes 1
///     o9-future<TAB>1764060000<TAB>1764146400<TAB>role:system->user drop:temperature stream:faked
///
/// Only what `Learning` can produce is ever read back, so a tampered file can at most drop a
/// parameter, rename `max_tokens`, map a role to `user`, fake a stream, choose the API (for the
/// model, its tool turns, or `max` effort), or move `reasoning_effort` or `verbosity` to another
/// value of its scale: never add a field the client did not send.
struct LearnedFixes: Equatable, Sendable, StateContents {
    static let kind = "learned-fixes"

    struct Entry: Equatable, Sendable {
        var model: String
        var fixes: [Fix]
        /// Seconds since the epoch. An entry expires `lifetime` after it was first learned, not
        /// after it was last used: OpenAI enabled streaming for o1 months after launch, and a
        /// learned "cannot stream" must be tried again some day.
        var learnedAt: Double
        /// When an upstream last rejected what the entry fixes (seconds since the epoch): the
        /// least recently confirmed go first when the file is full.
        var confirmedAt: Double
    }

    static let header = "o1-proxy learned fixes 1"
    /// Enough for every model an organization uses; a client inventing model names that some
    /// upstream rejects must not grow the file without bound. The least recently confirmed go.
    static let maxEntries = 1000
    static let maxFixesPerModel = 32

    private(set) var entries: [Entry] = []

    init() {}

    /// The live fixes for `model` in `text`, reading only as far as its line.
    static func fixes(for model: String, in text: [UInt8], now: Double, lifetime: Double) -> [Fix]? {
        guard storable(model) else { return nil }
        let prefix = Array((model + "\t").utf8)
        var start = 0
        while start < text.count {
            let end = text[start...].firstIndex(of: newline) ?? text.count
            if end - start > prefix.count, text[start..<start + prefix.count].elementsEqual(prefix) {
                guard let entry = entry(text[start..<end]), entry.learnedAt + lifetime > now else { return nil }
                return entry.fixes
            }
            start = end + 1
        }
        return nil
    }

    /// Every readable entry of `text`; lines that do not parse are skipped. `nil` when the text
    /// is not a learned-fixes file at all.
    init?(parsing text: [UInt8]) {
        let lines = text.split(separator: newline, omittingEmptySubsequences: true)
        guard let first = lines.first, first.elementsEqual(Self.header.utf8) else {
            if text.isEmpty { return }
            return nil
        }
        var seen: Set<String> = []
        for line in lines.dropFirst() {
            guard let entry = Self.entry(line), seen.insert(entry.model).inserted else { continue }
            entries.append(entry)
        }
    }

    var rendered: [UInt8] {
        var out = Array((Self.header + "\n").utf8)
        for entry in entries {
            let fixes = entry.fixes.map(\.description).joined(separator: " ")
            out += Array("\(entry.model)\t\(Int(entry.learnedAt))\t\(Int(entry.confirmedAt))\t\(fixes)\n".utf8)
        }
        return out
    }

    /// Adds what an exchange just learned for `model`. An expired entry starts afresh: what it
    /// held is being re-learned one rejection at a time.
    mutating func remember(_ fix: Fix, for model: String, now: Double, lifetime: Double) {
        guard Self.storable(model), Self.storable(fix) else { return }
        if let i = entries.firstIndex(where: { $0.model == model }), entries[i].learnedAt + lifetime > now {
            if !entries[i].fixes.contains(fix), entries[i].fixes.count < Self.maxFixesPerModel { entries[i].fixes.append(fix) }
            entries[i].confirmedAt = now
        } else {
            entries.removeAll { $0.model == model }
            entries.append(Entry(model: model, fixes: [fix], learnedAt: now, confirmedAt: now))
        }
        prune(now: now, lifetime: lifetime)
    }

    /// Without expired entries, and without the least recently confirmed beyond the bound.
    mutating func prune(now: Double, lifetime: Double) {
        entries.removeAll { $0.learnedAt + lifetime <= now }
        if entries.count > Self.maxEntries {
            let kept = entries.sorted { $0.confirmedAt > $1.confirmedAt }.prefix(Self.maxEntries).map(\.model)
            let keep = Set(kept)
            entries.removeAll { !keep.contains($0.model) }
        }
    }

    mutating func forget(_ model: String) -> Bool {
        let before = entries.count
        entries.removeAll { $0.model == model }
        return entries.count < before
    }

    mutating func forgetAll() {
        entries = []
    }

    // MARK: lines

    private static func entry(_ line: ArraySlice<UInt8>) -> Entry? {
        let fields = line.split(separator: tab, omittingEmptySubsequences: false)
        guard fields.count == 4, let model = String(validating: fields[0], as: UTF8.self), storable(model),
              let learned = Double(String(decoding: fields[1], as: UTF8.self)), plausible(learned),
              let confirmed = Double(String(decoding: fields[2], as: UTF8.self)), plausible(confirmed) else { return nil }
        let fixes = fields[3].split(separator: space).compactMap { Fix(String(decoding: $0, as: UTF8.self)) }
            .filter { Learning.canLearn($0) && storable($0) }
        guard !fixes.isEmpty else { return nil }
        return Entry(model: model, fixes: Array(fixes.prefix(maxFixesPerModel)), learnedAt: learned, confirmedAt: confirmed)
    }

    /// A time this program could have written: seconds since the epoch, not before it, and not
    /// so far ahead that writing it back as a whole number would overflow.
    private static func plausible(_ seconds: Double) -> Bool {
        seconds >= 0 && seconds < 1e12
    }

    /// Names and fixes that fit a line: no tabs, line ends or other control characters (fixes
    /// no spaces either), and not unboundedly long.
    static func storable(_ model: String) -> Bool {
        !model.isEmpty && model.utf8.count <= 256 && model.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F }
    }

    static func storable(_ fix: Fix) -> Bool {
        let text = fix.description
        return text.utf8.count <= 256 && text.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F }
    }
}

private let newline = UInt8(ascii: "\n")
private let tab = UInt8(ascii: "\t")
private let space = UInt8(ascii: " ")
