// libFuzzer entry point for the `transform` target; the input format and the invariants are in
// FuzzChecks.transform (Tests/O1ProxyTests/FuzzRegressionTests.swift). Built and run by scripts/fuzz.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTransform(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    FuzzChecks.enforce(FuzzChecks.transform(input))
    return 0
}
