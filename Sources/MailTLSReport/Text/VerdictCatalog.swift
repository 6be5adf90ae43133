import MailTLSCheck

/// The words of every verdict that more than one command reaches, written once: what is wrong, and how to fix it for
/// whoever acts on it. check, domain, watch and diagnose each name what they judged (the subject: "the certificate on
/// port 587", "the certificate of mx1.example.com", "the server's certificate") and add a sentence of their own where
/// their reader needs one (what MTA-STS senders do, what the user's setting was); the verdict's own words come from
/// here. The short forms of the same verdicts, for tables and evidence, are `CertificateProblemText` and
/// `TransportProblemText`.
///
/// Placeholders besides the subject: `{date}`, `{days}`, `{name}`, `{names}` (from
/// `CertificateAssessment.Problem.parameters`), `{keyword}` (STARTTLS or STLS) and `{evidence}`.
public enum VerdictCatalog {
    /// The verdicts that check, domain and diagnose share (`CertificateAssessment` and `TransportAssessment`).
    public enum Verdict: String, Sendable, CaseIterable {
        case certificateExpired, certificateNotYetValid, certificateExpiringSoon, certificateNameMismatch
        case certificateUntrusted, certificateSelfSigned
        case portClosed, portFiltered, serverUnavailable, plaintextOnTLSPort, tlsOnSTARTTLSPort
        case startTLSNotOffered, handshakeFailed

        /// Whether the subject is a certificate (else a port).
        public var isAboutCertificate: Bool {
            switch self {
            case .certificateExpired, .certificateNotYetValid, .certificateExpiringSoon, .certificateNameMismatch,
                 .certificateUntrusted, .certificateSelfSigned: true
            case .portClosed, .portFiltered, .serverUnavailable, .plaintextOnTLSPort, .tlsOnSTARTTLSPort,
                 .startTLSNotOffered, .handshakeFailed: false
            }
        }
    }

    /// Who acts on the fix: the server's administrator (check, domain, watch), or the person who sets up a client
    /// or a device (diagnose).
    public enum Reader: Sendable {
        case serverAdministrator
        case clientUser
    }

    /// What a command judged, in the words its sentences take: the certificate (`the certificate on port {ports}`) and
    /// the port (`port {ports}`), lower case (a sentence that starts with it gets its capital here); and who reads the
    /// command's fixes.
    public struct Subject: Sendable {
        public let certificate: LocalizedText
        public let port: LocalizedText
        public let reader: Reader

        public init(certificate: LocalizedText, port: LocalizedText, reader: Reader) {
            self.certificate = certificate
            self.port = port
            self.reader = reader
        }

        /// check and watch: one port of the host.
        public static let checkedPort = Subject(
            certificate: LocalizedText(en: "the certificate on port {ports}", ja: "ポート {ports} の証明書"),
            port: LocalizedText(en: "port {ports}", ja: "ポート {ports}"), reader: .serverAdministrator)
        /// domain: port 25 of an MX host.
        public static let mxHost = Subject(
            certificate: LocalizedText(en: "the certificate of {subjects}", ja: "{subjects} の証明書"),
            port: LocalizedText(en: "port 25 of {subjects}", ja: "{subjects} のポート 25"), reader: .serverAdministrator)
        /// diagnose: the server and port the user typed.
        public static let configuredServer = Subject(
            certificate: LocalizedText(en: "the server's certificate", ja: "サーバーの証明書"),
            port: LocalizedText(en: "port {port} of {host}", ja: "{host} のポート {port}"), reader: .clientUser)
    }

    /// A command's catalogue entry for a shared verdict: the statement about its subject, its own sentence after it
    /// if it has one, and the fix for its reader.
    public static func entry(_ verdict: Verdict, about subject: Subject, then addition: LocalizedText? = nil)
        -> FindingCatalog.Entry {
        FindingCatalog.Entry(message: statement(verdict, about: subject, then: addition),
                             fix: fix(verdict, for: subject.reader))
    }

    /// What is wrong, about `subject`, followed by the command's own sentence (`then`) if it has one.
    public static func statement(_ verdict: Verdict, about subject: Subject, then addition: LocalizedText? = nil)
        -> LocalizedText {
        let words = statement(verdict)
        let named = verdict.isAboutCertificate ? subject.certificate : subject.port
        let en = place(named.en, in: words.en) + (addition.map { " " + $0.en } ?? "")
        let ja = place(named.ja, in: words.ja) + (addition?.ja ?? "")
        return LocalizedText(en: en, ja: ja)
    }

    /// The fix for `reader`.
    public static func fix(_ verdict: Verdict, for reader: Reader) -> LocalizedText {
        let fixes = fixes(verdict)
        switch reader {
        case .serverAdministrator: return fixes.server
        case .clientUser: return fixes.client
        }
    }

    /// `{Subject}` at the start of a sentence takes a capital; `{subject}` stays as written. In Japanese a subject
    /// that ends in a Latin letter or digit is set apart from the particle after it by a space, as the glossary asks.
    static func place(_ subject: String, in template: String) -> String {
        var text = template.replacingOccurrences(of: "{Subject}", with: subject.prefix(1).uppercased() + subject.dropFirst())
        while let range = text.range(of: "{subject}") {
            let next = text[range.upperBound...].first
            let last = subject.last
            let latinEnd = last.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "}") } ?? false
            let japaneseNext = next.map { !$0.isASCII && $0 != "（" && $0 != "、" && $0 != "。" } ?? false
            text.replaceSubrange(range, with: subject + (latinEnd && japaneseNext ? " " : ""))
        }
        return text
    }

    // swiftlint:disable:next function_body_length cyclomatic_complexity
    static func statement(_ verdict: Verdict) -> LocalizedText {
        switch verdict {
        case .certificateExpired:
            LocalizedText(en: "{Subject} expired on {date}.",
                          ja: "{subject}は {date} に有効期限が切れています。")
        case .certificateNotYetValid:
            LocalizedText(en: "{Subject} is not valid before {date}.",
                          ja: "{subject}は、まだ有効期間が始まっていません（有効期間の開始: {date}）。")
        case .certificateExpiringSoon:
            LocalizedText(en: "{Subject} expires in {days} days ({date}).",
                          ja: "{subject}は、あと {days} 日（{date}）で有効期限が切れます。")
        case .certificateNameMismatch:
            LocalizedText(en: "{Subject} is not valid for {name}; it names {names}.",
                          ja: "{subject}は {name} に対して有効ではありません（証明書の名前: {names}）。")
        case .certificateUntrusted:
            LocalizedText(en: "{Subject} does not chain to a trusted root: {evidence}.",
                          ja: "{subject}は、信頼されたルート証明書までたどれません: {evidence}。")
        case .certificateSelfSigned:
            LocalizedText(
                en: "{Subject} is self-signed: clients warn or refuse, and a device that accepts it cannot tell the real server from an impostor.",
                ja: "{subject}は自己署名証明書です。クライアントは警告を出すか、接続を拒否します。この証明書を受け入れた機器は、本物のサーバーと偽のサーバーを区別できません。")
        case .portClosed:
            LocalizedText(en: "Nothing listens on {subject} (connection refused).",
                          ja: "{subject}は閉じています（接続が拒否されました）。")
        case .portFiltered:
            LocalizedText(en: "No answer on {subject}: a firewall drops the connection, on the way or at the server.",
                          ja: "{subject}から応答がありません。経路上かサーバー側のファイアウォールが通信を遮断している可能性があります。")
        case .serverUnavailable:
            LocalizedText(
                en: "The server on {subject} answered but refuses service for now: {evidence}. This is not a missing STARTTLS: the server is busy, rate-limiting or blocking this client.",
                ja: "{subject}のサーバーは応答しましたが、現在はサービスを拒否しています: {evidence}。STARTTLS がないという意味ではありません。サーバーが混雑しているか、接続数を制限しているか、このクライアントを拒否している可能性があります。")
        case .plaintextOnTLSPort:
            LocalizedText(
                en: "The server answers in plaintext on {subject}, where clients start with TLS (\"SSL/TLS\").",
                ja: "{subject}では、クライアントは最初から SSL/TLS で接続しますが、サーバーは暗号化なしで応答しています。")
        case .tlsOnSTARTTLSPort:
            LocalizedText(
                en: "The server expects TLS from the first byte on {subject}, where clients expect a plaintext greeting and STARTTLS.",
                ja: "{subject}では、クライアントは暗号化なしの挨拶と STARTTLS を待ちますが、サーバーは最初から TLS を求めています。")
        case .startTLSNotOffered:
            LocalizedText(en: "The server does not offer {keyword} on {subject}.",
                          ja: "{subject}のサーバーは {keyword} を提供していません。")
        case .handshakeFailed:
            LocalizedText(en: "The TLS handshake on {subject} fails: {evidence}.",
                          ja: "{subject}で TLS ハンドシェイクに失敗します: {evidence}。")
        }
    }

    // swiftlint:disable:next function_body_length cyclomatic_complexity
    static func fixes(_ verdict: Verdict) -> (server: LocalizedText, client: LocalizedText) {
        switch verdict {
        case .certificateExpired:
            (LocalizedText(
                en: "Renew the certificate (certbot renew, or your CA's process), install it with its intermediates and reload the mail server; automate renewal. A device with a wrong clock reports this too: check its date.",
                ja: "証明書を更新し（certbot renew、または認証局の手順）、中間証明書と一緒にインストールして、メールサーバーを再読み込みしてください。更新は自動化してください。なお、時計がずれている機器でも同じエラーになります。機器の日時も確認してください。"),
             LocalizedText(
                en: "First check the device's clock (a wrong date makes valid certificates look expired). If the clock is right, the server must renew its certificate.",
                ja: "まず機器の時計を確認してください（日付がずれていると、有効な証明書も期限切れに見えます）。時計が正しければ、サーバー側で証明書を更新する必要があります。"))
        case .certificateNotYetValid:
            (LocalizedText(
                en: "Check the server's clock and the certificate's dates, and install one that is valid now; a device whose clock is in the past reports this too.",
                ja: "サーバーの時計と証明書の有効期間を確認し、現在有効な証明書をインストールしてください。時計が遅れている機器でも同じエラーになります。"),
             LocalizedText(en: "Check the device's clock and time zone.",
                           ja: "機器の時計とタイムゾーンを確認してください。"))
        case .certificateExpiringSoon:
            (LocalizedText(
                en: "Renew it now, and make sure renewal is automatic and reloads the mail server afterwards.",
                ja: "今のうちに更新してください。あわせて、証明書が自動で更新され、更新後にメールサーバーが再読み込みされるか確認してください。"),
             LocalizedText(
                en: "Nothing to change on the device yet; tell the server's administrator before the date.",
                ja: "機器の設定を変える必要はまだありません。期限の前に、サーバーの管理者に知らせてください。"))
        case .certificateNameMismatch:
            (LocalizedText(
                en: "Use a certificate that lists {name} in its subjectAltName, or have clients use a host name the certificate carries: the server name typed in the client must match.",
                ja: "subjectAltName に {name} を含む証明書を使うか、証明書に記載されたサーバー名をクライアントに設定してください。クライアントに入力するサーバー名は、証明書の名前と一致している必要があります。"),
             LocalizedText(
                en: "Enter the server name exactly as the certificate names it ({names}), not an IP address or an alias.",
                ja: "サーバー名には、IP アドレスや別名ではなく、証明書に記載された名前（{names}）をそのまま入力してください。"))
        case .certificateUntrusted:
            (LocalizedText(
                en: "Use a certificate from a public CA (for example Let's Encrypt) and send the full chain. For a private CA, install its root on every client and give it to mailtls with --ca-file.",
                ja: "公的な認証局（Let's Encrypt など）の証明書を使い、証明書チェーン全体を送るよう設定してください。社内認証局を使う場合は、そのルート証明書をすべてのクライアントにインポートし、mailtls には --ca-file で指定してください。"),
             LocalizedText(
                en: "If the server uses a private CA, import that CA into the device; if the chain is incomplete, the server must send its intermediate certificates.",
                ja: "サーバーが社内認証局の証明書を使っている場合は、その認証局の証明書を機器にインポートしてください。中間証明書が足りない場合は、サーバー側で中間証明書も送るよう設定する必要があります。"))
        case .certificateSelfSigned:
            (LocalizedText(
                en: "Replace it with a certificate from a public CA (Let's Encrypt works for mail servers) or from your organisation's CA.",
                ja: "公的な認証局の証明書（メールサーバーにも Let's Encrypt が使えます）か、社内認証局の証明書に置き換えてください。"),
             LocalizedText(
                en: "Best: the server gets a certificate from a public CA. Otherwise import this certificate into the device as trusted, after checking its fingerprint with the administrator.",
                ja: "最善の対処は、サーバー側で公的な認証局の証明書に替えることです。それができない場合は、フィンガープリントをサーバーの管理者と照合したうえで、この証明書を信頼する証明書として機器にインポートしてください。"))
        case .portClosed:
            (LocalizedText(
                en: "If clients should use this port, start the service or open it in the firewall; otherwise nothing to do.",
                ja: "クライアントがこのポートを使う予定なら、サービスを起動するか、ファイアウォールでポートを開放してください。使わないポートなら対応は不要です。"),
             LocalizedText(
                en: "Use one of the settings that work (below), usually 465 with SSL/TLS or 587 with STARTTLS for sending, 993 with SSL/TLS for IMAP.",
                ja: "下に示す、動作する設定のどれかを使ってください。通常、送信はポート 465（SSL/TLS）かポート 587（STARTTLS）、IMAP はポート 993（SSL/TLS）です。"))
        case .portFiltered:
            (LocalizedText(
                en: "Open the port in the server's firewall. If your own network blocks it (ISPs often block 25), use 587 or 465, or try another network.",
                ja: "サーバー側のファイアウォールでこのポートを開放してください。利用者側のネットワークで遮断されている場合（プロバイダーはポート 25 をよく遮断します）は、ポート 587 か 465 を使うか、別のネットワークから試してください。"),
             LocalizedText(
                en: "Try the other ports listed below (587, 465, 2525); if none answers, try from another network (a phone's hotspot) to tell your network from the server's. ISPs often block 25 and sometimes 587.",
                ja: "下に示す別のポート（587、465、2525）を試してください。どれも応答しない場合は、別のネットワーク（スマートフォンのテザリングなど）から試して、原因が利用者側のネットワークにあるか、サーバー側にあるかを切り分けてください。プロバイダーはポート 25 をよく遮断し、ポート 587 を遮断することもあります。"))
        case .serverUnavailable:
            (LocalizedText(
                en: "Try again later or from another address; check the server's connection limits, postscreen or fail2ban rules, and its log.",
                ja: "時間をおいてから、または別のアドレスから再試行してください。サーバー側では、接続数の制限、postscreen や fail2ban の設定、ログを確認してください。"),
             LocalizedText(
                en: "This is the server's answer, not a setting problem: wait and retry; if it persists, your address may be rate-limited or blocklisted: ask the provider.",
                ja: "これは設定の問題ではなく、サーバー側の応答です。時間をおいて再試行してください。続く場合は、接続元のアドレスが制限されているか、ブロックリストに載っている可能性があります。プロバイダーに問い合わせてください。"))
        case .plaintextOnTLSPort:
            (LocalizedText(
                en: "Enable implicit TLS (\"SSL/TLS\") on this port. Clients set to \"SSL/TLS\" cannot connect until then; do not tell them to turn encryption off.",
                ja: "サーバー側でこのポートの SSL/TLS を有効にしてください。それまでは、暗号化方式が「SSL/TLS」のクライアントは接続できません。利用者に暗号化を無効にするよう案内しないでください。"),
             LocalizedText(
                en: "Set the security to \"STARTTLS\" for port {port}, or keep \"SSL/TLS\" and use the implicit-TLS port (465 for SMTP, 993 for IMAP, 995 for POP3).",
                ja: "ポート {port} を使うなら、暗号化方式を「STARTTLS」に変更してください。「SSL/TLS」のままにするなら、SSL/TLS 用のポート（SMTP は 465、IMAP は 993、POP3 は 995）を使ってください。"))
        case .tlsOnSTARTTLSPort:
            (LocalizedText(
                en: "Configure the port for STARTTLS, or tell clients to choose \"SSL/TLS\" for this port. Clients set to \"STARTTLS\" time out here.",
                ja: "このポートを STARTTLS 用に設定し直してください。または、このポートでは暗号化方式に「SSL/TLS」を選ぶよう利用者に案内してください。暗号化方式が「STARTTLS」のクライアントは、このポートではタイムアウトします。"),
             LocalizedText(
                en: "Set the security to \"SSL/TLS\" for port {port}, or use the STARTTLS port (587 for SMTP, 143 for IMAP, 110 for POP3).",
                ja: "ポート {port} を使うなら、暗号化方式を「SSL/TLS」に変更してください。または、STARTTLS 用のポート（SMTP は 587、IMAP は 143、POP3 は 110）を使ってください。"))
        case .startTLSNotOffered:
            (LocalizedText(
                en: "Enable STARTTLS with a valid certificate. Submission and mailbox ports can use implicit TLS instead (465, 993, 995).",
                ja: "有効な証明書を設定して STARTTLS を有効にしてください。送信用とメールボックス用のポートなら、代わりに SSL/TLS（465、993、995）も使えます。"),
             LocalizedText(
                en: "Use the implicit-TLS port with \"SSL/TLS\" (465 for SMTP, 993 for IMAP, 995 for POP3). Never switch encryption off to make it work.",
                ja: "暗号化方式を「SSL/TLS」にして、SSL/TLS 用のポート（SMTP は 465、IMAP は 993、POP3 は 995）を使ってください。接続できるようにするために暗号化を無効にすることは、絶対にしないでください。"))
        case .handshakeFailed:
            (LocalizedText(
                en: "Check the certificate and key, the enabled TLS versions (at least TLS 1.2) and the ciphers in the server's configuration, and the reason in its log.",
                ja: "サーバー設定の証明書と鍵、有効な TLS バージョン（TLS 1.2 以上）、暗号スイートを確認し、ログで失敗の理由を確認してください。"),
             LocalizedText(
                en: "Check the port and security setting first; if they are right, the server's TLS configuration is at fault: tell its administrator.",
                ja: "まずポートと暗号化方式を確認してください。設定が正しければ、サーバー側の TLS 設定に問題があります。サーバーの管理者に連絡してください。"))
        }
    }
}
