import MailTLSAccount
import MailTLSSetup

/// Words of the `setup` and `diagnose` reports, in English and Japanese.
public enum AccountText {
    public static let setupHeader = LocalizedText(
        en: "mailtls setup {address}  ({seconds} s)", ja: "mailtls setup {address}（{seconds} 秒）")
    public static let sources = LocalizedText(en: "Where the settings came from", ja: "設定の取得元")
    public static let tried = LocalizedText(en: "Settings tried (each verified by a real connection)",
                                            ja: "試した設定（すべて実際に接続して確認）")
    public static let recommended = LocalizedText(en: "Recommended settings", ja: "推奨設定")
    public static let incoming = LocalizedText(en: "Incoming server", ja: "受信サーバー")
    public static let alternative = LocalizedText(en: "Alternative incoming server", ja: "受信サーバー（代替）")
    public static let outgoing = LocalizedText(en: "Outgoing server (SMTP)", ja: "送信サーバー（SMTP）")
    public static let host = LocalizedText(en: "Server name", ja: "サーバー名")
    public static let port = LocalizedText(en: "Port", ja: "ポート")
    public static let security = LocalizedText(en: "Security", ja: "暗号化方式")
    public static let authentication = LocalizedText(en: "Authentication", ja: "認証方式")
    public static let username = LocalizedText(en: "User name", ja: "ユーザー名")
    public static let devices = LocalizedText(en: "Scanners, MFPs and old devices", ja: "スキャナー・複合機・古い機器")
    public static let noSTARTTLSDevice = LocalizedText(
        en: "A device without STARTTLS: {host}, port {port}, SSL/TLS.",
        ja: "STARTTLS に対応していない機器には、サーバー名 {host}、ポート {port}、暗号化方式「SSL/TLS」を設定してください。")
    public static let noImplicitTLS = LocalizedText(
        en: "This provider offers no SSL/TLS submission port: a device without STARTTLS needs a relay.",
        ja: "このプロバイダーには SSL/TLS の送信用ポートがありません。STARTTLS に対応していない機器には、中継サーバーが必要です。")
    public static let legacyAccepted = LocalizedText(
        en: "The submission server still accepts {version}: old devices limited to TLS 1.0/1.1 can connect (for now).",
        ja: "送信サーバーは {version} もまだ受け付けます。TLS 1.0/1.1 までの古い機器も、今のところは接続できます。")
    public static let legacyRefused = LocalizedText(
        en: "The submission server requires TLS 1.2 or later: a device limited to TLS 1.0/1.1 needs a firmware update or a relay.",
        ja: "送信サーバーは TLS 1.2 以上を必須としています。TLS 1.0/1.1 までの機器には、ファームウェアの更新か中継サーバーが必要です。")
    public static let why = LocalizedText(
        en: "Why: SSL/TLS (implicit TLS) is preferred over STARTTLS (RFC 8314); every setting above was tried and works.",
        ja: "理由: RFC 8314 では、STARTTLS より SSL/TLS（最初から暗号化）が推奨されています。上の設定はすべて、実際に接続して動作を確認しました。")
    public static let nothingFound = LocalizedText(
        en: "No working settings were found for this address.", ja: "このアドレスで動作する設定は見つかりませんでした。")
    public static let works = LocalizedText(en: "works", ja: "動作確認済み")
    public static let password = LocalizedText(en: "the account's password", ja: "アカウントのパスワード")

    public static let diagnoseHeader = LocalizedText(
        en: "mailtls diagnose {host}:{port} ({protocol}, {security})",
        ja: "mailtls diagnose {host}:{port}（{protocol}、{security}）")
    public static let verdictOK = LocalizedText(
        en: "These settings work.", ja: "この設定で正しく動作します。")
    public static let cause = LocalizedText(en: "Cause", ja: "原因")
    public static let fix = LocalizedText(en: "What to do", ja: "対処")
    public static let working = LocalizedText(en: "Settings that work on this server", ja: "このサーバーで動作する設定")
    public static let noneWorking = LocalizedText(
        en: "None of the standard settings works either:", ja: "標準の設定も、どれも動作しません。")
    /// After the tried settings, when a port got no answer (or no route): the network may be what blocks it.
    public static let maybeBlockedHere = LocalizedText(
        en: "A port that gets no answer may be blocked on this network (ISPs often block 25 and 587): try from another network.",
        ja: "応答のないポートは、このネットワークで遮断されている可能性があります（プロバイダーが 25 や 587 を遮断することがよくあります）。別のネットワークから試してください。")
    public static let discoveredForAddress = LocalizedText(
        en: "What mailtls setup finds for {address}", ja: "{address} について mailtls setup が見つけた設定")

    /// What became of the password, said plainly whenever one was given.
    public static func passwordFate(_ fate: PasswordFate, _ language: Language) -> String? {
        switch fate {
        case .notGiven:
            return nil
        case .sentOverVerifiedTLS:
            return LocalizedText(en: "The password was sent only over TLS with an accepted certificate.",
                                 ja: "mailtls は、証明書を検証できた TLS 接続でのみパスワードを送信しました。")(language)
        case .withheldUntrustedCertificate:
            return LocalizedText(
                en: "The password was not sent: the server's certificate was not accepted, and a server that cannot "
                    + "prove its name may be someone else listening.",
                ja: "mailtls はパスワードを送信していません。サーバーの証明書を検証できず、通信相手が本物のサーバーになりすました第三者である可能性があるためです。")(language)
        case .withheldWithoutTLS:
            return LocalizedText(en: "The password was not sent: the connection was not encrypted.",
                                 ja: "mailtls はパスワードを送信していません。接続が暗号化されていなかったためです。")(language)
        case .notReached:
            return LocalizedText(en: "The password was not sent: the connection ended before the login.",
                                 ja: "mailtls はパスワードを送信していません。ログインの前に接続が終了したためです。")(language)
        case .sentDespiteCertificate:
            return LocalizedText(
                en: "The password WAS sent although the certificate was not accepted (--insecure-send-password). "
                    + "If this server was not the real one, change the password.",
                ja: "mailtls は、証明書を検証できないままパスワードを送信しました（--insecure-send-password）。"
                    + "接続先が本物のサーバーでなかった可能性があるなら、パスワードを変更してください。")(language)
        case .sentWithoutTLS:
            return LocalizedText(
                en: "The password WAS sent without encryption (--allow-plaintext-auth).",
                ja: "mailtls はパスワードを暗号化せずに送信しました（--allow-plaintext-auth）。")(language)
        }
    }

    public static func step(_ kind: DiagnosisStep.Kind, _ language: Language) -> String {
        switch kind {
        case .dns: LocalizedText(en: "Name lookup (DNS)", ja: "名前解決（DNS）")(language)
        case .tcp: LocalizedText(en: "Connection (TCP)", ja: "接続（TCP）")(language)
        case .greeting: LocalizedText(en: "Server greeting", ja: "サーバーの挨拶")(language)
        case .starttls: LocalizedText(en: "STARTTLS", ja: "STARTTLS")(language)
        case .tls: LocalizedText(en: "TLS (encryption)", ja: "TLS（暗号化）")(language)
        case .certificate: LocalizedText(en: "Certificate", ja: "証明書")(language)
        case .authentication: LocalizedText(en: "Login", ja: "ログイン")(language)
        case .testMessage: LocalizedText(en: "Test message", ja: "テストメール")(language)
        }
    }

    public static func status(_ status: DiagnosisStep.Status, _ language: Language) -> String {
        switch status {
        case .passed: LocalizedText(en: "ok", ja: "OK")(language)
        case .failed: LocalizedText(en: "FAILED", ja: "失敗")(language)
        case .skipped: LocalizedText(en: "skipped", ja: "省略")(language)
        }
    }

    public static func source(_ source: DiscoverySource, _ language: Language) -> String {
        switch source {
        case .autoconfig: LocalizedText(en: "provider's autoconfig file", ja: "プロバイダーの自動設定ファイル")(language)
        case .wellKnown: LocalizedText(en: "autoconfig file on the domain's web site",
                                       ja: "ドメインの Web サイトの自動設定ファイル")(language)
        case .srv: LocalizedText(en: "DNS SRV records (RFC 6186)", ja: "DNS の SRV レコード（RFC 6186）")(language)
        case .mxAutoconfig: LocalizedText(en: "autoconfig file of the MX host's domain",
                                          ja: "MX サーバーのドメインの自動設定ファイル")(language)
        case .guess: LocalizedText(en: "guessed host names", ja: "推測したサーバー名")(language)
        }
    }

    public static func outcome(_ result: SourceOutcome.Result, _ language: Language) -> String {
        switch result {
        case .found(let count):
            LocalizedText(en: "found {count} server(s)", ja: "サーバー {count} 件を発見")(language, ["count": String(count)])
        case .notPublished(let detail):
            LocalizedText(en: "not published ({detail})", ja: "公開なし（{detail}）")(
                language, ["detail": AccountText.detail(detail, language)])
        case .failed(let detail):
            LocalizedText(en: "failed ({detail})", ja: "失敗（{detail}）")(
                language, ["detail": AccountText.detail(detail, language)])
        case .skipped(let detail):
            LocalizedText(en: "skipped ({detail})", ja: "省略（{detail}）")(
                language, ["detail": AccountText.detail(detail, language)])
        }
    }

    /// Why a source gave nothing, in the reader's language.
    public static func detail(_ detail: SourceOutcome.Detail, _ language: Language) -> String {
        guard language == .ja else { return detail.english }
        return switch detail {
        case .noSRVRecords: "SRV レコードなし"
        case .srvNotOffered(let services): "SRV レコードで提供なしと明示: " + services.joined(separator: ", ")
        case .noGuessedHostResolves: "推測したサーバー名はどれも DNS に登録されていません"
        case .guessingOff: "--no-guess の指定"
        case .fetch(let failure): WebFailureText.render(failure, language)
        case .httpStatus(let status): "HTTP \(status)"
        case .badAutoconfig(let problem): AutoconfigProblemText.render(problem, language)
        }
    }

    /// The source of a tried setting, as the table's tag: `[srv]`, `[推測]`.
    public static func sourceTag(_ source: DiscoverySource, _ language: Language) -> String {
        guard language == .ja else { return source.rawValue }
        return switch source {
        case .autoconfig: "自動設定"
        case .wellKnown: "Web サイト"
        case .srv: "SRV"
        case .mxAutoconfig: "MX の自動設定"
        case .guess: "推測"
        }
    }

    public static func failure(_ failure: CandidateFailure, _ language: Language) -> String {
        switch failure {
        case .hostNotFound: LocalizedText(en: "host not found", ja: "DNS に登録なし")(language)
        case .transport(let problem): TransportProblemText.render(problem, language)
        case .certificate(.nameMismatch(_, let names)):
            LocalizedText(en: "certificate is for {n}", ja: "証明書は {n} 用")(language, ["n": names.joined(separator: ", ")])
        case .certificate(let problem):
            LocalizedText(en: "certificate refused: {d}", ja: "証明書を受け入れられません: {d}")(
                language, ["d": CertificateProblemText.render(problem, language)])
        case .plaintextOnly: LocalizedText(en: "no encryption", ja: "暗号化なし")(language)
        }
    }

    public static func authentication(_ kinds: [AuthenticationKind], _ language: Language) -> String {
        kinds.map { kind -> String in
            switch kind {
            case .passwordCleartext:
                LocalizedText(en: "normal password (inside TLS)", ja: "通常のパスワード（TLS で保護）")(language)
            case .passwordEncrypted:
                LocalizedText(en: "encrypted password (CRAM-MD5)", ja: "暗号化されたパスワード（CRAM-MD5）")(language)
            case .oauth2: "OAuth2"
            default: kind.rawValue
            }
        }.joined(separator: ", ")
    }
}
