import MailTLSReport

/// The commented relay.yaml `mailtls relay init` writes, per provider, with its comments in the user's language.
enum RelayTemplate {
    enum Provider: String, CaseIterable {
        case m365, gmail, generic
    }

    static func text(for provider: Provider, language: Language) -> String {
        let ja = language == .ja
        func c(_ english: String, _ japanese: String) -> String {
            "# " + (ja ? japanese : english)
        }
        var lines: [String] = [
            c("mailtls relay: old printers and scanners send through \(providerName(provider)).",
              "mailtls relay: 古い複合機やスキャナーのメールを \(providerName(provider)) 経由で送ります。"),
            c("Secrets never go in this file: passwords, client secrets and refresh tokens live in files (chmod 600) it names.",
              "パスワード、クライアント シークレット、リフレッシュ トークンはこのファイルに書かず、ここで指定するファイル（chmod 600）に保存します。"),
            c("Check with: mailtls relay test --to YOU@EXAMPLE.COM    Walkthrough: docs/relay.md",
              "確認: mailtls relay test --to YOU@EXAMPLE.COM    手順: docs/relay.md"),
            "",
            c("The relay's name (greeting, Received header, the certificate mailtls makes).",
              "中継サーバーの名前です（挨拶、Received ヘッダー、mailtls が作る証明書に使います）。"),
            "hostname: relay.example.lan",
            "",
            c("Where devices connect. mode: starttls (TLS offered, devices without TLS may still send),",
              "機器が接続する場所です。mode: starttls（TLS を提供し、TLS のない機器も送信可能）、"),
            c("starttls-required, tls (port 465, \"SSL/TLS\") or plain (no encryption, only for devices without TLS).",
              "starttls-required、tls（ポート 465、「SSL/TLS」）、plain（暗号化なし、TLS のない機器専用）から選びます。"),
            c("tls_minimum: as low as 1.0 for old devices (SSLv3 and RC4 cannot be served).",
              "tls_minimum: 古い機器のために 1.0 まで下げられます（SSLv3 と RC4 には対応できません）。"),
            "listen:",
            "  - { address: 0.0.0.0, port: 25, mode: starttls, tls_minimum: \"1.0\" }",
            "  - { address: 0.0.0.0, port: 587, mode: starttls, tls_minimum: \"1.0\" }",
            "  - { address: 0.0.0.0, port: 465, mode: tls, tls_minimum: \"1.0\" }",
            "",
            c("Who may connect at all (default: this machine only). Never the whole internet.",
              "接続を許可するネットワークです（既定はこのマシンのみ）。インターネット全体には開かないでください。"),
            "allowed_networks: [127.0.0.0/8, \"::1/128\", 192.168.1.0/24]",
            "",
            c("Your own certificate, or leave it out: mailtls makes one and a CA to import into devices that validate.",
              "独自の証明書を使う場合に指定します。省略すると mailtls が証明書と、検証する機器にインポートする認証局を作ります。"),
            "# certificate: { chain: /etc/mailtls/relay.pem, key: /etc/mailtls/relay.key }",
            "",
            c("Device logins (optional): one user:password per line in accounts_file.",
              "機器の認証（任意）: accounts_file に 1 行 1 つ「ユーザー名:パスワード」を書きます。"),
            "devices:",
            "  require_login: false",
            "  # accounts_file: /etc/mailtls/devices",
            "",
            c("Rules that keep the relay from being an open relay.",
              "中継サーバーが第三者中継に使われないための規則です。"),
            "rules:",
            c("  Only these recipient domains (.example.com includes subdomains).",
              "  送信できる宛先のドメインです。サブドメインも含めるには .example.com と書きます。"),
            "  recipient_domains: [example.com]",
            c("  Every message leaves with the upstream account's address as its sender, so the provider takes it.",
              "  すべてのメールを、プロバイダーのアカウントのアドレスを送信者として送ります（プロバイダーに拒否されないため）。"),
            "  sender: scanner@example.com",
            "  rewrite_from_header: \(provider == .m365 ? "true" : "false")",
            "  max_message_size: 35M",
            "  max_connections_per_client: 10",
            "  max_messages_per_minute_per_client: 60",
            "",
            c("Where mail waits until the provider has it (fsync'd before the device hears 250).",
              "プロバイダーに渡すまでメールを保存する場所です（機器に 250 を返す前にディスクに書き込みます）。"),
            "spool:",
            "  directory: /var/lib/mailtls/relay",
            "  retry_first: 5m",
            "  retry_max: 4000s",
            "  give_up_after: 5d",
            "",
            c("Who hears about mail that could not be delivered: sender, or an address.",
              "配送できなかったメールの通知先です。sender（送信者）かアドレスを指定します。"),
            "notices:",
            "  to: sender",
            "  # copy_to: admin@example.com",
            "",
        ]
        lines += upstream(provider, c)
        return lines.joined(separator: "\n") + "\n"
    }

    static func providerName(_ provider: Provider) -> String {
        switch provider {
        case .m365: "Microsoft 365"
        case .gmail: "Gmail"
        case .generic: "your provider"
        }
    }

    static func upstream(_ provider: Provider, _ c: (String, String) -> String) -> [String] {
        switch provider {
        case .m365:
            return [
                c("Microsoft 365 turns off basic authentication (passwords) for SMTP at the end of December 2026: use XOAUTH2.",
                  "Microsoft 365 は 2026 年 12 月末に SMTP の基本認証（パスワード）を無効にします。XOAUTH2 を使ってください。"),
                c("App registration in Entra ID: API permission Office 365 Exchange Online > SMTP.SendAsApp (admin consent),",
                  "Entra ID でアプリを登録し、API のアクセス許可に Office 365 Exchange Online の SMTP.SendAsApp を追加して管理者の同意を与え、"),
                c("then New-ServicePrincipal and Add-MailboxPermission for the mailbox in sender: (docs/relay.md has the commands).",
                  "New-ServicePrincipal と Add-MailboxPermission で sender: のメールボックスへの権限を与えます（コマンドは docs/relay.md にあります）。"),
                "upstream:",
                "  host: smtp.office365.com",
                "  port: 587",
                "  mode: starttls",
                "  auth:",
                "    mechanism: xoauth2",
                "    user: scanner@example.com",
                "    oauth2:",
                "      token_url: https://login.microsoftonline.com/YOUR-TENANT-ID/oauth2/v2.0/token",
                "      client_id: YOUR-APPLICATION-ID",
                "      client_secret_file: /etc/mailtls/m365-client-secret",
                "      scope: https://outlook.office365.com/.default",
                "      grant: client_credentials",
                c("Until then, a password also works (Authenticated SMTP enabled for the mailbox):",
                  "それまではパスワードも使えます（メールボックスで SMTP AUTH を有効にした場合）:"),
                "  #   mechanism: login",
                "  #   user: scanner@example.com",
                "  #   password_file: /etc/mailtls/m365-password",
            ]
        case .gmail:
            return [
                c("Gmail: an app password (with 2-Step Verification), or XOAUTH2 with a refresh token.",
                  "Gmail: アプリ パスワード（2 段階認証プロセスが必要）か、リフレッシュ トークンによる XOAUTH2 を使います。"),
                "upstream:",
                "  host: smtp.gmail.com",
                "  port: 465",
                "  mode: tls",
                "  auth:",
                "    mechanism: plain",
                "    user: scanner@example.com",
                "    password_file: /etc/mailtls/gmail-app-password",
                c("  Or XOAUTH2 (the refresh token file is rewritten when Google rotates it):",
                  "  または XOAUTH2（Google がリフレッシュ トークンを更新すると、ファイルも書き換えます）:"),
                "  #   mechanism: xoauth2",
                "  #   user: scanner@example.com",
                "  #   oauth2:",
                "  #     token_url: https://oauth2.googleapis.com/token",
                "  #     client_id: YOUR-CLIENT-ID.apps.googleusercontent.com",
                "  #     client_secret_file: /etc/mailtls/gmail-client-secret",
                "  #     refresh_token_file: /var/lib/mailtls/gmail-refresh-token",
            ]
        case .generic:
            return [
                c("Your provider's submission server: 587 with STARTTLS or 465 with SSL/TLS; TLS 1.2 or later, certificate verified.",
                  "プロバイダーの送信サーバーです。ポート 587 と STARTTLS、またはポート 465 と SSL/TLS を使います。TLS 1.2 以降で、証明書を検証します。"),
                "upstream:",
                "  host: smtp.example.net",
                "  port: 587",
                "  mode: starttls",
                "  # ca_file: /etc/mailtls/private-ca.pem",
                "  auth:",
                "    mechanism: plain",
                "    user: scanner@example.com",
                "    password_file: /etc/mailtls/upstream-password",
            ]
        }
    }
}
