import Foundation
import Glibc

/// Where the exchange's one log entry goes. Under systemd (stderr is the journal stream that
/// `$JOURNAL_STREAM` names) it is a native journal entry with structured fields; anywhere else a
/// single readable line on stderr.
struct Journal {
    private let native: Bool

    init(environment: [String: String]) {
        native = Journal.stderrIsJournal(environment["JOURNAL_STREAM"])
    }

    func log(_ record: ExchangeRecord, masking secrets: [String]) {
        if native, send(journalDatagram(record.fields(masking: secrets))) { return }
        // Prefixed with its priority, a line journald gets on stderr is still filed correctly.
        let line = (native ? "<\(record.priority)>" : "") + record.line(masking: secrets) + "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    private static func stderrIsJournal(_ stream: String?) -> Bool {
        guard let parts = stream?.split(separator: ":"), parts.count == 2,
              let device = UInt(parts[0]), let inode = UInt(parts[1]) else { return false }
        var info = stat()
        guard fstat(2, &info) == 0 else { return false }
        return UInt(info.st_dev) == device && UInt(info.st_ino) == inode
    }

    /// One datagram to journald's socket. An entry too big for a datagram (bodies logged with
    /// O1_PROXY_LOG_BODIES) fails here and falls back to the stderr line.
    private func send(_ datagram: [UInt8]) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { Glibc.close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array("/run/systemd/journal/socket".utf8CString)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.map { UInt8(bitPattern: $0) }.prefix(raw.count))
        }
        let sent = datagram.withUnsafeBytes { bytes in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
        }
        return sent == datagram.count
    }
}
