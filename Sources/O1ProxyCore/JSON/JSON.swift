/// A JSON value that keeps what the client sent: object keys stay in order and numbers keep
/// their exact text. Fields the proxy does not model are forwarded as they came, and a number
/// like `1e400` or `0.10` is never rounded through a `Double` on its way upstream.
package enum JSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSON])
    case object(JSONObject)
    /// A value as it came, written back byte for byte: the upstream's own reasoning items, which
    /// must go back exactly as they were sent. Never made by the parser; `parsed` reads it.
    case verbatim([UInt8])

    package subscript(key: String) -> JSON? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    package var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    package var array: [JSON]? {
        if case .array(let value) = self { return value }
        return nil
    }

    package var object: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    package var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// A number as a `Double`, for amounts (prices); counts stay `int`.
    package var double: Double? {
        if case .number(let text) = self { return Double(text) }
        return nil
    }

    package var int: Int? {
        if case .number(let text) = self { return Int(text) }
        return nil
    }
}

/// An object with ordered keys. Lookups are linear: request and response objects have a few
/// dozen keys at most, and order matters more here than asymptotics.
package struct JSONObject: Equatable, Sendable {
    package private(set) var fields: [(key: String, value: JSON)]

    package init(_ fields: [(key: String, value: JSON)] = []) {
        self.fields = fields
    }

    package var keys: [String] { fields.map(\.key) }

    package subscript(key: String) -> JSON? {
        get { fields.first { $0.key == key }?.value }
        set {
            let index = fields.firstIndex { $0.key == key }
            switch (index, newValue) {
            case (let i?, let value?): fields[i].value = value
            case (let i?, nil): fields.remove(at: i)
            case (nil, let value?): fields.append((key, value))
            case (nil, nil): break
            }
        }
    }

    package static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    package init(dictionaryLiteral elements: (String, JSON)...) {
        self.init(elements.map { (key: $0.0, value: $0.1) })
    }
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    package init(stringLiteral value: String) { self = .string(value) }
    package init(integerLiteral value: Int) { self = .number(String(value)) }
    package init(booleanLiteral value: Bool) { self = .bool(value) }
    package init(arrayLiteral elements: JSON...) { self = .array(elements) }
    package init(dictionaryLiteral elements: (String, JSON)...) {
        self = .object(JSONObject(elements.map { (key: $0.0, value: $0.1) }))
    }
}
