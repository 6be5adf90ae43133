import Foundation
import MailTLSReport
import MailTLSSandbox

/// Sandbox sentences for the terminal and errors, in both languages.
enum SandboxMessages {
    static func error(_ error: SandboxError, _ language: Language) -> String {
        let ja = language == .ja
        switch error {
        case .portInUse(let address, let port):
            return ja ? "ポート \(port)（\(address)）は既に使われています。--ports で別のポートを選ぶか、--port-offset を指定するか、そのポートを使っているサービスを停止してください。"
                : "Port \(port) on \(address) is already in use. Choose others with --ports or --port-offset, or stop the service using it."
        case .permissionDenied(let address, let port):
            return ja ? "ポート \(port)（\(address)）を開く権限がありません。1024 未満のポートには root 権限が必要です。--port-offset 20000 を使ってください。"
                : "No permission to open port \(port) on \(address): ports below 1024 need root. Use --port-offset 20000."
        case .addressUnavailable(let address):
            return ja ? "アドレス \(address) で待ち受けできません。この PC の IP アドレスを --listen で指定してください。"
                : "Cannot listen on \(address). Give an address of this machine with --listen."
        case .certificate(let detail):
            return ja ? "証明書を読み込めません（\(detail)）。--cert と --key に PEM 形式のファイルを指定してください。"
                : "Cannot use the certificate (\(detail)). Give PEM files with --cert and --key."
        case .stateDirectory(let detail):
            return ja ? "状態ディレクトリを使えません（\(detail)）。--state-dir に書き込み可能なディレクトリを指定してください。"
                : "Cannot use the state directory (\(detail)). Give a writable directory with --state-dir."
        }
    }

    static func badPort(_ text: String, _ language: Language) -> String {
        language == .ja
            ? "ポート指定「\(text)」が正しくありません。標準のポート（25、587、465、143、993、110、995）か、2587:smtp:starttls:tls=1.2-1.3,cert=expired のような形式で指定してください。"
            : "Bad port '\(text)'. Use a standard port (25, 587, 465, 143, 993, 110, 995) or PORT:PROTOCOL:MODE[:OPTIONS] such as 2587:smtp:starttls:tls=1.2-1.3,cert=expired."
    }

    static func unreadable(_ path: String, _ language: Language) -> String {
        language == .ja ? "ファイル「\(path)」を読めません。パスと権限を確認してください。"
            : "Cannot read '\(path)'. Check the path and its permissions."
    }

    static func banner(server: SandboxServer, configuration: SandboxConfiguration, user: String, passwordFile: String,
                       language: Language) -> String {
        let ja = language == .ja
        var lines: [String] = []
        lines.append(ja ? "mailtls sandbox: \(configuration.listenAddress) で待ち受け中（メールは保存するだけで、どこにも転送しません）"
            : "mailtls sandbox listening on \(configuration.listenAddress) (mail is captured, never relayed)")
        for port in server.ports {
            let mode = port.mode == .implicitTLS ? "SSL/TLS" : (port.advertiseSTARTTLS ? "STARTTLS" : (ja ? "STARTTLS なし" : "no STARTTLS"))
            lines.append("  \(String(port.port).padding(toLength: 6, withPad: " ", startingAt: 0))"
                + "\(port.mailProtocol.displayName.padding(toLength: 6, withPad: " ", startingAt: 0))"
                + "\(mode.padding(toLength: 14, withPad: " ", startingAt: 0))\(port.versionRange)"
                + (port.portTest == "standard" ? "" : (ja ? "  テスト: " : "  test: ") + port.portTest))
        }
        lines.append((ja ? "テスト用の認証局（機器にインポートします）: " : "Test CA to import into devices: ")
            + "\(server.authority.caPEMPath), \(server.authority.caDERPath)")
        lines.append((ja ? "アカウント: " : "Account: ") + user
            + (ja ? "（パスワードは \(passwordFile) にあります）" : " (password in \(passwordFile))"))
        lines.append(ja ? "接続ごとに 1 行表示します。終了は Ctrl-C です。機器ごとの集計は mailtls sandbox report で確認できます。"
            : "One line per connection follows. Stop with Ctrl-C; summary with mailtls sandbox report.")
        return lines.joined(separator: "\n")
    }
}
