import Testing
@testable import O1ProxyUsage

@Suite struct LocalTimeTests {
    @Test func localTimeToTheMinute() {
        #expect(LocalTime(micros: 1_795_596_779_123_456, utcOffset: 3600).text == "2026-11-25 09:52")
    }
}
