@testable import O1ProxyCore
@testable import O1Proxy

/// Shared helpers for the unit tests.
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

func parse(_ text: String) throws(JSONSyntaxError) -> JSON { try JSON(parsing: Array(text.utf8)) }

func encodedText(_ value: JSON) -> String { String(decoding: value.encoded(), as: UTF8.self) }

func encodedText(_ object: JSONObject) -> String { encodedText(.object(object)) }
