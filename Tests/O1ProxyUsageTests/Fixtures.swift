import Foundation
@testable import O1ProxyCore
@testable import O1ProxyUsage

/// Log lines written here from the contract (docs/operations.md, Logs), not by the proxy's own code: the
/// report must read what any version of the proxy wrote, including older ones.
enum Fixture {
    /// A logfmt line: values with spaces, quotes, `=` or nothing at all are quoted, with
    /// backslash escapes, as the proxy writes them.
    static func logfmt(_ message: String, _ fields: [(String, String)]) -> String {
        "o1-proxy: " + message + fields.map { key, value in
            let quote = value.isEmpty || value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" })
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return " \(key)=" + (quote ? "\"\(escaped)\"" : value)
        }.joined()
    }

    /// The line a current proxy writes for a faked o1-mini stream that learned two fixes.
    static let newLine = logfmt(
        "POST /v1/chat/completions o1-mini 200 faked stream in 812 ms, tokens 12+230 (reasoning 192), learnedRows: drop:temperature stream:faked",
        [("time", "2026-11-25T08:52:59.123Z"), ("method", "POST"), ("path", "/v1/chat/completions"), ("model", "o1-mini"),
         ("api", "chat"), ("stream", "faked"), ("status", "200"), ("duration_ms", "812"), ("upstream_ms", "790"),
         ("prompt_tokens", "12"), ("cached_tokens", "4"), ("completion_tokens", "230"), ("reasoning_tokens", "192"),
         ("total_tokens", "242"), ("learned", "drop:temperature stream:faked"), ("peer", "127.0.0.1:51234")])

    /// The same from a version before `time`, `api` and `cached_tokens`.
    static let oldLine = logfmt(
        "POST /v1/chat/completions o1-mini 200 faked stream in 812 ms, tokens 12+230 (reasoning 192)",
        [("method", "POST"), ("path", "/v1/chat/completions"), ("model", "o1-mini"), ("stream", "faked"), ("status", "200"),
         ("duration_ms", "812"), ("upstream_ms", "790"), ("prompt_tokens", "12"), ("completion_tokens", "230"),
         ("reasoning_tokens", "192"), ("total_tokens", "242"), ("peer", "127.0.0.1:51234")])

    /// A `journalctl -o json` line; values are JSON text (`"\"200\""`, `"[104,105]"`, `"null"`).
    static func journal(_ fields: [(String, String)]) -> String {
        "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    static func string(_ value: String) -> String {
        String(decoding: JSON.string(value).encoded(), as: UTF8.self)
    }

    static let journalExchange = journal([
        ("__CURSOR", string("s=0123;i=1")), ("__REALTIME_TIMESTAMP", string("1795596779123456")),
        ("__MONOTONIC_TIMESTAMP", string("12345")), ("_BOOT_ID", string("b")),
        ("MESSAGE", string("POST /v1/chat/completions o3 200 in 4000 ms")), ("PRIORITY", string("6")),
        ("SYSLOG_IDENTIFIER", string("o1-proxy")), ("O1_METHOD", string("POST")), ("O1_PATH", string("/v1/chat/completions")),
        ("O1_MODEL", string("o3")), ("O1_API", string("responses")), ("O1_STREAM", string("none")), ("O1_STATUS", string("200")),
        ("O1_DURATION_MS", string("4000")), ("O1_UPSTREAM_MS", string("3990")), ("O1_PROMPT_TOKENS", string("1000")),
        ("O1_CACHED_TOKENS", string("800")), ("O1_COMPLETION_TOKENS", string("500")), ("O1_REASONING_TOKENS", string("450")),
        ("O1_TOTAL_TOKENS", string("1500")), ("O1_LEARNED", string("rename:max_tokens->max_completion_tokens")),
        ("O1_PEER", string("127.0.0.1:4242")),
    ])

    static func exchange(model: String?, status: Int = 200, day: Int? = nil, duration: Int? = 1000, prompt: Int = 0,
                         cached: Int = 0, completion: Int = 0, reasoning: Int = 0, learned: [String] = [],
                         failed: Bool = false) -> LoggedExchange {
        LoggedExchange(time: day.map { Int64(Day(year: 2026, month: 11, day: $0).daysSinceEpoch) * 86_400_000_000 + 43_200_000_000 },
                       model: model, status: status, durationMS: duration, upstreamMS: duration.map { $0 - 10 },
                       promptTokens: prompt, cachedTokens: cached, completionTokens: completion, reasoningTokens: reasoning,
                       learned: learned, failed: failed)
    }
}

func report(_ exchanges: [LoggedExchange], grouping: UsageReport.Grouping = .model, prices: PriceList = .builtIn,
            utcOffset: Int = 0) -> UsageReport {
    var builder = UsageReportBuilder { _ in utcOffset }
    for exchange in exchanges { builder.add(exchange) }
    return builder.report(grouping: grouping, prices: prices)
}
