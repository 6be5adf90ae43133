import MailTLSCheck

/// The explanation and fix of every finding, in English and Japanese. Placeholders: `{ports}`, `{evidence}` and the
/// finding's own parameters.
public enum FindingCatalog {
    public struct Entry: Sendable {
        public let message: LocalizedText
        public let fix: LocalizedText
    }

    public static func message(for finding: Finding, in language: Language) -> String {
        entry(finding.id).message(language, values(of: finding, language))
    }

    public static func fix(for finding: Finding, in language: Language) -> String {
        entry(finding.id).fix(language, values(of: finding, language))
    }

    static func values(of finding: Finding, _ language: Language) -> [String: String] {
        var values = finding.parameters
        values["ports"] = finding.ports.map(String.init).joined(separator: ", ")
        values["evidence"] = EvidenceText.render(finding.evidence, language)
        for key in ["keyword", "bytes", "date", "days", "name", "names", "issuer", "versions", "version", "cipher",
                    "seconds"] where values[key] == nil {
            values[key] = finding.evidence
        }
        return values
    }

    // swiftlint:disable:next function_body_length cyclomatic_complexity
    public static func entry(_ id: FindingID) -> Entry {
        switch id {
        case .portClosed:
            return Entry(
                message: LocalizedText(
                    en: "Nothing listens on port {ports} (connection refused).",
                    ja: "ポート {ports} は閉じています(接続拒否)。"),
                fix: LocalizedText(
                    en: "If clients should use this port, start the service or open it in the firewall; otherwise nothing to do.",
                    ja: "このポートを使う予定があれば、サービスを起動するかファイアウォールで開放してください。使わないなら対応は不要です。"))
        case .portFiltered:
            return Entry(
                message: LocalizedText(
                    en: "No answer on port {ports}: a firewall drops the connection.",
                    ja: "ポート {ports} から応答がありません。ファイアウォールが通信を遮断しています。"),
                fix: LocalizedText(
                    en: "Open the port in the server's firewall. If your own network blocks it (ISPs often block 25), use 587 or 465, or try another network.",
                    ja: "サーバー側のファイアウォールでポートを開放してください。利用者側のネットワークが遮断している場合(プロバイダーは 25 番をよく遮断します)は、587 番か 465 番を使うか、別のネットワークで試してください。"))
        case .wrongModePlaintextOnTLSPort:
            return Entry(
                message: LocalizedText(
                    en: "The server answers in plaintext on port {ports}, where clients start with TLS (\"SSL/TLS\").",
                    ja: "ポート {ports} は最初から SSL/TLS で始まるべきですが、サーバーは暗号化なしで応答しています。"),
                fix: LocalizedText(
                    en: "Enable implicit TLS on this port (Postfix: -o smtpd_tls_wrappermode=yes on 465; Dovecot: ssl=yes on the imaps/pop3s listener). Clients set to \"SSL/TLS\" cannot connect until then; do not tell them to turn encryption off.",
                    ja: "サーバー側でこのポートの SSL/TLS を有効にしてください(Postfix の 465 番は -o smtpd_tls_wrappermode=yes、Dovecot は imaps/pop3s リスナーで ssl=yes)。それまで「SSL/TLS」設定のクライアントは接続できません。暗号化なしで使うよう案内しないでください。"))
        case .wrongModeTLSOnSTARTTLSPort:
            return Entry(
                message: LocalizedText(
                    en: "The server expects TLS from the first byte on port {ports}, where clients expect a plaintext greeting and STARTTLS.",
                    ja: "ポート {ports} は暗号化なしで挨拶して STARTTLS を提供するべきですが、最初から TLS を要求しています。"),
                fix: LocalizedText(
                    en: "Configure the port for STARTTLS (Postfix: remove smtpd_tls_wrappermode from 587), or tell clients to choose \"SSL/TLS\" for this port. Clients set to \"STARTTLS\" time out here.",
                    ja: "このポートを STARTTLS 用に設定し直すか(Postfix なら 587 番から smtpd_tls_wrappermode を外す)、このポートでは「SSL/TLS」を選ぶようクライアントに案内してください。「STARTTLS」設定のクライアントはタイムアウトします。"))
        case .starttlsNotSupported:
            return Entry(
                message: LocalizedText(
                    en: "No {keyword} on port {ports}: passwords and mail cross the network unencrypted.",
                    ja: "ポート {ports} は {keyword} に対応していません。パスワードとメールが暗号化されずに送られます。"),
                fix: LocalizedText(
                    en: "Enable STARTTLS with a valid certificate (Postfix: smtpd_tls_security_level=may or encrypt, smtpd_tls_chain_files; Dovecot: ssl=yes), or use the implicit TLS ports 465, 993 and 995.",
                    ja: "正しい証明書を設定して STARTTLS を有効にしてください(Postfix: smtpd_tls_security_level=may または encrypt と smtpd_tls_chain_files、Dovecot: ssl=yes)。または SSL/TLS のポート(465、993、995)を使ってください。"))
        case .starttlsOptional:
            return Entry(
                message: LocalizedText(
                    en: "Mail is accepted before STARTTLS on port {ports}: a client that skips STARTTLS, or an attacker who strips it, sends in the clear.",
                    ja: "ポート {ports} は STARTTLS の前でもメールを受け付けます。STARTTLS を使わないクライアントや、STARTTLS を取り除く攻撃者の通信は暗号化されません。"),
                fix: LocalizedText(
                    en: "Require TLS on submission ports (Postfix: -o smtpd_tls_security_level=encrypt) and offer AUTH only after TLS (smtpd_tls_auth_only=yes).",
                    ja: "送信用ポートでは TLS を必須にし(Postfix: -o smtpd_tls_security_level=encrypt)、認証は TLS の後だけにしてください(smtpd_tls_auth_only=yes)。"))
        case .starttlsFailed:
            return Entry(
                message: LocalizedText(
                    en: "STARTTLS on port {ports} does not work: {evidence}",
                    ja: "ポート {ports} の STARTTLS が機能していません: {evidence}"),
                fix: LocalizedText(
                    en: "Check the server's TLS settings and log: certificate and key readable and matching, TLS 1.2 or later enabled, ciphers not over-restricted.",
                    ja: "サーバーの TLS 設定とログを確認してください。証明書と鍵が読めて一致しているか、TLS 1.2 以上が有効か、暗号方式を絞りすぎていないかを見てください。"))
        case .starttlsInjection:
            return Entry(
                message: LocalizedText(
                    en: "On port {ports} the server, or something in between, sent {bytes} bytes after agreeing to STARTTLS. They could be injected commands (CVE-2011-0411); mailtls discarded them.",
                    ja: "ポート {ports} では、STARTTLS に同意した後にサーバー(または途中の機器)が {bytes} バイトを送ってきました。コマンド注入(CVE-2011-0411)の恐れがあるため、mailtls は破棄しました。"),
                fix: LocalizedText(
                    en: "Update the mail server software and look for a proxy or firewall that rewrites mail traffic.",
                    ja: "メールサーバーのソフトウェアを更新し、メールの通信を書き換えるプロキシやファイアウォールがないか確認してください。"))
        case .tlsHandshakeFailed:
            return Entry(
                message: LocalizedText(
                    en: "The TLS handshake on port {ports} failed: {evidence}",
                    ja: "ポート {ports} の TLS ハンドシェイクに失敗しました: {evidence}"),
                fix: LocalizedText(
                    en: "Check the certificate and key, the enabled TLS versions (at least TLS 1.2) and the ciphers in the server's configuration.",
                    ja: "サーバー設定の証明書と鍵、有効な TLS バージョン(TLS 1.2 以上)と暗号方式を確認してください。"))
        case .cleartextAuthAllowed:
            return Entry(
                message: LocalizedText(
                    en: "A password is accepted before TLS on port {ports}: anyone on the path can read it.",
                    ja: "ポート {ports} は TLS の前にパスワードを受け付けます。経路上の誰でもパスワードを読めます。"),
                fix: LocalizedText(
                    en: "Refuse authentication before TLS (Postfix: smtpd_tls_auth_only=yes; Dovecot: disable_plaintext_auth=yes or ssl=required) and have users choose \"SSL/TLS\" or \"STARTTLS\".",
                    ja: "TLS の前の認証を拒否してください(Postfix: smtpd_tls_auth_only=yes、Dovecot: disable_plaintext_auth=yes または ssl=required)。利用者には「SSL/TLS」か「STARTTLS」を選ぶよう案内してください。"))
        case .certificateExpired:
            return Entry(
                message: LocalizedText(
                    en: "The certificate on port {ports} expired on {date}.",
                    ja: "ポート {ports} の証明書は {date} に期限切れになっています。"),
                fix: LocalizedText(
                    en: "Renew the certificate (certbot renew, or your CA's process), install it with its intermediates and reload the mail server. A device with a wrong clock reports this too: check its date.",
                    ja: "証明書を更新し(certbot renew や認証局の手順)、中間証明書と一緒に設定してメールサーバーを再読み込みしてください。端末や複合機の時計がずれていても同じエラーになるので、日時も確認してください。"))
        case .certificateNotYetValid:
            return Entry(
                message: LocalizedText(
                    en: "The certificate on port {ports} is not valid before {date}.",
                    ja: "ポート {ports} の証明書は {date} まで有効になりません。"),
                fix: LocalizedText(
                    en: "Check the server's clock and the certificate's dates; a device whose clock is in the past reports this too.",
                    ja: "サーバーの時計と証明書の有効期間を確認してください。端末の時計が過去になっていても同じエラーになります。"))
        case .certificateExpiringSoon:
            return Entry(
                message: LocalizedText(
                    en: "The certificate on port {ports} expires in {days} days ({date}).",
                    ja: "ポート {ports} の証明書はあと {days} 日({date})で期限切れになります。"),
                fix: LocalizedText(
                    en: "Renew it now, and make sure renewal is automatic and reloads the mail server afterwards.",
                    ja: "今すぐ更新し、自動更新と更新後のメールサーバー再読み込みが設定されているか確認してください。"))
        case .certificateHostMismatch:
            return Entry(
                message: LocalizedText(
                    en: "The certificate on port {ports} is not valid for {name}; it names {names}.",
                    ja: "ポート {ports} の証明書は {name} に対して有効ではありません(証明書の名前: {names})。"),
                fix: LocalizedText(
                    en: "Use a certificate that lists {name} in its subjectAltName, or have clients use a host name the certificate carries: the server name typed in the client must match.",
                    ja: "{name} を subjectAltName に含む証明書を使うか、証明書にあるホスト名をクライアントに設定してください。クライアントに入力するサーバー名は証明書と一致する必要があります。"))
        case .certificateNotTrusted:
            return Entry(
                message: LocalizedText(
                    en: "The certificate on port {ports} does not chain to a trusted root ({issuer}).",
                    ja: "ポート {ports} の証明書は信頼されたルート証明書につながりません({issuer})。"),
                fix: LocalizedText(
                    en: "Use a certificate from a public CA (for example Let's Encrypt). For a private CA, install its root on every client and give it to mailtls with --ca-file.",
                    ja: "公的な認証局(Let's Encrypt など)の証明書を使ってください。社内認証局の場合は、ルート証明書をすべてのクライアントに導入し、mailtls には --ca-file で指定してください。"))
        case .certificateSelfSigned:
            return Entry(
                message: LocalizedText(
                    en: "The certificate on port {ports} is self-signed: clients warn or refuse, and a device that accepts it cannot tell the real server from an impostor.",
                    ja: "ポート {ports} の証明書は自己署名です。クライアントは警告または拒否し、受け入れた端末は本物のサーバーと偽物を区別できません。"),
                fix: LocalizedText(
                    en: "Replace it with a certificate from a public CA (Let's Encrypt works for mail servers) or from your organisation's CA.",
                    ja: "公的な認証局(メールサーバーにも Let's Encrypt が使えます)か社内認証局の証明書に置き換えてください。"))
        case .certificateChainIncomplete:
            return Entry(
                message: LocalizedText(
                    en: "The server on port {ports} sends its certificate without the intermediate that issued it ({issuer}). Browsers may cope; mail clients and MFPs usually fail.",
                    ja: "ポート {ports} は発行元の中間証明書({issuer})を送っていません。ブラウザーは補えても、メールソフトや複合機の多くは失敗します。"),
                fix: LocalizedText(
                    en: "Serve the full chain: Postfix smtpd_tls_chain_files = key.pem, fullchain.pem; Dovecot ssl_cert = </path/fullchain.pem.",
                    ja: "中間証明書を含むチェーンを設定してください。Postfix は smtpd_tls_chain_files = key.pem, fullchain.pem、Dovecot は ssl_cert = </path/fullchain.pem です。"))
        case .tlsVersionDeprecated:
            return Entry(
                message: LocalizedText(
                    en: "The server on port {ports} still accepts {versions}, deprecated since 2021 (RFC 8996).",
                    ja: "ポート {ports} は非推奨の {versions} をまだ受け付けています(RFC 8996)。"),
                fix: LocalizedText(
                    en: "Allow TLS 1.2 and 1.3 only (Postfix: smtpd_tls_protocols = >=TLSv1.2 and smtpd_tls_mandatory_protocols = >=TLSv1.2; Dovecot: ssl_min_protocol = TLSv1.2). Old devices that need TLS 1.0 should send through a local relay.",
                    ja: "TLS 1.2 と 1.3 だけを許可してください(Postfix: smtpd_tls_protocols = >=TLSv1.2 と smtpd_tls_mandatory_protocols = >=TLSv1.2、Dovecot: ssl_min_protocol = TLSv1.2)。TLS 1.0 しか使えない古い複合機などはローカルの中継サーバー経由にしてください。"))
        case .tlsVersionModernMissing:
            return Entry(
                message: LocalizedText(
                    en: "The server on port {ports} offers nothing newer than {version}: current clients and providers refuse it.",
                    ja: "ポート {ports} は {version} より新しいバージョンに対応していません。現在のクライアントやプロバイダーは接続を拒否します。"),
                fix: LocalizedText(
                    en: "Enable TLS 1.2 and 1.3 in the server's TLS library and configuration.",
                    ja: "サーバーの TLS ライブラリと設定で TLS 1.2 と 1.3 を有効にしてください。"))
        case .weakCipher:
            return Entry(
                message: LocalizedText(
                    en: "The server on port {ports} chose {cipher}, a suite without forward secrecy or with a weak cipher.",
                    ja: "ポート {ports} は {cipher} を選びました。前方秘匿性がないか、弱い暗号方式です。"),
                fix: LocalizedText(
                    en: "Prefer ECDHE with AES-GCM or ChaCha20 (Postfix: tls_preempt_cipherlist = yes, smtpd_tls_mandatory_ciphers = high; Dovecot: ssl_prefer_server_ciphers = yes).",
                    ja: "ECDHE と AES-GCM または ChaCha20 を優先してください(Postfix: tls_preempt_cipherlist = yes と smtpd_tls_mandatory_ciphers = high、Dovecot: ssl_prefer_server_ciphers = yes)。"))
        case .weakKey:
            return Entry(
                message: LocalizedText(
                    en: "A certificate on port {ports} has a weak key: {evidence}.",
                    ja: "ポート {ports} の証明書の鍵が弱すぎます: {evidence}。"),
                fix: LocalizedText(
                    en: "Issue a new certificate with an RSA key of at least 2048 bits or an EC P-256 key.",
                    ja: "2048 ビット以上の RSA 鍵か EC P-256 鍵で証明書を発行し直してください。"))
        case .weakSignature:
            return Entry(
                message: LocalizedText(
                    en: "A certificate on port {ports} is signed with a weak algorithm: {evidence}.",
                    ja: "ポート {ports} の証明書は弱い署名アルゴリズムで署名されています: {evidence}。"),
                fix: LocalizedText(
                    en: "Reissue the certificate with a SHA-256 or stronger signature.",
                    ja: "SHA-256 以上の署名で証明書を発行し直してください。"))
        case .serverUnavailable:
            return Entry(
                message: LocalizedText(
                    en: "The server on port {ports} answered but refuses service for now: {evidence}. This is not a missing STARTTLS: the server is busy, rate-limiting or blocking this client.",
                    ja: "ポート {ports} は応答しましたが、現在はサービスを拒否しています: {evidence}。STARTTLS がないのではなく、サーバーが混雑しているか、接続を制限しているか、このクライアントを拒否しています。"),
                fix: LocalizedText(
                    en: "Try again later or from another address; check the server's connection limits, postscreen or fail2ban rules, and its log.",
                    ja: "時間をおくか別のアドレスから再試行してください。サーバーの接続数制限、postscreen や fail2ban の設定、ログを確認してください。"))
        case .greetingSlow:
            return Entry(
                message: LocalizedText(
                    en: "The server on port {ports} took {seconds} s to greet (a deliberate delay or an overloaded server). Clients with short timeouts give up.",
                    ja: "ポート {ports} の挨拶までに {seconds} 秒かかりました(意図的な遅延か、サーバーの過負荷)。タイムアウトの短いクライアントは接続をあきらめます。"),
                fix: LocalizedText(
                    en: "Keep deliberate delays (postscreen, greet pauses) off submission ports; otherwise check reverse DNS lookups and the server's load.",
                    ja: "意図的な遅延(postscreen など)は送信用ポートでは使わないでください。そうでなければ逆引き DNS やサーバーの負荷を確認してください。"))
        case .protocolError:
            return Entry(
                message: LocalizedText(
                    en: "The server on port {ports} did not follow the protocol: {evidence}.",
                    ja: "ポート {ports} はプロトコルどおりに応答しませんでした: {evidence}。"),
                fix: LocalizedText(
                    en: "Check that a mail server, not another service, listens on this port, and read its log.",
                    ja: "このポートで別のサービスではなくメールサーバーが動いているか確認し、ログを見てください。"))
        }
    }
}
