import Testing
@testable import O1ProxyCore
@testable import O1ProxyUsage

/// Instances that ended abnormally, from PID 1's own entries, count as failed exchanges.
@Suite struct CrashTests {
    static let unit = "o1-proxy@7-127.0.0.1:4567-127.0.0.1:43210.service"

    static func exchange(at micros: Int64, peer: String = "127.0.0.1:43210", model: String = "o3", status: String = "200") -> String {
        Fixture.journal([("__REALTIME_TIMESTAMP", Fixture.string(String(micros))), ("O1_MODEL", Fixture.string(model)),
                         ("O1_STATUS", Fixture.string(status)), ("O1_PEER", Fixture.string(peer))])
    }

    /// What systemd 252 to 262 log for a killed instance, in that order.
    static func killed(at micros: Int64, unit: String = unit, code: String = "killed", status: String = "6",
                       result: String = "signal") -> [String] {
        [Fixture.journal([("__REALTIME_TIMESTAMP", Fixture.string(String(micros))), ("_PID", Fixture.string("1")),
                          ("MESSAGE_ID", Fixture.string(InstanceEnd.processExited)), ("UNIT", Fixture.string(unit)),
                          ("EXIT_CODE", Fixture.string(code)), ("EXIT_STATUS", Fixture.string(status))]),
         Fixture.journal([("__REALTIME_TIMESTAMP", Fixture.string(String(micros + 100))), ("_PID", Fixture.string("1")),
                          ("MESSAGE_ID", Fixture.string(InstanceEnd.unitFailed)), ("UNIT", Fixture.string(unit)),
                          ("UNIT_RESULT", Fixture.string(result))])]
    }

    static func report(_ lines: [String]) -> UsageReport {
        var builder = UsageReportBuilder { _ in 0 }
        for line in lines {
            var line = line
            line.withUTF8 { builder.add(line: $0) }
        }
        return builder.report(grouping: .model, prices: .builtIn)
    }

    static let t0: Int64 = 1_795_596_779_000_000

    /// The entry said 200, then the instance aborted: the exchange is a failure, counted once.
    @Test func aCrashAfterTheEntryFailsThatExchange() {
        let r = Self.report([Self.exchange(at: Self.t0)] + Self.killed(at: Self.t0 + 300_000))
        #expect(r.total.stats.exchanges == 1)
        #expect(r.total.stats.crashed == 1 && r.total.stats.errors == 1)
        #expect(r.rows.map(\.model) == ["o3"])
        #expect(r.rows[0].stats.crashes.map(\.reason) == ["signal: killed 6"])
    }

    /// A crash before the entry was written: a failed exchange of its own, of no known model.
    @Test func aCrashWithoutAnEntryIsAnExchangeOfItsOwn() {
        let r = Self.report([Self.exchange(at: Self.t0, peer: "127.0.0.1:1")] + Self.killed(at: Self.t0 + 300_000))
        #expect(r.total.stats.exchanges == 2 && r.total.stats.crashed == 1)
        #expect(r.rows.first { $0.model == nil }?.stats.crashed == 1)
        #expect(r.rows.first { $0.model == "o3" }?.stats.crashed == 0)
    }

    /// Only an exchange logged just before counts as the one that crashed: the same client port
    /// comes back later for another connection.
    @Test func anOlderExchangeOnTheSamePortIsNotTheOne() {
        let r = Self.report([Self.exchange(at: Self.t0)] + Self.killed(at: Self.t0 + 60_000_000))
        #expect(r.total.stats.exchanges == 2 && r.total.stats.crashed == 1)
        #expect(r.rows.first { $0.model == "o3" }?.stats.crashed == 0)
    }

    /// systemd 262 puts the client's PID in the instance's name; RuntimeMaxSec= is `timeout`.
    @Test func instanceNamesWithAPIDAndOtherResults() {
        let unit = "o1-proxy@32-5247-127.0.0.1:4567-127.0.0.1:43210.service"
        #expect(InstanceEnd(unit: unit, reason: "").peer == "127.0.0.1:43210")
        #expect(InstanceEnd(unit: "o1-proxy@1-[::1]:4567-[::1]:5000.service", reason: "").peer == "[::1]:5000")
        let r = Self.report([Self.exchange(at: Self.t0)]
                            + Self.killed(at: Self.t0 + 100, unit: unit, code: "exited", status: "0", result: "timeout"))
        #expect(r.total.stats.exchanges == 1 && r.total.stats.crashed == 1)
        #expect(r.rows[0].stats.crashes.map(\.reason) == ["timeout"])
    }

    /// Other units' failures, and an instance's clean exit, are not the proxy's crashes.
    @Test func onlyTheProxysAbnormalEnds() {
        let r = Self.report([Self.exchange(at: Self.t0)] + Self.killed(at: Self.t0 + 100, unit: "cron.service")
                            + [Self.killed(at: Self.t0 + 200, code: "exited", status: "0")[0]])
        #expect(r.total.stats.exchanges == 1 && r.total.stats.crashed == 0)
    }
}
