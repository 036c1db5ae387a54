import O1ProxyCore

/// `o1-proxy usage [options]`, parsed. Pure, so that every refusal is tested without running.
struct UsageOptions: Equatable, Sendable {
    enum Input: Equatable, Sendable {
        /// `--since` and `--until` go to journalctl as they are, in its own syntax.
        case journal(since: String?, until: String?)
        /// A file of log lines; `-` is standard input.
        case file(String)
    }

    var input = Input.journal(since: nil, until: nil)
    var grouping = UsageReport.Grouping.model
    var json = false
    var htmlPath: String?
    var help = false

    init() {}

    static func parse(_ arguments: [String]) throws(UsageOptionsError) -> UsageOptions {
        var options = UsageOptions()
        var since: String?, until: String?, file: String?
        var rest = arguments[...]
        func value(_ name: String, _ inline: String?) throws(UsageOptionsError) -> String {
            if let inline { return inline }
            guard let next = rest.popFirst() else { throw UsageOptionsError("\(name) needs a value") }
            return next
        }
        while let argument = rest.popFirst() {
            let parts = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            let inline = argument.hasPrefix("--") && parts.count == 2 ? String(parts[1]) : nil
            switch inline == nil ? argument : name {
            case "--since": since = try value(name, inline)
            case "--until": until = try value(name, inline)
            case "--file": file = try value(name, inline)
            case "--by":
                let by = try value(name, inline)
                guard let grouping = UsageReport.Grouping(rawValue: by) else {
                    throw UsageOptionsError("--by takes model or day, not \(by)")
                }
                options.grouping = grouping
            case "--json" where inline == nil: options.json = true
            case "--html": options.htmlPath = try value(name, inline)
            case "--help" where inline == nil, "-h": options.help = true
            default: throw UsageOptionsError("unknown argument \(argument)")
            }
        }
        if let file {
            guard since == nil, until == nil else {
                throw UsageOptionsError("--since and --until select journal entries; with --file, select the lines first (grep, awk)")
            }
            guard !file.isEmpty else { throw UsageOptionsError("--file needs a path, or - for standard input") }
            options.input = .file(file)
        } else {
            options.input = .journal(since: since, until: until)
        }
        if options.htmlPath?.isEmpty == true { throw UsageOptionsError("--html needs a file name") }
        return options
    }

    /// What the report says it read.
    var sourceDescription: String {
        switch input {
        case .file("-"): "standard input"
        case .file(let path): path
        case .journal(let since, let until):
            "the journal" + (since.map { " since \($0)" } ?? "") + (until.map { " until \($0)" } ?? "")
        }
    }

    /// The exchanges' entries are the only ones with these fields, and PID 1's about instances
    /// that ended abnormally these few more; asking for them alone makes journalctl's output a
    /// quarter of its full size. Its own timestamp always comes along.
    static let journalFields = ReadField.journalNames + SystemdField.all

    /// The entries are selected by the identifier the proxy logs under, not with
    /// `-u 'o1-proxy@*'`: each connection is a unit of its own, and journalctl turns the pattern
    /// into one match per unit ever logged, which took 3.5 s of CPU for 1,000 connections and
    /// 133 s for 4,000 (a month of heavy use never finishes). One field match is an index lookup;
    /// so are PID 1's messages of a unit's abnormal end (by their message ids), of which those
    /// about o1-proxy@ instances are kept.
    var journalctlArguments: [String] {
        guard case .journal(let since, let until) = input else { return [] }
        var arguments = ["--output=json", "--no-pager", "--output-fields=" + UsageOptions.journalFields.joined(separator: ",")]
        if let since { arguments.append("--since=" + since) }
        if let until { arguments.append("--until=" + until) }
        return arguments + [ExchangeLog.identifier.name + "=" + ExchangeLog.syslogIdentifier, "+", SystemdField.pid + "=1",
                            SystemdField.messageID + "=" + InstanceEnd.processExited,
                            SystemdField.messageID + "=" + InstanceEnd.unitFailed]
    }
}

struct UsageOptionsError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}

let usageHelpText = """
Usage: o1-proxy usage [--since TIME] [--until TIME] [--by model|day] [--json] [--html FILE]
       o1-proxy usage --file PATH|- [--by model|day] [--json] [--html FILE]

What each model cost and how it behaved, from the proxy's own log: exchanges, errors (4xx, 5xx,
clients gone, streams broken after their 200), rejected round trips (learned fixes), p50/p95 of
total and upstream time, prompt/cached/completion/reasoning tokens, the reasoning share of the
completion tokens, and the estimated cost at dated list prices.

  --since TIME, --until TIME   passed to journalctl as they are: -7d, yesterday, "2026-11-01 12:00"
  --file PATH|-                read log lines from a file or standard input instead of the journal:
                               the proxy's stderr lines (make run, systemd-socket-activate) or
                               saved `journalctl -o json` output
  --by model|day               one row per model (default), or per model and day with day totals
  --json                       the figures as JSON on standard output, instead of the tables
  --html FILE                  also write a self-contained page with charts to FILE

Reads `journalctl SYSLOG_IDENTIFIER=o1-proxy -o json`: run it as root or as a member of the
systemd-journal group. Prices: built in (list prices of \(PriceList.builtInDate)), applied per exchange (its
service tier, a prompt over \(Price.longContextAbove / 1000)K tokens), extended or overridden by the JSON file named in
O1_PROXY_PRICES:
  {"date": "2026-12-01", "prices": {"my-model": {"input": 1.1, "cached_input": 0.55, "output": 4.4}},
   "aliases": {"prod-o1-*": "o1"}}
(US dollars per million tokens; also "cache_write", and "long_context", "flex" and "priority" of the
same form: see docs/operations.md; an alias maps a deployment name or pattern to a priced model).
"""
