// libFuzzer entry point for the `request` target; the input format and the invariants are in
// FuzzChecks.request (Tests/O1ProxyTests/FuzzRegressionTests.swift). Built and run by scripts/fuzz.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequest(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    FuzzChecks.enforce(FuzzChecks.request(input))
    return 0
}
