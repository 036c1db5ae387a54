// The invariants the fuzz targets in Tests/Fuzz check, and the regression tests that replay every
// input the fuzzer ever found (Tests/Fuzz/regressions/<target>-<name>) and every seed
// (Tests/Fuzz/corpus-<target>/) through them.
//
// One source of truth: `scripts/fuzz` compiles this file into each fuzz binary with `-D O1_FUZZ`
// (against an instrumented O1Proxy built with -enable-testing), and `swift test` compiles it as a
// normal test file.
// The checks return the invariants an input breaks; a crash is a crash in both worlds.

#if O1_FUZZ
import Glibc
#else
import Foundation
import Testing
#endif
@testable import O1ProxyCore
@testable import O1Proxy
@testable import O1ProxyUsage

enum FuzzChecks {
    static let targets = ["request", "transform", "sse", "bridge", "journal", "report", "state"]

    /// The invariants `input` breaks when fed to `target`; empty when all hold.
    static func check(target: String, _ input: [UInt8]) -> [String] {
        switch target {
        case "request": request(input)
        case "transform": transform(input)
        case "sse": sse(input)
        case "bridge": bridge(input)
        case "journal": journal(input)
        case "report": report(input)
        case "state": state(input)
        default: ["unknown fuzz target \(target)"]
        }
    }

    /// What a fuzz entry point does with the result: any broken invariant is a crash.
    static func enforce(_ violations: [String]) {
        guard !violations.isEmpty else { return }
        fatalError("fuzz invariant broken:\n  " + violations.joined(separator: "\n  "))
    }

    // MARK: - request

    /// Input: 4 bytes of parameters, then the bytes a client sends.
    ///   [0] limits: bits 0-1 head (32/128/1024/32768 bytes), bits 2-3 headers (0/1/3/100),
    ///       bits 4-6 body (0/1/7/64/1000/65536/16 MiB/16 MiB)
    ///   [1] + 1: the largest piece when split (pieces of 0 bytes are empty reads)
    ///   [2], [3] seed of the split points.
    /// The bytes are decoded whole, in the pieces the seed picks (empty pieces included) and byte
    /// by byte; all three must give the same result: the same request, the same error (the
    /// reason a `.malformed` gives aside), or the same "need more" state.
    static func request(_ input: [UInt8]) -> [String] {
        guard input.count >= 4 else { return [] }
        let limits = HTTPLimits(
            maxHeadBytes: [32, 128, 1024, 32 * 1024][Int(input[0] & 3)],
            maxHeaders: [0, 1, 3, 100][Int(input[0] >> 2 & 3)],
            maxBodyBytes: [0, 1, 7, 64, 1000, 65536, 16 << 20, 16 << 20][Int(input[0] >> 4 & 7)])
        let http = Array(input[4...])
        var rng = SplitMix(seed: UInt64(input[2]) | UInt64(input[3]) << 8)
        let maxPiece = Int(input[1]) + 1
        var pieces: [Int] = []
        var left = http.count
        while left > 0 {
            let size = min(left, Int(rng.next() % UInt64(maxPiece + 1)))  // 0 now and then: an empty read
            pieces.append(size)
            left -= size
        }

        var violations: [String] = []
        let whole = decode(http, limits, pieces: [http.count])
        let split = decode(http, limits, pieces: pieces)
        if split != whole {
            violations.append("split \(pieces.prefix(24))\(pieces.count > 24 ? "…" : "") gives \(split.summary), whole gives \(whole.summary)")
        }
        if http.count <= 16 * 1024 {
            let byteWise = decode(http, limits, pieces: Array(repeating: 1, count: http.count))
            if byteWise != whole {
                violations.append("byte by byte gives \(byteWise.summary), whole gives \(whole.summary)")
            }
        }
        if let request = whole.request {
            violations += acceptedRequest(request, http: http, limits: limits)
        }
        return violations
    }

    struct Decoded: Equatable {
        var request: HTTPRequest?
        var error: RequestError?
        var headParsed: Bool
        var expectsContinue: Bool

        static func kind(_ error: RequestError) -> String {
            if case .malformed = error { return "malformed" }
            return "\(error)"
        }

        var summary: String {
            let state = "head=\(headParsed) continue=\(expectsContinue)"
            if let error { return "error \(error) (\(state))" }
            guard let request else { return "need more (\(state))" }
            return "request \(request.method) \(request.target) \(request.headers.map { "\($0.name): \($0.value)" }) "
                + "body \(request.body.count) bytes (\(state))"
        }

        /// Errors compare by kind: the reason a `.malformed` gives is a diagnostic.
        static func == (a: Decoded, b: Decoded) -> Bool {
            a.error.map(kind) == b.error.map(kind) && a.headParsed == b.headParsed && a.expectsContinue == b.expectsContinue
                && a.request?.method == b.request?.method && a.request?.target == b.request?.target
                && a.request?.headers.map { [$0.name, $0.value] } == b.request?.headers.map { [$0.name, $0.value] }
                && a.request?.body == b.request?.body
        }
    }

    /// Feeds the pieces until the decoder returns a request or throws, as the connection does.
    static func decode(_ http: [UInt8], _ limits: HTTPLimits, pieces: [Int]) -> Decoded {
        var decoder = RequestDecoder(limits: limits)
        var offset = 0
        var request: HTTPRequest?
        var error: RequestError?
        for size in pieces {
            do {
                request = try decoder.feed(http[offset..<offset + size])
            } catch let e {
                error = e
            }
            offset += size
            if request != nil || error != nil { break }
        }
        return Decoded(request: request, error: error, headParsed: decoder.head != nil,
                       expectsContinue: decoder.expectsContinue)
    }

    static func acceptedRequest(_ request: HTTPRequest, http: [UInt8], limits: HTTPLimits) -> [String] {
        var violations: [String] = []
        if request.body.count > limits.maxBodyBytes {
            violations.append("accepted a body of \(request.body.count) bytes over the limit of \(limits.maxBodyBytes)")
        }
        if request.headers.count > limits.maxHeaders {
            violations.append("accepted \(request.headers.count) headers over the limit of \(limits.maxHeaders)")
        }
        if let end = firstIndex(of: Array("\r\n\r\n".utf8), in: http), end + 4 > limits.maxHeadBytes {
            violations.append("accepted a head of \(end + 4) bytes over the limit of \(limits.maxHeadBytes)")
        }
        if request.method.isEmpty || !request.target.hasPrefix("/") {
            violations.append("accepted request line \(request.method) \(request.target)")
        }
        let lengths = request.headers.filter { $0.name.lowercased() == "content-length" }
            .flatMap { $0.value.split(separator: ",", omittingEmptySubsequences: false) }
            .map { Int(String($0.filter { $0 != " " && $0 != "\t" })) }
        let chunked = request.headers.contains { $0.name.lowercased() == "transfer-encoding" }
        if let first = lengths.first, let length = first, !chunked, request.body.count != length {
            violations.append("Content-Length \(length) but a body of \(request.body.count) bytes")
        }
        if lengths.isEmpty, !chunked, !request.body.isEmpty {
            violations.append("a body of \(request.body.count) bytes without Content-Length or chunked")
        }
        return violations
    }

    // MARK: - journal

    /// Input: lines of what `o1-proxy usage` reads, `journalctl -o json` or the proxy's logfmt
    /// line: text that clients and upstreams put words into (model names, error messages), and
    /// whatever a damaged or forged journal holds (quotes, newlines and control characters in
    /// names, huge numbers, missing fields). Each line is read without a crash, and an exchange
    /// read from it has a status a client could be sent. For JSON, the member walk the reader
    /// uses accepts exactly what the parser accepts as an object, and gives the same members,
    /// whether it builds the values or skips them.
    static func journal(_ input: [UInt8]) -> [String] {
        var violations: [String] = []
        for line in lines(input) {
            if case .exchange(let exchange)? = line.withUnsafeBufferPointer(readLogLine), !(0..<1000).contains(exchange.status) {
                violations.append("read an exchange with status \(exchange.status)")
            }
        }
        let tree = (try? JSON(parsing: input))?.object
        var built: [(key: String, value: JSON)] = []
        let walked = input.withUnsafeBufferPointer { buffer -> (built: Bool, skipped: Bool) in
            var builder = JSONParser(bytes: buffer)
            var skipper = JSONParser(bytes: buffer)
            let builtOK = (try? builder.members { (key, value: inout JSONParser) throws(JSONSyntaxError) in
                built.append((String(decoding: key, as: UTF8.self), try value.value()))
            }) != nil
            let skippedOK = (try? skipper.members { (_, value: inout JSONParser) throws(JSONSyntaxError) in try value.skipValue() }) != nil
            return (builtOK, skippedOK)
        }
        if walked.built != (tree != nil) || walked.skipped != (tree != nil) {
            violations.append("the walk (built \(walked.built), skipped \(walked.skipped)) disagrees with the parser (\(tree != nil))")
        }
        if let tree, JSONObject(built) != tree {
            violations.append("the walk gives other members than the parser")
        }
        return violations
    }

    static func lines(_ input: [UInt8]) -> [[UInt8]] {
        input.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { Array($0) }
    }

    // MARK: - report

    /// Input: the same lines, as a journal the report is made of (a separate target: making
    /// and rendering a report takes a hundred times as long as reading a line). The report
    /// counts every entry it cannot read; its exchanges and costs add up, and its costs are
    /// finite; and each of its forms is safe to show: the text has no control character but its
    /// newlines, the JSON parses and says the same totals, the page has only the renderer's own
    /// tags.
    static func report(_ input: [UInt8]) -> [String] {
        var violations: [String] = []
        var builder = UsageReportBuilder { _ in 0 }
        var unreadable = 0
        for line in lines(input) {
            if line.withUnsafeBufferPointer(readLogLine) == .unreadable { unreadable += 1 }
            line.withUnsafeBufferPointer { builder.add(line: $0) }
        }
        let byModel = builder.report(grouping: .model, prices: .builtIn)
        let byDay = builder.report(grouping: .day, prices: .builtIn)
        for report in [byModel, byDay] {
            if report.unreadableEntries != unreadable {
                violations.append("\(unreadable) lines unreadable, the report says \(report.unreadableEntries)")
            }
            if report.rows.reduce(0, { $0 + $1.stats.exchanges }) != report.total.stats.exchanges {
                violations.append("the \(report.grouping) rows' exchanges do not add up to the total")
            }
        }
        // The forms of a report with exchanges (by day: the one with every kind of line); an
        // empty one is its headline.
        if byDay.total.stats.exchanges > 0 { violations += forms(byDay) }
        return violations
    }

    static func forms(_ report: UsageReport) -> [String] {
        var violations: [String] = []
        let costs = report.rows.compactMap(\.cost)
        let usd = costs.reduce(0) { $0 + $1.usd }
        for cost in costs + [report.total.cost] where !cost.usd.isFinite || cost.usd < 0 || !cost.cacheSaved.isFinite {
            violations.append("a cost of \(cost.usd), saving \(cost.cacheSaved)")
        }
        if abs(usd - report.total.cost.usd) > 1e-9 * max(1, usd) {
            violations.append("the rows cost \(usd), the total \(report.total.cost.usd)")
        }
        let text = renderText(report, source: "fuzz")
        if text.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) }) {
            violations.append("the text report holds a control character")
        }
        let json = try? JSON(parsing: Array(renderJSON(report, source: "fuzz").utf8))
        if json?["total"]?["exchanges"]?.int != report.total.stats.exchanges {
            violations.append("the JSON report does not parse, or says other totals")
        }
        violations += pageTags(renderHTML(report, source: "fuzz"))
        return violations
    }

    /// Every tag of the page is one the renderer writes: a name from a client never opens one.
    static func pageTags(_ page: String) -> [String] {
        let tags: Set<String> = ["!doctype", "html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "p", "section",
                                 "div", "svg", "line", "text", "rect", "circle", "polyline", "ul", "li", "span", "table", "thead",
                                 "tbody", "tr", "th", "td", "footer", "strong", "code"]
        var violations: [String] = []
        let bytes = Array(page.utf8)
        var i = 0
        while let open = firstIndex(of: [UInt8(ascii: "<")], in: bytes, from: i) {
            var end = open + 1
            if end < bytes.count, bytes[end] == UInt8(ascii: "/") { end += 1 }
            let start = end
            while end < bytes.count, bytes[end] == UInt8(ascii: "!") || (bytes[end] | 0x20 >= UInt8(ascii: "a") && bytes[end] | 0x20 <= UInt8(ascii: "z"))
                || (bytes[end] >= UInt8(ascii: "0") && bytes[end] <= UInt8(ascii: "9")) { end += 1 }
            let name = String(decoding: bytes[start..<end], as: UTF8.self).lowercased()
            if !tags.contains(name) { violations.append("the page has a tag <\(name)> the renderer never writes") }
            i = end
        }
        if page.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" && $0 != "\t" }) {
            violations.append("the page holds a control character")
        }
        return violations
    }

    // MARK: - state

    /// Input: a learned-fixes file as it may lie in the state directory after a crash, an editor
    /// or anyone with the service's rights; also read as a kept-reasoning file and as the
    /// operator's settings file. Reading never crashes; only fixes that learning can produce come
    /// back, for names that fit a line, and only reasoning items under keys an exchange makes;
    /// what is written back reads back the same; an exchange's own lookup finds only such fixes,
    /// and the turns the whole read finds.
    static func state(_ input: [UInt8]) -> [String] {
        var violations: [String] = []
        if let learned = LearnedFixes(parsing: input) {
            for entry in learned.entries {
                if !LearnedFixes.storable(entry.model) { violations.append("read an unstorable model name \(entry.model.debugDescription)") }
                for fix in entry.fixes where !Learning.canLearn(fix) || !LearnedFixes.storable(fix) {
                    violations.append("read \(fix) for \(entry.model.debugDescription), which learning never writes")
                }
            }
            let rendered = learned.rendered
            if LearnedFixes(parsing: rendered)?.rendered != rendered {
                violations.append("what is written back does not read back the same")
            }
            for entry in learned.entries {
                let found = LearnedFixes.fixes(for: entry.model, in: input, now: 0, lifetime: .infinity) ?? []
                if found.contains(where: { !Learning.canLearn($0) }) {
                    violations.append("the lookup for \(entry.model.debugDescription) found a fix learning never writes")
                }
            }
        }
        if let kept = KeptReasoningFile(parsing: input) {
            for turn in kept.turns {
                if !KeptReasoningFile.isKey(turn.key) { violations.append("read a turn under a key no exchange makes") }
                for item in turn.items where (try? JSON(parsing: item.item))?["type"] != "reasoning" {
                    violations.append("read back an item that is not reasoning")
                }
            }
            let rendered = kept.rendered
            if KeptReasoningFile(parsing: rendered) != kept { violations.append("kept reasoning written back does not read back the same") }
            let found = KeptReasoningFile.find(Set(kept.turns.map(\.key)), in: input, now: -1)
            if found != Dictionary(uniqueKeysWithValues: kept.turns.map { ($0.key, $0.items) }) {
                violations.append("the lookup finds other turns than the whole read")
            }
        }
        for name in EnvironmentFile.parse(input).keys where name.isEmpty || !name.allSatisfy({ $0 == "_" || $0.isASCII && ($0.isLetter || $0.isNumber) }) {
            violations.append("the settings file gave a variable named \(name.debugDescription)")
        }
        return violations
    }

    // MARK: - transform

    /// Input: a chat-completions body (or any bytes). JSON must survive parse → encode → parse;
    /// a valid chat request, with each built-in rule's fixes, the fixes its model gets, none,
    /// and the rules of the input read as a rules file, must give an upstream body that encodes
    /// to JSON that parses back to itself, keeps `model` and `messages` (roles aside), has no
    /// key a fix dropped and no `stream: true`/`stream_options` unless streaming upstream, and a
    /// Responses API translation that keeps the model, has no chat-only parameter, no nested
    /// tool and no `max_output_tokens` under 16. Then `Learning` learns from synthetic 400s
    /// naming each parameter until it has nothing left to fix, each learned fix being new and
    /// keeping those properties. The input is also tried as an upstream error body.
    static func transform(_ input: [UInt8]) -> [String] {
        var violations: [String] = []
        if let value = try? JSON(parsing: input) {
            violations += roundTrip(value, "input")
        }
        let probe: JSONObject = ["model": "o1-mini", "messages": [["role": "system", "content": "x"]], "temperature": 1]
        for status in [400, 404] {
            if let fix = Learning.fix(status: status, body: input, sent: probe, api: .chat, applied: []) {
                violations += learnedFix(fix, sent: probe, applied: [])
            }
        }
        let fileBook = (try? RuleBook.parse(input)) ?? RuleBook(rules: [])
        let fileRules = fileBook.rules

        if let request = try? ClientRequest(responses: input) {
            violations += relayedRequest(request, fixSets: [[], RuleBook.builtIn.rule(for: request.model)?.fixes ?? []]
                                         + fileRules.prefix(4).map(\.fixes))
        }
        guard let request = try? ClientRequest(chat: input) else { return violations }
        // The proxy reads the first of two equal keys, a Python/JS upstream the last: they would not
        // agree on the model (so on the rule) or on what a fix removed.
        var duplicates = duplicateKeys(request.body)
        for (i, message) in (request.body["messages"]?.array ?? []).enumerated() {
            duplicates += duplicateKeys(message.object ?? JSONObject()).map { "messages[\(i)].\($0)" }
        }
        if !duplicates.isEmpty {
            violations.append("accepted a chat body with duplicate keys \(duplicates)")
        }
        if glob(request.model, matches: request.model) == false || !glob("*", matches: request.model) {
            violations.append("glob: \(request.model) does not match itself or *")
        }
        var fixSets: [[Fix]] = [[], RuleBook.builtIn.rule(for: request.model)?.fixes ?? []]
        fixSets += RuleBook.builtIn.rules.map(\.fixes)
        fixSets += fileRules.prefix(4).map(\.fixes)
        for fixes in fixSets {
            violations += upstream(request, fixes)
            violations += responses(request, fixes)
        }
        for fixes in fixSets.prefix(2) {
            violations += learningRounds(request, fixes)
        }
        for preset in fileBook.presets.prefix(2) {
            violations += presetApplied(preset, to: request)
        }
        return violations
    }

    /// A preset sends the request to its model with its fields where the client sent none: every
    /// field the client sent (but `model`) is still there with the client's value, and the
    /// upstream bodies are JSON that parses back.
    static func presetApplied(_ preset: Preset, to request: ClientRequest) -> [String] {
        var violations: [String] = []
        let applied = request.applying(preset)
        if applied.model != preset.model { violations.append("preset: the model is \(applied.model), not \(preset.model)") }
        func kept(_ client: JSONObject, in body: JSONObject, _ path: String) {
            for (key, value) in client.fields where path + key != "model" {
                switch (value, body[key]) {
                case (.object(let own), .object(let merged)?): kept(own, in: merged, path + key + ".")
                case (_, let got) where got == value: break
                default: violations.append("preset: the client's \(path + key) was not kept")
                }
            }
        }
        kept(request.body, in: applied.body, "")
        let plan = Plan(request: applied, rule: RuleBook.builtIn.rule(for: preset.model), remembered: [], summary: .off, preset: preset)
        violations += roundTrip(.object(plan.body), "preset body")
        return violations
    }

    /// A client's own Responses request keeps its model, its state (`store`, `include`,
    /// `previous_response_id`, as far as no fix drops them) and everything a fix does not touch.
    static func relayedRequest(_ request: ClientRequest, fixSets: [[Fix]]) -> [String] {
        var violations: [String] = []
        for fixes in fixSets {
            for summary in [ReasoningSummary.off, .auto] {
                let body = Route(client: .responses, bridged: fixes.contains(.useResponses)).body(for: request, fixes: fixes, summary: summary)
                violations += roundTrip(.object(body), "relayed request with \(fixes)")
                if body["model"] != request.body["model"] { violations.append("relayed request: model changed") }
                for key in ["store", "include", "previous_response_id", "input"] where body[key] != request.body[key]
                    && !fixes.contains(.drop(key)) && !(key == "input" && fixes.contains { if case .mapRole = $0 { true } else { false } }) {
                    violations.append("relayed request with \(fixes): \(key) changed")
                }
                let renamed = fixes.compactMap { if case .rename(_, let to) = $0 { to } else { nil } }
                let added = body.keys.filter { request.body[$0] == nil && $0 != "reasoning" && !renamed.contains($0) }
                if !added.isEmpty { violations.append("relayed request with \(fixes): added \(added)") }
            }
        }
        return violations
    }

    static func roundTrip(_ value: JSON, _ what: String) -> [String] {
        let encoded = value.encoded()
        guard let back = try? JSON(parsing: encoded) else {
            return ["\(what): its encoding does not parse: \(String(decoding: encoded, as: UTF8.self))"]
        }
        var violations: [String] = []
        if back != value { violations.append("\(what): parse(encode(v)) != v for \(String(decoding: encoded, as: UTF8.self))") }
        let again = back.encoded()
        if again != encoded {
            violations.append("\(what): encoding not stable: \(String(decoding: encoded, as: UTF8.self)) then \(String(decoding: again, as: UTF8.self))")
        }
        return violations
    }

    static func chatBody(_ request: ClientRequest, _ fixes: [Fix]) -> JSONObject {
        ChatCompletions.body(for: request, fixes: fixes, streaming: request.streamsUpstream(with: fixes))
    }

    static func upstream(_ request: ClientRequest, _ fixes: [Fix]) -> [String] {
        let body = chatBody(request, fixes)
        var violations = roundTrip(.object(body), "upstream body with \(fixes)")
        if body["model"] != request.body["model"] {
            violations.append("model changed with \(fixes): \(String(describing: body["model"]))")
        }
        if let sentMessages = body["messages"]?.array, let messages = request.body["messages"]?.array,
           sentMessages.count == messages.count {
            for (sent, original) in zip(sentMessages, messages) {
                guard var sent = sent.object, var original = original.object else {
                    violations.append("a message is no longer an object with \(fixes)")
                    continue
                }
                if (sent["role"] == nil) != (original["role"] == nil) || (sent["role"] != original["role"] && original["role"]?.string == nil) {
                    violations.append("role \(String(describing: original["role"])) became \(String(describing: sent["role"])) with \(fixes)")
                }
                sent["role"] = nil
                original["role"] = nil
                if sent != original { violations.append("message content changed with \(fixes)") }
            }
        } else {
            violations.append("messages lost or resized with \(fixes)")
        }
        for case .mapRole(let from, let to) in fixes where from != to {
            let laterRenamedTo = fixes.drop { $0 != .mapRole(from, to: to) }.contains {
                if case .mapRole(_, let target) = $0 { return target == from } else { return false }
            }
            if !laterRenamedTo, body["messages"]?.array?.contains(where: { $0["role"]?.string == from }) == true {
                violations.append("a message keeps role \(from) after \(fixes)")
            }
        }
        for case .drop(let key) in fixes where !essentialKeys.contains(key) && key != "stream_options" {
            let readded = fixes.contains { if case .rename(_, let to) = $0 { return to == key } else { return false } }
            if !readded, body[key] != nil {
                violations.append("\(key) is still sent after drop:\(key) (\(fixes))")
            }
        }
        // `stream: false` may stay; `stream: true` and `stream_options` must not.
        if !request.streamsUpstream(with: fixes), body["stream"] == .bool(true) || body["stream_options"] != nil {
            violations.append("stream: true or stream_options sent on a non-streaming upstream call with \(fixes)")
        }
        if request.streamsUpstream(with: fixes), body["stream"] != .bool(true) {
            violations.append("stream: true lost on a streaming upstream call with \(fixes)")
        }
        return violations
    }

    static func responses(_ request: ClientRequest, _ fixes: [Fix]) -> [String] {
        let what = "Responses body with \(fixes)"
        let body = Responses.body(for: request, fixes: fixes, streaming: request.streamsUpstream(with: fixes), summary: .auto)
        var violations = roundTrip(.object(body), what)
        if body["model"] != request.body["model"] { violations.append("\(what): model changed") }
        for key in Responses.chatOnly + ["messages", "max_tokens", "max_completion_tokens", "reasoning_effort", "response_format"]
            where body[key] != nil {
            violations.append("\(what): still has the chat parameter \(key)")
        }
        if body["store"] != false { violations.append("\(what): store is not false") }
        if let tokens = body["max_output_tokens"]?.int, tokens < 16 { violations.append("\(what): max_output_tokens \(tokens)") }
        // A chat function tool is flattened; a malformed one (no `function` object) goes on as
        // sent, for the upstream to name what is missing.
        for tool in body["tools"]?.array ?? [] where tool["type"] == "function" && tool["function"]?.object != nil {
            violations.append("\(what): a nested function tool")
        }
        for item in body["input"]?.array ?? [] {
            if item["type"] == "function_call", item["id"] != nil { violations.append("\(what): a function_call with an id") }
            if item["role"] == "assistant", item["content"]?.array?.contains(where: { $0["type"] == "input_text" }) == true {
                violations.append("\(what): input_text in an assistant message")
            }
        }
        let messages = request.body["messages"]?.array?.count ?? 0
        if (body["input"]?.array?.count ?? 0) > messages + request.body["messages"]!.array!.reduce(0, { $0 + ($1["tool_calls"]?.array?.count ?? 0) }) {
            violations.append("\(what): more input items than messages and tool calls")
        }
        return violations
    }

    /// Plays an upstream that rejects, one by one, every parameter it can name. Every learned fix
    /// must be new and change the body, so learning ends within one round per top-level key and
    /// per role, plus one for the stream and one for the key a rename adds: a request may carry
    /// any number of fixable fields.
    static func learningRounds(_ request: ClientRequest, _ fixes: [Fix]) -> [String] {
        var violations: [String] = []
        var applied = fixes
        let roles = Set((request.body["messages"]?.array ?? []).compactMap { $0["role"]?.string })
        let bound = request.body.keys.count + roles.count + 2
        for _ in 0...bound {
            let sent = chatBody(request, applied)
            var params = sent.keys + ["stream", "stream_options", "model", "messages",
                                      "messages[-1].role", "messages[99999999999999999999].role"]
            params += (0..<min(8, sent["messages"]?.array?.count ?? 0)).map { "messages[\($0)].role" }
            var learned: Fix?
            for param in params {
                for code in ["unsupported_parameter", "unsupported_value", "invalid_value", nil] {
                    let errorBody = JSON.object(["error": [
                        "message": .string("Unsupported parameter: '\(param)'."),
                        "type": "invalid_request_error",
                        "param": .string(param),
                        "code": code.map(JSON.string) ?? .null,
                    ]]).encoded()
                    guard let fix = Learning.fix(status: 400, body: errorBody, sent: sent, api: .chat, applied: applied) else { continue }
                    if code != "unsupported_parameter", code != "unsupported_value", param != "stream_options" {
                        violations.append("learned \(fix) from a 400 with code \(code ?? "null") on \(param)")
                    }
                    if learned == nil { learned = fix }
                }
                if learned != nil { break }
            }
            guard let fix = learned else { return violations }
            violations += learnedFix(fix, sent: sent, applied: applied)
            guard !applied.contains(fix) else { return violations }
            applied.append(fix)
            let next = chatBody(request, applied)
            if next == sent {
                violations.append("learned \(fix) but the body sent stays the same")
            }
            violations += upstream(request, applied)
        }
        violations.append("learning did not stop after \(bound) rounds: \(applied)")
        return violations
    }

    static func learnedFix(_ fix: Fix, sent: JSONObject, applied: [Fix]) -> [String] {
        var violations: [String] = []
        if applied.contains(fix) { violations.append("learned \(fix) again after \(applied)") }
        switch fix {
        case .drop(let key) where key == "model" || key == "messages":
            violations.append("learned \(fix)")
        case .rename(let from, let to) where [from, to].contains("model") || [from, to].contains("messages"):
            violations.append("learned \(fix)")
        case .drop(let key) where sent[key] == nil:
            violations.append("learned \(fix) for a key that was not sent")
        case .fakeStream where sent["stream"]?.bool != true:
            violations.append("learned \(fix) for a body that does not stream")
        default:
            break
        }
        return violations
    }

    // MARK: - sse

    /// Input: a `chat.completion` answer (or an upstream event stream, or any bytes). An object
    /// is turned into a fake stream with and without usage; the stream, scanned in pieces, must
    /// come back byte for byte, end with [DONE], and be `data: <json>` events that replay the
    /// answer. The raw input, scanned in pieces, must give the same bytes and flags as scanned
    /// whole, and those bytes must be a prefix of the input that ends an event.
    static func sse(_ input: [UInt8]) -> [String] {
        var rng = SplitMix(seed: fnv1a(input))
        var violations: [String] = []

        var whole = ChatCompletions.StreamRelay(includeUsage: true)
        let wholeOut = whole.feed(input)
        var split = ChatCompletions.StreamRelay(includeUsage: true)
        var splitOut: [UInt8] = []
        for piece in randomPieces(input, &rng) {
            splitOut += split.feed(Array(piece))
        }
        if splitOut != wholeOut {
            violations.append("raw stream: split gives \(splitOut.count) bytes, whole \(wholeOut.count)")
        }
        if !input.starts(with: wholeOut) { violations.append("raw stream: output is not a prefix of the input") }
        if !wholeOut.isEmpty, !wholeOut.suffix(2).elementsEqual([lf, lf]), !wholeOut.suffix(3).elementsEqual([lf, cr, lf]) {
            violations.append("raw stream: output does not end at an event boundary")
        }
        if split.ending != whole.ending || split.usage != whole.usage {
            violations.append("raw stream: ending or usage differ split/whole")
        }
        var stripped = ChatCompletions.StreamRelay(includeUsage: false)
        let strippedOut = stripped.feed(input)
        if stripped.ending != whole.ending || stripped.usage != whole.usage || strippedOut.count > wholeOut.count {
            violations.append("raw stream: taking out the usage chunk changed more than that chunk")
        }

        guard let completion = (try? JSON(parsing: input))?.object else { return violations }
        for includeUsage in [false, true] {
            let events = ChatCompletions.fakeStream(completion, includeUsage: includeUsage)
            var relay = ChatCompletions.StreamRelay(includeUsage: true)
            var relayed: [UInt8] = []
            for piece in randomPieces(events, &rng) {
                relayed += relay.feed(Array(piece))
            }
            if relayed != events { violations.append("fake stream (usage \(includeUsage)): relay passes \(relayed.count) of \(events.count) bytes") }
            if relay.ending != .completed { violations.append("fake stream (usage \(includeUsage)): ends \(String(describing: relay.ending))") }
            let usage = Usage(chatAnswer: .object(completion))
            if relay.usage != (includeUsage ? usage : nil) {
                violations.append("fake stream (usage \(includeUsage)): relay usage \(String(describing: relay.usage))")
            }
            violations += fakeStreamEvents(events, completion, includeUsage)
        }
        return violations
    }

    // MARK: - bridge

    /// Input: a Responses API event stream (or a whole response, or any bytes). Translated fed
    /// whole and in pieces, it must give the same chat events, ending and usage. Every event it
    /// writes is one `data:` line holding a chat chunk, an error or `[DONE]`; `[DONE]` comes
    /// last, exactly when the stream completed (after the usage chunk if the client asked for
    /// one); an error event comes last exactly when it failed; tool calls are numbered densely
    /// from 0. Read as a whole response, the answer is one chat.completion with one choice, or
    /// an error.
    /// Reasoning kept from an answer is the upstream's own bytes, each a reasoning item with
    /// encrypted content, and goes with the answer the client was sent.
    private static func keptItems(_ turn: KeptTurn?, from input: [UInt8], _ what: String) -> [String] {
        guard let turn else { return [] }
        var violations: [String] = []
        for kept in turn.items {
            if input.firstRange(of: kept.item) == nil { violations.append("\(what): a kept item is not the bytes that came") }
            guard let item = (try? JSON(parsing: kept.item))?.object, item["type"] == "reasoning",
                  item["encrypted_content"]?.string?.isEmpty == false else {
                violations.append("\(what): kept something that is not reasoning with encrypted content")
                continue
            }
        }
        if turn.items.isEmpty || turn.answer["role"] != "assistant" { violations.append("\(what): an empty turn, or no answer with it") }
        return violations
    }

    static func bridge(_ input: [UInt8]) -> [String] {
        var rng = SplitMix(seed: fnv1a(input))
        var violations: [String] = []
        for includeUsage in [false, true] {
            var whole = Responses.StreamBridge(includeUsage: includeUsage)
            let wholeOut = whole.feed(input)
            var split = Responses.StreamBridge(includeUsage: includeUsage)
            var splitOut: [UInt8] = []
            for piece in randomPieces(input, &rng) {
                splitOut += split.feed(Array(piece))
            }
            if splitOut != wholeOut { violations.append("bridge stream: split gives \(splitOut.count) bytes, whole \(wholeOut.count)") }
            if split.ending != whole.ending || split.usage != whole.usage { violations.append("bridge stream: ending or usage differ split/whole") }
            if split.turn != whole.turn { violations.append("bridge stream: the reasoning kept differs split/whole") }
            violations += keptItems(whole.turn, from: input, "bridge stream")
            violations += translatedEvents(wholeOut, ending: whole.ending, includeUsage: includeUsage)
        }
        // A client's own Responses stream, relayed: the same bytes whole or split, a prefix of
        // what came, and after an ending nothing more.
        var whole = Responses.StreamRelay()
        let wholeOut = whole.feed(input)
        var split = Responses.StreamRelay()
        var splitOut: [UInt8] = []
        for piece in randomPieces(input, &rng) {
            splitOut += split.feed(Array(piece))
        }
        if splitOut != wholeOut || split.ending != whole.ending || split.usage != whole.usage {
            violations.append("relayed stream: split and whole differ")
        }
        if !input.starts(with: wholeOut) { violations.append("relayed stream: not the bytes that came") }
        if whole.ending != nil, !whole.feed(input).isEmpty || !whole.fail(.upstream("x")).isEmpty {
            violations.append("relayed stream: more after its end")
        }
        if let relayed = try? Responses.relayedCompletion(from: input, contentType: nil), relayed.bytes != input {
            violations.append("relayed answer: not the bytes that came")
        }
        if let completion = try? Responses.completion(from: input, contentType: nil) {
            violations += roundTrip(.object(completion.object), "translated answer")
            violations += keptItems(completion.turn, from: input, "translated answer")
            if let response = (try? JSON(parsing: input))?.object {
                var faked = Responses.StreamRelay()
                let events = Responses.fakeStream(response)
                if faked.feed(events) != events || faked.ending == nil {
                    violations.append("faked Responses stream: not a whole stream ending in its terminal event")
                }
            }
            let choices = completion.object["choices"]?.array ?? []
            if completion.object["object"] != "chat.completion" || choices.count != 1 {
                violations.append("translated answer: not one chat.completion choice")
            }
            let finish = choices.first?["finish_reason"]?.string ?? ""
            if !["stop", "length", "tool_calls", "content_filter"].contains(finish) {
                violations.append("translated answer: finish_reason \(finish)")
            }
        }
        return violations
    }

    static func translatedEvents(_ out: [UInt8], ending: StreamEnding?, includeUsage: Bool) -> [String] {
        let what = "bridge stream (usage \(includeUsage))"
        var violations: [String] = []
        var events: [ArraySlice<UInt8>] = []
        var start = 0
        while start < out.count {
            guard let end = firstIndex(of: [lf, lf], in: out, from: start) else {
                violations.append("\(what): bytes after the last event")
                break
            }
            events.append(out[start..<end])
            start = end + 2
        }
        var nextCall = 0
        for (i, event) in events.enumerated() {
            guard event.starts(with: Array("data: ".utf8)), !event.contains(lf) else {
                violations.append("\(what): event is not one data line")
                continue
            }
            let data = event.dropFirst(6)
            let last = i == events.count - 1
            if data.elementsEqual("[DONE]".utf8) {
                if !last || ending != .completed { violations.append("\(what): [DONE] not last or not completed") }
                continue
            }
            guard let chunk = (try? JSON(parsing: data))?.object else {
                violations.append("\(what): data is not a JSON object")
                continue
            }
            if chunk["error"] != nil {
                if !last { violations.append("\(what): an event after an error") }
                if case .failed? = ending {} else { violations.append("\(what): an error event but ending \(String(describing: ending))") }
                continue
            }
            if chunk["object"] != "chat.completion.chunk" { violations.append("\(what): not a chunk") }
            let choices = chunk["choices"]?.array ?? []
            if choices.isEmpty, !(includeUsage && i == events.count - 2) { violations.append("\(what): a chunk without choices that is not the usage chunk") }
            if choices.count > 1 || choices.first.map({ $0["index"] != 0 }) == true { violations.append("\(what): a choice other than 0") }
            for call in choices.first?["delta"]?["tool_calls"]?.array ?? [] {
                guard let index = call["index"]?.int else { violations.append("\(what): a tool call without index"); continue }
                if call["id"] != nil {
                    if index != nextCall { violations.append("\(what): tool call index \(index), expected \(nextCall)") }
                    nextCall += 1
                } else if index >= nextCall {
                    violations.append("\(what): arguments for tool call \(index) before it started")
                }
            }
        }
        if ending == .completed, events.last.map({ !$0.elementsEqual("data: [DONE]".utf8) }) ?? true {
            violations.append("\(what): completed without [DONE] last")
        }
        if ending == nil, events.contains(where: { $0.elementsEqual("data: [DONE]".utf8) }) {
            violations.append("\(what): [DONE] while still open")
        }
        return violations
    }

    static func fakeStreamEvents(_ events: [UInt8], _ completion: JSONObject, _ includeUsage: Bool) -> [String] {
        var violations: [String] = []
        let what = "fake stream (usage \(includeUsage))"
        var chunks: [JSONObject] = []
        var start = 0
        var sawDone = false
        while start < events.count {
            guard let end = firstIndex(of: [lf, lf], in: events, from: start) else {
                violations.append("\(what): bytes after the last event")
                break
            }
            let event = events[start..<end]
            start = end + 2
            guard !sawDone else { violations.append("\(what): an event after [DONE]"); break }
            guard event.starts(with: Array("data: ".utf8)), !event.contains(lf) else {
                violations.append("\(what): event is not one data line: \(String(decoding: event, as: UTF8.self))")
                continue
            }
            let data = event.dropFirst(6)
            if data.elementsEqual("[DONE]".utf8) { sawDone = true; continue }
            guard let chunk = (try? JSON(parsing: data))?.object else {
                violations.append("\(what): data is not a JSON object: \(String(decoding: data, as: UTF8.self))")
                continue
            }
            chunks.append(chunk)
        }
        if !sawDone { violations.append("\(what): does not end with data: [DONE]") }

        for chunk in chunks {
            if chunk["object"] != "chat.completion.chunk" { violations.append("\(what): chunk object is \(String(describing: chunk["object"]))") }
            for key in ["id", "created", "model"] where chunk[key] != completion[key] {
                violations.append("\(what): chunk \(key) is \(String(describing: chunk[key])), answer has \(String(describing: completion[key]))")
            }
        }
        let choices = completion["choices"]?.array ?? []
        var expected = includeUsage ? 1 : 0
        for choice in choices {
            let message = choice["message"]?.object ?? JSONObject()
            expected += 2
            if let content = message["content"]?.string, !content.isEmpty { expected += 1 }
            if message["refusal"]?.string != nil { expected += 1 }
            expected += message["tool_calls"]?.array?.count ?? 0
            if let call = message["function_call"], call != .null { expected += 1 }
        }
        guard chunks.count == expected else {
            violations.append("\(what): \(chunks.count) chunks for \(choices.count) choices, expected \(expected)")
            return violations
        }
        // The deltas of each choice, concatenated, give back its content and finish reason.
        var next = 0
        for (position, choice) in choices.enumerated() {
            let message = choice["message"]?.object ?? JSONObject()
            var content = ""
            var finish: JSON?
            let index = choice["index"] ?? .number(String(position))
            while next < chunks.count, chunks[next]["choices"]?.array?.count == 1 {
                let c = chunks[next]["choices"]!.array![0]
                if c["index"] != index { violations.append("\(what): delta index \(String(describing: c["index"])) for choice \(position)") }
                next += 1
                if let piece = c["delta"]?["content"]?.string { content += piece }
                if c["delta"]?.object?.fields.isEmpty == true { finish = c["finish_reason"]; break }
            }
            if content != (message["content"]?.string ?? "") { violations.append("\(what): choice \(position) content not replayed") }
            if finish != (choice["finish_reason"] ?? .null) { violations.append("\(what): choice \(position) finish_reason \(String(describing: finish))") }
        }
        if includeUsage {
            let last = chunks.last!
            if last["choices"] != [] || last["usage"] != (completion["usage"] ?? .null) {
                violations.append("\(what): last chunk is not the usage chunk")
            }
        }
        return violations
    }

    // MARK: - helpers

    static let lf = UInt8(ascii: "\n")
    static let cr = UInt8(ascii: "\r")

    /// Splits `bytes` into pieces of 0 to 64 bytes (a quarter of the time 1 byte).
    static func randomPieces(_ bytes: [UInt8], _ rng: inout SplitMix) -> [ArraySlice<UInt8>] {
        var pieces: [ArraySlice<UInt8>] = []
        var offset = 0
        while offset < bytes.count {
            let r = rng.next()
            let size = min(bytes.count - offset, r & 3 == 0 ? 1 : Int((r >> 8) % 65))
            pieces.append(bytes[offset..<offset + size])
            offset += size
        }
        return pieces
    }

    static func duplicateKeys(_ object: JSONObject) -> [String] {
        var seen: [String] = []
        var duplicates: [String] = []
        for key in object.keys {
            // Compared as bytes: Swift's == would also call canonically equivalent keys equal.
            if seen.contains(where: { $0.utf8.elementsEqual(key.utf8) }) {
                if !duplicates.contains(key) { duplicates.append(key) }
            } else {
                seen.append(key)
            }
        }
        return duplicates
    }

    static func firstIndex(of needle: [UInt8], in haystack: [UInt8], from start: Int = 0) -> Int? {
        guard haystack.count - start >= needle.count, !needle.isEmpty else { return nil }
        for i in start...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if haystack[i..<i + needle.count].elementsEqual(needle) { return i }
        }
        return nil
    }

    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }

    struct SplitMix {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
    }
}

#if !O1_FUZZ
/// Every input a fuzzer ever crashed on, replayed through the fuzz targets' checks. Add one with
/// `cp .build-fuzz/artifacts-<target>/crash-<sha> Tests/Fuzz/regressions/<target>-<what-it-broke>`.
@Suite struct FuzzRegressionTests {
    static let fuzzDirectory: String = {
        var path = #filePath
        for _ in 0..<2 { path = String(path[..<path.lastIndex(of: "/")!]) }  // …/Tests
        return path + "/Fuzz"
    }()

    static func files(in directory: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory))?
            .filter { !$0.hasPrefix(".") }.sorted().map { directory + "/" + $0 } ?? []
    }

    static func target(of file: String) -> String {
        String(file.split(separator: "/").last!.split(separator: "-", maxSplits: 1)[0])
    }

    static func replay(_ file: String, target: String) {
        guard let data = FileManager.default.contents(atPath: file) else {
            Issue.record("cannot read \(file)")
            return
        }
        for violation in FuzzChecks.check(target: target, Array(data)) {
            Issue.record("\(file): \(violation)")
        }
    }

    @Test(arguments: files(in: fuzzDirectory + "/regressions"))
    func regression(_ file: String) {
        #expect(FuzzChecks.targets.contains(Self.target(of: file)), "name it <target>-<name>: \(file)")
        Self.replay(file, target: Self.target(of: file))
    }

    @Test(arguments: FuzzChecks.targets)
    func seedsPassTheChecks(_ target: String) {
        let seeds = Self.files(in: Self.fuzzDirectory + "/corpus-\(target)")
        #expect(!seeds.isEmpty, "no seeds in Tests/Fuzz/corpus-\(target)")
        for file in seeds {
            Self.replay(file, target: target)
        }
    }
}
#endif
