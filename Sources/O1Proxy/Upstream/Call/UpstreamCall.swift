import O1ProxyCore
import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The one upstream request of an attempt, on the process's one `UpstreamSession`. A delegate
/// rather than `data(for:)`: streams must be relayed chunk by chunk as they arrive, and a cancel
/// must close the upstream socket at once so a client that left stops costing money.
struct UpstreamCall {
    private let task: URLSessionDataTask

    /// Builds the request for `pathAndQuery` (what follows `/v1` on the proxy) with the client's
    /// end-to-end headers, and starts it; what happens to it arrives in `mailbox`.
    init(config: Config, method: String, pathAndQuery: String, clientHeaders: HTTPFields, body: [UInt8],
         deadline allowed: Duration, mailbox: Mailbox) {
        let base = config.upstream.baseURL
        var request = URLRequest(url: URL(string: base.absoluteString + pathAndQuery) ?? base)
        request.httpMethod = method
        for (name, value) in clientHeaders.removing(NotForwarded.any) {
            request.addValue(value, forHTTPHeaderField: name)
        }
        for (name, value) in Self.credentials(config: config, clientHeaders: clientHeaders) {
            request.setValue(value, forHTTPHeaderField: name)
        }
        // Otherwise FoundationNetworking makes one up from the bundle, which a static binary
        // has none of: "o1-proxy (unknown version)".
        if clientHeaders["user-agent"] == nil {
            request.setValue("o1-proxy/\(o1ProxyVersion)", forHTTPHeaderField: "User-Agent")
        }
        if !body.isEmpty || method == "POST" {
            request.httpBody = Data(body)
        }
        // URLSession's idle timeout, truncated to whole seconds, would race the exchange's own
        // deadline and turn its 504 (which SDKs do not retry) into a 502 (which they do): it is
        // set past the deadline, so the exchange's clock always decides.
        request.timeoutInterval = allowed.inSeconds + 60
        task = UpstreamSession.shared.start(request, reporting: mailbox)
    }

    /// The configured key replaces whatever the client sent, in the header its upstream reads.
    /// Without one, each user brings a key: the client's own goes on, except when it only
    /// carried the proxy's token.
    static func credentials(config: Config, clientHeaders: HTTPFields) -> HTTPFields {
        switch (config.upstream.kind, config.upstream.key) {
        case (.openAI, let key?):
            return [("Authorization", "Bearer \(key)")]
        case (.azure, let key?):
            return [("api-key", key)]
        case (_, nil) where config.clientToken != nil:
            return []
        case (.openAI, nil):
            return clientHeaders["authorization"].map { [("Authorization", $0)] } ?? []
        case (.azure, nil):
            // An Azure key of the client's own, or a Microsoft Entra ID bearer token.
            var fields = HTTPFields()
            if let key = clientHeaders["api-key"] { fields.append("api-key", key) }
            if let token = clientHeaders["authorization"] { fields.append("Authorization", token) }
            return fields
        }
    }

    /// Stops the call; nothing more of it reaches the mailbox.
    func cancel() {
        UpstreamSession.shared.cancel(task)
    }
}

/// The process's one URLSession, made on the first call and never released. FoundationNetworking
/// tears a session's libcurl multi handle down in `_MultiHandle.deinit`, and with libcurl 8.x
/// (Debian 13) `curl_multi_cleanup` re-enters the socket callback for every TLS connection it
/// shuts down (the close-notify): the callback takes a strong reference to the handle being
/// deinitialized and the runtime aborts the process ("_MultiHandle deallocated with non-zero
/// retain count 2"; swiftlang/swift-corelibs-foundation#5203, fix proposed in PR #5491).
/// Measured here: 16 of 40 HTTPS exchanges died that way on Debian 13, often after the upstream
/// had answered. So the session lives as long as the process, which ends with `_exit` once the
/// exchange is written and logged: the teardown never runs. One session also lets a retry after
/// a learned fix reuse the upstream connection instead of a new TLS handshake.
final class UpstreamSession: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    static let shared = UpstreamSession()

    /// Each running task's mailbox, by task identifier: a cancelled task's late events must not
    /// reach the next call's attempt.
    private let mailboxes = Mutex<[Int: Mailbox]>([:])
    private var session: URLSession?

    private override init() {
        super.init()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        session = URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
    }

    func start(_ request: URLRequest, reporting mailbox: Mailbox) -> URLSessionDataTask {
        let task = session!.dataTask(with: request)
        mailboxes.withLock { $0[task.taskIdentifier] = mailbox }
        task.resume()
        return task
    }

    func cancel(_ task: URLSessionTask) {
        _ = mailboxes.withLock { $0.removeValue(forKey: task.taskIdentifier) }
        task.cancel()
    }

    private func post(_ event: Attempt.Event, for task: URLSessionTask, last: Bool = false) {
        let mailbox = mailboxes.withLock { last ? $0.removeValue(forKey: task.taskIdentifier) : $0[task.taskIdentifier] }
        mailbox?.post(.upstream(event))
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        if let http = response as? HTTPURLResponse {
            post(.head(status: http.statusCode, headers: http.forwardableHeaders,
                       contentType: http.value(forHTTPHeaderField: "Content-Type")), for: dataTask)
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        post(.body([UInt8](data)), for: dataTask)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        post(.finished(failure: error.map { describeTransportError($0, host: task.originalRequest?.url?.host) }),
             for: task, last: true)
    }

    /// Redirects are answered to the client as they are: following one would resend the key to
    /// wherever the upstream points.
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}

extension HTTPURLResponse {
    /// Headers worth passing to the client: what describes the message, in a stable order;
    /// the content type is set by whoever frames the reply.
    var forwardableHeaders: HTTPFields {
        HTTPFields(allHeaderFields.compactMap { key, value in
            guard let name = key as? String, let value = value as? String, !NotForwarded.any.contains(name),
                  !same(name, "content-type") else { return nil }
            return (name, value)
        }.sorted { $0.name.lowercased() < $1.name.lowercased() })
    }
}

/// A transport failure in words an operator can act on: what failed, with libcurl's own reason
/// where FoundationNetworking passes it on (its error buffer, e.g. "SSL certificate problem:
/// unable to get local issuer certificate"). Only the error's own description and the host:
/// the request (and its key) is never part of it.
func describeTransportError(_ error: Error, host: String?) -> String {
    guard let urlError = error as? URLError else { return error.localizedDescription }
    let upstream = host.map { "the upstream \($0)" } ?? "the upstream"
    let reason = (urlError.userInfo[NSLocalizedDescriptionKey] as? String).flatMap { $0.isEmpty ? nil : $0 }
    let because = reason.map { ": \($0)" } ?? ""
    switch urlError.code {
    case .cannotConnectToHost: return "cannot connect to \(upstream) (connection refused)"
    case .cannotFindHost, .dnsLookupFailed: return "cannot resolve \(upstream)\(because)"
    case .networkConnectionLost: return "the connection to \(upstream) was lost mid-answer\(because)"
    case .timedOut: return "\(upstream) stopped sending\(because)"
    case .badServerResponse: return "\(upstream) sent an invalid HTTP response\(because)"
    // FoundationNetworking reports most libcurl failures, a failed TLS handshake among them, as
    // -1 (unknown): libcurl's reason is what tells them apart.
    default: return "the connection to \(upstream) failed\(because.isEmpty ? " (URLError \(urlError.code.rawValue))" : because)"
    }
}
