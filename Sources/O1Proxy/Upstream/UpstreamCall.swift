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

    /// Builds the request for `path` (what follows `/v1` on the proxy) with the client's
    /// end-to-end headers, and starts it.
    init(config: Config, method: String, pathAndQuery: String, clientHeaders: [(name: String, value: String)],
         body: [UInt8], mailbox: Mailbox) {
        self.mailbox = mailbox
        super.init()
        var request = URLRequest(url: URL(string: config.baseURL.absoluteString + pathAndQuery) ?? config.baseURL)
        request.httpMethod = method
        for (name, value) in clientHeaders where !hopHeaders.contains(name.lowercased()) {
            request.addValue(value, forHTTPHeaderField: name)
        }
        if let authorization = Self.authorization(config: config, clientHeaders: clientHeaders) {
            request.setValue(authorization, forHTTPHeaderField: "Authorization")
        }
        if !body.isEmpty || method == "POST" {
            request.httpBody = Data(body)
        }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = config.deadline
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        let session = URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
        task = session.dataTask(with: request)
        task?.resume()
    }

    /// The configured key replaces whatever the client sent. Without one, each user brings a
    /// key: the client's header goes on, except when it only carried the proxy's own token.
    static func authorization(config: Config, clientHeaders: [(name: String, value: String)]) -> String? {
        if let key = config.apiKey { return "Bearer \(key)" }
        if config.clientToken != nil { return nil }
        return clientHeaders.first { $0.name.lowercased() == "authorization" }?.value
    }

    func cancel() {
        task?.cancel()
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        if let http = response as? HTTPURLResponse { mailbox.post(.response(http)) }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        mailbox.post(.data(data))
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        mailbox.post(.finished(error))
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
    /// Headers worth passing to the client: not hop-by-hop, not about an encoding URLSession
    /// has already undone.
    var forwardableHeaders: [(name: String, value: String)] {
        allHeaderFields.compactMap { key, value in
            guard let name = key as? String, let value = value as? String, !hopHeaders.contains(name.lowercased()),
                  name.lowercased() != "content-type" else { return nil }
            return (name, value)
        }.sorted { $0.name.lowercased() < $1.name.lowercased() }
    }

    var contentType: String? {
        value(forHTTPHeaderField: "Content-Type")
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
