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
        abstract: .en("Check how mail to a domain is protected: STARTTLS on every MX, DANE, MTA-STS, TLS-RPT.",
                ja: "ドメイン宛てのメールがどう守られているかを検査します。すべての MX の STARTTLS、DANE、MTA-STS、TLS-RPT を調べます。"),
        discussion: .en("""
            Exit codes: 0 no warnings, 1 warnings, 2 critical findings, 3 could not check.
            Finding ids follow RFC 8460's result types (starttls-not-supported, certificate-host-mismatch, ...).
            """, ja: """
            終了コード: 0 警告なし、1 警告あり、2 重大な問題あり、3 検査できませんでした。
            問題点の ID は RFC 8460 の結果の種類に合わせています（starttls-not-supported、certificate-host-mismatch など）。
            """))

    @Argument(help: .en("The mail domain (the part after @), e.g. example.com.",
            ja: "メールのドメイン（@ の後ろの部分）です（例: example.com）。"))
    var domain: String

    @Option(name: .customLong("ca-file"),
            help: .en("Extra trusted root certificates (PEM or DER) for the MTA-STS policy host and the MX certificates.",
                    ja: "MTA-STS のポリシーを置くサーバーと MX の証明書の検証で、追加で信頼するルート証明書（PEM または DER）です。"))
    var caFile: String?

    @Option(name: .customLong("warn-days"), help: .en("Warn when an MX certificate has this many days or fewer left.",
            ja: "MX の証明書の残り日数がこの日数以下になったら警告します。"))
    var warnDays = CertificateAssessment.defaultWarnDays

    @OptionGroup var timeouts: TimeoutOptions

    @Option(name: .customLong("max-connections"), help: .en("At most this many connections at once.",
            ja: "同時接続数の上限です。"))
    var maxConnections = 4

    @OptionGroup var format: FormatOption
    @OptionGroup var dns: DNSOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        _ = try format.chosen(json: output.json)
        guard warnDays >= 0 else { throw ValidationError.en("--warn-days must be 0 or more.",
                ja: "--warn-days には 0 以上を指定してください。") }
        guard (1...64).contains(maxConnections) else { throw ValidationError.en("--max-connections must be 1 to 64.",
                ja: "--max-connections には 1〜64 を指定してください。") }
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
        switch try format.chosen(json: output.json) {
        case .json:
            print(DomainJSONReport.render(report, language: language, toolVersion: MailTLSCommand.version))
        case .html:
            print(DomainHTMLReport(language: language).render(report), terminator: "")
        case .text:
            print(DomainTerminalReport(language: language, color: output.useColor).render(report), terminator: "")
        }
        throw ExitCode(report.exitCode)
    }
}
