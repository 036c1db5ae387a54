// libFuzzer entry point for the `report` target; the input format and the invariants are in
// FuzzChecks.report (Tests/O1ProxyTests/FuzzRegressionTests.swift). Built and run by scripts/fuzz.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReport(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    FuzzChecks.enforce(FuzzChecks.report(input))
    return 0
}
