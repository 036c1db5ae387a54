import O1ProxyCore

extension ChatCompletions {
    /// A 200 must be a `chat.completion` with `choices` for the client (or a fake stream) to
    /// make anything of it; it is passed on as the upstream sent it.
    static func completion(from body: [UInt8], contentType: String?) throws(APIError) -> Completion {
        guard let object = (try? JSON(parsing: body))?.object else {
            throw APIError.upstream("The upstream answered 200 with \(body.count) bytes of \(contentType ?? "no content type") that are not JSON.")
        }
        guard object["choices"]?.array != nil else {
            throw APIError.upstream("The upstream answered 200 without 'choices'.")
        }
        return Completion(object: object, usage: Usage(chatAnswer: .object(object)), original: body)
    }
}
