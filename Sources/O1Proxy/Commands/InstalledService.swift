import O1ProxyCore
import Foundation

/// What the installed service runs with, as systemd itself has it: `o1-proxy rules` run by hand
/// (as root, from a shell without the unit's environment) describes the rules and the learned
/// state the exchanges really use, whatever the unit, its drop-ins or the package put where.
struct InstalledService: Equatable {
    /// The unit's `Environment=`, then each `EnvironmentFile=` over it, and its
    /// `STATE_DIRECTORY`, as systemd would set them for an instance.
    var environment: [String: String]
    /// The settings files read, and why one could not be.
    var notes: [String]

    /// The unit systemd is asked about: any instance of the template has its settings.
    static let unit = "o1-proxy@rules.service"

    /// Asks systemd; nil where there is no systemd or no such unit.
    static func lookup() -> InstalledService? {
        guard let shown = run("/usr/bin/systemctl", ["show", unit, "-p", "LoadState,StateDirectory,Environment,EnvironmentFiles"])
            ?? run("/bin/systemctl", ["show", unit, "-p", "LoadState,StateDirectory,Environment,EnvironmentFiles"]) else { return nil }
        return InstalledService(systemctlShow: shown) { path in try? Array(Data(contentsOf: URL(fileURLWithPath: path))) }
    }

    /// From `systemctl show -p LoadState,StateDirectory,Environment,EnvironmentFiles`; `read`
    /// gives a file's bytes, nil when it cannot be read.
    init?(systemctlShow text: String, read: (String) -> [UInt8]?) {
        var properties: [String: String] = [:]
        var files: [(path: String, optional: Bool)] = []
        for line in text.split(separator: "\n") {
            let (key, value) = (String(line.prefix { $0 != "=" }), String(line.drop { $0 != "=" }.dropFirst()))
            if key == "EnvironmentFiles" {
                // "PATH (ignore_errors=yes)", one property line per file.
                let path = String(value.prefix { $0 != " " })
                if !path.isEmpty { files.append((path, value.hasSuffix("(ignore_errors=yes)"))) }
            } else {
                properties[key] = value
            }
        }
        guard properties["LoadState"] == "loaded" else { return nil }
        environment = [:]
        notes = []
        // Environment= as systemctl prints it: assignments separated by spaces (a value with
        // spaces is quoted; this unit has none).
        for assignment in (properties["Environment"] ?? "").split(separator: " ") {
            let (name, value) = (assignment.prefix { $0 != "=" }, assignment.drop { $0 != "=" }.dropFirst())
            if !name.isEmpty { environment[String(name)] = String(value) }
        }
        for file in files {
            if let bytes = read(file.path) {
                environment.merge(EnvironmentFile.parse(bytes)) { $1 }
                notes.append("settings from \(file.path)")
            } else {
                notes.append("cannot read \(file.path)\(file.optional ? " (if it exists: run as root)" : ""): its settings are not shown")
            }
        }
        // StateDirectory= names directories under /var/lib for a system unit.
        if let state = properties["StateDirectory"]?.split(separator: " ").first {
            environment["STATE_DIRECTORY"] = "/var/lib/" + state
        }
    }

    private static func run(_ executable: String, _ arguments: [String]) -> String? {
        guard access(executable, X_OK) == 0 else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}

/// systemd's `EnvironmentFile=` format, as far as a settings file needs it: `NAME=value` lines,
/// `#` and `;` comments, blank lines, a value in single or double quotes.
enum EnvironmentFile {
    static func parse(_ bytes: [UInt8]) -> [String: String] {
        var variables: [String: String] = [:]
        for raw in String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let line = raw.trimmingWhitespace()
            guard let first = line.first, first != "#", first != ";", let equals = line.firstIndex(of: "=") else { continue }
            let name = line[..<equals].trimmingWhitespace()
            var value = line[line.index(after: equals)...].trimmingWhitespace()
            if value.count >= 2, let quote = value.first, quote == "\"" || quote == "'", value.last == quote {
                value = String(value.dropFirst().dropLast())
            }
            guard !name.isEmpty, name.allSatisfy({ $0 == "_" || $0.isASCII && ($0.isLetter || $0.isNumber) }) else { continue }
            variables[name] = value
        }
        return variables
    }
}
