import ArgumentParser
import Foundation
import MailTLSDNS
import MailTLSEngine
import MailTLSReport

/// `--json`, `--lang`, `--no-color`: the same meaning on every command.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print a JSON document (schema in docs/json-schema.md) instead of the report.")
    var json = false

    @Option(help: "Language of messages: en or ja (default from LANG).")
    var lang: String?

    @Flag(name: .customLong("no-color"), help: "No colours, even on a terminal.")
    var noColor = false

    func validate() throws {
        if let lang, Language(rawValue: lang.lowercased()) == nil {
            throw ValidationError("--lang takes en or ja, not '\(lang)'.")
        }
    }

    var language: Language {
        if let lang, let chosen = Language(rawValue: lang.lowercased()) { return chosen }
        return Language.fromEnvironment(ProcessInfo.processInfo.environment)
    }

    var useColor: Bool {
        !noColor && ProcessInfo.processInfo.environment["NO_COLOR"] == nil && isatty(STDOUT_FILENO) == 1
    }

    /// The language for errors that happen before parsing finishes.
    static func languageHint(arguments: [String]) -> Language {
        if let index = arguments.firstIndex(of: "--lang"), index + 1 < arguments.count,
           let language = Language(rawValue: arguments[index + 1].lowercased()) {
            return language
        }
        if let inline = arguments.first(where: { $0.hasPrefix("--lang=") }),
           let language = Language(rawValue: String(inline.dropFirst(7)).lowercased()) {
            return language
        }
        return Language.fromEnvironment(ProcessInfo.processInfo.environment)
    }
}

/// `--resolver` and `--trust-anchor`: the same meaning on every command that looks things up in DNS.
struct DNSOptions: ParsableArguments {
    @Option(help: "Resolve names through this DNS server, ADDRESS or ADDRESS@PORT (default: the system's resolver).")
    var resolver: String?

    @Option(name: .customLong("trust-anchor"), help: "DNSSEC trust anchors (DS or DNSKEY records) for --resolver.")
    var trustAnchor: String?

    /// For address lookups only: answers are validated when `--trust-anchor` is given, not against the root.
    var addressLookup: DNSResolver.Configuration? {
        guard resolver != nil || trustAnchor != nil else { return nil }
        return DNSResolver.Configuration(resolver: resolver, trustAnchorFile: trustAnchor, useSystemRootKey: false)
    }
}

extension DNSOptions {
    /// For lookups whose DNSSEC status matters (`domain`, `setup`): validated from `--trust-anchor`, else from the
    /// system's root key.
    var validating: DNSResolver.Configuration {
        DNSResolver.Configuration(resolver: resolver, trustAnchorFile: trustAnchor, useSystemRootKey: true)
    }
}

/// `--connect-timeout`, `--timeout`, `--greeting-timeout`: the waits of commands that talk to mail servers.
struct TimeoutOptions: ParsableArguments {
    @Option(name: .customLong("connect-timeout"), help: "Seconds to wait for a TCP connection.")
    var connectTimeout = 5.0

    @Option(help: "Seconds to wait for each reply and for the TLS handshake.")
    var timeout = 10.0

    @Option(name: .customLong("greeting-timeout"),
            help: "Seconds to wait for the greeting; tolerates tarpits that delay it on purpose.")
    var greetingTimeout = 30.0

    func validate() throws {
        for (name, value) in [("--connect-timeout", connectTimeout), ("--timeout", timeout),
                              ("--greeting-timeout", greetingTimeout)] where !(value > 0 && value <= 3600) {
            throw ValidationError("\(name) must be between 0 and 3600 seconds.")
        }
    }

    /// The engine's timeouts; the whole conversation on one connection may take the greeting and six replies.
    var engineTimeouts: ConnectionEngine.Timeouts {
        .init(connect: connectTimeout, read: timeout, greeting: greetingTimeout,
              overall: max(90, greetingTimeout + 6 * timeout))
    }
}
