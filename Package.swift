// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "o1-proxy",
    targets: [
        .target(name: "O1Proxy"),
        .target(name: "CSandbox"),
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("curl")]),
        .target(name: "O1ProxyUsage", dependencies: ["O1Proxy"]),
        .executableTarget(name: "o1-proxy", dependencies: ["O1Proxy", "O1ProxyUsage", "CSandbox", "CCurl"]),
        .testTarget(name: "O1ProxyTests", dependencies: ["O1Proxy"]),
        .testTarget(name: "O1ProxyUsageTests", dependencies: ["O1ProxyUsage"]),
    ]
)
