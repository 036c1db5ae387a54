import O1ProxyCore
import Foundation

/// `o1-proxy` with no arguments, as inetd and systemd run it: one exchange on stdin/stdout,
/// then its journal entry. The key, the rules and the journal's socket are opened first; then
/// `confine` sets up TLS trust and shuts the process in (it gets the state directory, the one
/// place it may write, and the CA bundle, and says what it could not do), before a byte of the
/// request is read.
public func serveOneExchange(environment: [String: String],
                             confine: (_ stateDirectory: String?, _ caBundle: String?) -> String?) {
    let config = Result { () throws(ConfigError) in try Config.from(environment: environment, readFile: readFile) }
    let journal = Journal(environment: environment)
    let settings = try? config.get()
    let confinement = confine(settings?.stateDirectory, settings?.caBundle)
    let exchange = Exchange(client: ClientConnection(), config: config, warning: confinement)
    let record = exchange.run()
    journal.log(record, masking: exchange.secrets)
}

/// `o1-proxy rules ...`; returns the exit status. Without `--state` or `STATE_DIRECTORY` it
/// describes the installed service, with the settings and the state systemd gives its instances.
public func runRules(arguments: [String], environment: [String: String]) -> Int32 {
    guard let (action, state) = RulesCommand.parse(arguments) else {
        FileHandle.standardError.write(Data((RulesCommand.usage + "\n").utf8))
        return 2
    }
    var environment = environment
    var source: [String] = []
    if let state {
        environment["STATE_DIRECTORY"] = state
    } else if environment["STATE_DIRECTORY"] == nil, let service = InstalledService.lookup() {
        environment = service.environment
        source = ["# As the installed service (o1-proxy@.service) runs:"] + service.notes.map { "#   \($0)" }
    }
    let config: Config
    do {
        config = try Config.from(environment: environment, readFile: readFile)
    } catch {
        FileHandle.standardError.write(Data("o1-proxy rules: \(error)\n".utf8))
        return 1
    }
    let file = LearnedFixesFile(config: config)
    let reasoning = ReasoningStore(config: config)
    func report(_ text: String, status: Int32 = 0) -> Int32 {
        if let warning = file.warning ?? reasoning?.warning {
            FileHandle.standardError.write(Data("o1-proxy rules: \(warning)\n".utf8))
            return 1
        }
        print(text, terminator: "")
        return status
    }
    switch action {
    case .show:
        let learned = file.all()
        // The built-in rules as this configuration has them (O1_PROXY_TOOL_TURNS may change them).
        let builtIn = RuleBook.builtIn.rules.count
        let operatorRules = Array(config.rules.rules.dropLast(builtIn))
        let census = reasoning.map { store in
            let (turns, expired, bytes) = store.census()
            return RulesCommand.ReasoningCensus(directory: config.stateDirectory ?? "", turns: turns, expired: expired, bytes: bytes,
                                                maxBytes: config.reasoningBytes, lifetime: config.reasoningLifetime.inSeconds)
        }
        let text = RulesCommand.render(operatorRules: operatorRules, builtInRules: Array(config.rules.rules.suffix(builtIn)),
                                       presets: config.rules.presets, rulesFile: environment["O1_PROXY_RULES"].flatMap { $0.isEmpty ? nil : $0 },
                                       learned: learned, statePath: file.path, lifetime: file.lifetime, reasoning: census,
                                       now: WallClock.now())
        return report(source.map { $0 + "\n" }.joined() + text)
    case .forget(let model):
        guard file.path != nil else { return report("nothing is kept without a state directory\n", status: 1) }
        let forgot = file.update { $0.forget(model) } ?? false
        return report(forgot ? "forgot what was learned for \(model)\n" : "nothing was learned for \(model)\n", status: forgot ? 0 : 1)
    case .forgetAll:
        guard file.path != nil else { return report("nothing is kept without a state directory\n", status: 1) }
        file.update { $0.forgetAll() }
        return report("forgot everything learned\n")
    case .clearReasoning:
        guard let directory = config.stateDirectory else { return report("nothing is kept without a state directory\n", status: 1) }
        let (removed, warning) = ReasoningStore.clear(directory: directory)
        if let warning {
            FileHandle.standardError.write(Data("o1-proxy rules: \(warning)\n".utf8))
            return 1
        }
        return report("removed the reasoning kept for tool turns (\(RulesCommand.counted(removed, "file")))\n")
    }
}

private func readFile(_ path: String) throws -> [UInt8] {
    try Array(Data(contentsOf: URL(fileURLWithPath: path)))
}
