/// One request as the client sent it. Header names keep their spelling for forwarding;
/// lookups ignore case, as HTTP says they must.
public struct HTTPRequest: Sendable {
    public var method: String
    public var target: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(method: String, target: String, headers: [(name: String, value: String)], body: [UInt8] = []) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The target without its query.
    public var path: Substring {
        target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
    }
}

/// The limits that keep one process's memory and time bounded whatever a client sends.
public struct HTTPLimits: Sendable, Equatable {
    public var maxHeadBytes: Int
    public var maxHeaders: Int
    public var maxBodyBytes: Int

    public init(maxHeadBytes: Int = 32 * 1024, maxHeaders: Int = 100, maxBodyBytes: Int = 16 * 1024 * 1024) {
        self.maxHeadBytes = maxHeadBytes
        self.maxHeaders = maxHeaders
        self.maxBodyBytes = maxBodyBytes
    }
}
