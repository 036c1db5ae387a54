import Glibc

/// Exchanges are timed on the monotonic clock: a wall-clock jump must not cut or stretch one.
extension ContinuousClock.Instant {
    /// Milliseconds from now until then, rounded up so that `poll` never wakes just before it.
    package var pollTimeout: Int32 {
        let left = self - .now
        guard left > .zero else { return 0 }
        let (seconds, attoseconds) = left.components
        return Int32(clamping: seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }

    package func milliseconds(since start: Self) -> Int {
        let (seconds, attoseconds) = (self - start).components
        return Int(seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}

/// The time of day, for what is logged and kept: when an exchange began, when a fix was learned.
/// Deadlines never use it (a wall-clock jump must not cut or stretch an exchange).
package enum WallClock {
    /// Seconds since the epoch.
    package static func now() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}

extension Duration {
    /// The duration in seconds, for the APIs that count in them (URLSession, the wall clock).
    package var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
