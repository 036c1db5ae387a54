import CCurl
import Glibc

/// Which CA bundle the upstream's TLS handshake reads (Sources/CCurl says how and why).
enum TrustStore {
    /// Makes libcurl read `bundle` when this process can read it, and returns it; otherwise
    /// libcurl keeps its own bundle (never no trust: a lean file the package's hook removed, or
    /// one not yet written, means the whole system bundle) and this returns nil.
    static func use(_ bundle: String?) -> String? {
        guard let bundle, access(bundle, R_OK) == 0 else { return nil }
        o1_curl_use_ca_bundle(bundle)
        return bundle
    }
}
