import O1ProxyCore
import Glibc

/// `LearnedFixes` on disk, in the state directory systemd gives the unit (`StateDirectory=`),
/// shared by every exchange. Readers take no lock: a writer replaces the file by renaming a
/// complete new one over it, so a reader sees the old file or the new one, never half of one.
/// Writers take `learned.lock` in turn and re-read before they merge, so two exchanges learning
/// at once both keep what they learned. Whatever goes wrong here costs only the memory: the
/// exchange goes on, and the journal entry carries the warning.
final class LearnedFixesFile {
    let directory: String?
    let lifetime: Double
    /// The last problem with the file, for the journal entry.
    private(set) var warning: String?

    static let fileName = "learned.tsv"

    init(directory: String?, lifetime: Double) {
        self.directory = directory
        self.lifetime = lifetime
    }

    var path: String? { directory.map { $0 + "/" + Self.fileName } }

    /// The fixes earlier exchanges learned for `model` and that have not expired.
    func fixes(for model: String) -> [Fix] {
        guard let path, let text = read(path), !text.isEmpty else { return [] }
        guard text.starts(with: Array((LearnedFixes.header + "\n").utf8)) else {
            warning = "learned fixes not read: \(path) is not a learned-fixes file"
            return []
        }
        return LearnedFixes.fixes(for: model, in: text, now: WallClock.now(), lifetime: lifetime) ?? []
    }

    /// Every entry, expired ones included, for `o1-proxy rules`.
    func all() -> LearnedFixes {
        guard let path, let text = read(path) else { return LearnedFixes() }
        guard let learned = LearnedFixes(parsing: text) else {
            warning = "\(path) is not a learned-fixes file"
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
        guard let directory, let path else { return nil }
        let lock = open(directory + "/learned.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else { return fail("cannot open \(directory)/learned.lock") }
        defer { close(lock) }
        guard acquire(lock) else { return fail("\(directory)/learned.lock stayed locked") }
        var learned = LearnedFixes()
        if let text = read(path) {
            if let parsed = LearnedFixes(parsing: text) {
                learned = parsed
            } else {
                warning = "\(path) was not a learned-fixes file; replaced"
            }
        }
        let result = change(&learned)
        learned.prune(now: WallClock.now(), lifetime: lifetime)
        let temporary = path + ".\(getpid()).tmp"
        guard write(learned.rendered, to: temporary, owner: directory) else {
            unlink(temporary)
            return fail("cannot write \(temporary)")
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            return fail("cannot rename \(temporary) to \(path)")
        }
        return result
    }

    private func fail<T>(_ what: String) -> T? {
        warning = "learned fixes not kept: \(what): \(String(cString: strerror(errno)))"
        return nil
    }

    /// Two seconds at most: writers hold the lock for one small write, and an exchange must
    /// not hang on a lock someone took by hand.
    private func acquire(_ lock: Int32) -> Bool {
        for _ in 0..<400 {
            if flock(lock, LOCK_EX | LOCK_NB) == 0 { return true }
            guard errno == EWOULDBLOCK || errno == EINTR else { return false }
            usleep(5_000)
        }
        return false
    }

    /// The file's bytes; `nil` when there is none yet (not a problem) or it cannot be read (a
    /// warning).
    private func read(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno != ENOENT { warning = "learned fixes not read: \(path): \(String(cString: strerror(errno)))" }
            return nil
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = Glibc.read(fd, &buffer, buffer.count)
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else {
                warning = "learned fixes not read: \(path): \(String(cString: strerror(errno)))"
                return nil
            }
            if count == 0 { return bytes }
            bytes += buffer[0..<count]
            // A file grown past anything this program writes is not one of its files.
            if bytes.count > 1 << 20 {
                warning = "learned fixes not read: \(path) is over 1 MiB"
                return nil
            }
        }
    }

    /// Writes a new file owned like `directory`: when root edits the state (`o1-proxy rules
    /// --forget`), the service's own user must still be able to read it.
    private func write(_ bytes: [UInt8], to path: String, owner directory: String) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var info = stat()
        if getuid() == 0, stat(directory, &info) == 0 { _ = fchown(fd, info.st_uid, info.st_gid) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        // No fsync: after a crash the file may be lost or torn, which costs only the memory
        // (a torn file is refused and rewritten), while every learning exchange would pay it.
        return true
    }
}
