import MailTLSCheck
import MailTLSCore

/// Fixes in the server's own configuration language: for the findings whose fix is a setting, what to set in each
/// server software that names itself in its greeting. Where the software is unknown, the commonest ones are shown
/// as examples; where it is known, only its own lines, never another server's settings.
public enum ServerFixCatalog {
    public struct Entry: Sendable {
        /// The fix in words every server shares.
        public let general: LocalizedText
        /// The setting in each software's terms.
        public let settings: [ServerSoftware: LocalizedText]
    }

    /// Shown when no port of the finding named its software.
    static let examples: [ServerSoftware] = [.postfix, .exim, .dovecot]

    /// The fix for a finding on ports whose software is `software` (empty: not known).
    public static func fix(_ id: FindingID, software: Set<ServerSoftware>, _ language: Language,
                           _ values: [String: String]) -> String? {
        guard let entry = entry(id) else { return nil }
        return compose(entry.general(language, values), settings: entry.settings, software: software, language, values)
    }

    /// The findings whose fix is a new certificate: where each software takes it.
    public static let certificateFindings: [FindingID] = [
        .certificateExpired, .certificateExpiringSoon, .certificateHostMismatch, .certificateNotTrusted,
        .certificateSelfSigned, .weakKey, .weakSignature,
    ]

    /// Each software's settings for a finding: its own entry's, where a new certificate goes for the certificate
    /// findings, the protocol settings for a server without TLS 1.2.
    public static func settings(_ id: FindingID) -> [ServerSoftware: LocalizedText]? {
        if let entry = entry(id) { return entry.settings }
        if certificateFindings.contains(id) { return certificateInstall }
        if id == .starttlsFailed || id == .tlsHandshakeFailed { return handshakeDiagnosis }
        if [.tlsVersionModernMissing, .sslProtocolAccepted, .fallbackSCSVMissing, .tls10CBCOnly].contains(id) {
            return entry(.tlsVersionDeprecated)?.settings
        }
        if [.cipherBroken, .cipherAnonymous, .cipherSweet32, .cipherNoForwardSecrecy].contains(id) {
            return entry(.weakCipher)?.settings
        }
        return nil
    }

    /// A fix in general words (`general`, already rendered) followed by the settings of the software identified,
    /// for the findings that have settings but whose words live in FindingCatalog (certificates, TLS 1.2 missing).
    public static func withSettings(_ general: String, _ id: FindingID, software: Set<ServerSoftware>,
                                    _ language: Language, _ values: [String: String]) -> String {
        guard entry(id) == nil, let settings = settings(id) else { return general }
        return compose(general, settings: settings, software: software, language, values)
    }

    /// Where a renewed or replaced certificate goes, with its intermediates, in each software.
    static let certificateInstall: [ServerSoftware: LocalizedText] = [
        .postfix: t("install it with smtpd_tls_chain_files = key.pem, fullchain.pem, then reload",
                    "smtpd_tls_chain_files = key.pem, fullchain.pem で設定し、再読み込み"),
        .exim: t("install it with tls_certificate = fullchain.pem and tls_privatekey = key.pem (Debian: MAIN_TLS_CERTIFICATE and MAIN_TLS_PRIVATEKEY), then reload",
                 "tls_certificate = fullchain.pem と tls_privatekey = key.pem（Debian では MAIN_TLS_CERTIFICATE と MAIN_TLS_PRIVATEKEY）で設定し、再読み込み"),
        .sendmail: t("install it with confSERVER_CERT, confSERVER_KEY and confCACERT in sendmail.mc",
                     "sendmail.mc の confSERVER_CERT、confSERVER_KEY、confCACERT で設定"),
        .exchange: t("Import-ExchangeCertificate, then Enable-ExchangeCertificate -Services \"SMTP, IMAP, POP\"",
                     "Import-ExchangeCertificate の後、Enable-ExchangeCertificate -Services \"SMTP, IMAP, POP\""),
        .opensmtpd: t("install it with pki NAME cert \"/path/fullchain.pem\" and pki NAME key \"/path/key.pem\"",
                      "pki NAME cert \"/path/fullchain.pem\" と pki NAME key \"/path/key.pem\" で設定"),
        .dovecot: t("install it with ssl_cert = </path/fullchain.pem and ssl_key = </path/key.pem, then reload",
                    "ssl_cert = </path/fullchain.pem と ssl_key = </path/key.pem で設定し、再読み込み"),
        .courier: t("install it as TLS_CERTFILE in imapd-ssl and pop3d-ssl (key and chain in one file)",
                    "imapd-ssl と pop3d-ssl の TLS_CERTFILE で設定（鍵とチェーンを一つのファイルに）"),
        .cyrus: t("install it with tls_server_cert and tls_server_key in imapd.conf",
                  "imapd.conf の tls_server_cert と tls_server_key で設定"),
    ]

    /// Where each software's TLS handshake goes wrong: the certificate and key settings it reads, and where it
    /// writes the reason.
    static let handshakeDiagnosis: [ServerSoftware: LocalizedText] = [
        .postfix: t("smtpd_tls_chain_files (or smtpd_tls_cert_file and smtpd_tls_key_file) readable by Postfix; smtpd_tls_loglevel = 1 writes the reason to the mail log",
                    "smtpd_tls_chain_files（または smtpd_tls_cert_file と smtpd_tls_key_file）を Postfix が読めること。smtpd_tls_loglevel = 1 でメールのログに理由が出ます"),
        .exim: t("tls_certificate and tls_privatekey readable by the Exim user (Debian: MAIN_TLS_CERTIFICATE, MAIN_TLS_PRIVATEKEY); the reason is in /var/log/exim4/mainlog",
                 "tls_certificate と tls_privatekey を Exim のユーザーが読めること（Debian では MAIN_TLS_CERTIFICATE と MAIN_TLS_PRIVATEKEY）。理由は /var/log/exim4/mainlog に出ます"),
        .dovecot: t("ssl_cert = </path and ssl_key = </path (with the <) readable by Dovecot; doveadm log errors shows the reason",
                    "ssl_cert = </path と ssl_key = </path（< を付けて）を Dovecot が読めること。doveadm log errors で理由を確認できます"),
        .sendmail: t("confSERVER_CERT and confSERVER_KEY in sendmail.mc readable, with define(`confLOG_LEVEL', `14') for the reason",
                     "sendmail.mc の confSERVER_CERT と confSERVER_KEY が読めること。理由は define(`confLOG_LEVEL', `14') でログに出ます"),
        .exchange: t("Get-ExchangeCertificate: a valid certificate enabled for the service (Enable-ExchangeCertificate)",
                     "Get-ExchangeCertificate で、サービスに有効な証明書が割り当てられていること（Enable-ExchangeCertificate）"),
    ]

    static func compose(_ general: String, settings: [ServerSoftware: LocalizedText], software: Set<ServerSoftware>,
                        _ language: Language, _ values: [String: String]) -> String {
        let known = software.filter { settings[$0] != nil }.sorted()
        let chosen = software.isEmpty ? examples.filter { settings[$0] != nil } : known
        var text = general
        guard !chosen.isEmpty else { return text }
        let lines = chosen.map { "\($0.displayName): \(settings[$0]!(language, values))" }
        // In Japanese the settings follow the sentence after a space, separated by " / ": a setting ends in its own
        // punctuation (m4's quotes, a parenthesis), which must not touch a full-width mark.
        if software.isEmpty {
            text += language == .ja ? " 設定例: " + lines.joined(separator: " / ")
                : " (for example " + lines.joined(separator: "; ") + ")"
        } else {
            text += language == .ja ? " 設定: " + lines.joined(separator: " / ") : " (" + lines.joined(separator: "; ") + ")"
        }
        return text
    }

    static func t(_ en: String, _ ja: String) -> LocalizedText { LocalizedText(en: en, ja: ja) }

    /// The fix of a finding on a hosted provider's server: only the provider changes its settings; the customer's
    /// part is the published settings, the tenant's console where there is one, and a relay for old devices.
    public static func hostedFix(_ id: FindingID, provider: HostedProvider, _ language: Language) -> String? {
        guard settings(id) != nil else { return nil }
        let values = ["provider": provider.displayName]
        var text = t("This server is run by {provider}: only {provider} can change its settings. Use the settings {provider} publishes (server name, port, \"SSL/TLS\" or \"STARTTLS\"), and report the problem to {provider} if it persists.",
                     "このサーバーは {provider} が運用しています。サーバーの設定を変更できるのは {provider} だけです。{provider} が公開している設定（サーバー名、ポート、暗号化方式「SSL/TLS」または「STARTTLS」）を使い、問題が続く場合は {provider} に問い合わせてください。")(language, values)
        let tenant: LocalizedText?
        switch (provider, id) {
        case (.microsoft365, .cleartextAuthAllowed), (.microsoft365, .starttlsOptional):
            tenant = t("Microsoft 365 administrators can turn off SMTP AUTH, POP and IMAP for mailboxes that do not need them: Set-CASMailbox -SmtpClientAuthenticationDisabled $true, -PopEnabled $false, -ImapEnabled $false.",
                       "Microsoft 365 の管理者は、必要のないメールボックスの SMTP AUTH、POP、IMAP を無効にできます: Set-CASMailbox -SmtpClientAuthenticationDisabled $true、-PopEnabled $false、-ImapEnabled $false。")
        case (.google, .cleartextAuthAllowed), (.google, .starttlsOptional):
            tenant = t("Google Workspace administrators can turn off POP and IMAP for users who do not need them (Admin console: Apps > Google Workspace > Gmail > End User Access).",
                       "Google Workspace の管理者は、必要のない利用者の POP と IMAP を無効にできます（管理コンソール: アプリ > Google Workspace > Gmail > エンドユーザーのアクセス）。")
        case (_, .tlsVersionDeprecated), (_, .weakCipher):
            tenant = t("Devices that need TLS 1.0 or old ciphers should send through a local relay (mailtls relay), not depend on this server keeping them.",
                       "TLS 1.0 や古い暗号スイートが必要な機器は、このサーバーに頼らず、ローカルの中継サーバー（mailtls relay）を経由して送信させてください。")
        default:
            tenant = nil
        }
        if let tenant { text += " " + tenant(language) }
        return text
    }

    // swiftlint:disable:next function_body_length
    public static func entry(_ id: FindingID) -> Entry? {
        switch id {
        case .wrongModePlaintextOnTLSPort:
            return Entry(
                general: VerdictCatalog.fix(.plaintextOnTLSPort, for: .serverAdministrator),
                settings: [
                    .postfix: t("-o smtpd_tls_wrappermode=yes on the 465 service in master.cf",
                                "master.cf のポート 465 のサービスに -o smtpd_tls_wrappermode=yes"),
                    .exim: t("tls_on_connect_ports = 465, with 465 in daemon_smtp_ports",
                             "daemon_smtp_ports に 465 を含め、tls_on_connect_ports = 465"),
                    .sendmail: t("DAEMON_OPTIONS(`Port=465, Name=MTA-SSL, M=s') in sendmail.mc",
                                 "sendmail.mc に DAEMON_OPTIONS(`Port=465, Name=MTA-SSL, M=s')"),
                    .opensmtpd: t("listen on the address port 465 smtps pki NAME", "listen 行に port 465 smtps pki NAME"),
                    .dovecot: t("ssl = yes on the imaps and pop3s inet_listener", "inet_listener imaps と pop3s に ssl = yes"),
                    .cyrus: t("the imaps and pop3s services in cyrus.conf", "cyrus.conf の imaps と pop3s のサービス"),
                ])
        case .wrongModeTLSOnSTARTTLSPort:
            return Entry(
                general: VerdictCatalog.fix(.tlsOnSTARTTLSPort, for: .serverAdministrator),
                settings: [
                    .postfix: t("remove smtpd_tls_wrappermode from the 587 service", "ポート 587 のサービスから smtpd_tls_wrappermode を外す"),
                    .exim: t("remove the port from tls_on_connect_ports", "tls_on_connect_ports からこのポートを外す"),
                    .opensmtpd: t("listen on the address port 587 tls (not smtps)", "listen 行を port 587 tls にする（smtps ではなく）"),
                ])
        case .starttlsNotSupported:
            return Entry(
                general: VerdictCatalog.fix(.startTLSNotOffered, for: .serverAdministrator),
                settings: [
                    .postfix: t("smtpd_tls_security_level = may (or encrypt) and smtpd_tls_chain_files",
                                "smtpd_tls_security_level = may（または encrypt）と smtpd_tls_chain_files"),
                    .exim: t("tls_advertise_hosts = *, tls_certificate and tls_privatekey",
                             "tls_advertise_hosts = *、tls_certificate と tls_privatekey"),
                    .sendmail: t("confSERVER_CERT and confSERVER_KEY in sendmail.mc (STARTTLS is offered once they are set)",
                                 "sendmail.mc の confSERVER_CERT と confSERVER_KEY（設定すると STARTTLS を提供します）"),
                    .exchange: t("Enable-ExchangeCertificate -Services SMTP for a valid certificate, TLS on the Receive connector",
                                 "有効な証明書に Enable-ExchangeCertificate -Services SMTP を実行し、受信コネクターで TLS を有効にする"),
                    .opensmtpd: t("listen on the address tls pki NAME", "listen 行に tls pki NAME"),
                    .dovecot: t("ssl = yes with ssl_cert and ssl_key", "ssl = yes と ssl_cert、ssl_key"),
                    .courier: t("TLS_CERTFILE in imapd-ssl and pop3d-ssl", "imapd-ssl と pop3d-ssl の TLS_CERTFILE"),
                    .cyrus: t("tls_server_cert and tls_server_key in imapd.conf", "imapd.conf の tls_server_cert と tls_server_key"),
                ])
        case .starttlsOptional:
            return Entry(
                general: t("Require TLS on submission ports and offer AUTH only after TLS.",
                           "送信用ポートでは TLS を必須にし、認証は TLS の開始後だけ受け付けるようにしてください。"),
                settings: [
                    .postfix: t("-o smtpd_tls_security_level=encrypt on the submission service, smtpd_tls_auth_only = yes",
                                "submission のサービスに -o smtpd_tls_security_level=encrypt、smtpd_tls_auth_only = yes"),
                    .exim: t("auth_advertise_hosts = ${if eq{$tls_in_cipher}{}{}{*}}, and in acl_smtp_mail deny !encrypted = * for submission",
                             "auth_advertise_hosts = ${if eq{$tls_in_cipher}{}{}{*}}、送信用ポートの acl_smtp_mail で deny !encrypted = *"),
                    .sendmail: t("define(`confAUTH_OPTIONS', `p') in sendmail.mc", "sendmail.mc に define(`confAUTH_OPTIONS', `p')"),
                    .exchange: t("Set-ReceiveConnector -RequireTLS $true on the client submission connector",
                                 "クライアント送信用の受信コネクターに Set-ReceiveConnector -RequireTLS $true"),
                    .opensmtpd: t("listen on the address port 587 tls-require auth", "listen 行に port 587 tls-require auth"),
                ])
        case .cleartextAuthAllowed:
            return Entry(
                general: t("Refuse authentication before TLS, and have users choose \"SSL/TLS\" or \"STARTTLS\".",
                           "TLS の開始前の認証を拒否するよう設定してください。利用者には、暗号化方式に「SSL/TLS」か「STARTTLS」を選ぶよう案内してください。"),
                settings: [
                    .postfix: t("smtpd_tls_auth_only = yes", "smtpd_tls_auth_only = yes"),
                    .exim: t("auth_advertise_hosts = ${if eq{$tls_in_cipher}{}{}{*}}", "auth_advertise_hosts = ${if eq{$tls_in_cipher}{}{}{*}}"),
                    .sendmail: t("define(`confAUTH_OPTIONS', `p') in sendmail.mc", "sendmail.mc に define(`confAUTH_OPTIONS', `p')"),
                    .exchange: t("Set-ReceiveConnector -RequireTLS $true; Set-ImapSettings and Set-PopSettings -LoginType SecureLogin",
                                 "Set-ReceiveConnector -RequireTLS $true、Set-ImapSettings と Set-PopSettings で -LoginType SecureLogin"),
                    .opensmtpd: t("listen on the address tls-require auth", "listen 行に tls-require auth"),
                    .dovecot: t("disable_plaintext_auth = yes, or ssl = required", "disable_plaintext_auth = yes、または ssl = required"),
                    .courier: t("IMAP_TLS_REQUIRED=1 and POP3_TLS_REQUIRED=1", "IMAP_TLS_REQUIRED=1 と POP3_TLS_REQUIRED=1"),
                    .cyrus: t("allowplaintext: false in imapd.conf", "imapd.conf に allowplaintext: false"),
                ])
        case .certificateChainIncomplete:
            return Entry(
                general: t("Serve the full chain: the certificate followed by its intermediates.",
                           "中間証明書を含む証明書チェーン全体を送るよう設定してください。"),
                settings: [
                    .postfix: t("smtpd_tls_chain_files = key.pem, fullchain.pem", "smtpd_tls_chain_files = key.pem, fullchain.pem"),
                    .exim: t("tls_certificate = /path/fullchain.pem", "tls_certificate = /path/fullchain.pem"),
                    .opensmtpd: t("pki NAME cert \"/path/fullchain.pem\"", "pki NAME cert \"/path/fullchain.pem\""),
                    .dovecot: t("ssl_cert = </path/fullchain.pem", "ssl_cert = </path/fullchain.pem"),
                    .cyrus: t("tls_server_cert: /path/fullchain.pem", "tls_server_cert: /path/fullchain.pem"),
                ])
        case .tlsVersionDeprecated:
            return Entry(
                general: t("Allow TLS 1.2 and 1.3 only. Old devices that need TLS 1.0 should send through a local relay.",
                           "TLS 1.2 と TLS 1.3 だけを許可してください。TLS 1.0 が必要な古い機器は、ローカルの中継サーバーを経由して送信させてください。"),
                settings: [
                    .postfix: t("smtpd_tls_protocols = >=TLSv1.2 and smtpd_tls_mandatory_protocols = >=TLSv1.2",
                                "smtpd_tls_protocols = >=TLSv1.2 と smtpd_tls_mandatory_protocols = >=TLSv1.2"),
                    .exim: t("tls_require_ciphers = NORMAL:-VERS-TLS1.0:-VERS-TLS1.1 with GnuTLS (Debian's build), openssl_options = +no_tlsv1 +no_tlsv1_1 with OpenSSL",
                             "GnuTLS 版（Debian の Exim）は tls_require_ciphers = NORMAL:-VERS-TLS1.0:-VERS-TLS1.1、OpenSSL 版は openssl_options = +no_tlsv1 +no_tlsv1_1"),
                    .sendmail: t("define(`confSERVER_SSL_OPTIONS', `+SSL_OP_NO_TLSv1 +SSL_OP_NO_TLSv1_1') in sendmail.mc",
                                 "sendmail.mc に define(`confSERVER_SSL_OPTIONS', `+SSL_OP_NO_TLSv1 +SSL_OP_NO_TLSv1_1')"),
                    .exchange: t("TLS 1.0 and 1.1 turned off in Windows (Schannel), as Microsoft's Exchange TLS guidance describes",
                                 "Microsoft Exchange の TLS ガイダンスに従い、Windows（Schannel）で TLS 1.0 と TLS 1.1 を無効化"),
                    .dovecot: t("ssl_min_protocol = TLSv1.2", "ssl_min_protocol = TLSv1.2"),
                    .cyrus: t("tls_versions: tls1_2 tls1_3 in imapd.conf", "imapd.conf に tls_versions: tls1_2 tls1_3"),
                ])
        case .dhWeak:
            return Entry(
                general: t("Use a DH group of at least 2048 bits (RFC 7919's ffdhe2048 or larger), or offer ECDHE key exchange only.",
                           "2048 ビット以上の DH グループ（RFC 7919 の ffdhe2048 以上）を使うか、鍵交換を ECDHE だけにしてください。"),
                settings: [
                    .postfix: t("remove smtpd_tls_dh1024_param_file (postconf -X) for Postfix's built-in 2048-bit group, or point it to a file from openssl dhparam 3072",
                                "smtpd_tls_dh1024_param_file を削除して（postconf -X）Postfix 組み込みの 2048 ビットのグループを使うか、openssl dhparam 3072 で作ったファイルを指定"),
                    .exim: t("tls_dhparam = ffdhe3072 (Exim 4.92 and later know RFC 7919's names)",
                             "tls_dhparam = ffdhe3072（Exim 4.92 以降は RFC 7919 の名前を使えます）"),
                    .sendmail: t("define(`confDH_PARAMETERS', `/etc/mail/dh3072.pem') in sendmail.mc, from openssl dhparam 3072",
                                 "sendmail.mc に define(`confDH_PARAMETERS', `/etc/mail/dh3072.pem') を追加。ファイルは openssl dhparam 3072 で作成"),
                    .exchange: t("Schannel's ServerMinKeyBitLength = 2048 under KeyExchangeAlgorithms\\Diffie-Hellman in the registry",
                                 "レジストリの KeyExchangeAlgorithms\\Diffie-Hellman で Schannel の ServerMinKeyBitLength = 2048"),
                    .dovecot: t("ssl_dh = </usr/share/dovecot/dh.pem (Debian's 4096-bit group) or a file from openssl dhparam 3072; Dovecot 2.4: ssl_server_dh_file",
                                "ssl_dh = </usr/share/dovecot/dh.pem（Debian の 4096 ビットのグループ）か openssl dhparam 3072 で作ったファイル。Dovecot 2.4 では ssl_server_dh_file"),
                    .courier: t("TLS_DHPARAMS in imapd-ssl and pop3d-ssl, a file from openssl dhparam 3072",
                                "imapd-ssl と pop3d-ssl の TLS_DHPARAMS に openssl dhparam 3072 で作ったファイル"),
                ])
        case .weakCipher:
            return Entry(
                general: t("Prefer ECDHE with AES-GCM or ChaCha20.",
                           "ECDHE と AES-GCM または ChaCha20 を組み合わせた暗号スイートを優先してください。"),
                settings: [
                    .postfix: t("tls_preempt_cipherlist = yes and smtpd_tls_exclude_ciphers = aNULL, eNULL, EXPORT, DES, 3DES, RC4, MD5, kRSA",
                                "tls_preempt_cipherlist = yes と smtpd_tls_exclude_ciphers = aNULL, eNULL, EXPORT, DES, 3DES, RC4, MD5, kRSA"),
                    .exim: t("tls_require_ciphers = ECDHE+AESGCM:ECDHE+CHACHA20 with OpenSSL, a GnuTLS priority string such as SECURE256 with GnuTLS",
                             "OpenSSL 版は tls_require_ciphers = ECDHE+AESGCM:ECDHE+CHACHA20、GnuTLS 版は SECURE256 などの優先度文字列"),
                    .sendmail: t("define(`confCIPHER_LIST', `ECDHE+AESGCM:ECDHE+CHACHA20') in sendmail.mc",
                                 "sendmail.mc に define(`confCIPHER_LIST', `ECDHE+AESGCM:ECDHE+CHACHA20')"),
                    .dovecot: t("ssl_prefer_server_ciphers = yes and ssl_cipher_list = ECDHE+AESGCM:ECDHE+CHACHA20",
                                "ssl_prefer_server_ciphers = yes と ssl_cipher_list = ECDHE+AESGCM:ECDHE+CHACHA20"),
                ])
        default:
            return nil
        }
    }
}
