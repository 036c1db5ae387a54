import CSandbox
import Glibc

/// The file-system half of the sandbox, done by the process itself with Landlock once it has
/// read its key and rules (Sources/CSandbox says what it may still touch): systemd's mount
/// namespace for the same cost every connection more than the whole exchange
/// (scripts/bench-systemd); the unit keeps the rest (user, capabilities, system calls, address
/// families, IP addresses).
enum Sandbox {
    /// Confines this process, leaving it the CA bundle libcurl was told to read; what it could
    /// not do, for the journal entry.
    static func confine(stateDirectory: String?, caBundle: String?) -> String? {
        let result = o1_sandbox_confine(stateDirectory, caBundle)
        guard result < 0 else { return nil }
        switch -result {
        case ENOSYS, EOPNOTSUPP:
            return "not confined: this kernel has no Landlock (Linux 5.13 or later, with landlock among its LSMs)"
        case EBUSY:
            return "not confined: the process already had threads"
        default:
            return "not confined: Landlock said \(String(cString: strerror(-result)))"
        }
    }
}
