import O1ProxyCore
import Glibc

/// What a state file holds, read and written whole.
protocol StateContents {
    /// What the file is, in warnings ("learned-fixes").
    static var kind: String { get }
    init()
    /// nil: the text is not such a file.
    init?(parsing text: [UInt8])
    var rendered: [UInt8] { get }
}

/// One file in the state directory systemd gives the unit (`StateDirectory=`), shared by every
/// exchange. Readers take no lock: a writer replaces the file by renaming a complete new one over
/// it, so a reader sees the old file or the new one, never half of one. Writers take the lock
/// file in turn and re-read before they change it, so two exchanges writing at once both keep
/// what they wrote. Whatever goes wrong here costs only what the file keeps: the exchange goes
/// on, and `warning` says what happened, for the journal entry.
final class StateFile {
    let path: String
    private let directory: String
    private let lockPath: String
    /// A file grown past anything this program writes is not one of its files.
    private let limit: Int
    /// What the file keeps, in the warnings ("learned fixes", "kept reasoning").
    private let what: String
    private(set) var warning: String?

    init(directory: String, name: String, lock: String, limit: Int, what: String) {
        self.directory = directory
        path = directory + "/" + name
        lockPath = directory + "/" + lock
        self.limit = limit
        self.what = what
    }

    /// The file's bytes; `nil` when there is none yet (not a problem) or it cannot be read (a
    /// warning). Read into one buffer of the file's size: a file read on every exchange costs
    /// no copies and no regrowth.
    func read() -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno != ENOENT { warning = "\(what) not read: \(path): \(String(cString: strerror(errno)))" }
            return nil
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return unreadable(String(cString: strerror(errno))) }
        guard Int(info.st_size) <= limit else { return unreadable("is over \(limit / 1024) KiB") }
        // One byte more than the size: a file that grew since is still read to its end.
        var failure: Int32 = 0
        var bytes = [UInt8](unsafeUninitializedCapacity: Int(info.st_size) + 1) { buffer, count in
            count = 0
            while count < buffer.count {
                let got = Glibc.read(fd, buffer.baseAddress! + count, buffer.count - count)
                if got < 0, errno == EINTR { continue }
                guard got > 0 else {
                    failure = got < 0 ? errno : 0
                    return
                }
                count += got
            }
        }
        var chunk = [UInt8](repeating: 0, count: 4096)
        while failure == 0, bytes.count > Int(info.st_size), bytes.count <= limit {
            let got = Glibc.read(fd, &chunk, chunk.count)
            if got < 0, errno == EINTR { continue }
            if got < 0 { failure = errno }
            if got <= 0 { break }
            bytes += chunk[0..<got]
        }
        guard failure == 0 else { return unreadable(String(cString: strerror(failure))) }
        guard bytes.count <= limit else { return unreadable("is over \(limit / 1024) KiB") }
        return bytes
    }

    private func unreadable(_ why: String) -> [UInt8]? {
        warning = "\(what) not read: \(path)" + (why.hasPrefix("is ") ? " " : ": ") + why
        return nil
    }

    /// Changes the file's contents under the lock: what it holds (a file that is not one of its
    /// kind is replaced, and the warning says so), changed, written back whole.
    func update<Contents: StateContents, T>(_ change: (inout Contents) -> T) -> T? {
        replace { text in
            var contents = Contents()
            if let text {
                if let parsed = Contents(parsing: text) {
                    contents = parsed
                } else {
                    warn("\(path) was not a \(Contents.kind) file; replaced")
                }
            }
            let result = change(&contents)
            return (contents.rendered, result)
        }
    }

    /// Read (nil: none yet), change, write a new file, rename it into place, under the lock.
    /// `change` returns the new bytes and a result.
    private func replace<T>(_ change: ([UInt8]?) -> (bytes: [UInt8], result: T)) -> T? {
        guard let lock = lock() else { return fail("cannot open \(lockPath)") }
        defer { close(lock) }
        guard acquire(lock) else { return fail("\(lockPath) stayed locked") }
        let (bytes, result) = change(read())
        let temporary = path + ".\(getpid()).tmp"
        guard write(bytes, to: temporary) else {
            unlink(temporary)
            return fail("cannot write \(temporary)")
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            return fail("cannot rename \(temporary) to \(path)")
        }
        return result
    }

    /// Adds `line` at the end under the lock, when the file is one of its kind (it begins with
    /// `header`, or is new) and stays within its limit with it: a turn kept costs one small write,
    /// not a rewrite. `false` when it is not, for the caller to rewrite it with `update`; `nil`
    /// when it could not be written (the warning says why).
    func append(_ line: [UInt8], header: [UInt8]) -> Bool? {
        guard let lock = lock() else { return fail("cannot open \(lockPath)") }
        defer { close(lock) }
        guard acquire(lock) else { return fail("\(lockPath) stayed locked") }
        let fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return fail("cannot open \(path)") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return fail("cannot stat \(path)") }
        let size = Int(info.st_size)
        if size == 0 {
            own(fd)
            return writeAll(fd, header + line) ? true : undo(fd, to: 0)
        }
        var start = [UInt8](repeating: 0, count: header.count)
        guard size + line.count <= limit, pread(fd, &start, start.count, 0) == start.count, start == header else { return false }
        return writeAll(fd, line) ? true : undo(fd, to: size)
    }

    /// A write that failed part way is taken back, so the next line does not run on from half
    /// of this one.
    private func undo(_ fd: Int32, to size: Int) -> Bool? {
        let failure: Bool? = fail("cannot write \(path)")
        _ = ftruncate(fd, off_t(size))
        return failure
    }

    /// A warning of the caller's own about the file (it was not one of this program's files).
    func warn(_ text: String) {
        warning = text
    }

    private func fail<T>(_ happened: String) -> T? {
        warning = "\(what) not kept: \(happened): \(String(cString: strerror(errno)))"
        return nil
    }

    /// The lock file, owned like the directory when root makes it.
    private func lock() -> Int32? {
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return nil }
        own(fd)
        return fd
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

    /// Writes a new file owned like the directory.
    private func write(_ bytes: [UInt8], to path: String) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        own(fd)
        // No fsync: after a crash the file may be lost or torn, which costs only what it kept (a
        // torn file is refused and rewritten), while every exchange that writes would pay it.
        return writeAll(fd, bytes)
    }

    /// When root edits the state (`o1-proxy rules --forget`), the service's own user must
    /// still be able to read and replace the file.
    private func own(_ fd: Int32) {
        var info = stat()
        if getuid() == 0, stat(directory, &info) == 0 { _ = fchown(fd, info.st_uid, info.st_gid) }
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }
}
