import MailTLSCheck
import MailTLSCore

/// `mailtls check --fix`: for each server on the host (the ports one software answers), one ready snippet that
/// changes its configuration for every finding that a setting fixes, then the commands that check the configuration
/// and make the running server load it. Postfix gets `postconf` lines, Dovecot a conf.d file, Exim Debian's
/// `exim4.conf.localmacros`; the others get their directives as lines to put in their files. A value only the admin
/// knows (a certificate's path) is written as a comment, never guessed into a command that would run.
public struct ServerFixPlan: Sendable, Equatable {
    public struct Server: Sendable, Equatable {
        public var identification: ServerIdentification?
        public var ports: [Int]
        /// The findings on these ports that the snippet addresses.
        public var findings: [FindingID]
        /// The findings on these ports that no setting fixes here (expired certificate, closed port...): their fix
        /// stays in the report.
        public var otherFindings: [FindingID]
        /// The language the lines run in: `sh`, `powershell` (Exchange) or nil where the lines go into a file by hand.
        public var shell: String?
        /// The lines that change the configuration, comments (`#`) included.
        public var script: [String]
        /// Commands that validate the changed configuration before it is loaded.
        public var check: [String]
        /// Commands that make the running server load it.
        public var reload: [String]
        /// Sentences for the admin: what the lines assume, what the snippet cannot do.
        public var notes: [String]

        public var software: ServerSoftware? { identification?.software }
        public var provider: HostedProvider? { identification?.provider }
    }

    public var servers: [Server]

    /// The findings each software can fix with a setting, in the order the snippet applies them.
    static let settingFindings: [FindingID] = [
        .wrongModePlaintextOnTLSPort, .wrongModeTLSOnSTARTTLSPort, .starttlsNotSupported, .starttlsOptional,
        .cleartextAuthAllowed, .certificateChainIncomplete, .tlsVersionDeprecated, .tlsVersionModernMissing,
        .weakCipher, .cipherBroken, .cipherAnonymous, .cipherSweet32, .cipherNoForwardSecrecy, .sslProtocolAccepted,
        .fallbackSCSVMissing, .tls10CBCOnly, .dhWeak,
    ] + ServerFixCatalog.certificateFindings

    public init(report: CheckReport, language: Language) {
        // One server per software and provider; unidentified ports together.
        var groups: [(identification: ServerIdentification?, ports: [Int])] = []
        for port in report.ports where port.state == .open {
            if let index = groups.firstIndex(where: {
                $0.identification?.software == port.software && $0.identification?.provider == port.identification?.provider
            }) {
                groups[index].ports.append(port.spec.port)
            } else {
                groups.append((port.identification, [port.spec.port]))
            }
        }
        servers = groups.compactMap { group in
            let findings = report.findings.filter { !Set($0.ports).isDisjoint(with: group.ports) }
            guard !findings.isEmpty else { return nil }
            return Self.server(group.identification, ports: group.ports, findings: findings, language: language)
        }
    }

    static func server(_ identification: ServerIdentification?, ports: [Int], findings: [Finding],
                       language: Language) -> Server {
        let fixable = settingFindings.filter { id in findings.contains { $0.id == id } }
        var others: [FindingID] = []
        for finding in findings where !fixable.contains(finding.id) && !others.contains(finding.id) {
            others.append(finding.id)
        }
        // The ports of each fixable finding within this server, e.g. starttls-optional on 587.
        var portsOf: [FindingID: [Int]] = [:]
        for finding in findings where fixable.contains(finding.id) {
            portsOf[finding.id, default: []] += finding.ports.filter(ports.contains)
        }
        var server = Server(identification: identification, ports: ports.sorted(), findings: fixable,
                            otherFindings: others, shell: nil, script: [], check: [], reload: [], notes: [])
        guard !fixable.isEmpty else { return server }
        if let provider = identification?.provider {
            server.notes = fixable.compactMap { ServerFixCatalog.hostedFix($0, provider: provider, language) }
            server.notes = server.notes.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
            return server
        }
        let writer = SnippetWriter(language: language, portsOf: portsOf, findings: fixable)
        switch identification?.software {
        case .postfix?: writer.postfix(&server)
        case .dovecot?: writer.dovecot(&server)
        case .exim?: writer.exim(&server)
        case let software?: writer.directives(&server, software: software)
        case nil: writer.unknown(&server)
        }
        return server
    }
}

/// Writes one software's snippet for a set of findings.
struct SnippetWriter {
    let language: Language
    let portsOf: [FindingID: [Int]]
    let findings: [FindingID]

    private func comment(_ id: FindingID) -> String {
        "# " + ServerFixPlan.title(id, language) + " (" + (portsOf[id] ?? []).sorted().map(String.init)
            .joined(separator: ", ") + ")"
    }

    private func t(_ en: String, _ ja: String, _ values: [String: String] = [:]) -> String {
        LocalizedText(en: en, ja: ja)(language, values)
    }

    /// The comment before a commented-out certificate setting, the same in every software's snippet.
    private func newCertificateComment(_ prefix: String) -> String {
        prefix + t(" the new certificate (see mailtls check), with its intermediates, and its key:",
                   " 新しい証明書（mailtls check を参照）と中間証明書、秘密鍵を設定します:")
    }

    /// Postfix's master.cf service for a port, by the names of the stock master.cf.
    static func postfixService(_ port: Int) -> String {
        switch port {
        case 25: "smtp"
        case 587: "submission"
        case 465: "submissions"
        default: String(port)
        }
    }

    func postfix(_ server: inout ServerFixPlan.Server) {
        var lines: [String] = []
        for id in findings {
            let ports = (portsOf[id] ?? []).sorted()
            lines.append(comment(id))
            switch id {
            case .wrongModePlaintextOnTLSPort:
                lines += ports.map { "postconf -P '\(Self.postfixService($0))/inet/smtpd_tls_wrappermode=yes'" }
                lines.append(t("# (Postfix before 3.5 and older master.cf files call the 465 service smtps)",
                               "# （Postfix 3.5 より前や古い master.cf では、ポート 465 のサービス名は smtps です）"))
            case .wrongModeTLSOnSTARTTLSPort:
                lines += ports.map { "postconf -PX '\(Self.postfixService($0))/inet/smtpd_tls_wrappermode'" }
            case .starttlsNotSupported:
                lines.append("postconf -e 'smtpd_tls_security_level = may'")
                lines.append(t("# and your key with its full chain (the certificate, then its intermediates):",
                               "# 秘密鍵と証明書チェーン全体（証明書、続けて中間証明書）も設定します:"))
                lines.append("# postconf -e 'smtpd_tls_chain_files = /etc/ssl/private/mail.key, /etc/ssl/certs/mail.fullchain.pem'")
            case .starttlsOptional:
                lines += ports.map { "postconf -P '\(Self.postfixService($0))/inet/smtpd_tls_security_level=encrypt'" }
                lines.append("postconf -e 'smtpd_tls_auth_only = yes'")
            case .cleartextAuthAllowed:
                lines.append("postconf -e 'smtpd_tls_auth_only = yes'")
            case .certificateChainIncomplete:
                lines.append(t("# your key, then the certificate followed by its intermediates (fullchain.pem):",
                               "# 秘密鍵、続けて証明書と中間証明書（fullchain.pem）:"))
                lines.append("# postconf -e 'smtpd_tls_chain_files = /etc/ssl/private/mail.key, /etc/ssl/certs/mail.fullchain.pem'")
            case _ where ServerFixCatalog.certificateFindings.contains(id):
                lines.append(newCertificateComment("#"))
                lines.append("# postconf -e 'smtpd_tls_chain_files = /etc/ssl/private/mail.key, /etc/ssl/certs/mail.fullchain.pem'")
            case .dhWeak:
                lines.append("postconf -X smtpd_tls_dh1024_param_file")
                lines.append(t("# (Postfix's built-in group has 2048 bits; for 3072: openssl dhparam -out /etc/postfix/dh3072.pem 3072 and smtpd_tls_dh1024_param_file = /etc/postfix/dh3072.pem)",
                               "# （Postfix 組み込みのグループは 2048 ビットです。3072 ビットにするには openssl dhparam -out /etc/postfix/dh3072.pem 3072 を実行し、smtpd_tls_dh1024_param_file = /etc/postfix/dh3072.pem を設定します）"))
            case .tlsVersionDeprecated, .tlsVersionModernMissing, .sslProtocolAccepted, .fallbackSCSVMissing, .tls10CBCOnly:
                lines.append("postconf -e 'smtpd_tls_protocols = >=TLSv1.2' 'smtpd_tls_mandatory_protocols = >=TLSv1.2'")
                lines.append(t("# (Postfix before 3.6: smtpd_tls_protocols = !SSLv2,!SSLv3,!TLSv1,!TLSv1.1 and the same mandatory protocols)",
                               "# （Postfix 3.6 より前では smtpd_tls_protocols = !SSLv2,!SSLv3,!TLSv1,!TLSv1.1。smtpd_tls_mandatory_protocols も同じ値にします）"))
            case .weakCipher, .cipherBroken, .cipherAnonymous, .cipherSweet32, .cipherNoForwardSecrecy:
                // One exclusion list for every cipher finding (smtpd_tls_exclude_ciphers applies at every
                // security level, port 25's opportunistic TLS included); the same line for each is written once.
                lines.append("postconf -e 'tls_preempt_cipherlist = yes' 'smtpd_tls_exclude_ciphers = "
                             + Self.postfixExclusions(findings).joined(separator: ", ") + "'")
            default:
                break
            }
        }
        server.shell = "sh"
        server.script = lines.removingRepeatedCommands
        server.check = ["postfix check"]
        server.reload = ["postfix reload"]
        server.notes = [t("postconf edits /etc/postfix/main.cf (-e) and master.cf (-P); with postmulti instances, add -c and the instance's directory.",
                          "postconf は /etc/postfix/main.cf（-e）と master.cf（-P）を書き換えます。postmulti のインスタンスでは -c でそのディレクトリを指定してください。")]
    }

    /// OpenSSL cipher classes Postfix should exclude for the cipher findings present.
    static func postfixExclusions(_ findings: [FindingID]) -> [String] {
        var exclude = Set<String>()
        for id in findings {
            switch id {
            case .weakCipher: exclude.formUnion(["aNULL", "eNULL", "EXPORT", "DES", "3DES", "RC4", "MD5", "kRSA"])
            case .cipherBroken: exclude.formUnion(["eNULL", "EXPORT", "DES", "RC4", "MD5"])
            case .cipherAnonymous: exclude.insert("aNULL")
            case .cipherSweet32: exclude.formUnion(["3DES", "IDEA"])
            case .cipherNoForwardSecrecy: exclude.insert("kRSA")
            default: break
            }
        }
        return ["aNULL", "eNULL", "EXPORT", "DES", "3DES", "RC4", "MD5", "IDEA", "kRSA"].filter(exclude.contains)
    }

    func dovecot(_ server: inout ServerFixPlan.Server) {
        let file = "/etc/dovecot/conf.d/99-mailtls.conf"
        var lines: [String] = []
        for id in findings {
            let ports = (portsOf[id] ?? []).sorted()
            lines.append(comment(id))
            switch id {
            case .wrongModePlaintextOnTLSPort, .wrongModeTLSOnSTARTTLSPort:
                let implicit = id == .wrongModePlaintextOnTLSPort
                for port in ports {
                    let (service, listener) = Self.dovecotListener(port, implicit: implicit)
                    lines += ["service \(service) {", "  inet_listener \(listener) {", "    port = \(port)",
                              "    ssl = \(implicit ? "yes" : "no")", "  }", "}"]
                }
            case .starttlsNotSupported:
                lines.append("ssl = yes")
                lines.append("#ssl_cert = </etc/ssl/certs/mail.fullchain.pem")
                lines.append("#ssl_key = </etc/ssl/private/mail.key")
            case .cleartextAuthAllowed:
                lines.append("disable_plaintext_auth = yes")
                lines.append(t("# (Dovecot 2.4: auth_allow_cleartext = no instead)",
                               "# （Dovecot 2.4 では代わりに auth_allow_cleartext = no）"))
            case .certificateChainIncomplete:
                lines.append(t("# the certificate followed by its intermediates:", "# 証明書と、続けて中間証明書:"))
                lines.append("#ssl_cert = </etc/ssl/certs/mail.fullchain.pem")
            case _ where ServerFixCatalog.certificateFindings.contains(id):
                lines.append(newCertificateComment("#"))
                lines.append("#ssl_cert = </etc/ssl/certs/mail.fullchain.pem")
                lines.append("#ssl_key = </etc/ssl/private/mail.key")
            case .tlsVersionDeprecated, .tlsVersionModernMissing, .sslProtocolAccepted, .fallbackSCSVMissing, .tls10CBCOnly:
                lines.append("ssl_min_protocol = TLSv1.2")
            case .dhWeak:
                lines.append("ssl_dh = </usr/share/dovecot/dh.pem")
                lines.append(t("# (Debian's 4096-bit group; elsewhere: openssl dhparam -out /etc/dovecot/dh.pem 3072; Dovecot 2.4: ssl_server_dh_file)",
                               "# （Debian の 4096 ビットのグループ。ほかの環境では openssl dhparam -out /etc/dovecot/dh.pem 3072。Dovecot 2.4 では ssl_server_dh_file）"))
            case .weakCipher, .cipherBroken, .cipherAnonymous, .cipherSweet32, .cipherNoForwardSecrecy:
                lines.append("ssl_cipher_list = ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM")
                lines.append("ssl_prefer_server_ciphers = yes")
            default:
                break
            }
        }
        server.shell = "sh"
        server.script = ["cat >> \(file) <<'EOF'"] + lines + ["EOF"]
        server.check = ["doveconf -n >/dev/null"]
        server.reload = ["doveadm reload"]
        server.notes = [t("The settings go in a file of their own after the others in conf.d (a later setting wins); delete the same settings elsewhere if you prefer one place.",
                          "設定は conf.d の最後に読まれる専用のファイルに書きます（後の設定が優先されます）。一か所にまとめたい場合は、ほかのファイルの同じ設定を削除してください。")]
    }

    static func dovecotListener(_ port: Int, implicit: Bool) -> (service: String, listener: String) {
        switch port {
        case 110, 995: ("pop3-login", implicit ? "pop3s" : "pop3")
        default: ("imap-login", implicit ? "imaps" : "imap")
        }
    }

    /// Exim on Debian and Ubuntu: main options and macros in `exim4.conf.localmacros`, or `conf.d/main/
    /// 000_localmacros` with the split configuration (`update-exim4.conf` reads only conf.d then). Each option is
    /// removed from that file before it is added (Exim refuses an option set twice), so the snippet can run twice.
    func exim(_ server: inout ServerFixPlan.Server) {
        let macros = "\"$macros\""
        let aclFile = "/etc/exim4/acl_mailtls_check_mail"
        var settings: [(name: String, value: String)] = []
        var remove: [String] = []
        var preamble: [String] = []
        func set(_ name: String, _ value: String) {
            settings.removeAll { $0.name == name }
            settings.append((name, value))
        }
        var comments: [String] = []
        let versions = "NORMAL:-VERS-SSL3.0:-VERS-TLS1.0:-VERS-TLS1.1"
        for id in findings {
            let ports = (portsOf[id] ?? []).sorted()
            comments.append(comment(id))
            switch id {
            case .wrongModePlaintextOnTLSPort:
                set("MAIN_TLS_ENABLE", "yes")
                set("tls_on_connect_ports", ports.map(String.init).joined(separator: " : "))
            case .wrongModeTLSOnSTARTTLSPort:
                comments.append(t("#   remove {ports} from tls_on_connect_ports (and from SMTPLISTENEROPTIONS in /etc/default/exim4)",
                                  "#   tls_on_connect_ports（と /etc/default/exim4 の SMTPLISTENEROPTIONS）から {ports} を外します",
                                  ["ports": ports.map(String.init).joined(separator: ", ")]))
            case .starttlsNotSupported:
                set("MAIN_TLS_ENABLE", "yes")
                comments.append(t("#   and your certificate (full chain) and key:", "#   証明書（チェーン全体）と秘密鍵も設定します:"))
                comments.append("#   MAIN_TLS_CERTIFICATE = /etc/exim4/exim.crt")
                comments.append("#   MAIN_TLS_PRIVATEKEY = /etc/exim4/exim.key")
            case .starttlsOptional:
                let condition = ports.count == 1 ? "eq{$received_port}{\(ports[0])}"
                    : "or{" + ports.map { "{eq{$received_port}{\($0)}}" }.joined() + "}"
                preamble += ["cat > \(aclFile) <<'EOF'",
                             "deny    condition = ${if \(condition)}",
                             "        !encrypted = *",
                             "        message = 530 5.7.0 Must issue a STARTTLS command first",
                             "require acl = acl_check_mail",
                             "accept",
                             "EOF"]
                set("MAIN_ACL_CHECK_MAIL", aclFile)
                set("auth_advertise_hosts", "${if eq{$tls_in_cipher}{}{}{*}}")
                remove.append("AUTH_SERVER_ALLOW_NOTLS_PASSWORDS")
            case .cleartextAuthAllowed:
                set("auth_advertise_hosts", "${if eq{$tls_in_cipher}{}{}{*}}")
                remove.append("AUTH_SERVER_ALLOW_NOTLS_PASSWORDS")
            case .certificateChainIncomplete:
                comments.append(t("#   the certificate followed by its intermediates:", "#   証明書と、続けて中間証明書:"))
                comments.append("#   MAIN_TLS_CERTIFICATE = /etc/exim4/fullchain.pem")
            case _ where ServerFixCatalog.certificateFindings.contains(id):
                comments.append(newCertificateComment("#  "))
                comments.append("#   MAIN_TLS_CERTIFICATE = /etc/exim4/fullchain.pem")
                comments.append("#   MAIN_TLS_PRIVATEKEY = /etc/exim4/key.pem")
            case .dhWeak:
                set("tls_dhparam", "ffdhe3072")
            case .tlsVersionDeprecated, .tlsVersionModernMissing, .sslProtocolAccepted, .fallbackSCSVMissing, .tls10CBCOnly:
                if !settings.contains(where: { $0.name == "tls_require_ciphers" }) { set("tls_require_ciphers", versions) }
                comments.append(t("#   (GnuTLS, Debian's Exim; an OpenSSL build: openssl_options = +no_tlsv1 +no_tlsv1_1)",
                                  "#   （GnuTLS 版、Debian の Exim。OpenSSL 版は openssl_options = +no_tlsv1 +no_tlsv1_1）"))
            case .weakCipher, .cipherBroken, .cipherAnonymous, .cipherSweet32, .cipherNoForwardSecrecy:
                set("tls_require_ciphers", versions + ":-RSA:-3DES-CBC:-ARCFOUR-128:-AES-128-CBC:-AES-256-CBC"
                        + ":-CAMELLIA-128-CBC:-CAMELLIA-256-CBC")
                comments.append(t("#   (GnuTLS; an OpenSSL build: tls_require_ciphers = ECDHE+AESGCM:ECDHE+CHACHA20)",
                                  "#   （GnuTLS 版。OpenSSL 版は tls_require_ciphers = ECDHE+AESGCM:ECDHE+CHACHA20）"))
            default:
                break
            }
        }
        let names = (settings.map(\.name) + remove).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        var lines = comments
        guard !names.isEmpty else {
            // Only certificates to install: nothing for the snippet to write, the comments say where they go.
            server.shell = "sh"
            server.script = lines
            server.check = ["update-exim4.conf", "exim4 -bV >/dev/null"]
            server.reload = ["systemctl reload exim4"]
            return
        }
        lines.append(". /etc/exim4/update-exim4.conf.conf")
        lines.append("case $dc_use_split_config in true) macros=/etc/exim4/conf.d/main/000_localmacros ;; "
                     + "*) macros=/etc/exim4/exim4.conf.localmacros ;; esac")
        lines.append("touch \(macros)")
        lines.append("sed -i " + names.map { "-e '/^[[:space:]]*\($0)[[:space:]]*=/d'" }.joined(separator: " ")
                     + " \(macros)")
        lines += preamble
        lines.append("cat >> \(macros) <<'EOF'")
        lines += settings.map { "\($0.name) = \($0.value)" }
        lines.append("EOF")
        server.shell = "sh"
        server.script = lines
        server.check = ["update-exim4.conf", "exim4 -bV >/dev/null"]
        server.reload = ["systemctl reload exim4"]
        server.notes = [t("For Debian and Ubuntu (update-exim4.conf), with or without the split configuration. Elsewhere, put the same options in the main section of the configuration file exim -bV names, the ACL lines at the start of the acl_smtp_mail ACL, then run exim -bV and reload.",
                          "Debian と Ubuntu（update-exim4.conf）向けです。分割した設定でもそうでなくても使えます。それ以外では、同じオプションを exim -bV が示す設定ファイルのメインセクションに、ACL の行を acl_smtp_mail の ACL の先頭に書き、exim -bV で確認してから再読み込みしてください。")]
        if settings.contains(where: { $0.name == "tls_require_ciphers" }) {
            server.notes.append(t("exim -bV does not check tls_require_ciphers: after the reload, make sure Exim is listening again (a priority string GnuTLS rejects stops the daemon).",
                                  "exim -bV は tls_require_ciphers を確認しません。再読み込みの後、Exim が再び接続を受け付けていることを確認してください（GnuTLS が受け付けない優先度文字列では、デーモンが停止します）。"))
        }
    }

    /// Software whose settings live in files mailtls does not edit: each finding's directive as a line to put in
    /// place, with the commands that check and reload it.
    func directives(_ server: inout ServerFixPlan.Server, software: ServerSoftware) {
        var lines: [String] = []
        for id in findings {
            guard let setting = ServerFixCatalog.settings(id)?[software] else {
                lines.append(comment(id))
                if let general = ServerFixCatalog.entry(id)?.general(language) { lines.append("#   " + general) }
                continue
            }
            lines.append(comment(id))
            lines.append("#   " + setting(language))
        }
        server.script = lines
        switch software {
        case .sendmail:
            server.shell = "sh"
            server.check = ["cd /etc/mail && m4 sendmail.mc > sendmail.cf"]
            server.reload = ["systemctl restart sendmail"]
        case .opensmtpd:
            server.shell = "sh"
            server.check = ["smtpd -n"]
            server.reload = ["systemctl restart opensmtpd"]
        case .courier:
            server.shell = "sh"
            server.reload = ["systemctl restart courier-imap-ssl courier-pop-ssl"]
        case .cyrus:
            server.shell = "sh"
            server.reload = ["systemctl restart cyrus-imapd"]
        case .exchange:
            server.shell = "powershell"
            server.reload = ["Restart-Service MSExchangeFrontEndTransport, MSExchangeIMAP4, MSExchangePOP3"]
        default:
            break
        }
        server.notes = [t("{software}'s settings are shown as lines to put in its configuration; mailtls does not edit its files.",
                          "{software} の設定は、設定ファイルに書く行として示します。mailtls はそのファイルを編集しません。",
                          ["software": software.displayName])]
    }

    /// Nothing named the software: the fix in general words with the main programs' settings.
    func unknown(_ server: inout ServerFixPlan.Server) {
        var lines: [String] = []
        for id in findings {
            lines.append(comment(id))
            if let general = ServerFixCatalog.entry(id)?.general(language) { lines.append("#   " + general) }
            for software in ServerFixCatalog.examples {
                if let setting = ServerFixCatalog.settings(id)?[software] {
                    lines.append("#   \(software.displayName): " + setting(language))
                }
            }
        }
        server.script = lines
        server.notes = [t("The software was not identified: run again with --server-software postfix, exim, dovecot... for a ready snippet.",
                          "ソフトウェアを特定できませんでした。--server-software postfix、exim、dovecot などを付けて実行すると、そのまま使える設定を表示します。")]
    }
}

extension ServerFixPlan {
    /// A finding's name for a comment line: its message without the ports' details.
    static func title(_ id: FindingID, _ language: Language) -> String {
        let en: String
        let ja: String
        switch id {
        case .wrongModePlaintextOnTLSPort: (en, ja) = ("implicit TLS on the port", "このポートで SSL/TLS を有効にする")
        case .wrongModeTLSOnSTARTTLSPort: (en, ja) = ("STARTTLS, not implicit TLS, on the port", "このポートを SSL/TLS ではなく STARTTLS にする")
        case .starttlsNotSupported: (en, ja) = ("offer STARTTLS", "STARTTLS を提供する")
        case .starttlsOptional: (en, ja) = ("require TLS before mail and AUTH on submission", "送信用ポートではメールと認証の前に TLS を必須にする")
        case .cleartextAuthAllowed: (en, ja) = ("no password before TLS", "TLS の前にはパスワードを受け付けない")
        case .certificateChainIncomplete: (en, ja) = ("serve the full certificate chain", "証明書チェーン全体を送る")
        case .tlsVersionDeprecated: (en, ja) = ("TLS 1.2 and 1.3 only", "TLS 1.2 と TLS 1.3 だけを許可する")
        case .weakCipher, .cipherBroken, .cipherAnonymous, .cipherSweet32, .cipherNoForwardSecrecy:
            (en, ja) = ("strong cipher suites only", "強い暗号スイートだけを使う")
        case .tlsVersionModernMissing: (en, ja) = ("enable TLS 1.2 and 1.3", "TLS 1.2 と TLS 1.3 を有効にする")
        case .sslProtocolAccepted, .fallbackSCSVMissing, .tls10CBCOnly:
            (en, ja) = ("TLS 1.2 and 1.3 only", "TLS 1.2 と TLS 1.3 だけを許可する")
        case .dhWeak: (en, ja) = ("DH groups of 2048 bits or more", "2048 ビット以上の DH グループを使う")
        case .certificateExpired, .certificateExpiringSoon: (en, ja) = ("renew the certificate", "証明書を更新する")
        case .certificateHostMismatch, .certificateNotTrusted, .certificateSelfSigned, .weakKey, .weakSignature:
            (en, ja) = ("replace the certificate", "証明書を交換する")
        default: (en, ja) = (id.rawValue, id.rawValue)
        }
        return (language == .ja ? ja : en) + ": " + id.rawValue
    }
}

extension [String] {
    /// The same command twice (smtpd_tls_auth_only for two findings) runs once.
    fileprivate var removingRepeatedCommands: [String] {
        var seen = Set<String>()
        return filter { $0.hasPrefix("#") || seen.insert($0).inserted }
    }
}
