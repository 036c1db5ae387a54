import Foundation
import Glibc
import O1Proxy
import O1ProxyUsage

// A write after the client hung up must be an error we handle, not a signal that kills us
// before the exchange is logged.
signal(SIGPIPE, SIG_IGN)

let arguments = Array(CommandLine.arguments.dropFirst())
let environment = ProcessInfo.processInfo.environment
switch arguments.first {
case nil:
    serveOneExchange(environment: environment) { stateDirectory, caBundle in
        Sandbox.confine(stateDirectory: stateDirectory, caBundle: TrustStore.use(caBundle))
    }
    // Everything is written and logged; skip atexit handlers (OpenSSL's cleanup, the loader's
    // finalizers), which cost every exchange ~2% of its instructions for memory the exit frees.
    _exit(0)
case "rules":
    exit(runRules(arguments: Array(arguments.dropFirst()), environment: environment))
case "--version":
    print("o1-proxy \(o1ProxyVersion)")
case "--help", "-h":
    print(helpText)
case "usage":
    exit(UsageCommand.run(Array(arguments.dropFirst()), environment: environment))
case let other?:
    FileHandle.standardError.write(Data("o1-proxy: unknown argument \(other); see --help\n".utf8))
    exit(2)
}
