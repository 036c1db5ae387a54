import Testing
@testable import O1ProxyCore
@testable import O1Proxy

private let role = #"data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""}}],"usage":null}"#
private let content = #"data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi\n\nthere"}}],"usage":null}"#
private let usage = #"data: {"id":"c1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7,"prompt_tokens_details":{"cached_tokens":2},"completion_tokens_details":{"reasoning_tokens":1}}}"#
private let expectedUsage = Usage(chatAnswer: try! JSON(parsing: Array(#"{"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7,"prompt_tokens_details":{"cached_tokens":2},"completion_tokens_details":{"reasoning_tokens":1}}}"#.utf8)))

private func stream(_ events: [String], separator: String = "\n\n") -> [UInt8] {
    bytes(events.map { $0 + separator }.joined())
}

private struct Relayed {
    var output: [UInt8] = []
    var relay: ChatCompletions.StreamRelay
}

/// Relays `input` fed whole, split at every byte boundary, and byte by byte; all must agree, and
/// whatever comes out of one feed is always a run of whole events.
private func relayAtEverySplit(_ input: [UInt8], includeUsage: Bool = true,
                               sourceLocation: SourceLocation = #_sourceLocation) -> Relayed {
    var whole = Relayed(relay: .init(includeUsage: includeUsage))
    whole.output = whole.relay.feed(input)
    for split in 0...input.count {
        var scan = Relayed(relay: .init(includeUsage: includeUsage))
        scan.output = scan.relay.feed(Array(input[0..<split]))
        scan.output += scan.relay.feed(Array(input[split...]))
        #expect(scan.output == whole.output, "split at \(split)", sourceLocation: sourceLocation)
        #expect(scan.relay.ending == whole.relay.ending, sourceLocation: sourceLocation)
        #expect(scan.relay.usage == whole.relay.usage, sourceLocation: sourceLocation)
    }
    var byteWise = Relayed(relay: .init(includeUsage: includeUsage))
    for byte in input {
        let out = byteWise.relay.feed([byte])
        if !out.isEmpty {
            let tail = text(out)
            #expect(tail.hasSuffix("\n\n") || tail.hasSuffix("\r\n\r\n") || tail.hasSuffix("\n\r\n"), sourceLocation: sourceLocation)
        }
        byteWise.output += out
    }
    #expect(byteWise.output == whole.output, "byte-wise", sourceLocation: sourceLocation)
    #expect(byteWise.relay.ending == whole.relay.ending, sourceLocation: sourceLocation)
    #expect(byteWise.relay.usage == whole.relay.usage, sourceLocation: sourceLocation)
    return whole
}

@Suite struct ChatStreamRelayTests {
    @Test func lfEventsPassThroughByteForByte() throws {
        let input = stream([role, content, ": keepalive", usage, "data: [DONE]"])
        let relayed = relayAtEverySplit(input)
        #expect(relayed.output == input)
        #expect(relayed.relay.ending == .completed)
        #expect(relayed.relay.usage == expectedUsage)
    }

    @Test func crlfEventsPassThroughByteForByte() throws {
        let input = bytes([role, content, usage, "data: [DONE]"].map { $0 + "\r\n\r\n" }.joined())
        let relayed = relayAtEverySplit(input)
        #expect(relayed.output == input)
        #expect(relayed.relay.ending == .completed)
        #expect(relayed.relay.usage?.total == 7)
    }

    /// The proxy asks every native stream for usage; a client that did not ask never sees the
    /// chunk without choices, but the journal still gets the tokens.
    @Test func usageChunkTakenOutWhenOnlyTheProxyAskedForIt() {
        let relayed = relayAtEverySplit(stream([role, content, usage, "data: [DONE]"]), includeUsage: false)
        #expect(relayed.output == stream([role, content, "data: [DONE]"]))
        #expect(relayed.relay.usage == expectedUsage)
        #expect(relayed.relay.ending == .completed)
    }

    /// The tier that served the request rides on every chunk; the usage chunk's is the one kept.
    @Test func theServiceTierAndCacheWritesOfTheUsageChunk() {
        let chunk = #"data: {"id":"c1","object":"chat.completion.chunk","service_tier":"priority","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7,"prompt_tokens_details":{"cached_tokens":0,"cache_write_tokens":2}}}"#
        let relayed = relayAtEverySplit(stream([role, chunk, "data: [DONE]"]))
        #expect(relayed.relay.usage?.serviceTier == "priority")
        #expect(relayed.relay.usage?.cacheWrite == 2)
    }

    /// A whole chat answer says it beside its usage too.
    @Test func theServiceTierAndCacheWritesOfAWholeAnswer() throws {
        let answer = bytes(#"{"object":"chat.completion","choices":[],"service_tier":"flex","usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7,"prompt_tokens_details":{"cached_tokens":1,"cache_write_tokens":2}}}"#)
        let usage = try ChatCompletions.completion(from: answer, contentType: nil).usage
        #expect(usage?.serviceTier == "flex" && usage?.cacheWrite == 2 && usage?.cached == 1)
    }

    @Test func multiLineEventsWithCRLF() {
        let input = bytes("id: 1\r\ndata: [DONE]\r\n\r\n")
        let relayed = relayAtEverySplit(input)
        #expect(relayed.output == input)
        #expect(relayed.relay.ending == .completed)
    }

    @Test func onlyCompleteEventsAreReturned() {
        var relay = ChatCompletions.StreamRelay(includeUsage: true)
        let first = bytes(role + "\n\n")
        #expect(relay.feed(first + bytes("data: {\"partial\":")) == first)
        #expect(relay.feed(bytes("1}\n")) == [])
        #expect(relay.feed(bytes("\n")) == bytes("data: {\"partial\":1}\n\n"))
        #expect(relay.feed(bytes("data: [DONE]\n")) == [])
        #expect(relay.ending == nil)
        #expect(relay.feed(bytes("\n")) == bytes("data: [DONE]\n\n"))
        #expect(relay.ending == .completed)
    }

    /// `[DONE]` ends the stream: the closing chunk goes out with it, and nothing after it does.
    @Test func nothingAfterDone() {
        var relay = ChatCompletions.StreamRelay(includeUsage: true)
        #expect(relay.feed(stream(["data: [DONE]", content])) == stream(["data: [DONE]"]))
        #expect(relay.feed(stream([content])) == [])
        #expect(relay.ending == .completed)
    }

    @Test func crlfSeparatorNotCutBetweenCRAndLF() {
        var relay = ChatCompletions.StreamRelay(includeUsage: true)
        #expect(relay.feed(bytes("data: x\r\n\r")) == [])
        #expect(relay.feed(bytes("\n")) == bytes("data: x\r\n\r\n"))
    }

    @Test func streamWithoutDoneIsStillOpen() {
        let relayed = relayAtEverySplit(stream([role, content]))
        #expect(relayed.relay.ending == nil)
        #expect(relayed.relay.usage == nil)
    }

    @Test func doneVariants() {
        var noSpace = ChatCompletions.StreamRelay(includeUsage: true)
        _ = noSpace.feed(bytes("data:[DONE]\n\n"))
        #expect(noSpace.ending == .completed)
        var inContent = ChatCompletions.StreamRelay(includeUsage: true)
        _ = inContent.feed(bytes(#"data: {"choices":[{"delta":{"content":"[DONE]"}}]}"# + "\n\n"))
        #expect(inContent.ending == nil)
        var unfinished = ChatCompletions.StreamRelay(includeUsage: true)
        _ = unfinished.feed(bytes("data: [DONE]"))
        #expect(unfinished.ending == nil)
    }

    @Test func nullUsageDoesNotReplaceARealOne() {
        var relay = ChatCompletions.StreamRelay(includeUsage: true)
        _ = relay.feed(stream([usage, role]))
        #expect(relay.usage?.prompt == 3)
    }

    @Test func errorEventEndsTheStream() {
        let error = #"data: {"error":{"message":"The server had an error","type":"server_error","param":null,"code":null}}"#
        let relayed = relayAtEverySplit(stream([role, error, content]))
        #expect(relayed.output == stream([role, error]))
        #expect(relayed.relay.ending == .failed("The server had an error"))
        var benign = ChatCompletions.StreamRelay(includeUsage: true)
        _ = benign.feed(stream([#"data: {"choices":[{"delta":{"content":"the \"error\" word"}}]}"#]))
        #expect(benign.ending == nil)
    }

    @Test func largeStreamInSmallPiecesStaysWhole() {
        let events = (0..<2000).map { #"data: {"choices":[{"index":0,"delta":{"content":"token \#($0)"}}]}"# } + ["data: [DONE]"]
        let input = stream(events)
        var relay = ChatCompletions.StreamRelay(includeUsage: true)
        var output: [UInt8] = []
        var i = 0
        while i < input.count {
            output += relay.feed(Array(input[i..<min(i + 7, input.count)]))
            i += 7
        }
        #expect(output == input)
        #expect(relay.ending == .completed)
    }
}
