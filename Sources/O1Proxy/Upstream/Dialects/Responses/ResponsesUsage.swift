import O1ProxyCore

extension Usage.Names {
    /// The Responses API's `usage` object.
    static let responses = Usage.Names(prompt: "input_tokens", promptDetails: "input_tokens_details",
                                       completion: "output_tokens", completionDetails: "output_tokens_details")
}

extension Usage {
    /// A `response` object, whole or in a stream's terminal event.
    init?(response: JSON?) {
        self.init(of: response, .responses)
    }
}
