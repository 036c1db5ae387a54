import O1ProxyCore
import Glibc

/// `LearnedFixes` on disk: `learned.tsv` in the state directory, a `StateFile`. Whatever goes
/// wrong here costs only the memory: the exchange goes on, and the journal entry carries the
/// warning.
final class LearnedFixesFile {
    let lifetime: Double
    private let file: StateFile?

    static let fileName = "learned.tsv"

    /// Where and for how long the settings say.
    convenience init(config: Config) {
        self.init(directory: config.stateDirectory, lifetime: config.learnedLifetime.inSeconds)
    }

    init(directory: String?, lifetime: Double) {
        self.lifetime = lifetime
        file = directory.map { StateFile(directory: $0, name: Self.fileName, lock: "learned.lock", limit: 1 << 20, what: "learned fixes") }
    }

    var path: String? { file?.path }

    /// The last problem with the file, for the journal entry.
    var warning: String? { file?.warning }

    /// The fixes earlier exchanges learned for `model` and that have not expired.
    func fixes(for model: String) -> [Fix] {
        guard let file, let text = file.read(), !text.isEmpty else { return [] }
        guard text.starts(with: Array((LearnedFixes.header + "\n").utf8)) else {
            file.warn("learned fixes not read: \(file.path) is not a learned-fixes file")
            return []
        }
        return LearnedFixes.fixes(for: model, in: text, now: WallClock.now(), lifetime: lifetime) ?? []
    }

    /// Every entry, expired ones included, for `o1-proxy rules`.
    func all() -> LearnedFixes {
        guard let file, let text = file.read() else { return LearnedFixes() }
        guard let learned = LearnedFixes(parsing: text) else {
            file.warn("\(file.path) is not a \(LearnedFixes.kind) file")
            return LearnedFixes()
        }
        return learned
    }

    func remember(_ fix: Fix, for model: String) {
        update { $0.remember(fix, for: model, now: WallClock.now(), lifetime: lifetime) }
    }

    /// Changes the file under the lock: read, change, write a new file, rename it into place.
    @discardableResult
    func update<T>(_ change: (inout LearnedFixes) -> T) -> T? {
        file?.update { (learned: inout LearnedFixes) in
            let result = change(&learned)
            learned.prune(now: WallClock.now(), lifetime: lifetime)
            return result
        }
    }
}
