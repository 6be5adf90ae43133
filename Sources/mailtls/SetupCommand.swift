import ArgumentParser
import Foundation
import MailTLSAccount
import MailTLSCheck
import MailTLSReport
import MailTLSSetup

/// `mailtls setup ADDRESS`: finds, verifies and exports the settings for an address.
struct SetupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup",
        abstract: "Find the right settings for an e-mail address, verify each by connecting, and export them.",
        discussion: """
            Sources, best first: the provider's autoconfig file, the domain's .well-known autoconfig, RFC 6186 SRV
            records, the MX host's domain, then guessed host names. Every setting is tried before it is recommended.
            Formats: text (default), json, thunderbird (config-v1.1.xml), mobileconfig (Apple profile), sheet (HTML).
            Exit codes: 0 incoming and outgoing found, 1 only one of them, 2 none, 3 bad input.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, thunderbird, mobileconfig, sheet
    }

    @Argument(help: "The e-mail address, e.g. user@example.com.")
    var address: String

    @Option(help: "Output format: text, json, thunderbird, mobileconfig or sheet.")
    var format: Format = .text

    @Option(help: "Write the output to this file instead of standard output.")
    var output: String?

    @Option(name: .customLong("ca-file"), help: "Extra trusted root certificates (PEM or DER), e.g. a private CA.")
    var caFile: String?

    @Flag(name: .customLong("no-guess"), help: "Do not guess host names when nothing published works.")
    var noGuess = false

    @Option(name: .customLong("connect-timeout"), help: "Seconds to wait for a TCP connection.")
    var connectTimeout = 5.0

    @Option(help: "Seconds to wait for each reply, the TLS handshake and each web request.")
    var timeout = 10.0

    @Option(name: .customLong("max-connections"), help: "At most this many connections at once.")
    var maxConnections = 6

    @OptionGroup var dns: DNSOptions
    @OptionGroup var outputOptions: OutputOptions

    func validate() throws {
        for (name, value) in [("--connect-timeout", connectTimeout), ("--timeout", timeout)]
            where !(value > 0 && value <= 3600) {
            throw ValidationError("\(name) must be between 0 and 3600 seconds.")
        }
        guard (1...64).contains(maxConnections) else { throw ValidationError("--max-connections must be 1 to 64.") }
    }

    func run() async throws {
        let language = outputOptions.language
        var resolver = dns.validating
        resolver.timeout = timeout
        if dns.resolver != nil && dns.trustAnchor == nil { resolver.useSystemRootKey = false }
        let request = DiscoveryRequest(
            address: address, resolver: resolver, caFile: caFile,
            timeouts: .init(connect: connectTimeout, read: timeout, greeting: timeout, overall: max(60, 6 * timeout)),
            httpTimeout: timeout, maximumConnections: maxConnections, guess: !noGuess)
        let report: DiscoveryReport
        do {
            report = try await AccountDiscovery().run(request)
        } catch {
            throw UserFacingFailure(message: AccountErrorText.discovery(error, language))
        }
        let format = outputOptions.json ? .json : self.format
        let exporting = format != .text && format != .json
        if exporting && report.recommendation.incoming == nil && report.recommendation.outgoing == nil {
            throw UserFacingFailure(message: SetupCommand.nothingToExport(language))
        }
        let text: String
        switch format {
        case .text:
            text = SetupTerminalReport(language: language, color: output == nil && outputOptions.useColor)
                .render(report)
        case .json:
            text = SetupJSONReport.render(report, toolVersion: MailTLSCommand.version) + "\n"
        case .thunderbird:
            text = ThunderbirdExport.configXML(for: report.recommendation)
        case .mobileconfig:
            switch MobileConfigExport.profile(for: report.recommendation) {
            case .success(let profile): text = profile
            case .failure:
                throw UserFacingFailure(message: SetupCommand.nothingToExport(language))
            }
        case .sheet:
            text = SettingsSheet.render(report.recommendation, language: language,
                                        generatedAt: ISO8601.format(report.startedAt))
        }
        if let output {
            do {
                try text.write(toFile: output, atomically: true, encoding: .utf8)
            } catch {
                throw UserFacingFailure(message: LocalizedText(
                    en: "Cannot write '{path}'. Choose a writable path for --output.",
                    ja: "「{path}」に書き込めません。--output には書き込み可能なパスを指定してください。")(
                        language, ["path": output]))
            }
        } else {
            print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
        }
        throw ExitCode(report.exitCode)
    }

    static func nothingToExport(_ language: Language) -> String {
        LocalizedText(
            en: "No verified settings to export for this address (see mailtls setup ADDRESS for why).",
            ja: "このアドレスには、書き出せる確認済みの設定がありません（理由は mailtls setup <メールアドレス> で確認できます）。")(language)
    }
}
