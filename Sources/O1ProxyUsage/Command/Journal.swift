import O1ProxyCore
import Foundation
import Glibc

/// How a journalctl run ended, from its exit status and what it wrote to stderr. The messages
/// are systemd's (`journal_access_check_and_warn` in `src/shared/journal-util.c`, v252 and later).
enum JournalOutcome: Equatable {
    case read
    /// Without the systemd-journal group, journalctl opens only the user's own journal: it
    /// either fails ("No journal files were opened due to insufficient permissions.") or reads
    /// nothing of the system's and says so in a hint, exiting 0: a report of that would be a lie.
    case notPermitted(String)
    case failed(String)

    init(status: Int32, stderr: String) {
        let message = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        if message.contains("insufficient permissions") || message.contains("not seeing messages from other users")
            || message.contains("Permission denied") {
            self = .notPermitted(message)
        } else if status != 0 {
            self = .failed(message.isEmpty ? "journalctl exited with status \(status)" : message)
        } else {
            self = .read
        }
    }
}

/// Runs journalctl with `arguments` and hands `body` each line of its output as it comes.
func readJournal(arguments: [String], path: String?, _ body: (UnsafeBufferPointer<UInt8>) -> Void) throws(UsageFailure) -> JournalOutcome {
    guard let journalctl = findExecutable("journalctl", path: path) else {
        throw UsageFailure("journalctl not found: without systemd's journal, read the proxy's log lines with --file PATH (or - for standard input)")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: journalctl)
    process.arguments = arguments
    // Foundation would otherwise start it in this process's directory, and fail outright
    // ("Permission denied") where this user may not enter it, say a sudo from root's home.
    process.currentDirectoryURL = URL(fileURLWithPath: "/")
    let output = Pipe(), errors = Pipe()
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = output
    process.standardError = errors
    do {
        try process.run()
    } catch {
        throw UsageFailure("cannot run \(journalctl): \(error)")
    }
    try? output.fileHandleForWriting.close()
    try? errors.fileHandleForWriting.close()
    // stderr is read alongside stdout: a full stderr pipe would otherwise stall journalctl.
    let stderrText = Collected()
    let done = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
        stderrText.data = errors.fileHandleForReading.readDataToEndOfFile()
        done.signal()
    }
    let readError: ReadFailure?
    do {
        try forEachLine(in: output.fileHandleForReading.fileDescriptor, body)
        readError = nil
    } catch {
        readError = error
        // Nobody reads its output any more: it would block on a full pipe for ever.
        process.terminate()
    }
    done.wait()
    process.waitUntilExit()
    if let readError { throw UsageFailure("reading journalctl's output: \(readError)") }
    let status = process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
    return JournalOutcome(status: status, stderr: String(decoding: stderrText.data, as: UTF8.self))
}

private final class Collected: @unchecked Sendable {
    var data = Data()
}

/// `name` in the directories of `path` (`$PATH`), as a shell would find it.
func findExecutable(_ name: String, path: String?) -> String? {
    for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") where !directory.isEmpty {
        let candidate = directory + "/" + name
        if access(candidate, X_OK) == 0 { return candidate }
    }
    return nil
}
