import O1ProxyCore
import Glibc

/// The client's socket as inetd and systemd hand it over: fd 0 to read, fd 1 to write.
/// Every read waits with `poll` against one deadline, because a client trickling a byte a
/// second would outlast any per-read timeout.
final class ClientConnection {
    let input: Int32
    let output: Int32

    init(input: Int32 = 0, output: Int32 = 1) {
        self.input = input
        self.output = output
        _ = fcntl(output, F_SETFL, fcntl(output, F_GETFL) | O_NONBLOCK)
    }

    /// `ip:port` of the client, from the socket itself (REMOTE_ADDR is not always set).
    var peer: String? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(input, $0, &length) == 0 }
        }
        guard ok else { return nil }
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var port = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        let status = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getnameinfo($0, length, &host, socklen_t(host.count), &port, socklen_t(port.count), NI_NUMERICHOST | NI_NUMERICSERV)
            }
        }
        guard status == 0 else { return nil }
        func text(_ chars: [CChar]) -> String {
            String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        let address = text(host)
        return (address.contains(":") ? "[\(address)]" : address) + ":" + text(port)
    }

    /// Reads one request. Sends `100 Continue` when the client waits for it before its body.
    func readRequest(limits: HTTPLimits, deadline: ContinuousClock.Instant) throws -> HTTPRequest {
        var decoder = RequestDecoder(limits: limits)
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var continued = false
        while true {
            var pfd = pollfd(fd: input, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, deadline.pollTimeout)
            if ready < 0 {
                if errno == EINTR { continue }
                throw ClientGone(reason: "poll failed: \(String(cString: strerror(errno)))")
            }
            if ready == 0 { throw RequestError.timedOut }
            let count = read(input, &buffer, buffer.count)
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw ClientGone(reason: "read failed: \(String(cString: strerror(errno)))")
            }
            if count == 0 { throw ClientGone(reason: decoder.head == nil ? "closed before sending a request" : "closed mid-request") }
            if let request = try decoder.feed(buffer[0..<count]) { return request }
            if decoder.expectsContinue, !continued {
                continued = true
                try write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8), until: deadline)
            }
        }
    }

    /// Writes everything or fails by `deadline`: a client that stops reading must not hold the
    /// process (and the upstream call) past the exchange's deadline in a blocked `write`.
    func write(_ bytes: [UInt8], until deadline: ContinuousClock.Instant) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(output, $0.baseAddress, $0.count) }
            if written >= 0 {
                offset += written
                continue
            }
            switch errno {
            case EINTR:
                continue
            case EAGAIN:
                var pfd = pollfd(fd: output, events: Int16(POLLOUT), revents: 0)
                if poll(&pfd, 1, deadline.pollTimeout) == 0 { throw ClientGone(reason: "stopped reading the answer") }
            default:
                throw ClientGone(reason: "write failed: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Half-closes. When the request was not read to its end, it also drains what the client
    /// may still be sending, for up to a second, so that an early answer (413, 431, 408) is
    /// not destroyed by the TCP reset that closing with unread data causes (a lingering close).
    func close(lingering: Bool) {
        guard shutdown(output, Int32(SHUT_WR)) == 0, lingering else { return }
        let deadline = ContinuousClock.now + .seconds(1)
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        var drained = 0
        while drained < 1 << 20 {
            var pfd = pollfd(fd: input, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, deadline.pollTimeout) > 0 else { return }
            let count = read(input, &buffer, buffer.count)
            guard count > 0 else { return }
            drained += count
        }
    }
}

/// The client closed or reset the connection: nobody is left to answer.
struct ClientGone: Error {
    let reason: String
}
