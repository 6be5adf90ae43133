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
        abstract: .en("Find the right settings for an e-mail address, verify each by connecting, and export them.",
                ja: "メールアドレスに合う設定を見つけ、それぞれ実際に接続して確かめ、書き出します。"),
        discussion: .en("""
            Sources, best first: the provider's autoconfig file, the domain's .well-known autoconfig, RFC 6186 SRV
            records, the MX host's domain, then guessed host names. Every setting is tried before it is recommended.
            Formats: text (default), json, thunderbird (config-v1.1.xml), mobileconfig (Apple profile), sheet (HTML).
            Exit codes: 0 incoming and outgoing found, 1 only one of them, 2 none, 3 bad input.
            """, ja: """
            調べる順（信頼できる順）: プロバイダーの autoconfig ファイル、ドメインの Web サイトの /.well-known/autoconfig、
            RFC 6186 の SRV レコード、MX サーバーのドメイン、最後に推測したサーバー名です。
            どの設定も、実際に接続して試してから勧めます。
            形式: text（既定）、json、thunderbird（config-v1.1.xml）、mobileconfig（Apple のプロファイル）、sheet（HTML）。
            終了コード: 0 受信と送信の両方が見つかりました、1 片方だけ、2 どちらもなし、3 入力が正しくありません。
            """))

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, thunderbird, mobileconfig, sheet
    }

    @Argument(help: .en("The e-mail address, e.g. user@example.com.",
            ja: "メールアドレスです（例: user@example.com）。"))
    var address: String

    @Option(help: .en("Output format: text, json, thunderbird, mobileconfig or sheet.",
            ja: "出力の形式です。text、json、thunderbird、mobileconfig、sheet のいずれかです。"))
    var format: Format = .text

    @Option(help: .en("Write the output to this file instead of standard output.",
            ja: "標準出力の代わりにこのファイルへ書き出します。"))
    var output: String?

    @Option(name: .customLong("ca-file"), help: .en("Extra trusted root certificates (PEM or DER), e.g. a private CA.",
            ja: "追加で信頼するルート証明書（PEM または DER）です。社内認証局の証明書などを指定します。"))
    var caFile: String?

    @Flag(name: .customLong("no-guess"), help: .en("Do not guess host names when nothing published works.",
            ja: "公開された設定がどれも使えないときに、サーバー名を推測しません。"))
    var noGuess = false

    @Option(name: .customLong("connect-timeout"), help: .en("Seconds to wait for a TCP connection.",
            ja: "TCP 接続を待つ秒数です。"))
    var connectTimeout = 5.0

    @Option(help: .en("Seconds to wait for each reply, the TLS handshake and each web request.",
            ja: "各応答、TLS のハンドシェイク、各 Web のリクエストを待つ秒数です。"))
    var timeout = 10.0

    @Option(name: .customLong("max-connections"), help: .en("At most this many connections at once.",
            ja: "同時接続数の上限です。"))
    var maxConnections = 6

    @OptionGroup var dns: DNSOptions
    @OptionGroup var outputOptions: OutputOptions

    func validate() throws {
        for (name, value) in [("--connect-timeout", connectTimeout), ("--timeout", timeout)]
            where !(value > 0 && value <= 3600) {
            throw ValidationError.en("\(name) must be between 0 and 3600 seconds.",
                                     ja: "\(name) には 0 より大きく 3600 以下の秒数を指定してください。")
        }
        guard (1...64).contains(maxConnections) else { throw ValidationError.en("--max-connections must be 1 to 64.",
                ja: "--max-connections には 1〜64 を指定してください。") }
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
