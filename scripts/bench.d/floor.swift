// The start-up floor of any o1-proxy design built on URLSession: a process that loads
// FoundationNetworking and creates a URLSession, then answers one HTTP exchange on fd 0/1 with a
// fixed tiny response (it never calls upstream). With stdin at EOF (/dev/null) it only starts
// and exits. FLOOR_HOLD=1: after answering, stays until the client closes (memory floor).
// Built by scripts/bench with the same flags as o1-proxy (-O, with and without -static-stdlib).
import Foundation
import FoundationNetworking
import Glibc

signal(SIGPIPE, SIG_IGN)
let session = URLSession(configuration: .ephemeral)

// Read the head and Content-Length bytes of body, so closing does not reset the connection.
var buffer = [UInt8](repeating: 0, count: 64 * 1024)
var received: [UInt8] = []
var needed = Int.max
while received.count < needed {
    let n = read(0, &buffer, buffer.count)
    if n <= 0 { break }
    received += buffer[0..<n]
    if needed == Int.max, let end = received.indices.dropLast(3).first(where: {
        received[$0] == 13 && received[$0 + 1] == 10 && received[$0 + 2] == 13 && received[$0 + 3] == 10
    }) {
        let head = String(decoding: received[..<end], as: UTF8.self).lowercased()
        var length = 0
        for line in head.split(separator: "\r\n") where line.hasPrefix("content-length:") {
            length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        needed = end + 4 + length
    }
}
if !received.isEmpty {
    let body = "{\"floor\":true}"
    let response = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
    _ = Array(response.utf8).withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
    if ProcessInfo.processInfo.environment["FLOOR_HOLD"] == "1" {
        while read(0, &buffer, buffer.count) > 0 {}
    }
}
withExtendedLifetime(session) {}
exit(0)
