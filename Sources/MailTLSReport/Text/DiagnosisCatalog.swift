import MailTLSAccount

/// The cause and fix of every `mailtls diagnose` outcome, in English and Japanese, in the order the guide
/// troubleshoots: the provider's settings, port and encryption mode, certificate, blocked ports, credentials.
/// Placeholders: `{host}`, `{port}`, `{evidence}`, `{keyword}`, `{clientVersion}` and the certificate's `{date}`,
/// `{name}`, `{names}`, `{issuer}`.
public enum DiagnosisCatalog {
    public static func message(_ cause: DiagnosisCause, _ language: Language, _ values: [String: String]) -> String {
        entry(cause).message(language, values)
    }

    public static func fix(_ cause: DiagnosisCause, _ language: Language, _ values: [String: String]) -> String {
        entry(cause).fix(language, values)
    }

    /// A verdict other commands reach too: the shared catalogue's words about the server the user typed, then what
    /// that means for the user's setting, and the fix for the person setting up the client.
    static func shared(_ verdict: VerdictCatalog.Verdict, then addition: LocalizedText? = nil) -> FindingCatalog.Entry {
        VerdictCatalog.entry(verdict, about: .configuredServer, then: addition)
    }

    // swiftlint:disable:next function_body_length cyclomatic_complexity
    public static func entry(_ cause: DiagnosisCause) -> FindingCatalog.Entry {
        switch cause {
        case .hostNotFound:
            return .init(
                message: LocalizedText(
                    en: "The server name '{host}' does not exist in DNS: it is misspelt, or the provider uses another name.",
                    ja: "サーバー名「{host}」は DNS に登録されていません。綴りが間違っているか、プロバイダーが別のサーバー名を使っている可能性があります。"),
                fix: LocalizedText(
                    en: "Copy the server name from the provider's official settings page, or run mailtls setup with your address.",
                    ja: "プロバイダーの公式の設定ページにあるサーバー名をそのまま入力してください。または、メールアドレスを指定して mailtls setup を実行してください。"))
        case .connectionRefused:
            return shared(.portClosed, then: LocalizedText(
                en: "The port number is wrong for this server.",
                ja: "このサーバーでは、このポート番号は使われていません。"))
        case .connectionTimedOut:
            return shared(.portFiltered)
        case .plaintextOnTLSPort:
            return shared(.plaintextOnTLSPort, then: LocalizedText(
                en: "The setting is \"SSL/TLS\", and the server greeted in plaintext: {evidence}",
                ja: "暗号化方式は「SSL/TLS」に設定されていますが、サーバーは暗号化なしで挨拶しました（{evidence}）。"))
        case .tlsOnSTARTTLSPort:
            return shared(.tlsOnSTARTTLSPort, then: LocalizedText(
                en: "The setting is \"STARTTLS\".",
                ja: "暗号化方式は「STARTTLS」に設定されています。"))
        case .serviceUnavailable:
            return shared(.serverUnavailable)
        case .noGreeting:
            return .init(
                message: LocalizedText(
                    en: "The server accepted the connection but never greeted: {evidence}",
                    ja: "サーバーは接続を受け付けましたが、挨拶を返しません: {evidence}"),
                fix: LocalizedText(
                    en: "Check the port and the protocol; a server that delays its greeting on purpose needs a longer timeout (--timeout).",
                    ja: "ポートとプロトコルを確認してください。わざと挨拶を遅らせるサーバーの場合は、--timeout でタイムアウトを長くしてください。"))
        case .starttlsNotOffered:
            return shared(.startTLSNotOffered, then: LocalizedText(
                en: "The setting is \"STARTTLS\" (the server's capabilities: {evidence}).",
                ja: "暗号化方式は「STARTTLS」に設定されています（{evidence}）。"))
        case .tlsVersionTooOld:
            return .init(
                message: LocalizedText(
                    en: "The device offers at most {clientVersion}, which the server no longer accepts (it requires TLS 1.2 or later): {evidence}",
                    ja: "この機器が使える TLS は {clientVersion} までですが、サーバーはこのバージョンをもう受け付けません（TLS 1.2 以上が必要です）: {evidence}"),
                fix: LocalizedText(
                    en: "Update the device's firmware to get TLS 1.2; if there is none, send through a local relay that speaks old TLS to the device and TLS 1.2+ to the provider.",
                    ja: "機器のファームウェアを更新して、TLS 1.2 に対応させてください。更新がない場合は、機器とは古い TLS で、プロバイダーとは TLS 1.2 以上で通信するローカルの中継サーバーを経由して送信してください。"))
        case .tlsHandshakeFailed:
            return shared(.handshakeFailed)
        case .certificateExpired:
            return shared(.certificateExpired, then: LocalizedText(
                en: "Devices that check certificates refuse it.",
                ja: "証明書を検証する機器は接続を拒否します。"))
        case .certificateNotYetValid:
            return shared(.certificateNotYetValid)
        case .certificateNameMismatch:
            return shared(.certificateNameMismatch, then: LocalizedText(
                en: "The server name typed in the client must be one of them.",
                ja: "クライアントに入力するサーバー名は、このどれかと一致している必要があります。"))
        case .certificateSelfSigned:
            return shared(.certificateSelfSigned)
        case .certificateUntrusted:
            return shared(.certificateUntrusted)
        case .authMechanismMissing:
            return .init(
                message: LocalizedText(
                    en: "The server offers no login method this client can use ({evidence}).",
                    ja: "サーバーは、このクライアントが使える認証方式を提供していません（{evidence}）。"),
                fix: LocalizedText(
                    en: "Set the device's authentication to what the server offers (often \"normal password\" / PLAIN inside TLS). Servers that offer only OAuth2 (XOAUTH2) need a device or client that supports it.",
                    ja: "機器の認証方式を、サーバーが提供する方式に合わせてください（多くの場合、TLS で保護された「通常のパスワード」、つまり PLAIN です）。OAuth2（XOAUTH2）だけを提供するサーバーには、OAuth2 に対応した機器かメールソフトが必要です。"))
        case .passwordWithheld:
            return .init(
                message: LocalizedText(
                    en: "With security \"None\" the password would cross the network unencrypted, so it was not sent.",
                    ja: "暗号化方式が「なし」では、パスワードが暗号化されずにネットワークを流れます。そのため、mailtls はパスワードを送信しませんでした。"),
                fix: LocalizedText(
                    en: "Choose \"STARTTLS\" or \"SSL/TLS\". (--allow-plaintext-auth tests it anyway, on a network you trust.)",
                    ja: "暗号化方式を「STARTTLS」か「SSL/TLS」にしてください（信頼できるネットワークに限り、--allow-plaintext-auth を付けると暗号化なしでも試せます）。"))
        case .badCredentials:
            return .init(
                message: LocalizedText(
                    en: "The server rejected the user name or password: {evidence}",
                    ja: "サーバーはユーザー名またはパスワードを拒否しました: {evidence}"),
                fix: LocalizedText(
                    en: "Check the user name form (often the full e-mail address) and retype the password; providers with two-step verification need an app password.",
                    ja: "ユーザー名の形式（多くはメールアドレス全体）を確認し、パスワードを入力し直してください。2 段階認証を使うプロバイダーでは、アプリパスワードが必要です。"))
        case .starttlsRequired:
            return .init(
                message: LocalizedText(
                    en: "The server requires encryption before login: {evidence}",
                    ja: "サーバーは、ログインの前に暗号化を求めています: {evidence}"),
                fix: LocalizedText(
                    en: "Set the security to \"STARTTLS\" on this port (or \"SSL/TLS\" on 465/993/995).",
                    ja: "このポートでは、暗号化方式を「STARTTLS」に設定してください（ポート 465、993、995 なら「SSL/TLS」）。"))
        case .basicAuthDisabled:
            return .init(
                message: LocalizedText(
                    en: "The provider has disabled password (basic) authentication for this mailbox: {evidence}",
                    ja: "プロバイダーは、このメールボックスのパスワード認証（基本認証）を無効にしています: {evidence}"),
                fix: LocalizedText(
                    en: "Microsoft 365: an administrator enables Authenticated SMTP (SmtpClientAuthentication) for the mailbox, or the device moves to OAuth2, or to a relay/connector.",
                    ja: "Microsoft 365 の場合は、管理者がメールボックスの「認証済み SMTP」（SmtpClientAuthentication）を有効にするか、機器を OAuth2 に対応させるか、中継サーバーまたはコネクターを使ってください。"))
        case .appPasswordRequired:
            return .init(
                message: LocalizedText(
                    en: "The provider wants an app password, not the account password: {evidence}",
                    ja: "プロバイダーは、アカウントのパスワードではなくアプリパスワードを求めています: {evidence}"),
                fix: LocalizedText(
                    en: "Create an app password in the account's security settings and enter it instead.",
                    ja: "アカウントのセキュリティ設定でアプリパスワードを作成し、パスワードの代わりに入力してください。"))
        case .notAuthenticated:
            return .init(
                message: LocalizedText(
                    en: "The server requires login before sending: {evidence}",
                    ja: "サーバーは、送信の前にログイン（SMTP 認証）を求めています: {evidence}"),
                fix: LocalizedText(
                    en: "Turn on SMTP authentication on the device and enter the user name and password.",
                    ja: "機器で SMTP 認証を有効にし、ユーザー名とパスワードを入力してください。"))
        case .sendAsDenied:
            return .init(
                message: LocalizedText(
                    en: "The mailbox may not send as this sender address: {evidence}",
                    ja: "このメールボックスには、この差出人アドレスで送信する権限がありません: {evidence}"),
                fix: LocalizedText(
                    en: "Use the mailbox's own address as the sender (From), or have an administrator grant Send As.",
                    ja: "差出人（From）をメールボックス自身のアドレスにするか、管理者に「送信者として送信」の権限を付与してもらってください。"))
        case .legacyTLSRejected:
            return .init(
                message: LocalizedText(
                    en: "The provider rejects TLS 1.0/1.1 clients: {evidence}",
                    ja: "プロバイダーは、TLS 1.0/1.1 しか使えないクライアントを拒否しています: {evidence}"),
                fix: LocalizedText(
                    en: "Update the device to TLS 1.2, or send through a relay.",
                    ja: "機器を TLS 1.2 に対応させるか、中継サーバーを経由して送信してください。"))
        case .authenticationFailed:
            return .init(
                message: LocalizedText(
                    en: "Login failed: {evidence}",
                    ja: "ログインに失敗しました: {evidence}"),
                fix: LocalizedText(
                    en: "Read the server's words above; check the user name form and password, and whether the account allows this kind of login.",
                    ja: "上に表示したサーバーの応答を読んでください。そのうえで、ユーザー名の形式とパスワード、このアカウントでこのログイン方法が許可されているかを確認してください。"))
        case .authenticationUnsuccessful:
            return .init(
                message: LocalizedText(
                    en: "The provider refused the login: {evidence}. Microsoft 365 says this for a wrong password and also when SMTP AUTH, security defaults or multi-factor authentication block password logins.",
                    ja: "プロバイダーはログインを拒否しました: {evidence}。Microsoft 365 は、パスワードが間違っている場合のほか、SMTP 認証の無効化、セキュリティの既定値、多要素認証によってパスワードでのログインが止められている場合にも、この応答を返します。"),
                fix: LocalizedText(
                    en: "First retype the password (and the user name, the full address). If it is right, an administrator must enable Authenticated SMTP for the mailbox or the device must use OAuth2 or a relay.",
                    ja: "まずパスワードとユーザー名（メールアドレス全体）を入力し直してください。入力が正しい場合は、管理者がメールボックスの「認証済み SMTP」を有効にするか、機器を OAuth2 に対応させるか、中継サーバーを使う必要があります。"))
        case .messageRejected:
            return .init(
                message: LocalizedText(
                    en: "Login worked, but the test message was refused: {evidence}",
                    ja: "ログインはできましたが、テストメールは拒否されました: {evidence}"),
                fix: LocalizedText(
                    en: "Check the sender address (it usually must be the account's own) and the recipient.",
                    ja: "差出人アドレス（通常はアカウント自身のアドレスである必要があります）と宛先を確認してください。"))
        case .connectionFailed:
            return .init(
                message: LocalizedText(
                    en: "The connection failed: {evidence}",
                    ja: "接続に失敗しました: {evidence}"),
                fix: LocalizedText(
                    en: "Check the network, then the host and port.",
                    ja: "まずネットワークを確認し、次にサーバー名とポートを確認してください。"))
        }
    }
}
