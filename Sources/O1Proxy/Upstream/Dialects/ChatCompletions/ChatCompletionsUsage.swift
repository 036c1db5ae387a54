import O1ProxyCore

extension Usage.Names {
    /// Chat completions' `usage` object.
    static let chat = Usage.Names(prompt: "prompt_tokens", promptDetails: "prompt_tokens_details",
                                  completion: "completion_tokens", completionDetails: "completion_tokens_details")
}

extension Usage {
    /// A `chat.completion`, or a stream's chunk.
    init?(chatAnswer answer: JSON?) {
        self.init(of: answer, .chat)
    }

    /// As chat completions reports it, for answers translated from the Responses API.
    var chat: JSON { object(.chat) }
}
