import ArgumentParser
import Foundation
import MailTLSAccount
import MailTLSCore
import MailTLSDNS
import MailTLSReport
import MailTLSSetup

/// `mailtls roundtrip ADDRESS`: send a message with a unique token and read it back; every hop's encryption.
struct RoundtripCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roundtrip",
        abstract: .en("Send a test message and read it back: delivery time, and whether every hop was encrypted.",
                      ja: "テストメールを送って受信し、届くまでの時間と、すべての中継で暗号化されていたかを確かめます。"),
        discussion: .en("""
            Settings: --outgoing HOST:PORT[:ssl|starttls] and --incoming HOST:PORT[:ssl|starttls][:imap|pop3], or
            what mailtls setup finds for the address. The password comes from --password-file, --password-env or a
            prompt, and is sent only over TLS whose certificate was accepted. The message is found by its token,
            then deleted (--keep keeps it).
            Exit codes: 0 sent, found, every hop encrypted; 1 a hop without TLS; 2 not sent or not found; 3 bad input.
            """, ja: """
            設定: --outgoing HOST:PORT[:ssl|starttls] と --incoming HOST:PORT[:ssl|starttls][:imap|pop3]、
            または mailtls setup がこのアドレスについて見つける設定を使います。パスワードは --password-file、
            --password-env、または入力プロンプトで渡し、証明書を検証できた TLS の上でだけ送ります。
            テストメールはトークンで見つけ、見つけた後は削除します（--keep で残せます）。
            終了コード: 0 送受信できてすべての中継が暗号化、1 暗号化されていない中継あり、2 送信または受信の失敗、3 入力が正しくありません。
            """))

    @Argument(help: .en("The account's e-mail address: the sender, and the recipient unless --to says otherwise.",
                        ja: "アカウントのメールアドレスです。差出人になり、--to がなければ宛先にもなります。"))
    var address: String

    @Option(help: .en("Send to this address instead (read it with --read-as).",
                      ja: "この宛先へ送ります（受信は --read-as のアカウントで確かめます）。"))
    var to: String?

    @Option(help: .en("Outgoing server: HOST:PORT[:ssl|starttls] (default: what mailtls setup finds).",
                      ja: "送信サーバーです。HOST:PORT[:ssl|starttls] の形で指定します（既定では mailtls setup が見つける設定）。"))
    var outgoing: String?

    @Option(help: .en("Incoming server: HOST:PORT[:ssl|starttls][:imap|pop3] (default: what mailtls setup finds).",
                      ja: "受信サーバーです。HOST:PORT[:ssl|starttls][:imap|pop3] の形で指定します（既定では mailtls setup が見つける設定）。"))
    var incoming: String?

    @Option(help: .en("The login for sending (default: the address).",
                      ja: "送信に使うユーザー名です（既定ではメールアドレス）。"))
    var user: String?

    @OptionGroup var secret: PasswordOptions

    @Option(name: .customLong("read-as"), help: .en("Read the mailbox as this user (with --to; default: --user).",
                                                    ja: "このユーザーでメールボックスを読みます（--to と一緒に使います。既定では --user）。"))
    var readAs: String?

    @Option(name: .customLong("read-password-file"),
            help: .en("The password of --read-as, from a file's first line.",
                      ja: "--read-as のパスワードです。ファイルの 1 行目から読みます。"))
    var readPasswordFile: String?

    @Option(name: .customLong("read-password-env"),
            help: .en("The password of --read-as, from this environment variable.",
                      ja: "--read-as のパスワードです。この環境変数から読みます。"))
    var readPasswordEnv: String?

    @Option(help: .en("The name the certificates must carry, also sent as SNI (default: each host).",
                      ja: "証明書に含まれているべきサーバー名です。SNI としても送ります（既定ではそれぞれのサーバー名）。"))
    var servername: String?

    @Option(name: .customLong("ca-file"), help: .en("Extra trusted root certificates (PEM or DER), e.g. a private CA.",
                                                    ja: "追加で信頼するルート証明書（PEM または DER）です。社内認証局の証明書などを指定します。"))
    var caFile: String?

    @Option(help: .en("Seconds to wait for the message to arrive.", ja: "メールの到着を待つ秒数です。"))
    var wait = 120.0

    @Flag(help: .en("Keep the test message instead of deleting it.", ja: "テストメールを削除せずに残します。"))
    var keep = false

    @Option(name: .customLong("connect-timeout"), help: .en("Seconds to wait for a TCP connection.",
                                                            ja: "TCP 接続を待つ秒数です。"))
    var connectTimeout = 5.0

    @Option(help: .en("Seconds to wait for each reply and the TLS handshake.",
                      ja: "各応答と TLS のハンドシェイクを待つ秒数です。"))
    var timeout = 10.0

    @Flag(help: .en("Show the conversations (credentials are hidden).", ja: "やり取りを表示します（認証情報は伏せます）。"))
    var transcript = false

    @OptionGroup var dns: DNSOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard address.contains("@") else {
            throw ValidationError.en("The address must look like user@example.com.",
                                     ja: "メールアドレスは user@example.com の形で指定してください。")
        }
        if let outgoing, RoundtripCommand.endpoint(outgoing, kind: .smtp) == nil {
            throw ValidationError.en("--outgoing takes HOST:PORT[:ssl|starttls], e.g. smtp.example.com:587:starttls.",
                                     ja: "--outgoing には HOST:PORT[:ssl|starttls] の形で指定してください（例: smtp.example.com:587:starttls）。")
        }
        if let incoming, RoundtripCommand.endpoint(incoming, kind: .imap) == nil {
            throw ValidationError.en("--incoming takes HOST:PORT[:ssl|starttls][:imap|pop3], e.g. imap.example.com:993.",
                                     ja: "--incoming には HOST:PORT[:ssl|starttls][:imap|pop3] の形で指定してください（例: imap.example.com:993）。")
        }
        guard wait > 0, wait <= 3600 else {
            throw ValidationError.en("--wait must be between 0 and 3600 seconds.",
                                     ja: "--wait には 0 より大きく 3600 以下の秒数を指定してください。")
        }
        if secret.passwordFile != nil && secret.passwordEnv != nil {
            throw ValidationError.en("Give the password one way: --password-file or --password-env.",
                                     ja: "パスワードの渡し方は 1 つにしてください。--password-file か --password-env のどちらかです。")
        }
        for (name, value) in [("--connect-timeout", connectTimeout), ("--timeout", timeout)]
            where !(value > 0 && value <= 3600) {
            throw ValidationError.en("\(name) must be between 0 and 3600 seconds.",
                                     ja: "\(name) には 0 より大きく 3600 以下の秒数を指定してください。")
        }
    }

    /// `HOST:PORT[:ssl|starttls][:imap|pop3]`; the security from the port when not given (465, 993, 995: ssl).
    static func endpoint(_ text: String, kind: MailProtocol) -> RoundtripEndpoint? {
        var parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        // An IPv6 address in brackets: [::1]:993.
        var host: String
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = String(text[text.index(after: text.startIndex)..<close])
            parts = text[text.index(after: close)...].split(separator: ":", omittingEmptySubsequences: false)
                .dropFirst().map(String.init)
        } else {
            host = parts.removeFirst()
        }
        host = host.trimmingCharacters(in: .whitespaces)
        guard !host.isEmpty, let portText = parts.first, let port = Int(portText), (1...65535).contains(port) else {
            return nil
        }
        var security: SecurityMode = [465, 993, 995].contains(port) ? .implicitTLS : .startTLS
        var mailProtocol: MailProtocol = kind == .smtp ? .smtp : ([110, 995].contains(port) ? .pop3 : .imap)
        for part in parts.dropFirst() {
            switch part.lowercased() {
            case "ssl", "tls": security = .implicitTLS
            case "starttls": security = .startTLS
            case "imap" where kind != .smtp: mailProtocol = .imap
            case "pop3" where kind != .smtp: mailProtocol = .pop3
            default: return nil
            }
        }
        return RoundtripEndpoint(host: host, port: port, security: security, mailProtocol: mailProtocol)
    }

    func run() async throws {
        let language = output.language
        let password = try SecretInput.read(file: secret.passwordFile, environment: secret.passwordEnv, language)
        var readPassword: String?
        if readAs != nil {
            readPassword = try SecretInput.read(file: readPasswordFile, environment: readPasswordEnv, language)
        }
        var resolver = dns.validating
        resolver.timeout = timeout
        if dns.resolver != nil && dns.trustAnchor == nil { resolver.useSystemRootKey = false }
        var outgoingEndpoint = outgoing.flatMap { RoundtripCommand.endpoint($0, kind: .smtp) }
        var incomingEndpoint = incoming.flatMap { RoundtripCommand.endpoint($0, kind: .imap) }
        if outgoingEndpoint == nil || incomingEndpoint == nil {
            let discovered = try await discover(resolver: resolver, language)
            outgoingEndpoint = outgoingEndpoint ?? discovered.outgoing
            incomingEndpoint = incomingEndpoint ?? discovered.incoming
        }
        guard let outgoingEndpoint, let incomingEndpoint else {
            throw UserFacingFailure(message: language == .ja
                ? "「\(address)」の送信サーバーと受信サーバーが見つかりません。--outgoing と --incoming で指定してください。"
                : "No outgoing and incoming servers found for \(address): give --outgoing and --incoming.")
        }
        let request = RoundtripRequest(
            address: address, recipient: to, outgoing: outgoingEndpoint, incoming: incomingEndpoint,
            user: user ?? address, password: password, readUser: readAs ?? user ?? address,
            readPassword: readPassword ?? password, serverName: servername, caFile: caFile,
            resolver: dns.resolver == nil ? nil : resolver, wait: wait,
            timeouts: .init(connect: connectTimeout, read: timeout, greeting: timeout, overall: max(60, 8 * timeout)),
            keep: keep)
        let result: RoundtripResult
        do {
            result = try await Roundtripper().run(request)
        } catch {
            throw UserFacingFailure(message: UIText.inputError(error, language))
        }
        if output.json {
            print(RoundtripJSONReport.render(result, language: language, toolVersion: MailTLSCommand.version))
        } else {
            print(RoundtripTerminalReport(language: language, color: output.useColor, showTranscript: transcript)
                .render(result), terminator: "")
        }
        throw ExitCode(result.exitCode)
    }

    /// What `setup` recommends for the address, verified by connecting.
    func discover(resolver: DNSResolver.Configuration, _ language: Language) async throws
        -> (outgoing: RoundtripEndpoint?, incoming: RoundtripEndpoint?) {
        let request = DiscoveryRequest(
            address: address, resolver: resolver, caFile: caFile,
            timeouts: .init(connect: connectTimeout, read: timeout, greeting: timeout, overall: max(60, 6 * timeout)),
            httpTimeout: timeout, maximumConnections: 8, guess: true)
        let report: DiscoveryReport
        do {
            report = try await AccountDiscovery().run(request)
        } catch {
            throw UserFacingFailure(message: AccountErrorText.discovery(error, language))
        }
        func endpoint(_ setting: ServerSetting?) -> RoundtripEndpoint? {
            guard let setting, setting.socketType != .plaintext else { return nil }
            return RoundtripEndpoint(host: setting.hostname, port: setting.port, security: setting.socketType,
                                     mailProtocol: setting.kind)
        }
        return (endpoint(report.recommendation.outgoing), endpoint(report.recommendation.incoming))
    }
}

/// `--password-file` and `--password-env`: where a command that logs in takes the password from (never argv).
struct PasswordOptions: ParsableArguments {
    @Option(name: .customLong("password-file"), help: .en("A file whose first line is the password.",
                                                          ja: "1 行目がパスワードのファイルです。"))
    var passwordFile: String?

    @Option(name: .customLong("password-env"), help: .en("The name of an environment variable holding the password.",
                                                         ja: "パスワードを入れた環境変数の名前です。"))
    var passwordEnv: String?
}

/// A password from a file's first line, an environment variable, or a prompt on the terminal (echo off); never from
/// argv. The same for every command that logs in.
enum SecretInput {
    static func read(file: String?, environment: String?, _ language: Language) throws -> String {
        if let file {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw UserFacingFailure(message: AccountErrorText.unreadablePasswordFile(file, language))
            }
            return String(text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
                .trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
        }
        if let environment {
            guard let value = ProcessInfo.processInfo.environment[environment], !value.isEmpty else {
                throw UserFacingFailure(message: AccountErrorText.missingPasswordVariable(environment, language))
            }
            return value
        }
        guard let value = PasswordPrompt.read(prompt: AccountErrorText.passwordPrompt(language)) else {
            throw UserFacingFailure(message: AccountErrorText.noTerminalForPassword(language))
        }
        return value
    }
}
