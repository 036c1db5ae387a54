import O1ProxyCore

/// One request as the client sent it.
struct HTTPRequest: Sendable {
    var method: String
    var target: String
    var headers: HTTPFields
    var body: [UInt8]

    init(method: String, target: String, headers: HTTPFields, body: [UInt8] = []) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
    }

    /// The target without its query.
    var path: Substring {
        target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
    }
}

/// The limits that keep one process's memory and time bounded whatever a client sends.
struct HTTPLimits: Sendable, Equatable {
    var maxHeadBytes: Int
    var maxHeaders: Int
    var maxBodyBytes: Int

    init(maxHeadBytes: Int = Knobs.maxHeadBytes.defaultValue, maxHeaders: Int = Knobs.maxHeaders.defaultValue,
         maxBodyBytes: Int = Knobs.maxBodyBytes.defaultValue) {
        self.maxHeadBytes = maxHeadBytes
        self.maxHeaders = maxHeaders
        self.maxBodyBytes = maxBodyBytes
    }
}
