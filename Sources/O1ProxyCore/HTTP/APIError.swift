/// An answer the proxy gives itself, always in OpenAI's error envelope so that SDKs raise it as
/// the error it is instead of failing to parse it.
package struct APIError: Error, Equatable, Sendable {
    package var status: Int
    package var message: String
    package var type: String
    package var param: String?
    package var code: String?
    /// Extra response headers, e.g. `x-should-retry: false` on answers a retry would only repeat.
    package var headers: HTTPFields = []

    package init(status: Int, message: String, type: String = "invalid_request_error", param: String? = nil,
                code: String? = nil, headers: HTTPFields = []) {
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.headers = headers
    }

    package var envelope: JSON {
        ["error": [
            "message": .string(message),
            "type": .string(type),
            "param": param.map(JSON.string) ?? .null,
            "code": code.map(JSON.string) ?? .null,
        ]]
    }

    package static func == (lhs: APIError, rhs: APIError) -> Bool {
        lhs.status == rhs.status && lhs.envelope == rhs.envelope
            && lhs.headers.map { "\($0.name):\($0.value)" } == rhs.headers.map { "\($0.name):\($0.value)" }
    }
}

extension APIError {
    package static func badRequest(_ message: String, param: String? = nil, code: String? = nil) -> APIError {
        APIError(status: 400, message: message, param: param, code: code)
    }

    package static func upstream(_ message: String, code: String = "upstream_error") -> APIError {
        APIError(status: 502, message: message, type: "upstream_error", code: code)
    }

    package static func upstreamTimeout(after allowed: Duration) -> APIError {
        APIError(status: 504, message: "The upstream did not answer within \(Int(allowed.inSeconds)) s.", type: "upstream_error",
                 code: "upstream_timeout", headers: [("x-should-retry", "false")])
    }
}
