import MailTLSCore
import MailTLSRelay

/// What the providers' known replies mean, and the fix, in English and Japanese: for the relay's log, its queue
/// listing, `mailtls relay status` and the failure notices it sends.
public enum UpstreamReplyCatalog {
    public struct Explanation: Sendable, Equatable {
        public var meaning: LocalizedText
        public var fix: LocalizedText
    }

    /// The explanation for a reply line (`535 5.7.139 Authentication unsuccessful...`), or for a problem before any
    /// reply (`problemKind` from `RelayProblem.Kind`).
    public static func explain(reply: String?, problemKind: String? = nil) -> Explanation {
        let text = reply ?? ""
        let code = String(text.prefix(3))
        let enhanced = text.split(separator: " ").dropFirst().first.map(String.init) ?? ""
        if let kind = problemKind, let entry = problems[kind], !(kind == "login" && known(code, enhanced, text) != nil) {
            return entry
        }
        if let entry = known(code, enhanced, text) { return entry }
        if code.hasPrefix("4") { return temporary }
        if code.hasPrefix("5") { return permanent }
        return unknown
    }

    static func known(_ code: String, _ enhanced: String, _ text: String) -> Explanation? {
        if text.contains("SendAsDenied") || enhanced == "5.2.252" { return sendAsDenied }
        switch (code, enhanced) {
        case ("550", "5.7.30"), ("535", "5.7.30"): return basicAuthenticationRetired
        case ("535", "5.7.139"): return smtpAuthDisabled
        case ("535", "5.7.3"): return microsoftLoginRefused
        case ("530", "5.7.57"): return notAuthenticated
        case ("421", "4.7.66"): return oldTLS
        case ("534", "5.7.9"): return appPasswordRequired
        case ("535", "5.7.8"): return loginRefused
        case ("552", _), ("523", _): return tooLarge
        case ("550", "5.1.1"), ("550", "5.1.10"), ("550", "5.4.1"): return noSuchRecipient
        case ("550", "5.7.60"), ("550", "5.7.708"): return sendAsDenied
        default: break
        }
        if code == "535" || code == "534" { return loginRefused }
        if code == "530" { return notAuthenticated }
        return nil
    }

    static let basicAuthenticationRetired = Explanation(
        meaning: LocalizedText(
            en: "The provider no longer accepts a password (basic authentication) for sending: Microsoft 365 turns it off for SMTP submission from the end of December 2026.",
            ja: "プロバイダーは送信時のパスワード認証（基本認証）を受け付けなくなっています。Microsoft 365 は 2026 年 12 月末から SMTP 送信の基本認証を無効にします。"),
        fix: LocalizedText(
            en: "Switch the relay to XOAUTH2: run mailtls relay init --provider m365 for a client_credentials example (an app registration with SMTP.SendAsApp), then set auth: in relay.yaml.",
            ja: "中継サーバーの認証方式を XOAUTH2 に切り替えてください。mailtls relay init --provider m365 で client_credentials の例（SMTP.SendAsApp を許可したアプリの登録）を作り、relay.yaml の auth: を設定します。"))

    static let smtpAuthDisabled = Explanation(
        meaning: LocalizedText(
            en: "SMTP AUTH is turned off for this mailbox or for the whole tenant (Microsoft 365), or the tenant's security defaults block it.",
            ja: "このメールボックスまたはテナント全体で SMTP AUTH が無効です（Microsoft 365）。セキュリティの既定値群が止めている可能性もあります。"),
        fix: LocalizedText(
            en: "Enable it for the account (Set-CASMailbox -Identity <ACCOUNT> -SmtpClientAuthenticationDisabled $false) or, better, switch the relay to XOAUTH2 (mailtls relay init --provider m365).",
            ja: "アカウントで有効にする（Set-CASMailbox -Identity <ACCOUNT> -SmtpClientAuthenticationDisabled $false）か、中継サーバーの認証方式を XOAUTH2 に切り替えてください（mailtls relay init --provider m365）。"))

    static let microsoftLoginRefused = Explanation(
        meaning: LocalizedText(
            en: "Microsoft 365 refused the user name or password. The password may be wrong or expired, the account may require multi-factor sign-in, or SMTP AUTH may be off for it.",
            ja: "Microsoft 365 がユーザー名またはパスワードを拒否しました。パスワードの誤りや期限切れ、多要素認証が必須のアカウント、SMTP AUTH が無効なアカウントの可能性があります。"),
        fix: LocalizedText(
            en: "Check the password in the file named by password_file; if the account needs multi-factor sign-in or SMTP AUTH is off, switch to XOAUTH2 (mailtls relay init --provider m365).",
            ja: "password_file に指定したファイルのパスワードを確かめてください。多要素認証が必須のアカウントや SMTP AUTH が無効なアカウントなら、認証方式を XOAUTH2 に切り替えてください（mailtls relay init --provider m365）。"))

    static let notAuthenticated = Explanation(
        meaning: LocalizedText(
            en: "The provider wants a login before it takes mail, and the relay did not log in.",
            ja: "プロバイダーはメールを受け付ける前に認証を求めていますが、中継サーバーは認証していません。"),
        fix: LocalizedText(
            en: "Add auth: to the upstream in relay.yaml (user and password_file, or oauth2).",
            ja: "relay.yaml の upstream に auth: を追加してください（user と password_file、または oauth2）。"))

    static let sendAsDenied = Explanation(
        meaning: LocalizedText(
            en: "The account the relay logs in with may not send as this sender address (Microsoft 365 SendAsDenied).",
            ja: "中継サーバーが認証に使うアカウントには、この送信者アドレスで送る権限がありません（Microsoft 365 の SendAsDenied）。"),
        fix: LocalizedText(
            en: "Set rules: sender: to the account's own address in relay.yaml (and rewrite_from_header: true if the From header differs too), or grant the account Send As permission for that address.",
            ja: "relay.yaml の rules: の sender: にアカウント自身のアドレスを設定してください（From ヘッダーも異なるなら rewrite_from_header: true も設定します）。または、そのアドレスの送信者権限をアカウントに与えてください。"))

    static let oldTLS = Explanation(
        meaning: LocalizedText(
            en: "The server refuses TLS 1.0 and 1.1 (Microsoft 365 since 2022). The relay itself always uses TLS 1.2 or later upstream.",
            ja: "サーバーは TLS 1.0 と TLS 1.1 を拒否します（Microsoft 365 は 2022 年から）。中継サーバー自身はプロバイダーへ常に TLS 1.2 以降で接続します。"),
        fix: LocalizedText(
            en: "Point the old device at the relay instead of the provider.",
            ja: "古い機器の送信サーバーをプロバイダーではなく中継サーバーに設定してください。"))

    static let appPasswordRequired = Explanation(
        meaning: LocalizedText(
            en: "Gmail wants an app password (or OAuth) for this account, not the account's own password.",
            ja: "Gmail はこのアカウントにアカウント自身のパスワードではなく、アプリ パスワード（または OAuth2）を求めています。"),
        fix: LocalizedText(
            en: "Create an app password (Google account > Security > 2-Step Verification > App passwords) and put it in the password_file, or use XOAUTH2 (mailtls relay init --provider gmail).",
            ja: "アプリ パスワードを作成して password_file に保存するか（Google アカウントの「セキュリティ」の「2 段階認証プロセス」の「アプリ パスワード」）、XOAUTH2 を使ってください（mailtls relay init --provider gmail）。"))

    static let loginRefused = Explanation(
        meaning: LocalizedText(
            en: "The provider refused the relay's login.",
            ja: "プロバイダーが中継サーバーの認証を拒否しました。"),
        fix: LocalizedText(
            en: "Check user: and the password (or the OAuth2 settings) in relay.yaml; Gmail accounts need an app password or XOAUTH2.",
            ja: "relay.yaml の user: とパスワード（または OAuth2 の設定）を確かめてください。Gmail のアカウントにはアプリ パスワードか XOAUTH2 が必要です。"))

    static let tooLarge = Explanation(
        meaning: LocalizedText(
            en: "The message is larger than the provider accepts.",
            ja: "メールがプロバイダーの受け付けるサイズを超えています。"),
        fix: LocalizedText(
            en: "Send it with a lower scan resolution or fewer pages, or lower rules: max_message_size: in relay.yaml so that devices hear about the limit at once.",
            ja: "スキャンの解像度やページ数を下げて送ってください。relay.yaml の rules: の max_message_size: を下げると、機器に送信時点で上限を伝えられます。"))

    static let noSuchRecipient = Explanation(
        meaning: LocalizedText(
            en: "The provider says the recipient address does not exist.",
            ja: "プロバイダーによると、宛先のアドレスは存在しません。"),
        fix: LocalizedText(
            en: "Correct the address in the device's address book.",
            ja: "機器のアドレス帳の宛先を修正してください。"))

    static let temporary = Explanation(
        meaning: LocalizedText(
            en: "The provider had a temporary problem or asked the relay to slow down.",
            ja: "プロバイダー側で一時的な問題が起きたか、送信を控えるよう求められました。"),
        fix: LocalizedText(
            en: "Nothing to do: the relay tries again on its schedule (mailtls relay queue retry sends at once).",
            ja: "対応は不要です。中継サーバーが予定どおり再送します（mailtls relay queue retry ですぐに再送できます）。"))

    static let permanent = Explanation(
        meaning: LocalizedText(
            en: "The provider refused this message for good.",
            ja: "プロバイダーはこのメールの受け付けを最終的に拒否しました。"),
        fix: LocalizedText(
            en: "Read the provider's reply above; it names the reason.",
            ja: "上に示したプロバイダーの応答に理由が書かれています。"))

    static let unknown = Explanation(
        meaning: LocalizedText(
            en: "The relay could not deliver this message.",
            ja: "中継サーバーはこのメールを配送できませんでした。"),
        fix: LocalizedText(
            en: "Run mailtls relay status for the upstream's state, and mailtls relay test to try the whole path.",
            ja: "mailtls relay status でプロバイダーとの接続状態を、mailtls relay test で送信経路全体を確かめてください。"))

    /// Problems before any reply, by `RelayProblem.Kind`.
    static let problems: [String: Explanation] = [
        "unresolvable": Explanation(
            meaning: LocalizedText(en: "The upstream's server name does not resolve.",
                                   ja: "プロバイダーのサーバー名の名前解決ができません。"),
            fix: LocalizedText(en: "Check host: in relay.yaml and the relay machine's DNS settings.",
                               ja: "relay.yaml の host: と、中継サーバーのマシンの DNS 設定を確かめてください。")),
        "connect": Explanation(
            meaning: LocalizedText(en: "The relay could not connect to the upstream (refused, or no answer).",
                                   ja: "中継サーバーはプロバイダーに接続できませんでした（接続拒否、または応答なし）。"),
            fix: LocalizedText(en: "Check host: and port: in relay.yaml, and that the firewall lets the relay out on that port. Mail waits in the spool meanwhile.",
                               ja: "relay.yaml の host: と port: を確かめ、ファイアウォールがそのポートへの送信を許可しているか確かめてください。その間、メールは中継サーバーに保存されたまま待ちます。")),
        "greeting": Explanation(
            meaning: LocalizedText(en: "The upstream refused the connection in its greeting (busy, or it blocks this address).",
                                   ja: "プロバイダーが挨拶の段階で接続を拒否しました（混雑、またはこのアドレスの拒否）。"),
            fix: LocalizedText(en: "The relay tries again later; if it persists, read the greeting above and ask the provider.",
                               ja: "中継サーバーは後で再送します。続く場合は上の挨拶を読み、プロバイダーに問い合わせてください。")),
        "noSTARTTLS": Explanation(
            meaning: LocalizedText(en: "The upstream does not offer STARTTLS, so the relay sends nothing: mail never leaves it unencrypted.",
                                   ja: "プロバイダーが STARTTLS を提供していないため、中継サーバーは何も送りません。中継サーバーはメールを暗号化なしで送りません。"),
            fix: LocalizedText(en: "Use the provider's submission port with encryption: 587 with mode: starttls, or 465 with mode: tls.",
                               ja: "プロバイダーの暗号化に対応した送信用ポートを使ってください（ポート 587 と mode: starttls、またはポート 465 と mode: tls）。")),
        "tls": Explanation(
            meaning: LocalizedText(en: "The TLS handshake with the upstream failed; the relay accepts only TLS 1.2 or later.",
                                   ja: "プロバイダーとの TLS ハンドシェイクに失敗しました。中継サーバーは TLS 1.2 以降だけを使います。"),
            fix: LocalizedText(en: "Check that host: and port: name the provider's submission server and that mode: matches the port (465: tls, 587: starttls).",
                               ja: "host: と port: がプロバイダーの送信サーバーを指しているか、mode: がポートに合っているか（ポート 465 は tls、ポート 587 は starttls）を確かめてください。")),
        "certificate": Explanation(
            meaning: LocalizedText(en: "The upstream's certificate did not pass the relay's check (trust, name or dates), so no password or token was sent.",
                                   ja: "プロバイダーの証明書が中継サーバーの検証（信頼、名前、有効期間）を通らなかったため、パスワードやトークンは送っていません。"),
            fix: LocalizedText(en: "Check host: (it must be the name in the certificate, or set server_name:), the machine's clock, and, for a private CA, ca_file:.",
                               ja: "host: が証明書の名前と一致するか（異なる場合は server_name: を設定）、マシンの時刻、社内認証局なら ca_file: を確かめてください。")),
        "credential": Explanation(
            meaning: LocalizedText(en: "The relay has no credential to log in with: the password file, environment variable or token endpoint failed.",
                                   ja: "中継サーバーが認証に使う認証情報を用意できません。パスワードのファイル、環境変数、トークンの取得のいずれかに失敗しました。"),
            fix: LocalizedText(en: "Read the detail above: a missing or world-readable file (chmod 600), an unset variable, or the token endpoint's error (invalid_client: the client secret; invalid_grant: the refresh token).",
                               ja: "上の詳細を読んでください。ファイルがない、他人が読める（chmod 600 が必要）、環境変数が未設定、またはトークン取得のエラーです（invalid_client はクライアント シークレット、invalid_grant はリフレッシュ トークンの問題）。")),
        "login": Explanation(
            meaning: LocalizedText(en: "The upstream refused the relay's login or offers no mechanism the relay can use.",
                                   ja: "プロバイダーが中継サーバーの認証を拒否したか、中継サーバーが使える認証方式を提供していません。"),
            fix: LocalizedText(en: "Check auth: in relay.yaml: mechanism, user, and the password or OAuth2 settings.",
                               ja: "relay.yaml の auth: の mechanism、user、パスワードまたは OAuth2 の設定を確かめてください。")),
        "protocolError": Explanation(
            meaning: LocalizedText(en: "The connection to the upstream broke or the upstream answered out of turn.",
                                   ja: "プロバイダーとの接続が切れたか、プロバイダーが想定外の応答を返しました。"),
            fix: LocalizedText(en: "Nothing to do if it is rare: the relay tries again.",
                               ja: "まれであれば対応は不要です。中継サーバーが再送します。")),
    ]
}
