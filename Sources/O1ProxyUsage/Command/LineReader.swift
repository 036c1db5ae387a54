import O1ProxyCore
import Glibc

/// Hands each line read from `fd` to `body`, without its newline, as it arrives: a month of
/// journal output never sits in memory whole. A line longer than the buffer grows it.
func forEachLine(in fd: Int32, _ body: (UnsafeBufferPointer<UInt8>) -> Void) throws(ReadFailure) {
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    var filled = 0
    while true {
        if filled == buffer.count { buffer += [UInt8](repeating: 0, count: buffer.count) }
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, $0.count - filled) }
        if count < 0 {
            if errno == EINTR { continue }
            throw ReadFailure(errno: errno)
        }
        if count == 0 { break }
        let scanFrom = filled
        filled += count
        let consumed = buffer.withUnsafeBufferPointer { all -> Int in
            var lineStart = 0
            var searchFrom = scanFrom
            while searchFrom < filled, let newline = memchr(all.baseAddress! + searchFrom, 0x0A, filled - searchFrom) {
                let end = all.baseAddress!.distance(to: newline.assumingMemoryBound(to: UInt8.self))
                body(UnsafeBufferPointer(rebasing: all[lineStart..<end]))
                lineStart = end + 1
                searchFrom = lineStart
            }
            return lineStart
        }
        if consumed > 0 {
            buffer.withUnsafeMutableBufferPointer { all in
                _ = memmove(all.baseAddress!, all.baseAddress! + consumed, filled - consumed)
            }
            filled -= consumed
        }
    }
    if filled > 0 {
        buffer.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[0..<filled])) }
    }
}

struct ReadFailure: Error, CustomStringConvertible {
    var errno: Int32

    var description: String {
        String(cString: strerror(errno))
    }
}
