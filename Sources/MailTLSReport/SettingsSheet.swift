import MailTLSCore
import MailTLSSetup

/// A printable page with the settings of one account, for the person who types them into a phone, a mail program
/// or the menus of a multifunction printer. It holds no password, only where the password goes.
///
/// The page is self-contained (inline CSS, no scripts, no external resources) and written as well-formed XML
/// (void elements closed, every value escaped), so it is HTML5 that XML tools can check too.
public enum SettingsSheet {
    /// The whole page in `language`. `generatedAt` is printed as given (say, an ISO 8601 time); `notes` become a
    /// list at the end.
    public static func render(_ recommendation: AccountRecommendation, language: Language, generatedAt: String,
                              notes: [String] = []) -> String {
        let address = recommendation.address
        let title = Text.title(language, ["address": address])
        var body: [String] = []
        body.append("<h1>\(escaped(title))</h1>")
        body.append("<table class=\"account\">")
        body.append(row(Text.address(language), code: address))
        if !recommendation.displayName.isEmpty {
            body.append(row(Text.name(language), plain: recommendation.displayName))
        }
        body.append("</table>")

        body += serverSection(Text.incoming, recommendation.incoming, address: address, language: language,
                              emptyMeaning: Text.noIncoming(language))
        if let alternative = recommendation.incomingAlternative {
            body += serverSection(Text.incomingAlternative, alternative, address: address, language: language)
        }
        body += serverSection(Text.outgoing, recommendation.outgoing, address: address, language: language,
                              emptyMeaning: Text.noOutgoing(language))
        if let device = recommendation.deviceProfile {
            body += deviceSection(device, address: address, language: language)
        }
        body.append("<section class=\"why\">")
        body.append("<p>\(escaped(Text.why(language)))</p>")
        body.append("</section>")
        if !notes.isEmpty {
            body.append("<section class=\"notes\">")
            body.append("<h2>\(escaped(Text.notes(language)))</h2>")
            body.append("<ul>")
            body += notes.map { "<li>\(escaped($0))</li>" }
            body.append("</ul>")
            body.append("</section>")
        }
        body.append("<p class=\"footer\">\(escaped(Text.footer(language, ["time": generatedAt])))</p>")

        return """
            <!DOCTYPE html>
            <html lang="\(language.rawValue)">
            <head>
            <meta charset="utf-8"/>
            <meta name="viewport" content="width=device-width, initial-scale=1"/>
            <title>\(escaped(title))</title>
            <style>
            \(style)
            </style>
            </head>
            <body>
            \(body.joined(separator: "\n"))
            </body>
            </html>

            """
    }

    /// One server: a heading naming the protocol and a table of what to type where.
    private static func serverSection(_ heading: LocalizedText, _ server: ServerSetting?, address: String,
                                      language: Language, emptyMeaning: String = "") -> [String] {
        var lines = ["<section class=\"server\">"]
        guard let server else {
            lines.append("<h2>\(escaped(heading(language, ["protocol": "-"])))</h2>")
            lines.append("<p>\(escaped(emptyMeaning))</p>")
            lines.append("</section>")
            return lines
        }
        lines.append("<h2>\(escaped(heading(language, ["protocol": protocolName(server.kind)])))</h2>")
        lines += serverTable(server, address: address, language: language)
        lines.append("</section>")
        return lines
    }

    private static func serverTable(_ server: ServerSetting, address: String, language: Language) -> [String] {
        let username = server.resolvedUsername(for: address)
        return [
            "<table>",
            row(Text.hostname(language), code: server.hostname),
            row(Text.port(language), code: String(server.port)),
            row(Text.encryption(language), code: encryptionLabel(server.socketType, language)),
            row(Text.authentication(language), plain: server.authentication
                .map { authenticationName($0, language) }.joined(separator: " / ")),
            username.isEmpty ? row(Text.username(language), plain: Text.noUsername(language))
                : row(Text.username(language), code: username),
            row(Text.password(language), plain: Text.accountPassword(language)),
            "</table>",
        ]
    }

    /// Scanners, MFPs and old devices: the implicit-TLS port when STARTTLS is missing, and what TLS 1.0/1.1 means.
    private static func deviceSection(_ device: DeviceProfile, address: String, language: Language) -> [String] {
        var lines = ["<section class=\"device\">", "<h2>\(escaped(Text.deviceHeading(language)))</h2>"]
        if let implicit = device.withoutSTARTTLS {
            let values = ["port": String(implicit.port), "security": implicit.socketType.deviceLabel]
            lines.append("<p>\(escaped(Text.withoutSTARTTLS(language, values)))</p>")
            lines += serverTable(implicit, address: address, language: language)
        } else {
            lines.append("<p>\(escaped(Text.noImplicitTLS(language)))</p>")
        }
        if let oldest = device.oldestTLSVersion {
            lines.append("<p>\(escaped(Text.oldestTLS(language, ["version": oldest])))</p>")
        }
        let legacy = device.legacyTLSAccepted ? Text.legacyAccepted(language) : Text.legacyNeedsRelay(language)
        lines.append("<p>\(escaped(legacy))</p>")
        lines.append("</section>")
        return lines
    }

    private static func row(_ label: String, code value: String) -> String {
        "<tr><th>\(escaped(label))</th><td><code>\(escaped(value))</code></td></tr>"
    }

    private static func row(_ label: String, plain value: String) -> String {
        "<tr><th>\(escaped(label))</th><td>\(escaped(value))</td></tr>"
    }

    private static func protocolName(_ kind: MailProtocol) -> String { kind.displayName }

    /// The label device menus show ("SSL/TLS", "STARTTLS"); "none" in the reader's language.
    private static func encryptionLabel(_ socketType: SecurityMode, _ language: Language) -> String {
        socketType == .plaintext ? Text.noEncryption(language) : socketType.deviceLabel
    }

    private static func authenticationName(_ kind: AuthenticationKind, _ language: Language) -> String {
        switch kind {
        case .passwordCleartext: Text.normalPassword(language)
        case .passwordEncrypted: Text.encryptedPassword(language)
        case .oauth2: "OAuth2"
        case .ntlm: "NTLM"
        case .gssapi: "Kerberos (GSSAPI)"
        case .clientIPAddress: Text.clientAddress(language)
        case .tlsClientCertificate: Text.clientCertificate(language)
        case .none: Text.noAuthentication(language)
        }
    }

    /// Any value stays text, in HTML and in XML.
    static func escaped(_ text: String) -> String { MarkupText.escaped(text) }

    /// Readable on screen, one or two A4 pages on paper. No `<` or `&`, so it is valid XML character data too.
    private static let style = """
        body { font-family: system-ui, -apple-system, "Segoe UI", "Hiragino Sans", "Noto Sans JP", "Yu Gothic", \
        sans-serif; max-width: 46em; margin: 2em auto; padding: 0 1em; color: #111; line-height: 1.5; }
        h1 { font-size: 1.5em; border-bottom: 2px solid #111; padding-bottom: 0.2em; }
        h2 { font-size: 1.15em; margin: 1.6em 0 0.4em; }
        table { border-collapse: collapse; width: 100%; margin: 0.4em 0 0.8em; }
        th, td { border: 1px solid #888; padding: 0.35em 0.6em; text-align: left; vertical-align: top; }
        th { width: 32%; background: #f2f2f2; font-weight: 600; }
        code { font-family: ui-monospace, Menlo, Consolas, "Noto Sans Mono", monospace; font-size: 1.05em; \
        word-break: break-all; }
        .why, .footer { font-size: 0.9em; color: #333; }
        @page { margin: 15mm; }
        @media print { body { margin: 0; max-width: none; } section, table { break-inside: avoid; } \
        th { background: none; } }
        """
}

extension SettingsSheet {
    /// Every word on the sheet, in the terms of the product's guide (受信サーバー, 送信サーバー, 複合機, ...).
    enum Text {
        static let title = LocalizedText(en: "Mail settings for {address}", ja: "{address} のメール設定")
        static let address = LocalizedText(en: "Email address", ja: "メールアドレス")
        static let name = LocalizedText(en: "Name", ja: "名前")
        static let incoming = LocalizedText(en: "Incoming server ({protocol})", ja: "受信サーバー（{protocol}）")
        static let incomingAlternative = LocalizedText(
            en: "Incoming server, alternative ({protocol})", ja: "受信サーバー（別の方法: {protocol}）")
        static let outgoing = LocalizedText(en: "Outgoing server ({protocol})", ja: "送信サーバー（{protocol}）")
        static let noIncoming = LocalizedText(
            en: "No incoming server could be verified.", ja: "接続を確認できた受信サーバーはありません。")
        static let noOutgoing = LocalizedText(
            en: "No outgoing server could be verified.", ja: "接続を確認できた送信サーバーはありません。")
        static let hostname = LocalizedText(en: "Hostname", ja: "サーバー名")
        static let port = LocalizedText(en: "Port", ja: "ポート")
        static let encryption = LocalizedText(en: "Encryption", ja: "暗号化方式")
        static let authentication = LocalizedText(en: "Authentication", ja: "認証方式")
        static let username = LocalizedText(en: "Username", ja: "ユーザー名")
        static let password = LocalizedText(en: "Password", ja: "パスワード")
        static let accountPassword = LocalizedText(
            en: "The account's password (not printed here)", ja: "このアカウントのパスワード（この用紙には記載しません）")
        static let noUsername = LocalizedText(en: "(none)", ja: "（なし）")
        static let noEncryption = LocalizedText(en: "None", ja: "なし")
        static let normalPassword = LocalizedText(en: "Normal password", ja: "通常のパスワード")
        static let encryptedPassword = LocalizedText(
            en: "Encrypted password (CRAM-MD5)", ja: "暗号化されたパスワード（CRAM-MD5）")
        static let clientAddress = LocalizedText(
            en: "None (allowed by IP address)", ja: "なし（IP アドレスで許可）")
        static let clientCertificate = LocalizedText(en: "TLS client certificate", ja: "TLS クライアント証明書")
        static let noAuthentication = LocalizedText(en: "None", ja: "なし")
        static let deviceHeading = LocalizedText(
            en: "For scanners and MFPs / old devices", ja: "スキャナー・複合機・古い機器向け")
        static let withoutSTARTTLS = LocalizedText(
            en: "If the device has no STARTTLS setting, send through port {port} with encryption \"{security}\":",
            ja: "機器に STARTTLS の設定がない場合は、ポート {port}・暗号化方式「{security}」で送信してください。")
        static let noImplicitTLS = LocalizedText(
            en: "This server has no SSL/TLS (implicit TLS) port for sending: a device without STARTTLS needs a relay.",
            ja: "このサーバーには SSL/TLS（最初から暗号化）の送信用ポートがありません。STARTTLS に対応していない機器には、中継サーバーが必要です。")
        static let oldestTLS = LocalizedText(
            en: "Oldest TLS version the server accepts: {version}.",
            ja: "サーバーが受け付ける最も古い TLS バージョン: {version}")
        static let legacyNeedsRelay = LocalizedText(
            en: "A device limited to TLS 1.0/1.1 cannot send here: it needs a relay (a local mail server that "
                + "accepts its mail and forwards it with TLS 1.2 or later), or a firmware update.",
            ja: "TLS 1.0/1.1 までしか使えない機器は、このサーバーへ送信できません。中継サーバー（機器からメールを受け取り、"
                + "TLS 1.2 以上で転送するローカルのメールサーバー）か、ファームウェアの更新が必要です。")
        static let legacyAccepted = LocalizedText(
            en: "Devices limited to TLS 1.0/1.1 can still send here, but servers are turning these versions off: "
                + "plan a firmware update or a relay.",
            ja: "TLS 1.0/1.1 までの機器も現在は送信できますが、これらのバージョンは各サーバーで無効化が進んでいます。"
                + "ファームウェアの更新か中継サーバーを検討してください。")
        static let why = LocalizedText(
            en: "Why SSL/TLS comes first: RFC 8314 recommends implicit TLS (SSL/TLS, ports 465, 993 and 995) over "
                + "STARTTLS, because the connection is encrypted from its first byte and cannot be stripped down to "
                + "plain text.",
            ja: "SSL/TLS を優先する理由: RFC 8314 は、SSL/TLS（ポート 465・993・995）を STARTTLS より推奨しています。"
                + "最初の 1 バイトから暗号化され、暗号化なしに戻される心配がないためです。")
        static let notes = LocalizedText(en: "Notes", ja: "補足")
        static let footer = LocalizedText(
            en: "Made by mailtls on {time}. No password is printed on this sheet.",
            ja: "mailtls が {time} に作成しました。この用紙にはパスワードを記載していません。")
    }
}
