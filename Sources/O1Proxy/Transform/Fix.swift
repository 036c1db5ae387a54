/// One change the proxy makes to a chat request so that a model accepts it. Rules are lists of
/// fixes, and so is what the proxy learns from an upstream rejection: both go through the same
/// `ChatRequest.upstreamBody(applying:)`, so a learned fix behaves exactly like a written rule.
public enum Fix: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// Remove an optional top-level parameter.
    case drop(String)
    /// Move a parameter to a new name, unless the client already set the new one.
    case rename(String, to: String)
    /// Give every message with this role another role; content and order stay as they were.
    case mapRole(String, to: String)
    /// Call the model without streaming and fake the stream the client asked for.
    case fakeStream

    public var description: String {
        switch self {
        case .drop(let key): "drop:\(key)"
        case .rename(let from, let to): "rename:\(from)->\(to)"
        case .mapRole(let from, let to): "role:\(from)->\(to)"
        case .fakeStream: "stream:faked"
        }
    }
}
