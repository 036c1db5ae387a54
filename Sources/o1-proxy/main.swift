import Foundation
import Glibc
import O1Proxy
import O1ProxyUsage

// A write after the client hung up must be an error we handle, not a signal that kills us
// before the exchange is logged.
signal(SIGPIPE, SIG_IGN)

switch CommandLine.arguments.dropFirst().first {
case nil:
    break
case "--version":
    print("o1-proxy \(o1ProxyVersion)")
    exit(0)
case "--help", "-h":
    print(helpText)
    exit(0)
case "usage":
    exit(UsageCommand.run(Array(CommandLine.arguments.dropFirst(2)), environment: ProcessInfo.processInfo.environment))
case let other?:
    FileHandle.standardError.write(Data("o1-proxy: unknown argument \(other); see --help\n".utf8))
    exit(2)
}

let environment = ProcessInfo.processInfo.environment
let config = Result { () throws(ConfigError) in
    try Config.from(environment: environment) { try Array(Data(contentsOf: URL(fileURLWithPath: $0))) }
}
let exchange = Exchange(client: ClientConnection(), config: config)
let record = exchange.run()
Journal(environment: environment).log(record, masking: exchange.secrets)
// Everything is written and logged; skip atexit handlers (OpenSSL's cleanup, the loader's
// finalizers), which cost every exchange ~2% of its instructions for memory the exit frees.
_exit(0)
