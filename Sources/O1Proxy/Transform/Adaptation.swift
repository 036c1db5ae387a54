/// Learning from a rejection: when a model answers 400 naming a parameter or value it refuses,
/// the proxy can often tell which `Fix` would make the same request acceptable. This is what lets
/// a model released tomorrow work on its first request, before anyone writes a rule for it.
public enum Adaptation {
    static let fixableCodes: Set<String> = ["unsupported_parameter", "unsupported_value"]

    /// The fix for an upstream 400 `body`, given the body that was sent and the fixes already
    /// applied; `nil` when the rejection is not one the proxy can repair, or when the fix was
    /// already tried (so a stubborn upstream cannot loop us).
    public static func fix(for errorBody: [UInt8], sent: JSONObject, applied: [Fix]) -> Fix? {
        guard let error = try? JSON(parsing: errorBody)["error"], let param = error["param"]?.string else { return nil }
        let code = error["code"]?.string
        guard code.map(fixableCodes.contains) ?? false || param == "stream_options" else { return nil }
        let fix: Fix?
        switch param {
        case "stream":
            fix = sent["stream"]?.bool == true ? .fakeStream : nil
        case "max_tokens":
            fix = sent["max_tokens"] != nil ? .rename("max_tokens", to: "max_completion_tokens") : nil
        case "model", "messages":
            fix = nil
        default:
            if let role = role(named: param, in: sent), role != "user" {
                fix = .mapRole(role, to: "user")
            } else {
                fix = sent[param] != nil ? .drop(param) : nil
            }
        }
        guard let fix, !applied.contains(fix) else { return nil }
        return fix
    }

    /// `messages[3].role` → the role that message has in the body that was sent.
    private static func role(named param: String, in body: JSONObject) -> String? {
        guard param.hasPrefix("messages["), param.hasSuffix("].role"),
              let index = Int(param.dropFirst("messages[".count).dropLast("].role".count)),
              let messages = body["messages"]?.array, messages.indices.contains(index) else { return nil }
        return messages[index]["role"]?.string
    }
}
