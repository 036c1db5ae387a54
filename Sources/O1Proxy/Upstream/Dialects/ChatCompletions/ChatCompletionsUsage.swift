import O1ProxyCore

extension Usage.Names {
    /// Chat completions' `usage` object.
    static let chat = Usage.Names(prompt: "prompt_tokens", promptDetails: "prompt_tokens_details",
                                  completion: "completion_tokens", completionDetails: "completion_tokens_details")
}

extension Usage {
    init?(chat usage: JSON?) {
        self.init(usage, .chat)
    }

    /// As chat completions reports it, for answers translated from the Responses API.
    var chat: JSON { object(.chat) }
}
