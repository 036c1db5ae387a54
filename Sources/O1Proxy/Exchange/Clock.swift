/// Exchanges are timed on the monotonic clock: a wall-clock jump must not cut or stretch one.
extension ContinuousClock.Instant {
    /// Milliseconds from now until then, rounded up so that `poll` never wakes just before it.
    var pollTimeout: Int32 {
        let left = self - .now
        guard left > .zero else { return 0 }
        let (seconds, attoseconds) = left.components
        return Int32(clamping: seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }

    func milliseconds(since start: Self) -> Int {
        let (seconds, attoseconds) = (self - start).components
        return Int(seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}
