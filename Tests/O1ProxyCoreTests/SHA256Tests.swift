import Testing
@testable import O1ProxyCore

@Suite struct SHA256Tests {
    /// FIPS 180-4's examples and NIST's long message.
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        (String(repeating: "a", count: 1_000_000), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
    ])
    func standardVectors(_ message: String, _ digest: String) {
        #expect(SHA256.hex(of: message) == digest)
    }

    /// A copy finishes a prefix while the original goes on: each prefix's digest is what hashing
    /// it alone gives.
    @Test func prefixesFromOnePass() {
        let text = String(repeating: "conversation item ", count: 20)
        var hasher = SHA256()
        for (i, byte) in text.utf8.enumerated() {
            hasher.update([byte])
            if i % 37 == 0 { #expect(SHA256.hex(hasher.finish()) == SHA256.hex(of: String(text.prefix(i + 1)))) }
        }
    }

    /// However the input is split, the digest is the same: blocks straight from the input, the
    /// rest through the pending bytes.
    @Test(arguments: [1, 7, 63, 64, 65, 127, 200])
    func anySplitGivesTheSameDigest(_ piece: Int) {
        let message = Array(String(repeating: "0123456789abcdef", count: 40).utf8)
        var hasher = SHA256()
        var rest = message[...]
        var size = piece
        while !rest.isEmpty {
            hasher.update(rest.prefix(size))
            rest = rest.dropFirst(size)
            size = size % 97 + piece
        }
        #expect(SHA256.hex(hasher.finish()) == SHA256.hex(of: String(decoding: message, as: UTF8.self)))
    }
}
