import O1ProxyCore

public let o1ProxyVersion = "0.2.0"

public var helpText: String {
    let width = Knobs.all.map(\.name.count).max() ?? 0
    let knobs = Knobs.all.map { knob in
        "  " + knob.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + "[\(knob.shownDefault)] " + knob.meaning
    }
    return """
    o1-proxy \(o1ProxyVersion): OpenAI reasoning models (o1, o3, gpt-5, o1-pro, ...) for any chat client.

    Usage: o1-proxy             serve ONE HTTP/1.1 exchange on stdin/stdout, then exit
           o1-proxy rules [--state DIR] [--forget MODEL | --all | --clear-reasoning]
                                the rules in effect, what was learned and the reasoning kept;
                                forget what was learned, remove the reasoning kept
           o1-proxy usage ...   what each model cost and how it behaved, from the journal
                                (o1-proxy usage --help)
           o1-proxy --help | --version

    Run it from an inetd-style listener, one process per connection:
      systemd:  systemctl enable --now o1-proxy.socket        (Accept=yes)
      no init:  systemd-socket-activate --inetd -a -l 127.0.0.1:4567 o1-proxy

    Environment:
    \(knobs.joined(separator: "\n"))

    The key is read from the systemd credential '\(Config.credentialName)' ($CREDENTIALS_DIRECTORY),
    else from OPENAI_API_KEY ('\(Config.azureCredentialName)' and AZURE_OPENAI_API_KEY for Azure).
    One log entry per exchange goes to the journal (or stderr).
    """
}
