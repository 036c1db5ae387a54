/// Header fields in the order they came, each name spelled as it was (forwarded as it came);
/// every lookup ignores case, as RFC 9110 says names must be compared.
package struct HTTPFields: Sendable, Sequence, ExpressibleByArrayLiteral {
    package typealias Field = (name: String, value: String)

    package private(set) var fields: [Field]

    package init(_ fields: [Field] = []) {
        self.fields = fields
    }

    package init(arrayLiteral elements: Field...) {
        fields = elements
    }

    package func makeIterator() -> IndexingIterator<[Field]> {
        fields.makeIterator()
    }

    package var count: Int { fields.count }

    /// The first value of `name`.
    package subscript(name: String) -> String? {
        fields.first { same($0.name, name) }?.value
    }

    /// Every value of `name`, each list split at its commas and trimmed.
    package func list(_ name: String) -> [String] {
        fields.filter { same($0.name, name) }.flatMap { $0.value.split(separator: ",", omittingEmptySubsequences: false) }
            .map { $0.trimmingWhitespace() }
    }

    package func count(of name: String) -> Int {
        fields.count { same($0.name, name) }
    }

    package mutating func append(_ name: String, _ value: String) {
        fields.append((name, value))
    }

    package static func + (lhs: HTTPFields, rhs: HTTPFields) -> HTTPFields {
        HTTPFields(lhs.fields + rhs.fields)
    }

    /// These fields without any of `names`.
    package func removing(_ names: HeaderNames) -> HTTPFields {
        HTTPFields(fields.filter { !names.contains($0.name) })
    }
}

/// A set of header names, matched without regard to case.
package struct HeaderNames: Sendable, ExpressibleByArrayLiteral {
    private let lowercased: Set<String>

    package init(arrayLiteral names: String...) {
        lowercased = Set(names.map { $0.lowercased() })
    }

    private init(lowercased: Set<String>) {
        self.lowercased = lowercased
    }

    package func contains(_ name: String) -> Bool {
        lowercased.contains(name.lowercased())
    }

    package static func + (lhs: HeaderNames, rhs: HeaderNames) -> HeaderNames {
        HeaderNames(lowercased: lhs.lowercased.union(rhs.lowercased))
    }
}

/// ASCII case-insensitive equality, the comparison header names get; on bytes, because the
/// generic collection algorithms cost more in first-use instantiation than a whole parse.
package func same(_ a: String, _ b: String) -> Bool {
    var a = a, b = b
    return a.withUTF8 { x in
        b.withUTF8 { y in
            guard x.count == y.count else { return false }
            for i in 0..<x.count where x[i] != y[i] {
                let lower = x[i] | 0x20
                guard lower == y[i] | 0x20, lower >= UInt8(ascii: "a"), lower <= UInt8(ascii: "z") else { return false }
            }
            return true
        }
    }
}
