import MailTLSCheck
import MailTLSCore

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

    /// The fix; a setting in the terms of the software that named itself (`software`), or examples when none did.
    /// On a hosted provider's server (`providers`), what the customer can do and what only the provider can.
    public static func fix(for finding: Finding, in language: Language, software: Set<ServerSoftware> = [],
                           providers: Set<HostedProvider> = []) -> String {
        let values = values(of: finding, language)
        if let provider = providers.sorted(by: { $0.rawValue < $1.rawValue }).first,
           let text = ServerFixCatalog.hostedFix(finding.id, provider: provider, language) {
            return text
        }
        if let text = ServerFixCatalog.fix(finding.id, software: software, language, values) { return text }
        return ServerFixCatalog.withSettings(entry(finding.id).fix(language, values), finding.id, software: software,
                                             language, values)
    }

    static func values(of finding: Finding, _ language: Language) -> [String: String] {
        var values = finding.parameters
        values.merge(finding.evidence.parameters) { own, _ in own }
        values["ports"] = finding.ports.map(String.init).joined(separator: ", ")
        values["evidence"] = CheckEvidenceText.render(finding.evidence, language)
        for key in ["keyword", "bytes", "date", "days", "name", "names", "issuer", "versions", "version", "cipher",
                    "seconds", "suites"] where values[key] == nil {
            values[key] = finding.evidence.english
        }
        if finding.id == .dhWeak, let groups = finding.parameters["groups"] {
            values["groups"] = DHGroupText.describe(evidence: groups, language)
        }
        return values
    }

    /// The verdict other commands reach too, for the findings that are one.
    public static func sharedVerdict(_ id: FindingID) -> VerdictCatalog.Verdict? {
        switch id {
        case .portClosed: .portClosed
        case .portFiltered: .portFiltered
        case .serverUnavailable: .serverUnavailable
        case .wrongModePlaintextOnTLSPort: .plaintextOnTLSPort
        case .wrongModeTLSOnSTARTTLSPort: .tlsOnSTARTTLSPort
        case .starttlsNotSupported: .startTLSNotOffered
        case .tlsHandshakeFailed: .handshakeFailed
        case .certificateExpired: .certificateExpired
        case .certificateNotYetValid: .certificateNotYetValid
        case .certificateExpiringSoon: .certificateExpiringSoon
        case .certificateHostMismatch: .certificateNameMismatch
        case .certificateNotTrusted: .certificateUntrusted
        case .certificateSelfSigned: .certificateSelfSigned
        default: nil
        }
    }

    /// A shared verdict's words come from the shared catalogue, about a port of the checked host, with the
    /// administrator's fix; the others are check's own.
    public static func entry(_ id: FindingID) -> Entry {
        guard let verdict = sharedVerdict(id) else { return ownEntry(id) }
        let addition = id == .starttlsNotSupported ? LocalizedText(
            en: "Passwords and mail cross the network unencrypted.",
            ja: "パスワードとメールは暗号化されずにネットワークを流れます。") : nil
        return VerdictCatalog.entry(verdict, about: .checkedPort, then: addition)
    }

    // swiftlint:disable:next function_body_length cyclomatic_complexity
    static func ownEntry(_ id: FindingID) -> Entry {
        switch id {
        case .starttlsOptional:
            return Entry(
                message: LocalizedText(
                    en: "Mail is accepted before STARTTLS on port {ports}: a client that skips STARTTLS, or an attacker who strips it, sends in the clear.",
                    ja: "ポート {ports} のサーバーは、STARTTLS の前でもメールを受け付けます。クライアントが STARTTLS を使わない場合や、経路上の攻撃者が STARTTLS を取り除いた場合、クライアントはメールを暗号化せずに送ってしまいます。"),
                fix: ServerFixCatalog.entry(.starttlsOptional)!.general)
        case .starttlsFailed:
            return Entry(
                message: LocalizedText(
                    en: "STARTTLS on port {ports} does not work: {evidence}",
                    ja: "ポート {ports} の STARTTLS が機能していません: {evidence}"),
                fix: LocalizedText(
                    en: "Check the server's TLS settings and log: certificate and key readable and matching, TLS 1.2 or later enabled, ciphers not over-restricted.",
                    ja: "サーバーのログと TLS 設定で、証明書と鍵のファイルが読めて互いに対応しているか、TLS 1.2 以上が有効か、暗号スイートを絞りすぎていないかを確認してください。"))
        case .starttlsInjection:
            return Entry(
                message: LocalizedText(
                    en: "On port {ports} the server, or something in between, sent {bytes} bytes after agreeing to STARTTLS. They could be injected commands (CVE-2011-0411); mailtls discarded them.",
                    ja: "ポート {ports} で、STARTTLS の開始に同意したサーバー（または経路上のプロキシなど）から、その直後に {bytes} バイトのデータが届きました。注入されたコマンドの可能性があります（CVE-2011-0411）。mailtls はこのデータを破棄しました。"),
                fix: LocalizedText(
                    en: "Update the mail server software and look for a proxy or firewall that rewrites mail traffic.",
                    ja: "メールサーバーのソフトウェアを更新してください。また、メールの通信を書き換えるプロキシやファイアウォールが経路上にないか確認してください。"))
        case .cleartextAuthAllowed:
            return Entry(
                message: LocalizedText(
                    en: "A password is accepted before TLS on port {ports}: anyone on the path can read it.",
                    ja: "ポート {ports} のサーバーは、TLS の開始前でもパスワードを受け付けます。パスワードが暗号化されずに送られるため、通信経路上の第三者に盗聴されるおそれがあります。"),
                fix: ServerFixCatalog.entry(.cleartextAuthAllowed)!.general)
        case .certificateChainIncomplete:
            return Entry(
                message: LocalizedText(
                    en: "The server on port {ports} sends its certificate without the intermediate that issued it ({issuer}). Browsers may cope; mail clients and MFPs usually fail.",
                    ja: "ポート {ports} のサーバーは、証明書を発行した中間証明書（{issuer}）を送っていません。ブラウザーは補える場合がありますが、メールソフトや複合機の多くは接続に失敗します。"),
                fix: ServerFixCatalog.entry(.certificateChainIncomplete)!.general)
        case .tlsVersionDeprecated:
            return Entry(
                message: LocalizedText(
                    en: "The server on port {ports} still accepts {versions}, deprecated since 2021 (RFC 8996).",
                    ja: "ポート {ports} のサーバーは、2021 年に非推奨となった {versions} をまだ受け付けています（RFC 8996）。"),
                fix: ServerFixCatalog.entry(.tlsVersionDeprecated)!.general)
        case .tlsVersionModernMissing:
            return Entry(
                message: LocalizedText(
                    en: "The server on port {ports} offers nothing newer than {version}: current clients and providers refuse it.",
                    ja: "ポート {ports} のサーバーは、{version} より新しいバージョンに対応していません。現在のクライアントやプロバイダーは、このサーバーとの接続を拒否します。"),
                fix: LocalizedText(
                    en: "Enable TLS 1.2 and 1.3 in the server's TLS library and configuration.",
                    ja: "サーバーの TLS ライブラリと設定で、TLS 1.2 と TLS 1.3 を有効にしてください。"))
        case .weakCipher:
            return Entry(
                message: LocalizedText(
                    en: "The server on port {ports} chose {cipher}, a suite without forward secrecy or with a weak cipher.",
                    ja: "ポート {ports} のサーバーは暗号スイート {cipher} を選びました。この暗号スイートには前方秘匿性がないか、弱い暗号アルゴリズムが使われています。"),
                fix: ServerFixCatalog.entry(.weakCipher)!.general)
        case .cipherBroken:
            return Entry(
                message: LocalizedText(
                    en: "The server on port {ports} accepts suites with no or broken encryption (NULL, export, RC4 or DES): {suites}.",
                    ja: "ポート {ports} のサーバーは、暗号化がないか破られた暗号スイート（NULL、輸出用、RC4、DES）を受け付けます: {suites}。"),
                fix: LocalizedText(
                    en: "Remove these suites from the server's cipher list: only ECDHE with AES-GCM or ChaCha20 (and TLS 1.3's suites).",
                    ja: "サーバーの暗号スイートの設定からこれらを外してください。ECDHE と AES-GCM または ChaCha20 の組み合わせ（と TLS 1.3 の暗号スイート）だけを使います。"))
        case .cipherAnonymous:
            return Entry(
                message: LocalizedText(
                    en: "The server on port {ports} accepts anonymous suites, which do not authenticate the server: a client that offers them cannot tell the server from an impostor: {suites}.",
                    ja: "ポート {ports} のサーバーは、サーバーを認証しない匿名の暗号スイートを受け付けます。それを提示するクライアントは、本物のサーバーと偽物を区別できません: {suites}。"),
                fix: LocalizedText(
                    en: "Exclude aNULL from the cipher list on ports where clients log in (Postfix keeps them for opportunistic TLS on port 25 only).",
                    ja: "クライアントがログインするポートでは、暗号スイートの設定から aNULL を除いてください（Postfix は、ポート 25 の日和見的な TLS のためだけに残しています）。"))
        case .cipherSweet32:
            return Entry(
                message: LocalizedText(
                    en: "The server on port {ports} accepts 64-bit block ciphers (3DES or IDEA), open to SWEET32 on long connections: {suites}.",
                    ja: "ポート {ports} のサーバーは 64 ビットブロック暗号（3DES、IDEA）の暗号スイートを受け付けます。長い接続では SWEET32 攻撃を受けます: {suites}。"),
                fix: LocalizedText(
                    en: "Remove 3DES and IDEA from the server's cipher list; devices that need them should send through a local relay.",
                    ja: "サーバーの暗号スイートの設定から 3DES と IDEA を外してください。それらが必要な古い機器は、ローカルの中継サーバーを経由して送信させてください。"))
        case .cipherNoForwardSecrecy:
            return Entry(
                message: LocalizedText(
                    en: "The server on port {ports} accepts suites without forward secrecy (static RSA, DH or ECDH key exchange): anyone who later obtains the key can read recorded sessions: {suites}.",
                    ja: "ポート {ports} のサーバーは前方秘匿性のない暗号スイート（静的な RSA、DH、ECDH の鍵交換）を受け付けます。後で秘密鍵を入手した人が、記録された通信を読めます: {suites}。"),
                fix: LocalizedText(
                    en: "Offer only ECDHE (or DHE with 2048-bit groups) key exchange, and TLS 1.3.",
                    ja: "鍵交換は ECDHE（または 2048 ビット以上の DHE）と TLS 1.3 だけにしてください。"))
        case .tlsCompression:
            return Entry(
                message: LocalizedText(
                    en: "The server on port {ports} compresses TLS records (DEFLATE): an attacker who can inject data learns secrets from the sizes (CRIME).",
                    ja: "ポート {ports} のサーバーは TLS の圧縮（DEFLATE）を受け付けます。通信にデータを注入できる攻撃者は、長さの変化から秘密の値を推測できます（CRIME）。"),
                fix: LocalizedText(
                    en: "Turn TLS compression off (OpenSSL's default since 1.1.0; update the TLS library if it is older).",
                    ja: "TLS の圧縮を無効にしてください（OpenSSL 1.1.0 以降は既定で無効です。古い場合は TLS のライブラリを更新してください）。"))
        case .secureRenegotiationMissing:
            return Entry(
                message: LocalizedText(
                    en: "The server on port {ports} does not support secure renegotiation (RFC 5746) with {evidence}: an attacker can prefix a client's session with data of its own.",
                    ja: "ポート {ports} のサーバーは {evidence} で安全な再ネゴシエーション（RFC 5746）に対応していません。攻撃者が利用者の通信の前に自分のデータを挿入できます。"),
                fix: LocalizedText(
                    en: "Update the server's TLS library: every current one supports RFC 5746.",
                    ja: "サーバーの TLS のライブラリを更新してください。現在のものはすべて RFC 5746 に対応しています。"))
        case .sslProtocolAccepted:
            return Entry(
                message: LocalizedText(
                    en: "The server on port {ports} accepts {versions}, broken protocols (DROWN, POODLE).",
                    ja: "ポート {ports} のサーバーは、破られたプロトコル {versions} を受け付けます（DROWN、POODLE）。"),
                fix: LocalizedText(
                    en: "Turn SSL 2.0 and 3.0 off; allow TLS 1.2 and 1.3 only.",
                    ja: "SSL 2.0 と SSL 3.0 を無効にし、TLS 1.2 と TLS 1.3 だけを許可してください。"))
        case .fallbackSCSVMissing:
            return Entry(
                message: LocalizedText(
                    en: "The server on port {ports} serves a client that falls back below its best TLS version even when the client marks it as a fallback (TLS_FALLBACK_SCSV, RFC 7507): a downgrade goes unnoticed.",
                    ja: "ポート {ports} のサーバーは、クライアントが最良のバージョンより低い TLS に切り替えたことを示しても（TLS_FALLBACK_SCSV、RFC 7507）接続を受け付けます。ダウングレードに気付けません。"),
                fix: LocalizedText(
                    en: "Update the server's TLS library (OpenSSL 1.0.1j and later honour it), or allow only TLS 1.2 and 1.3.",
                    ja: "サーバーの TLS のライブラリを更新してください（OpenSSL 1.0.1j 以降は対応しています）。または TLS 1.2 と TLS 1.3 だけを許可してください。"))
        case .dhWeak:
            return Entry(
                message: LocalizedText(
                    en: "The server on port {ports} uses {bits}-bit Diffie-Hellman groups for DHE key exchange ({groups}). Below 2048 bits an attacker with enough computing power can break the key exchange, and one precomputation on a published 1024-bit prime breaks every server that uses it (Logjam).",
                    ja: "ポート {ports} のサーバーは、DHE の鍵交換に {bits} ビットの Diffie-Hellman グループを使っています（{groups}）。2048 ビット未満では、十分な計算能力を持つ攻撃者が鍵交換を破れます。公開されている 1024 ビットの素数は、一度の事前計算でそれを使うすべてのサーバーが破られます（Logjam）。"),
                fix: ServerFixCatalog.entry(.dhWeak)!.general)
        case .tls10CBCOnly:
            return Entry(
                message: LocalizedText(
                    en: "TLS 1.0 on port {ports} has only CBC suites, which are open to BEAST with a client that does not split its records: {suites}.",
                    ja: "ポート {ports} の TLS 1.0 では CBC の暗号スイートしか使えません。TLS のレコードを分割しないクライアントでは BEAST 攻撃を受けます: {suites}。"),
                fix: LocalizedText(
                    en: "Turn TLS 1.0 off (TLS 1.2 and 1.3 only); devices that need it should send through a local relay.",
                    ja: "TLS 1.0 を無効にしてください（TLS 1.2 と TLS 1.3 だけを許可）。TLS 1.0 しか使えない機器は、ローカルの中継サーバーを経由して送信させてください。"))
        case .weakKey:
            return Entry(
                message: LocalizedText(
                    en: "A certificate on port {ports} has a weak key: {evidence}.",
                    ja: "ポート {ports} の証明書には弱い鍵が使われています: {evidence}。"),
                fix: LocalizedText(
                    en: "Issue a new certificate with an RSA key of at least 2048 bits or an EC P-256 key.",
                    ja: "2048 ビット以上の RSA 鍵か EC P-256 鍵で証明書を発行し直してください。"))
        case .weakSignature:
            return Entry(
                message: LocalizedText(
                    en: "A certificate on port {ports} is signed with a weak algorithm: {evidence}.",
                    ja: "ポート {ports} の証明書は、弱い署名アルゴリズムで署名されています: {evidence}。"),
                fix: LocalizedText(
                    en: "Reissue the certificate with a SHA-256 or stronger signature.",
                    ja: "SHA-256 以上の署名アルゴリズムで証明書を発行し直してください。"))
        case .greetingSlow:
            return Entry(
                message: LocalizedText(
                    en: "The server on port {ports} took {seconds} s to greet (a deliberate delay or an overloaded server). Clients with short timeouts give up.",
                    ja: "ポート {ports} のサーバーは、挨拶を返すまでに {seconds} 秒かかりました（意図的な遅延か、サーバーの過負荷の可能性があります）。タイムアウトの短いクライアントは接続をあきらめます。"),
                fix: LocalizedText(
                    en: "Keep deliberate delays (postscreen, greet pauses) off submission ports; otherwise check reverse DNS lookups and the server's load.",
                    ja: "送信用ポートでは、意図的な遅延（postscreen の挨拶前の待機など）を使わないでください。意図的な遅延でなければ、逆引き DNS の応答時間とサーバーの負荷を確認してください。"))
        case .protocolError:
            return Entry(
                message: LocalizedText(
                    en: "The server on port {ports} did not follow the protocol: {evidence}.",
                    ja: "ポート {ports} のサーバーは、プロトコルどおりに応答しませんでした: {evidence}。"),
                fix: LocalizedText(
                    en: "Check that a mail server, not another service, listens on this port, and read its log.",
                    ja: "このポートで、別のサービスではなくメールサーバーが動いているか確認してください。あわせてサーバーのログも確認してください。"))
        case .portClosed, .portFiltered, .serverUnavailable, .wrongModePlaintextOnTLSPort, .wrongModeTLSOnSTARTTLSPort,
             .starttlsNotSupported, .tlsHandshakeFailed, .certificateExpired, .certificateNotYetValid,
             .certificateExpiringSoon, .certificateHostMismatch, .certificateNotTrusted, .certificateSelfSigned:
            return entry(id)
        }
    }
}
