// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "o1-proxy",
    targets: [
        // The shared vocabulary of both programs: JSON, HTTP fields and errors, event streams,
        // clocks, and the journal entry's schema, which the proxy writes and the report reads.
        .target(name: "O1ProxyCore"),
        .target(name: "O1Proxy", dependencies: ["O1ProxyCore"]),
        .target(name: "CSandbox"),
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("curl")]),
        .target(name: "O1ProxyUsage", dependencies: ["O1ProxyCore"]),
        .executableTarget(name: "o1-proxy", dependencies: ["O1Proxy", "O1ProxyUsage", "CSandbox", "CCurl"]),
        .testTarget(name: "O1ProxyCoreTests", dependencies: ["O1ProxyCore"]),
        .testTarget(name: "O1ProxyTests", dependencies: ["O1Proxy", "O1ProxyCore", "O1ProxyUsage"]),
        .testTarget(name: "O1ProxyUsageTests", dependencies: ["O1ProxyUsage", "O1ProxyCore", "O1Proxy"]),
    ]
)
