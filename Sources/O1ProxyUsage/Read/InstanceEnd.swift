import O1ProxyCore

/// An o1-proxy@ instance that ended abnormally, as PID 1 logged it: a crash, a kill, a core
/// dump, RuntimeMaxSec=. The proxy cannot log its own death, and such an end may come after its
/// entry said 200 (Debian 13's libcurl once aborted instances in their teardown), so the report
/// reads systemd's own entries, by the ids systemd gives these messages, and counts each such
/// instance as a failed exchange.
struct InstanceEnd: Equatable, Sendable {
    var time: Int64?
    /// `o1-proxy@N-...-CLIENT.service`.
    var unit: String
    /// Why, in systemd's words: `signal`, `core-dump`, `timeout`, `exit-code`, ... and, from the
    /// process's own exit entry when there is one, how (`killed ABRT`).
    var reason: String

    /// "Unit failed with result": one per abnormal end.
    static let unitFailed = "d9b373ed55a64feb8242e02dbe79a49c"
    /// "Main process exited, code=..., status=...": the detail, just before.
    static let processExited = "98e322203f7a4ed290d09fe03c09fe15"
    static let unitPrefix = "o1-proxy@"

    /// The client the instance served, `address:port`, from its name (the socket's `Accept=yes`
    /// names instances `N-LOCAL-PEER`, systemd 262 `N-PID-LOCAL-PEER`): the proxy's own entry for
    /// that exchange, if it wrote one, has the same `O1_PEER`.
    var peer: String? {
        guard unit.hasSuffix(".service"), let dash = unit.lastIndex(of: "-") else { return nil }
        let peer = unit[unit.index(after: dash)..<unit.index(unit.endIndex, offsetBy: -".service".count)]
        return peer.isEmpty ? nil : String(peer)
    }
}

/// PID 1's fields the report reads, by name.
enum SystemdField {
    static let messageID = "MESSAGE_ID"
    static let unit = "UNIT"
    static let unitResult = "UNIT_RESULT"
    static let exitCode = "EXIT_CODE"
    static let exitStatus = "EXIT_STATUS"
    static let pid = "_PID"
    static let all = [messageID, unit, unitResult, exitCode, exitStatus, pid]
}
