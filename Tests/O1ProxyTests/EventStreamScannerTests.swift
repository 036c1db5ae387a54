import Testing
@testable import O1Proxy

private let role = #"data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""}}],"usage":null}"#
private let content = #"data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi\n\nthere"}}],"usage":null}"#
private let usage = #"data: {"id":"c1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}"#

private func stream(_ events: [String], separator: String = "\n\n") -> [UInt8] {
    bytes(events.map { $0 + separator }.joined())
}

private struct Scan {
    var output: [UInt8] = []
    var scanner = EventStreamScanner()
}

/// Scans `input` fed whole, split at every byte boundary, and byte by byte; all must agree.
private func expectSameAtEverySplit(_ input: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> Scan {
    var whole = Scan()
    whole.output = whole.scanner.feed(input)
    for split in 0...input.count {
        var scan = Scan()
        scan.output = scan.scanner.feed(input[0..<split])
        scan.output += scan.scanner.feed(input[split...])
        #expect(scan.output == whole.output, "split at \(split)", sourceLocation: sourceLocation)
        #expect(scan.scanner.sawDone == whole.scanner.sawDone, sourceLocation: sourceLocation)
        #expect(scan.scanner.sawError == whole.scanner.sawError, sourceLocation: sourceLocation)
        #expect(scan.scanner.usage == whole.scanner.usage, sourceLocation: sourceLocation)
    }
    var byteWise = Scan()
    for byte in input {
        let out = byteWise.scanner.feed([byte])
        // Whatever comes out is always a run of whole events: it ends with a blank line.
        if !out.isEmpty {
            let tail = text(out)
            #expect(tail.hasSuffix("\n\n") || tail.hasSuffix("\r\n\r\n") || tail.hasSuffix("\n\r\n"), sourceLocation: sourceLocation)
        }
        byteWise.output += out
    }
    #expect(byteWise.output == whole.output, "byte-wise", sourceLocation: sourceLocation)
    #expect(byteWise.scanner.sawDone == whole.scanner.sawDone, sourceLocation: sourceLocation)
    #expect(byteWise.scanner.usage == whole.scanner.usage, sourceLocation: sourceLocation)
    return whole
}

@Suite struct EventStreamScannerTests {
    @Test func lfEventsPassThroughByteForByte() throws {
        let input = stream([role, content, ": keepalive", usage, "data: [DONE]"])
        let scan = expectSameAtEverySplit(input)
        #expect(scan.output == input)
        #expect(scan.scanner.sawDone)
        #expect(!scan.scanner.sawError)
        #expect(scan.scanner.usage == (try parse(#"{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}"#)))
    }

    @Test func crlfEventsPassThroughByteForByte() throws {
        let input = bytes([role, content, usage, "data: [DONE]"].map { $0 + "\r\n\r\n" }.joined())
        let scan = expectSameAtEverySplit(input)
        #expect(scan.output == input)
        #expect(scan.scanner.sawDone)
        #expect(scan.scanner.usage?["total_tokens"] == .number("7"))
    }

    @Test func multiLineEventsWithCRLF() {
        let input = bytes("id: 1\r\ndata: [DONE]\r\n\r\n")
        let scan = expectSameAtEverySplit(input)
        #expect(scan.output == input)
        #expect(scan.scanner.sawDone)
    }

    @Test func onlyCompleteEventsAreReturned() {
        var scanner = EventStreamScanner()
        let first = bytes(role + "\n\n")
        let out = scanner.feed(first + bytes("data: {\"partial\":"))
        #expect(out == first)
        #expect(scanner.feed(bytes("1}\n")) == [])
        #expect(scanner.feed(bytes("\n")) == bytes("data: {\"partial\":1}\n\n"))
        #expect(scanner.feed(bytes("data: [DONE]\n")) == [])
        #expect(!scanner.sawDone)
        #expect(scanner.feed(bytes("\n")) == bytes("data: [DONE]\n\n"))
        #expect(scanner.sawDone)
    }

    @Test func crlfSeparatorNotCutBetweenCRAndLF() {
        var scanner = EventStreamScanner()
        #expect(scanner.feed(bytes("data: x\r\n\r")) == [])
        #expect(scanner.feed(bytes("\n")) == bytes("data: x\r\n\r\n"))
    }

    @Test func streamWithoutDone() {
        let scan = expectSameAtEverySplit(stream([role, content]))
        #expect(!scan.scanner.sawDone)
        #expect(scan.scanner.usage == nil)
    }

    @Test func doneVariants() {
        var noSpace = EventStreamScanner()
        _ = noSpace.feed(bytes("data:[DONE]\n\n"))
        #expect(noSpace.sawDone)
        var inContent = EventStreamScanner()
        _ = inContent.feed(bytes(#"data: {"choices":[{"delta":{"content":"[DONE]"}}]}"# + "\n\n"))
        #expect(!inContent.sawDone)
        var unfinished = EventStreamScanner()
        _ = unfinished.feed(bytes("data: [DONE]"))
        #expect(!unfinished.sawDone)
    }

    @Test func nullUsageDoesNotReplaceARealOne() {
        var scanner = EventStreamScanner()
        _ = scanner.feed(stream([usage, role]))
        #expect(scanner.usage?["prompt_tokens"] == .number("3"))
        #expect(scanner.usage != .null)
    }

    @Test func errorEventIsDetected() {
        let error = #"data: {"error":{"message":"The server had an error","type":"server_error","param":null,"code":null}}"#
        let scan = expectSameAtEverySplit(stream([role, error]))
        #expect(scan.scanner.sawError)
        #expect(!scan.scanner.sawDone)
        var benign = EventStreamScanner()
        _ = benign.feed(stream([#"data: {"choices":[{"delta":{"content":"the \"error\" word"}}]}"#]))
        #expect(!benign.sawError)
    }

    @Test func largeStreamInSmallPiecesStaysLinear() {
        let events = (0..<2000).map { #"data: {"choices":[{"index":0,"delta":{"content":"token \#($0)"}}]}"# } + ["data: [DONE]"]
        let input = stream(events)
        var scanner = EventStreamScanner()
        var output: [UInt8] = []
        var i = 0
        while i < input.count {
            output += scanner.feed(input[i..<min(i + 7, input.count)])
            i += 7
        }
        #expect(output == input)
        #expect(scanner.sawDone)
    }
}
