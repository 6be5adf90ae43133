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
        abstract: .en("Check every mail port of a server: modes, STARTTLS, TLS versions, certificates, findings.",
                ja: "メールサーバーのすべてのポートを一度に検査します。暗号化方式、STARTTLS、TLS のバージョン、証明書、問題点を表示します。"),
        discussion: .en("""
            Exit codes: 0 no warnings, 1 warnings, 2 critical findings, 3 could not check.
            Ports: 25, 465, 587, 2525 (SMTP), 143, 993 (IMAP), 110, 995 (POP3) unless --ports chooses.
            """, ja: """
            終了コード: 0 警告なし、1 警告あり、2 重大な問題あり、3 検査できませんでした。
            --ports を指定しないときのポート: 25、465、587、2525（SMTP）、143、993（IMAP）、110、995（POP3）。
            """))

    @Argument(help: .en("Host name or IP address of the mail server.",
            ja: "メールサーバーのサーバー名または IP アドレスです。"))
    var host: String

    @Option(help: .en("Comma-separated ports to check, e.g. 25,587,993 (PORT:PROTOCOL:MODE also works).",
            ja: "検査するポートをコンマ区切りで指定します（例: 25,587,993）。PORT:PROTOCOL:MODE の形も使えます。"))
    var ports: String?

    @Option(name: .customLong("port"), help: .en("An extra port with protocol and mode, e.g. 2465:smtp:tls. Repeatable.",
            ja: "追加のポートをプロトコルと暗号化方式付きで指定します（例: 2465:smtp:tls）。複数回指定できます。"))
    var extraPorts: [String] = []

    @Option(help: .en("The name the certificate must carry, also sent as SNI (default: HOST).",
            ja: "証明書に含まれているべきサーバー名です。SNI としても送ります（既定値: HOST）。"))
    var servername: String?

    @Option(name: .customLong("ca-file"), help: .en("Extra trusted root certificates (PEM or DER), e.g. a private CA.",
            ja: "追加で信頼するルート証明書（PEM または DER）です。社内認証局の証明書などを指定します。"))
    var caFile: String?

    @Option(name: .customLong("warn-days"), help: .en("Warn when the certificate has this many days or fewer left.",
            ja: "証明書の残り日数がこの日数以下になったら警告します。"))
    var warnDays = CertificateAssessment.defaultWarnDays

    @OptionGroup var timeouts: TimeoutOptions

    @Option(name: .customLong("max-connections"), help: .en("At most this many connections to the server at once.",
            ja: "サーバーへの同時接続数の上限です。"))
    var maxConnections = 8

    @Flag(name: .customLong("no-version-scan"), help: .en("Skip the per-version TLS handshakes (fewer connections).",
            ja: "TLS のバージョンごとのハンドシェイクを省きます（接続数が減ります）。"))
    var noVersionScan = false

    @Option(name: .customLong("login-probe"),
            help: .en("""
                How to learn whether a password could cross before TLS: cancel (start AUTH and cancel it before \
                any credential; no failed login in the server's log), failed-login (a throwaway login that fails \
                and is logged), or off.
                """, ja: """
                TLS の前にパスワードが送れてしまうかを調べる方法です。cancel は AUTH を始め、認証情報を送る前に\
                取り消します（サーバーのログに認証失敗が残りません）。failed-login は使い捨てのユーザー名で、\
                失敗するログインを試します（ログに残ります）。off は調べません。
                """, valueName: "cancel|failed-login|off"))
    var loginProbe: LoginProbeChoice = .cancel

    @Flag(name: .customLong("no-login-probe"), help: .en("The same as --login-probe off: no AUTH or MAIL FROM before TLS.",
            ja: "--login-probe off と同じです。TLS の前に AUTH も MAIL FROM も送りません。"))
    var noLoginProbe = false

    @Flag(help: .en("Show the conversation on every port (throwaway credentials are masked).",
            ja: "すべてのポートでのやり取りを表示します（使い捨ての認証情報は伏せます）。"))
    var transcript = false

    @Flag(help: .en("Also learn every TLS version and cipher suite each TLS port accepts, with raw ClientHellos (offer all, remove the chosen one): a few dozen connections per port, at most --deep-connections at once.",
            ja: "TLS を使う各ポートが受け付けるすべての TLS のバージョンと暗号スイートも調べます。ClientHello を直接送り、選ばれた暗号スイートを除いて送り直します。1 ポートあたり数十回の接続で、同時接続は --deep-connections までです。"))
    var deep = false

    @Option(name: .customLong("deep-connections"),
            help: .en("With --deep: at most this many connections at once (1 for servers that allow one connection per client; ports are scanned one after another).",
                      ja: "--deep での同時接続数の上限です（クライアントごとに 1 接続しか許さないサーバーには 1。ポートは一つずつ調べます）。"))
    var deepConnections = 2

    @Flag(help: .en("Print, per server, one configuration change that fixes every finding a setting fixes, in that software's terms, with the commands that check and reload it.",
            ja: "サーバーごとに、設定で直せるすべての問題点を直す設定変更を、そのソフトウェアの書き方で表示します。設定の確認と再読み込みのコマンドも表示します。"))
    var fix = false

    @Option(name: .customLong("server-software"),
            help: .en("The server's software when the conversation does not show it, or shows it wrongly: postfix, exim, sendmail, exchange, opensmtpd, haraka, hmailserver, dovecot, courier, cyrus, zimbra. Repeatable: an MTA applies to the SMTP ports, dovecot, courier and cyrus to the IMAP and POP3 ports.",
                ja: "やり取りから特定できない、または誤って特定されるときのサーバーのソフトウェアです: postfix、exim、sendmail、exchange、opensmtpd、haraka、hmailserver、dovecot、courier、cyrus、zimbra。複数回指定できます。SMTP のサーバーは SMTP のポートに、dovecot、courier、cyrus は IMAP と POP3 のポートに適用します。",
                valueName: "name"))
    var serverSoftware: [String] = []

    /// `--server-software` read: nil for a name mailtls does not know.
    static func software(named argument: String) -> ServerSoftware? {
        let name = argument.lowercased().replacingOccurrences(of: " ", with: "")
        switch name {
        case "microsoftexchange", "msexchange": return .exchange
        case "google", "gsmtp": return .gmail
        default: return ServerSoftware(rawValue: name)
        }
    }

    @OptionGroup var format: FormatOption
    @OptionGroup var dns: DNSOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if try format.chosen(json: output.json) == .html, fix {
            throw ValidationError.en("--fix prints text or JSON, not HTML.", ja: "--fix はテキストか JSON で出力します。HTML には対応していません。")
        }
        for name in serverSoftware where Self.software(named: name) == nil {
            let names = ServerSoftware.allCases.map(\.rawValue)
            throw ValidationError.en("--server-software: unknown software \(PeerText.quote(name)); use one of \(names.joined(separator: ", ")).",
                    ja: "--server-software: 「\(PeerText.escaped(name))」というソフトウェアは扱えません。\(names.joined(separator: "、")) のいずれかを指定してください。")
        }
        guard warnDays >= 0 else { throw ValidationError.en("--warn-days must be 0 or more.",
                ja: "--warn-days には 0 以上を指定してください。") }
        guard (1...8).contains(deepConnections) else { throw ValidationError.en("--deep-connections must be 1 to 8.",
                ja: "--deep-connections には 1〜8 を指定してください。") }
        guard (1...64).contains(maxConnections) else { throw ValidationError.en("--max-connections must be 1 to 64.",
                ja: "--max-connections には 1〜64 を指定してください。") }
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
        request.serverSoftware = serverSoftware.compactMap(Self.software(named:))
        request.deep = deep
        request.deepConnections = deepConnections
        let report: CheckReport
        do {
            report = try await ServerChecker().run(request)
        } catch {
            throw UserFacingFailure(message: UIText.inputError(error, language))
        }
        let form = try format.chosen(json: output.json)
        if fix {
            let plan = ServerFixPlan(report: report, language: language)
            let fixReport = ServerFixReport(language: language, color: output.useColor)
            if form == .json {
                print(fixReport.json(plan, report: report, toolVersion: MailTLSCommand.version))
            } else {
                print(fixReport.render(plan, report: report), terminator: "")
            }
        } else if form == .json {
            print(JSONReport.render(report, language: language, toolVersion: MailTLSCommand.version))
        } else if form == .html {
            print(CheckHTMLReport(language: language).render(report), terminator: "")
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


