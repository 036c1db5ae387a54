import Testing
@testable import O1ProxyCore
@testable import O1Proxy

@Suite struct ConstantTimeEqualsTests {
    @Test func constantTimeEqualsCompares() {
        #expect(constantTimeEquals("", ""))
        #expect(constantTimeEquals("Bearer abc", "Bearer abc"))
        #expect(constantTimeEquals("é😀", "é😀"))
        #expect(!constantTimeEquals("Bearer abc", "Bearer abd"))
        #expect(!constantTimeEquals("Bearer abc", "Bearer ab"))
        #expect(!constantTimeEquals("Bearer ab", "Bearer abc"))
        #expect(!constantTimeEquals("", "a"))
        #expect(!constantTimeEquals("a", ""))
        #expect(!constantTimeEquals("abc", "abc\0"))
        #expect(!constantTimeEquals("bearer abc", "Bearer abc"))
        #expect(!constantTimeEquals("e\u{301}", "é"))
    }
}
