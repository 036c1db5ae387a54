import O1ProxyCore

/// A client's own `POST /v1/responses`, relayed: the client's request with its model's fixes,
/// and the answer as the upstream sent it, event by event and byte for byte where nothing needs
/// changing. The client manages its own state (`store`, `include`, `previous_response_id`, the
/// items it sends): the proxy adds none.
extension Responses {
    /// The client's body with the fixes applied; without streaming when the stream is to be
    /// faked; with the operator's reasoning summary unless the client chose its own.
    static func relayBody(for request: ClientRequest, fixes: [Fix], streaming: Bool, summary: ReasoningSummary) -> JSONObject {
        var body = fixes.applied(to: request.body)
        if request.stream, !streaming {
            body["stream"] = nil
            body["stream_options"] = nil
        }
        if summary != .off, body.value(at: "reasoning.summary") == nil, body["reasoning"]?.object != nil || body["reasoning"] == nil {
            var reasoning = body["reasoning"]?.object ?? JSONObject()
            reasoning["summary"] = .string(summary.rawValue)
            body["reasoning"] = .object(reasoning)
        }
        // Again: a fix learned against what the proxy added (`drop:reasoning.summary`) wins.
        return fixes.applied(to: body)
    }

    /// A 200 must be a response for the client to make anything of it; passed on as it came.
    static func relayedCompletion(from body: [UInt8], contentType: String?) throws(APIError) -> Completion {
        let response = try response(from: body, contentType: contentType)
        return Completion(object: response, usage: Usage(response: .object(response)), original: body)
    }

    /// The `response` object a 200 must be, relayed or translated; a 502 saying what came instead.
    static func response(from body: [UInt8], contentType: String?) throws(APIError) -> JSONObject {
        guard let response = (try? JSON(parsing: body))?.object, response["object"] == "response" || response["output"] != nil else {
            throw APIError.upstream("The upstream answered 200 with \(body.count) bytes of \(contentType ?? "no content type") that are not a Responses API response.")
        }
        return response
    }

    /// How an error is told inside a Responses stream: an `error` event, numbered after the
    /// events already sent. (A chat-shaped `data: {"error": ...}` would make the SDK raise too,
    /// but as what no Responses client expects.)
    static func errorEvent(_ error: APIError, sequenceNumber: Int) -> [UInt8] {
        let event: JSON = ["type": "error", "code": .string(error.code ?? error.type), "message": .string(error.message),
                           "param": error.param.map(JSON.string) ?? .null, "sequence_number": .number(String(sequenceNumber))]
        return frame("error", event)
    }

    private static func frame(_ type: String, _ event: JSON) -> [UInt8] {
        var out = Array("event: \(type)\ndata: ".utf8)
        event.encode(into: &out)
        out += Array("\n\n".utf8)
        return out
    }

    /// Relays a Responses stream event by event, as it came: `event:` lines, sequence numbers,
    /// obfuscation padding, no `[DONE]`. Only the events that can end the stream are read (the
    /// thousands of deltas of a long answer are not parsed): the terminal event's usage, and
    /// whether it failed.
    struct StreamRelay: StreamTranslator {
        private var splitter = EventSplitter()
        private(set) var ending: StreamEnding?
        private(set) var usage: Usage?
        /// Events sent so far: the API numbers them from 0, so the next one's sequence number.
        private var sent = 0

        mutating func feed(_ bytes: [UInt8]) -> [UInt8] {
            guard ending == nil else { return [] }
            let events = splitter.feed(bytes)
            for event in events.ranges {
                sent += 1
                guard terminalTypes.contains(where: { events.mentions($0, in: event) }),
                      let data = try? JSON(parsing: events.data(of: event)), let type = data["type"]?.string else { continue }
                switch type {
                case "response.completed", "response.incomplete":
                    usage = Usage(response: data["response"])
                    ending = .completed
                case "response.failed":
                    usage = Usage(response: data["response"])
                    ending = .failed(data["response"]?["error"]?["message"]?.string ?? "the upstream's response failed")
                case "error":
                    ending = .failed(data["message"]?.string ?? "the upstream stream carried an error event")
                default:
                    continue
                }
                return Array(events.bytes[..<event.upperBound])
            }
            return events.bytes
        }

        mutating func fail(_ error: APIError) -> [UInt8] {
            guard ending == nil else { return [] }
            ending = .failed(error.message)
            return Responses.errorEvent(error, sequenceNumber: sent)
        }
    }

    /// The stream a Responses client asked for, from a whole response the upstream could not
    /// stream (an organization not verified for streaming): the events the API sends, numbered
    /// from 0, that the SDK's stream helpers rebuild the same response from: `response.created`,
    /// each output item added, its parts and their text as one delta each, done, and the
    /// terminal event with the whole response.
    static func fakeStream(_ response: JSONObject) -> [UInt8] {
        var events: [JSONObject] = []
        var start = response
        start["status"] = "in_progress"
        start["output"] = []
        start["usage"] = .null
        for key in ["error", "incomplete_details"] where start[key] != nil { start[key] = .null }
        events.append(["type": "response.created", "response": .object(start)])
        events.append(["type": "response.in_progress", "response": .object(start)])
        for (index, item) in (response["output"]?.array ?? []).enumerated() {
            events += itemEvents(item.object ?? JSONObject(), at: index)
        }
        let status = response["status"]?.string ?? "completed"
        events.append(["type": .string("response." + (["completed", "incomplete", "failed"].contains(status) ? status : "completed")),
                       "response": .object(response)])
        var out: [UInt8] = []
        for (number, event) in events.enumerated() {
            var numbered = JSONObject([(key: "type", value: event["type"] ?? .null),
                                       (key: "sequence_number", value: .number(String(number)))])
            for field in event.fields where field.key != "type" { numbered[field.key] = field.value }
            out += frame(event["type"]?.string ?? "", .object(numbered))
        }
        return out
    }

    /// The events that build one output item, as the API sends them.
    private static func itemEvents(_ item: JSONObject, at index: Int) -> [JSONObject] {
        let id = item["id"] ?? .null
        let at: JSONObject = ["item_id": id, "output_index": .number(String(index))]
        func with(_ base: JSONObject, _ more: JSONObject) -> JSONObject {
            JSONObject(base.fields + more.fields)
        }
        var begun = item
        var events: [JSONObject] = []
        switch item["type"]?.string {
        case "reasoning":
            begun["summary"] = []
            for (i, part) in (item["summary"]?.array ?? []).enumerated() {
                let text = part["text"] ?? ""
                let place = with(at, ["summary_index": .number(String(i))])
                events.append(with(["type": "response.reasoning_summary_part.added"], with(place, ["part": ["type": "summary_text", "text": ""]])))
                events.append(with(["type": "response.reasoning_summary_text.delta"], with(place, ["delta": text])))
                events.append(with(["type": "response.reasoning_summary_text.done"], with(place, ["text": text])))
                events.append(with(["type": "response.reasoning_summary_part.done"], with(place, ["part": part])))
            }
        case "message":
            begun["status"] = "in_progress"
            begun["content"] = []
            for (i, part) in (item["content"]?.array ?? []).enumerated() {
                let place = with(at, ["content_index": .number(String(i))])
                if part["type"] == "refusal" {
                    let text = part["refusal"] ?? ""
                    events.append(with(["type": "response.content_part.added"], with(place, ["part": ["type": "refusal", "refusal": ""]])))
                    events.append(with(["type": "response.refusal.delta"], with(place, ["delta": text])))
                    events.append(with(["type": "response.refusal.done"], with(place, ["refusal": text])))
                } else {
                    var empty = part.object ?? JSONObject()
                    empty["text"] = ""
                    let text = part["text"] ?? ""
                    events.append(with(["type": "response.content_part.added"], with(place, ["part": .object(empty)])))
                    events.append(with(["type": "response.output_text.delta"], with(place, ["delta": text])))
                    events.append(with(["type": "response.output_text.done"], with(place, ["text": text])))
                }
                events.append(with(["type": "response.content_part.done"], with(place, ["part": part])))
            }
        case "function_call":
            begun["status"] = "in_progress"
            begun["arguments"] = ""
            let arguments = item["arguments"] ?? ""
            events.append(with(["type": "response.function_call_arguments.delta"], with(at, ["delta": arguments])))
            events.append(with(["type": "response.function_call_arguments.done"], with(at, ["arguments": arguments])))
        default:
            break
        }
        let position: JSONObject = ["output_index": .number(String(index))]
        return [with(["type": "response.output_item.added"], with(position, ["item": .object(begun)]))] + events
            + [with(["type": "response.output_item.done"], with(position, ["item": .object(item)]))]
    }
}

/// The event types that can end a Responses stream, as they appear in an event's bytes.
private let terminalTypes = ["response.completed", "response.incomplete", "response.failed", "\"error\""].map { Array($0.utf8) }
