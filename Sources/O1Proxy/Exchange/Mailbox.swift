import O1ProxyCore
import Dispatch
import Glibc
import Synchronization

/// Where URLSession's delegate queue and the SIGTERM handler leave events for the exchange's
/// single thread. A pipe wakes that thread's `poll`, which at the same time watches the client
/// for a hang-up: one loop sees every reason to act, with no shared state beyond this queue.
final class Mailbox: @unchecked Sendable {
    enum Event {
        case upstream(Attempt.Event)
        case terminate
    }

    enum Wake {
        case events([Event])
        case clientGone
        case timeout
    }

    private let events = Mutex<[Event]>([])
    private let readEnd: Int32
    private let writeEnd: Int32
    private var signalSource: DispatchSourceSignal?

    init() {
        var fds: [Int32] = [-1, -1]
        precondition(pipe(&fds) == 0, "pipe failed")
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        (readEnd, writeEnd) = (fds[0], fds[1])
    }

    func post(_ event: Event) {
        events.withLock { $0.append(event) }
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    /// systemd stops a unit with SIGTERM; it becomes an event so the exchange can cancel the
    /// upstream call and tell the client before exiting.
    func deliverTermination() {
        signal(SIGTERM, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
        source.setEventHandler { [weak self] in self?.post(.terminate) }
        source.resume()
        signalSource = source
    }

    /// Waits for events, the client's hang-up, or the deadline, whichever comes first.
    /// POLLRDHUP (not exported to Swift) reports the client's FIN even while we do not read.
    func wait(client: Int32, until deadline: ContinuousClock.Instant) -> Wake {
        let pollRDHUP: Int16 = 0x2000
        while true {
            if let pending = take() { return .events(pending) }
            var fds = [pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: client, events: pollRDHUP, revents: 0)]
            let ready = poll(&fds, 2, deadline.pollTimeout)
            if ready < 0 && errno != EINTR { return .clientGone }
            if fds[1].revents & (pollRDHUP | Int16(POLLHUP | POLLERR)) != 0 { return .clientGone }
            if ready == 0 { return .timeout }
            var drain = [UInt8](repeating: 0, count: 64)
            while read(readEnd, &drain, drain.count) > 0 {}
        }
    }

    private func take() -> [Event]? {
        events.withLock { events in
            guard !events.isEmpty else { return nil }
            defer { events = [] }
            return events
        }
    }
}
