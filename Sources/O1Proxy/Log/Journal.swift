import O1ProxyCore
import Foundation
import Glibc

/// Where the exchange's one log entry goes. Under systemd (stderr is the journal stream that
/// `$JOURNAL_STREAM` names) it is a native journal entry with structured fields; anywhere else a
/// single readable line on stderr.
struct Journal {
    /// A datagram socket connected to journald, opened when the journal is there to write to:
    /// opened before the sandbox closes, which lets the process open no new UNIX socket.
    private let socket: Int32?
    /// stderr is the journal's stream.
    private let native: Bool

    init(environment: [String: String]) {
        native = Journal.stderrIsJournal(environment["JOURNAL_STREAM"])
        socket = native ? Journal.connect() : nil
    }

    func log(_ record: ExchangeRecord, masking secrets: [String]) {
        if let socket, send(journalDatagram(record.fields(masking: secrets)), on: socket) { return }
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

    private static func connect() -> Int32? {
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array("/run/systemd/journal/socket".utf8CString)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.map { UInt8(bitPattern: $0) }.prefix(raw.count))
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    /// One datagram. An entry too big for a datagram (bodies logged with O1_PROXY_LOG_BODIES)
    /// fails here and falls back to the stderr line.
    private func send(_ datagram: [UInt8], on socket: Int32) -> Bool {
        datagram.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, 0) } == datagram.count
    }
}

/// The native journal protocol's datagram (`systemd.journal-fields(7)`): `NAME=value\n`, or for
/// a value with a newline, `NAME\n`, its length as 64-bit little-endian, the bytes and `\n`.
func journalDatagram(_ fields: [(name: String, value: String)]) -> [UInt8] {
    var out: [UInt8] = []
    for (name, value) in fields {
        out.append(contentsOf: name.utf8)
        if value.contains(where: \.isNewline) {
            out.append(UInt8(ascii: "\n"))
            withUnsafeBytes(of: UInt64(value.utf8.count).littleEndian) { out.append(contentsOf: $0) }
            out.append(contentsOf: value.utf8)
        } else {
            out.append(UInt8(ascii: "="))
            out.append(contentsOf: value.utf8)
        }
        out.append(UInt8(ascii: "\n"))
    }
    return out
}
