import O1ProxyCore

/// An operator's name for a model with settings a chat client cannot send (Continue's model list
/// offers one entry per name): `{"match":["gpt-5.6-sol-pro"],"model":"gpt-5.6-sol",
/// "set":{"reasoning":{"mode":"pro"}}}`. A request for the name goes to `model` as if the client
/// had also sent the `set` fields, unless it sent them itself; the target model's own rules then
/// apply as to any request for it. Presets come from the rules file only, never from learning.
struct Preset: Equatable, Sendable {
    /// Globs on the name the client sends.
    var patterns: [String]
    var model: String
    /// The `set` fields, in the upstream API's own names (`reasoning.mode` is the Responses API's).
    var settings: JSONObject

    func matches(_ name: String) -> Bool {
        patterns.contains { glob($0, matches: name) }
    }

    /// The client's body for the target model: its own fields win where both name one, field by
    /// field inside objects (the client's `reasoning.effort` beside the preset's `reasoning.mode`).
    func applied(to body: JSONObject) -> JSONObject {
        var body = Self.merged(settings, under: body)
        body["model"] = .string(model)
        return body
    }

    /// A field only the Responses API has (`reasoning`, `text`, ...) takes the request there.
    var needsResponses: Bool {
        settings.keys.contains(where: Responses.onlyFields.contains)
    }

    /// What the preset sets, as dotted paths (`reasoning.mode`): learning must not take them away
    /// (a preset the model refuses is the upstream's error to tell).
    var paths: [String] {
        func leaves(_ object: JSONObject, _ prefix: String) -> [String] {
            object.fields.flatMap { key, value in
                value.object.map { leaves($0, prefix + key + ".") } ?? [prefix + key]
            }
        }
        return leaves(settings, "")
    }

    /// The names `GET /v1/models` lists for it: its patterns that are names, not globs.
    var listedNames: [String] {
        patterns.filter { !$0.contains("*") }
    }

    private static func merged(_ preset: JSONObject, under client: JSONObject) -> JSONObject {
        var out = client
        for (key, value) in preset.fields {
            switch (client[key], value) {
            case (nil, _):
                out[key] = value
            case (.object(let own)?, .object(let given)):
                out[key] = .object(merged(given, under: own))
            default:
                break
            }
        }
        return out
    }
}

extension Preset {
    /// This preset as an entry of a rules file, for `o1-proxy rules`.
    var fileEntry: JSONObject {
        ["match": .array(patterns.map(JSON.string)), "model": .string(model), "set": .object(settings)]
    }
}
