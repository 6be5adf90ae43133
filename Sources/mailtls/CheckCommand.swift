import ArgumentParser
import Foundation
import MailTLSCheck
import MailTLSCore
import MailTLSEngine
import MailTLSReport

/// `mailtls check HOST`: every mail port of a server at once.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check every mail port of a server: modes, STARTTLS, TLS versions, certificates, findings.",
        discussion: """
            Exit codes: 0 no warnings, 1 warnings, 2 critical findings, 3 could not check.
            Ports: 25, 465, 587, 2525 (SMTP), 143, 993 (IMAP), 110, 995 (POP3) unless --ports chooses.
            """)

    @Argument(help: "Host name or IP address of the mail server.")
    var host: String

    @Option(help: "Comma-separated ports to check, e.g. 25,587,993 (PORT:PROTOCOL:MODE also works).")
    var ports: String?

    @Option(name: .customLong("port"), help: "An extra port with protocol and mode, e.g. 2465:smtp:tls. Repeatable.")
    var extraPorts: [String] = []

    @Option(help: "The name the certificate must carry, also sent as SNI (default: HOST).")
    var servername: String?

    @Option(name: .customLong("ca-file"), help: "Extra trusted root certificates (PEM or DER), e.g. a private CA.")
    var caFile: String?

    @Option(name: .customLong("warn-days"), help: "Warn when the certificate has this many days or fewer left.")
    var warnDays = CertificateAssessment.defaultWarnDays

    @OptionGroup var timeouts: TimeoutOptions

    @Option(name: .customLong("max-connections"), help: "At most this many connections to the server at once.")
    var maxConnections = 8

    @Flag(name: .customLong("no-version-scan"), help: "Skip the per-version TLS handshakes (fewer connections).")
    var noVersionScan = false

    @Option(name: .customLong("login-probe"),
            help: ArgumentHelp("""
                How to learn whether a password could cross before TLS: cancel (start AUTH and cancel it before \
                any credential; no failed login in the server's log), failed-login (a throwaway login that fails \
                and is logged), or off.
                """, valueName: "cancel|failed-login|off"))
    var loginProbe: LoginProbeChoice = .cancel

    @Flag(name: .customLong("no-login-probe"), help: "The same as --login-probe off: no AUTH or MAIL FROM before TLS.")
    var noLoginProbe = false

    @Flag(help: "Show the conversation on every port (throwaway credentials are masked).")
    var transcript = false

    @OptionGroup var dns: DNSOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard warnDays >= 0 else { throw ValidationError("--warn-days must be 0 or more.") }
        guard (1...64).contains(maxConnections) else { throw ValidationError("--max-connections must be 1 to 64.") }
    }

    func run() async throws {
        let language = output.language
        let specs = try portSpecs(language: language)
        var request = CheckRequest(host: host, serverName: servername, ports: specs, caFile: caFile,
                                   warnDays: warnDays,
                                   timeouts: timeouts.engineTimeouts,
                                   maximumConnections: maxConnections, resolver: dns.addressLookup)
        request.prober.scanVersions = !noVersionScan
        request.prober.loginProbe = noLoginProbe ? nil : loginProbe.method
        let report: CheckReport
        do {
            report = try await ServerChecker().run(request)
        } catch {
            throw UserFacingFailure(message: UIText.inputError(error, language))
        }
        if output.json {
            print(JSONReport.render(report, language: language, toolVersion: MailTLSCommand.version))
        } else {
            print(TerminalReport(language: language, color: output.useColor, showTranscripts: transcript)
                .render(report), terminator: "")
        }
        throw ExitCode(report.exitCode)
    }

    enum LoginProbeChoice: String, ExpressibleByArgument, CaseIterable {
        case cancel
        case failedLogin = "failed-login"
        case off

        var method: LoginProbeMethod? {
            switch self {
            case .cancel: .cancel
            case .failedLogin: .failedLogin
            case .off: nil
            }
        }
    }

    func portSpecs(language: Language) throws -> [PortSpec] {
        var specs: [PortSpec] = []
        do {
            if let ports {
                for item in ports.split(separator: ",") where !item.trimmingCharacters(in: .whitespaces).isEmpty {
                    specs.append(try PortSpec.parse(item.trimmingCharacters(in: .whitespaces)))
                }
                if specs.isEmpty { throw PortSpec.ParseError.malformed(ports) }
            }
            for item in extraPorts {
                specs.append(try PortSpec.parse(item))
            }
        } catch let error as PortSpec.ParseError {
            throw UserFacingFailure(message: UIText.portSpecError(error, language))
        }
        if ports == nil { specs = PortSpec.wellKnown + specs }
        var seen = Set<Int>()
        return specs.filter { seen.insert($0.port).inserted }
    }
}
