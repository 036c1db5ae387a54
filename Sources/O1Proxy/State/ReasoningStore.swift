import O1ProxyCore
import Glibc

/// The reasoning of bridged conversations, kept in the state directory for their next turns:
/// `reasoning-00.jsonl` … `reasoning-ff.jsonl`, each a `KeptReasoningFile`, a conversation's turns
/// all in the one its `ReasoningScope.file` names. So a turn reads one small file (a lookup
/// costs about a copy of it: 256 files keep that near 0.1 ms with 10,000 conversations kept),
/// and keeping its reasoning appends one line under `reasoning.lock`; a file that would outgrow
/// its share of `O1_PROXY_REASONING_MB` is rewritten without its expired turns and its oldest
/// ones, and a turn larger than a share is not kept. Whatever goes wrong here costs only the
/// replay: the exchange goes on, and `warning` says why.
final class ReasoningStore {
    static let fileCount = 256
    static let lockName = "reasoning.lock"

    private let directory: String
    private let lifetime: Double
    /// Bytes each file may hold.
    private let share: Int
    private(set) var warning: String?

    /// Where, how much and for how long the settings say; nil when they keep nothing.
    convenience init?(config: Config) {
        self.init(directory: config.stateDirectory, maxBytes: config.reasoningBytes, lifetime: config.reasoningLifetime.inSeconds)
    }

    /// nil when nothing can be kept: no state directory, or no room given.
    init?(directory: String?, maxBytes: Int, lifetime: Double) {
        guard let directory, maxBytes > 0, lifetime > 0 else { return nil }
        self.directory = directory
        self.lifetime = lifetime
        share = max(1, maxBytes / Self.fileCount)
    }

    static func fileName(_ index: Int) -> String {
        "reasoning-" + String(UInt8(index & 0xff) >> 4, radix: 16) + String(UInt8(index & 0xf), radix: 16) + ".jsonl"
    }

    /// The unexpired turns of `keys` kept in file `index`.
    func lookup(_ keys: Set<String>, in index: Int) -> [String: [KeptReasoning]] {
        let file = file(index)
        defer { note(file) }
        guard let text = file.read() else { return [:] }
        return KeptReasoningFile.find(keys, in: text, now: WallClock.now())
    }

    /// Keeps a turn's reasoning under `key` in file `index`, in place of any kept under it;
    /// whether it was kept (`warning` says why not, and may also tell of an earlier step that did
    /// not stop this one, such as a foreign file replaced).
    @discardableResult
    func keep(_ items: [KeptReasoning], as key: String, in index: Int) -> Bool {
        let turn = KeptReasoningFile.Turn(key: key, expires: WallClock.now() + lifetime, items: items)
        let line = KeptReasoningFile.line(turn)
        guard line.count + KeptReasoningFile.header.count <= share else {
            warning = "reasoning not kept: \(line.count) bytes, over the \(share) a file of \(directory) may hold"
            return false
        }
        let file = file(index)
        defer { note(file) }
        switch file.append(line, header: KeptReasoningFile.header) {
        case true?: return true
        case false?: return rewrite(file) { $0.keep(turn) }
        case nil: return false
        }
    }

    /// Forgets what `keys` kept in file `index`: the upstream refused it.
    func forget(_ keys: Set<String>, in index: Int) {
        let file = file(index)
        defer { note(file) }
        rewrite(file) { $0.forget(keys) }
    }

    /// What the store holds, for `o1-proxy rules`: unexpired turns, and bytes on disk.
    func census() -> (turns: Int, expired: Int, bytes: Int) {
        var census = (turns: 0, expired: 0, bytes: 0)
        let now = WallClock.now()
        for index in 0..<Self.fileCount {
            let file = file(index)
            defer { note(file) }
            guard let text = file.read() else { continue }
            census.bytes += text.count
            let turns = KeptReasoningFile(parsing: text)?.turns ?? []
            let live = turns.filter { $0.expires > now }.count
            census.turns += live
            census.expired += turns.count - live
        }
        return census
    }

    /// Removes every file of a store in `directory`, `o1-proxy rules --clear-reasoning`: also
    /// one a setting has turned off since, whose files would otherwise stay. The number removed,
    /// and the last file that could not be.
    static func clear(directory: String) -> (removed: Int, warning: String?) {
        var removed = 0
        var warning: String?
        for index in 0..<fileCount {
            let path = directory + "/" + fileName(index)
            if unlink(path) == 0 {
                removed += 1
            } else if errno != ENOENT {
                warning = "cannot remove \(path): \(String(cString: strerror(errno)))"
            }
        }
        return (removed, warning)
    }

    private func file(_ index: Int) -> StateFile {
        StateFile(directory: directory, name: Self.fileName(index), lock: Self.lockName, limit: share, what: "kept reasoning")
    }

    /// The file rewritten whole: what it held (a file that is not one is replaced), changed,
    /// without expired turns, and within three quarters of its share, so that the next appends
    /// do not rewrite it again at once.
    /// Whether it was written.
    @discardableResult
    private func rewrite(_ file: StateFile, _ change: (inout KeptReasoningFile) -> Void) -> Bool {
        let written: Void? = file.update { (kept: inout KeptReasoningFile) in
            change(&kept)
            kept.prune(now: WallClock.now(), maxBytes: share * 3 / 4)
        }
        return written != nil
    }

    private func note(_ file: StateFile) {
        if let problem = file.warning { warning = problem }
    }
}
