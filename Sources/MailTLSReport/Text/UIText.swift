import MailTLSCheck
import MailTLSCore
import MailTLSDNS

/// Labels and sentences of the reports, in both languages.
public enum UIText {
    public static let port = LocalizedText(en: "PORT", ja: "ポート")
    public static let proto = LocalizedText(en: "PROTOCOL", ja: "プロトコル")
    public static let state = LocalizedText(en: "STATE", ja: "状態")
    public static let security = LocalizedText(en: "SECURITY", ja: "暗号化方式")
    public static let tls = LocalizedText(en: "TLS", ja: "TLS")
    public static let versions = LocalizedText(en: "VERSIONS", ja: "対応バージョン")
    public static let cipher = LocalizedText(en: "CIPHER", ja: "暗号スイート")
    public static let certificate = LocalizedText(en: "CERTIFICATE", ja: "証明書")
    public static let daysLeft = LocalizedText(en: "DAYS", ja: "残り日数")
    public static let header = LocalizedText(
        en: "mailtls check {host} ({address}), certificate name {name}, {seconds} s",
        ja: "mailtls check {host}（{address}）、証明書の名前 {name}、{seconds} 秒")
    public static let findingsHeader = LocalizedText(
        en: "Findings: {critical} critical, {warning} warnings, {info} notes",
        ja: "診断結果: 重大 {critical} 件、警告 {warning} 件、情報 {info} 件")
    public static let noFindings = LocalizedText(
        en: "No problems found.", ja: "問題は見つかりませんでした。")
    public static let evidence = LocalizedText(en: "Evidence", ja: "根拠")
    public static let fix = LocalizedText(en: "Fix", ja: "対処")
    public static let certificateDetails = LocalizedText(en: "Certificate on ports {ports}", ja: "ポート {ports} の証明書")
    public static let subject = LocalizedText(en: "subject", ja: "サブジェクト")
    public static let names = LocalizedText(en: "names", ja: "名前")
    public static let issuer = LocalizedText(en: "issuer", ja: "発行者")
    public static let validUntil = LocalizedText(en: "valid until", ja: "有効期限")
    public static let key = LocalizedText(en: "key", ja: "鍵")
    public static let chain = LocalizedText(en: "chain", ja: "証明書チェーン")
    public static let capabilities = LocalizedText(en: "Capabilities and AUTH", ja: "機能と認証方式")
    public static let beforeTLS = LocalizedText(en: "before TLS", ja: "TLS 前")
    public static let afterTLS = LocalizedText(en: "after TLS", ja: "TLS 後")
    public static let none = LocalizedText(en: "none", ja: "なし")
    public static let exitLine = LocalizedText(en: "Exit code {code}", ja: "終了コード {code}")

    /// How the report learned whether a password could cross before TLS.
    public static func loginProbeMethod(_ method: LoginProbeMethod, _ language: Language) -> String {
        switch method {
        case .cancel:
            LocalizedText(
                en: "Password before TLS: learned by starting AUTH and cancelling it before any credential "
                    + "(no failed login in the server's log)",
                ja: "TLS 前のパスワード: 認証を開始し、認証情報を送る前に取り消して確認しました"
                    + "（サーバーのログに認証失敗は残りません）")(language)
        case .failedLogin:
            LocalizedText(
                en: "Password before TLS: learned with a throwaway login that failed (--login-probe failed-login; "
                    + "the server logged a failed login)",
                ja: "TLS 前のパスワード: 使い捨てのユーザー名とパスワードで、わざとログインに失敗して確認しました"
                    + "（--login-probe failed-login。サーバーのログに認証失敗が残ります）")(language)
        }
    }

    public static func severity(_ severity: Severity, _ language: Language) -> String {
        switch severity {
        case .critical: LocalizedText(en: "CRITICAL", ja: "重大")(language)
        case .warning: LocalizedText(en: "WARNING", ja: "警告")(language)
        case .info: LocalizedText(en: "INFO", ja: "情報")(language)
        }
    }

    public static func state(_ state: PortState, _ language: Language) -> String {
        switch state {
        case .open: LocalizedText(en: "open", ja: "開")(language)
        case .closed: LocalizedText(en: "closed", ja: "閉")(language)
        case .filtered: LocalizedText(en: "filtered", ja: "遮断")(language)
        case .error: LocalizedText(en: "error", ja: "エラー")(language)
        }
    }

    public static func security(_ port: PortObservation, _ language: Language) -> String {
        var text = security(port.security, language)
        if port.wrongMode != nil { text += LocalizedText(en: " (wrong mode)", ja: "（方式違い）")(language) }
        return text
    }

    public static func security(_ security: ObservedSecurity, _ language: Language) -> String {
        switch security {
        case .implicitTLS: LocalizedText(en: "SSL/TLS", ja: "SSL/TLS")(language)
        case .startTLSRequired: LocalizedText(en: "STARTTLS required", ja: "STARTTLS 必須")(language)
        case .startTLSOffered: LocalizedText(en: "STARTTLS optional", ja: "STARTTLS 任意")(language)
        case .plaintext: LocalizedText(en: "plaintext", ja: "暗号化なし")(language)
        case .unknown: "-"
        }
    }

    public static func certificateStatus(_ report: CertificateReport?, _ language: Language) -> String {
        guard let report else { return "-" }
        if report.isExpired { return LocalizedText(en: "expired", ja: "期限切れ")(language) }
        if !report.weakKeys.isEmpty { return LocalizedText(en: "weak key", ja: "鍵が弱い")(language) }
        if !report.weakSignatures.isEmpty { return LocalizedText(en: "weak signature", ja: "署名が弱い")(language) }
        switch report.trustFailure {
        case .selfSigned?: return LocalizedText(en: "self-signed", ja: "自己署名")(language)
        case .incompleteChain?: return LocalizedText(en: "chain incomplete", ja: "中間証明書なし")(language)
        case .unknownRoot?, .invalid?: return LocalizedText(en: "untrusted", ja: "信頼されていない")(language)
        case .issuerOutsideValidity?:
            return LocalizedText(en: "issuer expired", ja: "発行者が期限切れ")(language)
        case nil: break
        }
        if !report.hostnameMatches { return LocalizedText(en: "name mismatch", ja: "名前の不一致")(language) }
        return LocalizedText(en: "valid", ja: "有効")(language)
    }

    // MARK: Errors the user can fix

    public static func inputError(_ error: CheckInputError, _ language: Language) -> String {
        switch error {
        case .unknownHost(let host):
            return LocalizedText(
                en: "Cannot resolve host '{host}'. Check the spelling, or give an IP address.",
                ja: "サーバー名「{host}」を名前解決できません。綴りを確認するか、IP アドレスを指定してください。")(
                    language, ["host": host])
        case .unreadableCAFile(let path, let reason):
            return LocalizedText(
                en: "Cannot read the CA file '{path}' ({reason}). Give a readable PEM or DER file with --ca-file.",
                ja: "認証局の証明書ファイル「{path}」を読めません（{reason}）。--ca-file には、読み取れる PEM 形式か DER 形式のファイルを指定してください。")(
                    language, ["path": path, "reason": reason])
        case .resolver(let problem):
            return resolverError(problem, language)
        case .noCertificatesInCAFile(let path):
            return LocalizedText(
                en: "The CA file '{path}' contains no certificate. Give a PEM file with BEGIN CERTIFICATE blocks, or a DER certificate.",
                ja: "認証局の証明書ファイル「{path}」に証明書がありません。--ca-file には、BEGIN CERTIFICATE の行を含む PEM 形式のファイルか、DER 形式の証明書を指定してください。")(
                    language, ["path": path])
        }
    }

    public static func caFileError(_ error: TrustAnchors.LoadError, _ language: Language) -> String {
        switch error {
        case .unreadable(let path, let reason): inputError(.unreadableCAFile(path: path, reason: reason), language)
        case .noCertificates(let path): inputError(.noCertificatesInCAFile(path: path), language)
        }
    }

    public static func resolverError(_ problem: DNSError, _ language: Language) -> String {
        switch problem {
        case .badResolverAddress(let text):
            return LocalizedText(
                en: "Bad resolver address '{text}'. Use an IP address, optionally with a port: 192.0.2.53 or 127.0.0.1@5353.",
                ja: "リゾルバーのアドレス「{text}」が正しくありません。192.0.2.53 や 127.0.0.1@5353 のように、IP アドレス（必要ならポート付き）で指定してください。")(
                    language, ["text": text])
        case .unreadableTrustAnchor(let path):
            return LocalizedText(
                en: "Cannot read the trust anchor file '{path}'. Give a file of DS or DNSKEY records with --trust-anchor.",
                ja: "トラストアンカーのファイル「{path}」を読めません。DS レコードか DNSKEY レコードを書いたファイルを --trust-anchor で指定してください。")(
                    language, ["path": path])
        case .timeout(let seconds):
            return LocalizedText(
                en: "The DNS resolver did not answer within {seconds} s. Check --resolver and the network.",
                ja: "DNS リゾルバーが {seconds} 秒以内に応答しませんでした。--resolver の指定とネットワークを確認してください。")(
                    language, ["seconds": String(Int(seconds))])
        case .configuration(let detail), .resolution(let detail):
            return LocalizedText(
                en: "The DNS resolver failed ({detail}). Check --resolver and --trust-anchor.",
                ja: "DNS リゾルバーでエラーが発生しました（{detail}）。--resolver と --trust-anchor の指定を確認してください。")(
                    language, ["detail": detail])
        }
    }

    public static func portSpecError(_ error: PortSpec.ParseError, _ language: Language) -> String {
        let detail: String
        switch error {
        case .notANumber(let text): detail = text
        case .outOfRange(let number): detail = String(number)
        case .unknownPort(let number): detail = String(number)
        case .unknownProtocol(let text): detail = text
        case .unknownMode(let text): detail = text
        case .malformed(let text): detail = text
        }
        return LocalizedText(
            en: "Bad port '{detail}'. Use a mail port (25, 465, 587, 2525, 143, 993, 110, 995) or PORT:PROTOCOL:MODE such as 2465:smtp:tls (protocols smtp, imap, pop3; modes tls, starttls).",
            ja: "ポート指定「{detail}」が正しくありません。メールのポート（25、465、587、2525、143、993、110、995）か、2465:smtp:tls のような「ポート:プロトコル:暗号化方式」の形式で指定してください（プロトコルは smtp、imap、pop3、暗号化方式は tls、starttls）。")(
                language, ["detail": detail])
    }
}
