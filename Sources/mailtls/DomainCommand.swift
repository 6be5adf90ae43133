import ArgumentParser
import Foundation
import MailTLSCheck
import MailTLSDomainCheck
import MailTLSEngine
import MailTLSReport

/// `mailtls domain DOMAIN`: server-to-server transport security of a mail domain.
struct DomainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "domain",
        abstract: "Check how mail to a domain is protected: STARTTLS on every MX, DANE, MTA-STS, TLS-RPT.",
        discussion: """
            Exit codes: 0 no warnings, 1 warnings, 2 critical findings, 3 could not check.
            Finding ids follow RFC 8460's result types (starttls-not-supported, certificate-host-mismatch, ...).
            """)

    @Argument(help: "The mail domain (the part after @), e.g. example.com.")
    var domain: String

    @Option(name: .customLong("ca-file"),
            help: "Extra trusted root certificates (PEM or DER) for the MTA-STS policy host and the MX certificates.")
    var caFile: String?

    @Option(name: .customLong("warn-days"), help: "Warn when an MX certificate has this many days or fewer left.")
    var warnDays = CertificateAssessment.defaultWarnDays

    @OptionGroup var timeouts: TimeoutOptions

    @Option(name: .customLong("max-connections"), help: "At most this many connections at once.")
    var maxConnections = 4

    @OptionGroup var dns: DNSOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard warnDays >= 0 else { throw ValidationError("--warn-days must be 0 or more.") }
        guard (1...64).contains(maxConnections) else { throw ValidationError("--max-connections must be 1 to 64.") }
    }

    func run() async throws {
        let language = output.language
        var resolver = dns.validating
        resolver.timeout = timeouts.timeout
        let request = DomainRequest(
            domain: domain, resolver: resolver, caFile: caFile, timeouts: timeouts.engineTimeouts,
            httpTimeout: timeouts.timeout, warnDays: warnDays, maximumConnections: maxConnections)
        let report: DomainReport
        do {
            report = try await DomainChecker().run(request)
        } catch {
            throw UserFacingFailure(message: DomainText.inputError(error, language))
        }
        if output.json {
            print(DomainJSONReport.render(report, language: language, toolVersion: MailTLSCommand.version))
        } else {
            print(DomainTerminalReport(language: language, color: output.useColor).render(report), terminator: "")
        }
        throw ExitCode(report.exitCode)
    }
}
