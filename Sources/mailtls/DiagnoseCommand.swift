import ArgumentParser
import Foundation
import MailTLSAccount
import MailTLSCore
import MailTLSReport

/// `mailtls diagnose`: replays the settings a user entered, step by step, and says what is wrong and what works.
struct DiagnoseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagnose",
        abstract: .en("Explain why mail settings fail: DNS, port, SSL/TLS or STARTTLS, certificate, login, test message.",
                ja: "メールの設定が動かない理由を、DNS、ポート、SSL/TLS と STARTTLS、証明書、ログイン、テストメールの順に調べて説明します。"),
        discussion: .en("""
            The password comes from --password-file, --password-env or a prompt, never from the command line. It is
            never printed, never sent before TLS unless --allow-plaintext-auth is given, and never sent over TLS whose
            certificate fails unless --insecure-send-password is given.
            Exit codes: 0 the settings work, 2 they do not (the cause and the fix are shown), 3 bad input.
            """, ja: """
            パスワードは --password-file、--password-env、または入力プロンプトで渡します。コマンドラインには書きません。
            mailtls はパスワードを表示しません。--allow-plaintext-auth がなければ TLS の前には送りません。
            --insecure-send-password がなければ、証明書の検証に失敗した TLS の上では送りません。
            終了コード: 0 設定は正しく動きます、2 動きません（原因と対処を表示します）、3 入力が正しくありません。
            """))

    @Option(help: .en("The server name as entered in the device or client.",
            ja: "機器やメールソフトに入力したサーバー名です。"))
    var host: String

    @Option(help: .en("The port as entered.",
            ja: "入力したポート番号です。"))
    var port: Int

    @Option(help: .en("The security setting: ssl (\"SSL/TLS\"), starttls or none.",
            ja: "暗号化方式です。ssl（「SSL/TLS」）、starttls、none のいずれかです。"))
    var security: String

    @Option(name: .customLong("protocol"), help: .en("smtp, imap or pop3 (default from the port).",
            ja: "smtp、imap、pop3 のいずれかです（既定ではポート番号から決めます）。"))
    var mailProtocol: String?

    @Option(help: .en("The user name; the password then comes from --password-file, --password-env or a prompt.",
            ja: "ユーザー名です。パスワードは --password-file、--password-env、または入力プロンプトで渡します。"))
    var user: String?

    @OptionGroup var secret: PasswordOptions

    @Option(help: .en("The e-mail address: compares the entered settings with what mailtls setup discovers.",
            ja: "メールアドレスです。入力した設定を mailtls setup が見つける設定と比べます。"))
    var address: String?

    @Flag(name: .customLong("send-test"), help: .en("After logging in (SMTP), send a test message to --address.",
            ja: "ログインの後（SMTP）、--address 宛てにテストメールを送ります。"))
    var sendTest = false

    @Option(name: .customLong("client-max-tls"), help: .en("Simulate an old device: the highest TLS version it offers (1.0, 1.1, 1.2, 1.3).",
            ja: "古い機器をまねます。機器が使える最も新しい TLS のバージョンを指定します（1.0、1.1、1.2、1.3）。"))
    var clientMaxTLS: String?

    @Flag(name: .customLong("allow-plaintext-auth"), help: .en("Send the password even without TLS (trusted networks only).",
            ja: "TLS なしでもパスワードを送ります（信頼できるネットワークでだけ使ってください）。"))
    var allowPlaintextAuth = false

    @Flag(name: .customLong("insecure-send-password"),
          help: .en("Send the password even when the server's certificate is not accepted (the report says it was sent).",
                  ja: "サーバーの証明書を受け入れられない場合でもパスワードを送ります（送ったことを報告に書きます）。"))
    var insecureSendPassword = false

    @Option(name: .customLong("ca-file"), help: .en("Extra trusted root certificates (PEM or DER), e.g. a private CA.",
            ja: "追加で信頼するルート証明書（PEM または DER）です。社内認証局の証明書などを指定します。"))
    var caFile: String?

    @Option(name: .customLong("connect-timeout"), help: .en("Seconds to wait for a TCP connection.",
            ja: "TCP 接続を待つ秒数です。"))
    var connectTimeout = 5.0

    @Option(help: .en("Seconds to wait for the greeting, each reply and the TLS handshake.",
            ja: "挨拶、各応答、TLS のハンドシェイクを待つ秒数です。"))
    var timeout = 10.0

    @Flag(help: .en("Show the conversation (credentials are hidden).",
            ja: "やり取りを表示します（認証情報は伏せます）。"))
    var transcript = false

    @OptionGroup var dns: DNSOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError.en("--port must be 1 to 65535.",
                ja: "--port には 1〜65535 を指定してください。") }
        guard SecurityMode(option: security) != nil else {
            throw ValidationError.en("--security takes ssl, starttls or none, not '\(security)'.",
                                     ja: "--security には ssl、starttls、none のいずれかを指定してください（指定された値「\(security)」）。")
        }
        if let mailProtocol, MailProtocol(rawValue: mailProtocol.lowercased()) == nil {
            throw ValidationError.en("--protocol takes smtp, imap or pop3, not '\(mailProtocol)'.",
                                     ja: "--protocol には smtp、imap、pop3 のいずれかを指定してください（指定された値「\(mailProtocol)」）。")
        }
        if mailProtocol == nil, DiagnoseCommand.protocolFor(port: port) == nil {
            throw ValidationError.en("Port \(port) is not a standard mail port: give --protocol smtp, imap or pop3.",
                                     ja: "ポート \(port) は標準のメール用ポートではありません。--protocol に smtp、imap、pop3 のいずれかを指定してください。")
        }
        if let clientMaxTLS, DiagnoseCommand.tlsVersion(clientMaxTLS) == nil {
            throw ValidationError.en("--client-max-tls takes 1.0, 1.1, 1.2 or 1.3, not '\(clientMaxTLS)'.",
                                     ja: "--client-max-tls には 1.0、1.1、1.2、1.3 のいずれかを指定してください（指定された値「\(clientMaxTLS)」）。")
        }
        if secret.passwordFile != nil && secret.passwordEnv != nil {
            throw ValidationError.en("Give the password one way: --password-file or --password-env.",
                    ja: "パスワードの渡し方は 1 つにしてください。--password-file か --password-env のどちらかです。")
        }
        if (secret.passwordFile != nil || secret.passwordEnv != nil) && user == nil {
            throw ValidationError.en("A password needs --user.",
                    ja: "パスワードを渡すときは --user も指定してください。")
        }
        if sendTest && address == nil { throw ValidationError.en("--send-test sends to --address: give it.",
                ja: "--send-test は --address 宛てに送ります。--address を指定してください。") }
        for (name, value) in [("--connect-timeout", connectTimeout), ("--timeout", timeout)]
            where !(value > 0 && value <= 3600) {
            throw ValidationError.en("\(name) must be between 0 and 3600 seconds.",
                                     ja: "\(name) には 0 より大きく 3600 以下の秒数を指定してください。")
        }
    }

    static func protocolFor(port: Int) -> MailProtocol? {
        switch port {
        case 25, 465, 587, 2525: .smtp
        case 143, 993: .imap
        case 110, 995: .pop3
        default: nil
        }
    }

    static func tlsVersion(_ text: String) -> TLSVersion? {
        switch text.lowercased().replacingOccurrences(of: "tlsv", with: "") {
        case "1.0", "1": .tls10
        case "1.1": .tls11
        case "1.2": .tls12
        case "1.3": .tls13
        default: nil
        }
    }

    func run() async throws {
        let language = output.language
        let password = try readPassword(language)
        let setting = SecurityMode(option: security)!
        let mailProtocol = self.mailProtocol.flatMap { MailProtocol(rawValue: $0.lowercased()) }
            ?? DiagnoseCommand.protocolFor(port: port)!
        var resolver = dns.validating
        resolver.timeout = timeout
        if dns.resolver != nil && dns.trustAnchor == nil { resolver.useSystemRootKey = false }
        let request = DiagnosisRequest(
            host: host.trimmingCharacters(in: .whitespaces), port: port, mailProtocol: mailProtocol,
            security: setting, user: user, password: password, allowPlaintextAuthentication: allowPlaintextAuth,
            sendPasswordDespiteCertificate: insecureSendPassword,
            address: address, testRecipient: sendTest ? address : nil,
            clientMaximumTLS: clientMaxTLS.flatMap(DiagnoseCommand.tlsVersion), resolver: resolver, caFile: caFile,
            timeouts: .init(connect: connectTimeout, read: timeout, greeting: timeout, overall: max(60, 8 * timeout)))
        let diagnosis: Diagnosis
        do {
            diagnosis = try await Diagnoser().run(request)
        } catch {
            throw UserFacingFailure(message: AccountErrorText.diagnosis(error, language))
        }
        if output.json {
            print(DiagnosisJSONReport.render(diagnosis, language: language, toolVersion: MailTLSCommand.version))
        } else {
            print(DiagnosisTerminalReport(language: language, color: output.useColor, showTranscript: transcript)
                .render(diagnosis), terminator: "")
        }
        throw ExitCode(diagnosis.exitCode)
    }

    /// From a file, an environment variable, or a prompt on the terminal (echo off); never from argv.
    func readPassword(_ language: Language) throws -> String? {
        guard user != nil else { return nil }
        return try SecretInput.read(file: secret.passwordFile, environment: secret.passwordEnv, language)
    }
}

/// Reads a password from the controlling terminal with echo off. Ctrl-C (or SIGTERM, SIGHUP, SIGQUIT) at the prompt
/// puts echo back before the process ends, so the shell is never left typing blind.
enum PasswordPrompt {
    /// What the signal handler restores: set only while the prompt is up.
    nonisolated(unsafe) static var savedTerminal = termios()
    nonisolated(unsafe) static var savedDescriptor: Int32 = -1

    static func read(prompt: String) -> String? {
        let descriptor = open("/dev/tty", O_RDWR | O_NOCTTY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var original = termios()
        guard tcgetattr(descriptor, &original) == 0 else { return nil }
        var silent = original
        silent.c_lflag &= ~tcflag_t(ECHO)
        savedTerminal = original
        savedDescriptor = descriptor
        let signals = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]
        var previous: [sigaction] = []
        for number in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                // Only async-signal-safe calls: restore the terminal, end the line, re-raise with the default action.
                if PasswordPrompt.savedDescriptor >= 0 {
                    tcsetattr(PasswordPrompt.savedDescriptor, TCSANOW, &PasswordPrompt.savedTerminal)
                    _ = write(PasswordPrompt.savedDescriptor, "\n", 1)
                }
                signal(number, SIG_DFL)
                raise(number)
            }
            sigemptyset(&action.sa_mask)
            var old = sigaction()
            sigaction(number, &action, &old)
            previous.append(old)
        }
        tcsetattr(descriptor, TCSAFLUSH, &silent)
        // The prompt only once echo is off: nothing typed after it is ever shown.
        _ = write(descriptor, prompt, prompt.utf8.count)
        defer {
            tcsetattr(descriptor, TCSAFLUSH, &original)
            _ = write(descriptor, "\n", 1)
            savedDescriptor = -1
            for (number, var old) in zip(signals, previous) { sigaction(number, &old, nil) }
        }
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while Glibc.read(descriptor, &byte, 1) == 1, byte != 0x0A, bytes.count < 4096 {
            bytes.append(byte)
        }
        if bytes.last == 0x0D { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }
}
