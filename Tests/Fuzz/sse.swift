// libFuzzer entry point for the `sse` target; the input format and the invariants are in
// FuzzChecks.sse (Tests/O1ProxyTests/FuzzRegressionTests.swift). Built and run by scripts/fuzz.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSse(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    FuzzChecks.enforce(FuzzChecks.sse(input))
    return 0
}
