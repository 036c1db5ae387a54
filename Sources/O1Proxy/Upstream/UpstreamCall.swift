import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The one upstream request of an attempt. A delegate rather than `data(for:)`: streams must be
/// relayed chunk by chunk as they arrive, and a cancel must close the upstream socket at once so
/// a client that left stops costing money.
final class UpstreamCall: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let mailbox: Mailbox
    private var task: URLSessionDataTask?

    /// Builds the request for `pathAndQuery` (what follows `/v1` on the proxy) with the client's
    /// end-to-end headers, and starts it.
    init(config: Config, method: String, pathAndQuery: String, clientHeaders: HTTPFields, body: [UInt8],
         deadline seconds: Double, mailbox: Mailbox) {
        self.mailbox = mailbox
        super.init()
        let base = config.upstream.baseURL
        var request = URLRequest(url: URL(string: base.absoluteString + pathAndQuery) ?? base)
        request.httpMethod = method
        for (name, value) in clientHeaders.removing(NotForwarded.any) {
            request.addValue(value, forHTTPHeaderField: name)
        }
        for (name, value) in Self.credentials(config: config, clientHeaders: clientHeaders) {
            request.setValue(value, forHTTPHeaderField: name)
        }
        if !body.isEmpty || method == "POST" {
            request.httpBody = Data(body)
        }
        let configuration = URLSessionConfiguration.ephemeral
        // URLSession's idle timeout, truncated to whole seconds, would race the exchange's own
        // deadline and turn its 504 (which SDKs do not retry) into a 502 (which they do): it is
        // set past the deadline, so the exchange's clock always decides.
        configuration.timeoutIntervalForRequest = seconds + 60
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        let session = URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
        task = session.dataTask(with: request)
        task?.resume()
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

    func cancel() {
        task?.cancel()
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        if let http = response as? HTTPURLResponse {
            mailbox.post(.upstream(.head(status: http.statusCode, headers: http.forwardableHeaders,
                                         contentType: http.value(forHTTPHeaderField: "Content-Type"))))
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        mailbox.post(.upstream(.body([UInt8](data))))
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        mailbox.post(.upstream(.finished(failure: error.map(describeTransportError))))
        session.finishTasksAndInvalidate()
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

/// A transport failure in words an operator can act on. Only the error's own description: the
/// request (and its key) is never part of it.
func describeTransportError(_ error: Error) -> String {
    guard let urlError = error as? URLError else { return error.localizedDescription }
    switch urlError.code {
    // FoundationNetworking on Linux reports a failed TLS handshake as -1 (unknown), not as one
    // of the TLS codes, and -1 can also be another libcurl failure.
    case .unknown:
        return "the upstream connection failed (URLError -1: over https, usually the TLS handshake)"
    case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
         .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot, .clientCertificateRejected:
        return "TLS handshake with the upstream failed (URLError \(urlError.code.rawValue))"
    case .cannotConnectToHost: return "cannot connect to the upstream (connection refused)"
    case .cannotFindHost, .dnsLookupFailed: return "cannot resolve the upstream host"
    case .networkConnectionLost: return "the upstream connection was lost mid-answer"
    case .timedOut: return "the upstream stopped sending"
    case .badServerResponse: return "the upstream sent an invalid HTTP response"
    default: return "URLError \(urlError.code.rawValue)"
    }
}
