import O1ProxyCore
import Foundation
import Glibc

/// `o1-proxy usage`: the only part of the report that touches the system. It reads the prices
/// file, the journal (through journalctl) or a file of lines, and writes what the pure renderers
/// make of it. Exit status: 0 done (an empty report included), 1 something could not be read or
/// written, 2 a wrong argument.
public enum UsageCommand {
    public static func run(_ arguments: [String], environment: [String: String]) -> Int32 {
        let options: UsageOptions
        do {
            options = try UsageOptions.parse(arguments)
        } catch {
            writeAll(2, "o1-proxy usage: \(error); see o1-proxy usage --help\n")
            return 2
        }
        if options.help {
            writeAll(1, usageHelpText + "\n")
            return 0
        }
        do {
            let prices = try loadPrices(environment["O1_PROXY_PRICES"])
            let zone = TimeZone.current
            var builder = UsageReportBuilder { zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double($0))) }
            switch options.input {
            case .file(let path):
                try readFile(path) { builder.add(line: $0) }
            case .journal:
                let outcome = try readJournal(arguments: options.journalctlArguments, path: environment["PATH"]) { builder.add(line: $0) }
                switch outcome {
                case .read: break
                case .notPermitted(let message): throw UsageFailure(permissionAdvice(journalctlSaid: message))
                case .failed(let message): throw UsageFailure("journalctl: \(message)")
                }
            }
            let report = builder.report(grouping: options.grouping, prices: prices)
            let source = options.sourceDescription
            if let path = options.htmlPath {
                do {
                    try Data(renderHTML(report, source: source).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
                } catch {
                    throw UsageFailure("cannot write \(path): \(error.localizedDescription)")
                }
            }
            writeAll(1, options.json ? renderJSON(report, source: source) : renderText(report, source: source))
            return 0
        } catch {
            writeAll(2, "o1-proxy usage: \(error)\n")
            return 1
        }
    }

    private static func loadPrices(_ path: String?) throws(UsageFailure) -> PriceList {
        guard let path, !path.isEmpty else { return .builtIn }
        let bytes: [UInt8]
        do {
            bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw UsageFailure("O1_PROXY_PRICES=\(path): cannot read it: \(error.localizedDescription)")
        }
        do {
            return try PriceList.builtIn.merging(file: bytes, path: path)
        } catch {
            throw UsageFailure(error.description)
        }
    }

    private static func readFile(_ path: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) throws(UsageFailure) {
        let fd = path == "-" ? 0 : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw UsageFailure("cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { if fd != 0 { close(fd) } }
        do {
            try forEachLine(in: fd, body)
        } catch {
            throw UsageFailure("cannot read \(path): \(error)")
        }
    }

    private static func permissionAdvice(journalctlSaid message: String) -> String {
        let user = getpwuid(geteuid()).flatMap { $0.pointee.pw_name.map { String(cString: $0) } } ?? "this user"
        return """
            cannot read the proxy's entries in the system journal as \(user) (journalctl: \(message.split(separator: "\n").first ?? "")).
            The proxy logs to the system journal, which members of the systemd-journal group (or adm) and root may read:
              sudo usermod -aG systemd-journal \(user)   (then log in again)
            or run it with sudo: sudo o1-proxy usage ...
            """
    }
}

struct UsageFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}

/// Writes all of `text`; a reader that went away (`| head`) ends the writing, not the program.
private func writeAll(_ fd: Int32, _ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if written < 0 {
            if errno == EINTR { continue }
            return
        }
        bytes = bytes.dropFirst(written)
    }
}
