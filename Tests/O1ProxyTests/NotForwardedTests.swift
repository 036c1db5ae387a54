import Testing
@testable import O1Proxy

@Suite struct NotForwardedTests {
    @Test func notForwardedNamesWhy() {
        for name in ["Connection", "Transfer-Encoding", "Content-Length", "Content-Encoding", "Authorization", "API-Key",
                     "Set-Cookie", "Host", "Expect", "Alt-Svc"] {
            #expect(NotForwarded.any.contains(name), "\(name)")
        }
        for name in ["Content-Type", "X-Request-Id", "OpenAI-Organization", "x-ratelimit-remaining-requests"] {
            #expect(!NotForwarded.any.contains(name), "\(name)")
        }
    }
}
