import Testing
@testable import O1ProxyCore

@Suite struct TimestampTests {
    @Test func civilDatesBothWays() {
        for (y, m, d, days) in [(1970, 1, 1, 0), (2000, 2, 29, 11016), (2026, 11, 25, 20782), (1969, 12, 31, -1), (2100, 3, 1, 47541)] {
            let day = Day(year: y, month: m, day: d)
            #expect(day.daysSinceEpoch == days)
            #expect(day.components == (y, m, d))
        }
        #expect(Day(daysSinceEpoch: 20782).iso == "2026-11-25")
    }

    @Test func theLocalDayFollowsTheOffset() {
        let lateUTC: Int64 = 1_795_651_000  // 2026-11-25 23:56:40 UTC
        #expect(Day(seconds: lateUTC, utcOffset: 0).iso == "2026-11-25")
        #expect(Day(seconds: lateUTC, utcOffset: 3600).iso == "2026-11-26")
        #expect(Day(seconds: lateUTC - 86400 + 3600, utcOffset: -8 * 3600).iso == "2026-11-24")
        #expect(Day(seconds: -1, utcOffset: 0).iso == "1969-12-31")
    }

    /// What the logfmt line's `time=` says, and what the report reads back from it.
    @Test func theLogLinesTimeBothWays() {
        for (micros, text) in [(Int64(1_795_596_779_123_000), "2026-11-25T08:52:59.123Z"), (0, "1970-01-01T00:00:00.000Z"),
                               (951_782_400_007_000, "2000-02-29T00:00:00.007Z"), (-1_000, "1969-12-31T23:59:59.999Z")] {
            #expect(Timestamp.iso8601(micros: micros) == text)
            #expect(Array(text.utf8).withUnsafeBufferPointer(Timestamp.parse) == micros)
        }
        #expect(Timestamp.iso8601(1_795_596_779.123) == "2026-11-25T08:52:59.123Z")
    }
}

