// libFuzzer entry point for the `bridge` target; the input format and the invariants are in
// FuzzChecks.bridge (Tests/O1ProxyTests/FuzzRegressionTests.swift). Built and run by scripts/fuzz.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBridge(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    FuzzChecks.enforce(FuzzChecks.bridge(input))
    return 0
}
