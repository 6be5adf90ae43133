import ArgumentParser
import Foundation
import MailTLSDNS
import MailTLSEngine
import MailTLSReport

/// `--json`, `--lang`, `--no-color`: the same meaning on every command.
struct OutputOptions: ParsableArguments {
    @Flag(help: .en("Print a JSON document (schema in docs/json-schema.md) instead of the report.",
            ja: "報告の代わりに JSON を出力します（スキーマは docs/json-schema.md）。"))
    var json = false

    @Option(help: .en("Language of messages: en or ja (default from LANG).",
            ja: "メッセージの言語です。en または ja を指定します（既定では LANG から決めます）。"))
    var lang: String?

    @Flag(name: .customLong("no-color"), help: .en("No colours, even on a terminal.",
            ja: "ターミナルでも色を付けません。"))
    var noColor = false

    func validate() throws {
        if let lang, Language(rawValue: lang.lowercased()) == nil {
            throw ValidationError.en("--lang takes en or ja, not '\(lang)'.",
                                     ja: "--lang には en か ja を指定してください（指定された値「\(lang)」）。")
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
    @Option(help: .en("Resolve names through this DNS server, ADDRESS or ADDRESS@PORT (default: the system's resolver).",
            ja: "名前の解決に使う DNS サーバーです。ADDRESS または ADDRESS@PORT の形で指定します（既定ではシステムのリゾルバーを使います）。"))
    var resolver: String?

    @Option(name: .customLong("trust-anchor"), help: .en("DNSSEC trust anchors (DS or DNSKEY records) for --resolver.",
            ja: "--resolver で使う DNSSEC のトラストアンカー（DS または DNSKEY レコード）です。"))
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
    @Option(name: .customLong("connect-timeout"), help: .en("Seconds to wait for a TCP connection.",
            ja: "TCP 接続を待つ秒数です。"))
    var connectTimeout = 5.0

    @Option(help: .en("Seconds to wait for each reply and for the TLS handshake.",
            ja: "各応答と TLS のハンドシェイクを待つ秒数です。"))
    var timeout = 10.0

    @Option(name: .customLong("greeting-timeout"),
            help: .en("Seconds to wait for the greeting; tolerates tarpits that delay it on purpose.",
                    ja: "挨拶を待つ秒数です。わざと挨拶を遅らせるサーバーにも対応できるよう長めにしています。"))
    var greetingTimeout = 30.0

    func validate() throws {
        for (name, value) in [("--connect-timeout", connectTimeout), ("--timeout", timeout),
                              ("--greeting-timeout", greetingTimeout)] where !(value > 0 && value <= 3600) {
            throw ValidationError.en("\(name) must be between 0 and 3600 seconds.",
                                     ja: "\(name) には 0 より大きく 3600 以下の秒数を指定してください。")
        }
    }

    /// The engine's timeouts; the whole conversation on one connection may take the greeting and six replies.
    var engineTimeouts: ConnectionEngine.Timeouts {
        .init(connect: connectTimeout, read: timeout, greeting: greetingTimeout,
              overall: max(90, greetingTimeout + 6 * timeout))
    }
}

/// `--format text|json|html`: the report's form, for the commands that write one (`check`, `domain`).
struct FormatOption: ParsableArguments {
    @Option(help: .en("The report's form: text (the default), json (as --json) or html (one standalone page).",
            ja: "報告の形式です。text（既定値）、json（--json と同じ）、html（単独で開ける 1 つのページ）のいずれかです。"))
    var format: ReportFormat?

    enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
        case html
    }

    /// The form asked for: `--json` and `--format json` are the same; `--json` with another `--format` is a mistake.
    func chosen(json: Bool) throws -> ReportFormat {
        if json, let format, format != .json {
            throw ValidationError.en("--json and --format \(format.rawValue) ask for different reports; give one.",
                                     ja: "--json と --format \(format.rawValue) は別の形式です。どちらか 1 つを指定してください。")
        }
        return json ? .json : (format ?? .text)
    }
}
