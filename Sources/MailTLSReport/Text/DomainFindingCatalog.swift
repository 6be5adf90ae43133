import MailTLSDomainCheck

/// The explanation and fix of every `mailtls domain` finding, in English and Japanese. Placeholders: `{subjects}`,
/// `{evidence}`, `{domain}` and the finding's own parameters.
public enum DomainFindingCatalog {
    public static func message(for finding: DomainFinding, domain: String, in language: Language) -> String {
        entry(finding).message(language, values(of: finding, domain: domain, language: language))
    }

    public static func fix(for finding: DomainFinding, domain: String, in language: Language) -> String {
        entry(finding).fix(language, values(of: finding, domain: domain, language: language))
    }

    static func values(of finding: DomainFinding, domain: String, language: Language) -> [String: String] {
        var values = finding.parameters
        values["subjects"] = finding.subjects.joined(separator: ", ")
        values["evidence"] = DomainEvidenceText.render(finding.evidence, language)
        values["domain"] = domain
        values["keyword"] = "STARTTLS"
        values["seconds"] = values["seconds"] ?? finding.evidence.english
        values.merge(finding.evidence.parameters) { own, _ in own }
        // History written before these findings carried the problem itself: the name checked is the MX host's.
        values["name"] = values["name"] ?? finding.subjects.map { $0.split(separator: " ").first.map(String.init) ?? $0 }
            .joined(separator: ", ")
        for key in ["date", "days", "names", "issuer"] where values[key] == nil {
            values[key] = values["evidence"]
        }
        return values
    }

    static func entry(_ finding: DomainFinding) -> FindingCatalog.Entry {
        let reason = finding.parameters["reason"]
        switch (finding.id, reason) {
        case (.tlsaUnusable, "mx-insecure"?):
            return FindingCatalog.Entry(
                message: LocalizedText(
                    en: "TLSA records are published for {subjects}, but the MX answer of {domain} is not DNSSEC-signed, so senders never look for them (RFC 7672).",
                    ja: "{subjects} に TLSA レコードがありますが、{domain} の MX レコードが DNSSEC で署名されていません。そのため、送信側のサーバーは TLSA レコードを参照しません（RFC 7672）。"),
                fix: LocalizedText(
                    en: "Sign the zone of {domain} with DNSSEC (and publish its DS at the parent), or remove the TLSA records.",
                    ja: "{domain} のゾーンを DNSSEC で署名してください（親ゾーンへの DS レコードの登録も必要です）。署名しない場合は、TLSA レコードを削除してください。"))
        case (.tlsaUnusable, "tlsa-insecure"?):
            return FindingCatalog.Entry(
                message: LocalizedText(
                    en: "TLSA records at {subjects} are not DNSSEC-signed: senders ignore them (DANE needs DNSSEC).",
                    ja: "{subjects} の TLSA レコードは DNSSEC で署名されていないため、送信側のサーバーはこれを無視します（DANE には DNSSEC が必要です）。"),
                fix: LocalizedText(
                    en: "Sign the zone that holds the MX host's TLSA records with DNSSEC, or remove them.",
                    ja: "MX サーバーの TLSA レコードがあるゾーンを DNSSEC で署名してください。署名しない場合は、TLSA レコードを削除してください。"))
        case (.tlsaUnusable, _):
            return FindingCatalog.Entry(
                message: LocalizedText(
                    en: "The TLSA records at {subjects} use only PKIX-TA(0) or PKIX-EE(1), which do not count for SMTP (RFC 7672 section 3.1).",
                    ja: "{subjects} の TLSA レコードは PKIX-TA(0) と PKIX-EE(1) だけです。これらは SMTP では使われません（RFC 7672 3.1 節）。"),
                fix: LocalizedText(
                    en: "Publish DANE-EE (3 1 1, the SHA-256 of the server's public key) or DANE-TA (2 1 1, of the issuing CA's key).",
                    ja: "DANE-EE（3 1 1: サーバーの公開鍵の SHA-256）か、DANE-TA（2 1 1: 証明書を発行した認証局の公開鍵の SHA-256）のレコードを公開してください。"))
        case (.stsPolicyInvalid, "content-type"?):
            return FindingCatalog.Entry(
                message: LocalizedText(
                    en: "The MTA-STS policy at {subjects} is not served as text/plain ({evidence}); senders reject it.",
                    ja: "{subjects} の MTA-STS ポリシーは text/plain として配信されていません（{evidence}）。送信側のサーバーはこのポリシーを受け付けません。"),
                fix: LocalizedText(
                    en: "Serve /.well-known/mta-sts.txt with Content-Type: text/plain (nginx: default_type text/plain; in that location).",
                    ja: "/.well-known/mta-sts.txt を Content-Type: text/plain で配信してください（nginx の場合は、その location ブロックに「default_type text/plain;」を追加します）。"))
        case (.mtaSTSMissing, "served"?):
            return FindingCatalog.Entry(
                message: LocalizedText(
                    en: "A policy file is served at {evidence}, but without the _mta-sts TXT record senders never fetch it.",
                    ja: "ポリシーファイルは配信されていますが（{evidence}）、_mta-sts の TXT レコードがないため、送信側のサーバーはポリシーを取得しません。"),
                fix: LocalizedText(
                    en: "Publish _mta-sts.{domain} TXT \"v=STSv1; id=<a new id>\".",
                    ja: "_mta-sts.{domain} に TXT レコード \"v=STSv1; id=<新しい ID>\" を公開してください。"))
        case (.stsRecordInvalid, "several"?):
            return FindingCatalog.Entry(
                message: LocalizedText(
                    en: "There are several v=STSv1 TXT records at {subjects}; senders then act as if there were none (RFC 8461 section 3.1).",
                    ja: "{subjects} に v=STSv1 の TXT レコードが複数あります。この場合、送信側のサーバーはレコードがないものとして扱います（RFC 8461 3.1 節）。"),
                fix: LocalizedText(
                    en: "Keep exactly one record: v=STSv1; id=<id>.",
                    ja: "レコードを「v=STSv1; id=<ID>」の 1 つだけにしてください。"))
        case (.tlsrptInvalid, "several"?):
            return FindingCatalog.Entry(
                message: LocalizedText(
                    en: "There are several v=TLSRPTv1 TXT records at {subjects}; reporters then send no reports (RFC 8460 section 3).",
                    ja: "{subjects} に v=TLSRPTv1 の TXT レコードが複数あります。この場合、TLS-RPT のレポートは届きません（RFC 8460 3 節）。"),
                fix: LocalizedText(
                    en: "Keep exactly one record, with every address in its rua= list.",
                    ja: "レコードを 1 つにまとめ、すべての宛先を rua= に並べてください。"))
        case (.daneMissing, "no"?):
            return FindingCatalog.Entry(
                message: LocalizedText(
                    en: "No DANE for {subjects}: the zone is not DNSSEC-signed, so TLSA records could not be used yet.",
                    ja: "{subjects} には DANE がありません。ゾーンが DNSSEC で署名されていないため、TLSA レコードはまだ使えません。"),
                fix: LocalizedText(
                    en: "Optional: sign the zones with DNSSEC and publish TLSA 3 1 1 records, or rely on MTA-STS.",
                    ja: "必須ではありません。対策するなら、ゾーンを DNSSEC で署名して TLSA 3 1 1 レコードを公開するか、MTA-STS を利用してください。"))
        default:
            return base(finding.id)
        }
    }

    /// A verdict other commands reach too: the shared catalogue's words about an MX host, and the administrator's fix.
    static func shared(_ verdict: VerdictCatalog.Verdict, then addition: LocalizedText? = nil) -> FindingCatalog.Entry {
        VerdictCatalog.entry(verdict, about: .mxHost, then: addition)
    }

    // swiftlint:disable:next function_body_length cyclomatic_complexity
    static func base(_ id: DomainFindingID) -> FindingCatalog.Entry {
        switch id {
        case .starttlsNotSupported:
            return shared(.startTLSNotOffered, then: LocalizedText(
                en: "Mail to {domain} crosses the internet unencrypted.",
                ja: "{domain} 宛てのメールは、暗号化されずにインターネットを流れます。"))
        case .certificateHostMismatch:
            return shared(.certificateNameMismatch, then: LocalizedText(
                en: "MTA-STS senders refuse it.",
                ja: "MTA-STS に従う送信側のサーバーは、この証明書を拒否します。"))
        case .certificateExpired:
            return shared(.certificateExpired)
        case .certificateNotYetValid:
            return shared(.certificateNotYetValid, then: LocalizedText(
                en: "Senders refuse it until then.",
                ja: "それまで送信側のサーバーはこの証明書を拒否します。"))
        case .certificateExpiringSoon:
            return shared(.certificateExpiringSoon)
        case .certificateNotTrusted:
            return shared(.certificateUntrusted, then: LocalizedText(
                en: "MTA-STS senders refuse it.",
                ja: "MTA-STS に従う送信側のサーバーは、この証明書を拒否します。"))
        case .tlsaInvalid:
            return .init(
                message: LocalizedText(
                    en: "DANE fails for {subjects}: {evidence}. Senders that use DANE will not deliver there.",
                    ja: "{subjects} の DANE 検証に失敗しました: {evidence}。DANE を使う送信側のサーバーは、このサーバーにメールを配送しません。"),
                fix: LocalizedText(
                    en: "Publish TLSA records for the certificate the server presents now (and for the next key before a rollover).",
                    ja: "サーバーが現在提示している証明書に合う TLSA レコードを公開してください（鍵を更新する前には、次の鍵のレコードも公開します）。"))
        case .dnssecInvalid:
            return .init(
                message: LocalizedText(
                    en: "DNSSEC validation fails for {subjects} ({evidence}): validating resolvers return no answer, so mail may not be delivered.",
                    ja: "{subjects} の DNSSEC 検証に失敗しました（{evidence}）。検証を行うリゾルバーは応答を返さないため、メールが配送されないおそれがあります。"),
                fix: LocalizedText(
                    en: "Re-sign the zone, check the DS record at the parent and the signatures' validity dates.",
                    ja: "ゾーンを再署名し、親ゾーンの DS レコードと署名の有効期間を確認してください。"))
        case .daneRequired:
            return .init(
                message: LocalizedText(
                    en: "{subjects} publishes TLSA records but TLS cannot be set up there; DANE senders will not deliver.",
                    ja: "{subjects} は TLSA レコードを公開していますが、TLS で接続できません。DANE を使う送信側のサーバーは、このサーバーにメールを配送しません。"),
                fix: LocalizedText(
                    en: "Offer STARTTLS with the certificate the TLSA records describe, or withdraw the TLSA records first.",
                    ja: "TLSA レコードに合う証明書で STARTTLS を提供してください。それができない場合は、先に TLSA レコードを取り下げてください。"))
        case .stsPolicyFetchError:
            return .init(
                message: LocalizedText(
                    en: "The MTA-STS policy could not be fetched from {subjects}: {evidence}.",
                    ja: "MTA-STS ポリシーを {subjects} から取得できませんでした: {evidence}。"),
                fix: LocalizedText(
                    en: "Serve the policy over HTTPS at that exact URL with status 200 (no redirects), a valid certificate for mta-sts.{domain}, at most 64 KiB.",
                    ja: "ポリシーはその URL のまま、HTTPS でステータス 200 として配信してください。リダイレクトは使えません。証明書は mta-sts.{domain} に対して有効なもの、サイズは 64 KiB 以下にしてください。"))
        case .stsPolicyInvalid:
            return .init(
                message: LocalizedText(
                    en: "The MTA-STS policy at {subjects} is invalid: {evidence}.",
                    ja: "{subjects} の MTA-STS ポリシーの形式が正しくありません: {evidence}。"),
                fix: LocalizedText(
                    en: "Write the policy as RFC 8461 section 3.2 shows: version: STSv1, mode: enforce|testing|none, one mx: line per MX, max_age: up to 31557600.",
                    ja: "RFC 8461 3.2 節の形式でポリシーを書いてください。必要な行は version: STSv1、mode: enforce|testing|none、MX サーバーごとの mx: 行、max_age: 31557600 以下の値です。"))
        case .stsWebPKIInvalid:
            return .init(
                message: LocalizedText(
                    en: "The certificate of the MTA-STS policy host is not valid ({evidence}); senders cannot authenticate the policy.",
                    ja: "MTA-STS ポリシーを配信するサーバーの証明書が有効ではありません（{evidence}）。送信側のサーバーはポリシーを認証できません。"),
                fix: LocalizedText(
                    en: "Install a publicly trusted certificate for mta-sts.{domain} on the policy web server.",
                    ja: "ポリシーを配信する Web サーバーに、公的な認証局が発行した mta-sts.{domain} の証明書をインストールしてください。"))
        case .tlsrptInvalid:
            return .init(
                message: LocalizedText(
                    en: "The TLS-RPT record {subjects} is invalid: {evidence}.",
                    ja: "TLS-RPT レコード {subjects} の形式が正しくありません: {evidence}。"),
                fix: LocalizedText(
                    en: "Publish \"v=TLSRPTv1; rua=mailto:tlsrpt@{domain}\" (mailto: or https: URIs only).",
                    ja: "\"v=TLSRPTv1; rua=mailto:tlsrpt@{domain}\" の形式で公開してください（rua= に書けるのは mailto: か https: の URI だけです）。"))
        case .tlsrptMissing:
            return .init(
                message: LocalizedText(
                    en: "No TLS-RPT record: you will not hear when senders fail to reach {domain} securely.",
                    ja: "TLS-RPT レコードがありません。送信側のサーバーが {domain} に安全に接続できなかったときに、その通知を受け取れません。"),
                fix: LocalizedText(
                    en: "Publish _smtp._tls.{domain} TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@{domain}\".",
                    ja: "_smtp._tls.{domain} に TXT レコード \"v=TLSRPTv1; rua=mailto:tlsrpt@{domain}\" を公開してください。"))
        case .mtaSTSMissing:
            return .init(
                message: LocalizedText(
                    en: "No MTA-STS: senders fall back to opportunistic STARTTLS, which an attacker on the path can strip.",
                    ja: "MTA-STS がありません。送信側のサーバーは STARTTLS を日和見的に（使えるときだけ）使うため、経路上の攻撃者に STARTTLS を取り除かれると、メールを暗号化せずに配送してしまうおそれがあります。"),
                fix: LocalizedText(
                    en: "Publish an MTA-STS policy (start with mode: testing, then enforce) or DANE.",
                    ja: "MTA-STS ポリシーを公開するか（最初は mode: testing、問題がなければ mode: enforce）、DANE を設定してください。"))
        case .daneMissing:
            return .init(
                message: LocalizedText(
                    en: "No TLSA records for {subjects}: senders that use DANE cannot authenticate it.",
                    ja: "{subjects} に TLSA レコードがありません。DANE を使う送信側のサーバーは、このサーバーを認証できません。"),
                fix: LocalizedText(
                    en: "Optional: publish _25._tcp.<mx> TLSA 3 1 1 <SHA-256 of the server's public key> in the signed zone.",
                    ja: "必須ではありません。対策するなら、署名済みのゾーンに _25._tcp.<MX サーバー名> TLSA 3 1 1 <サーバーの公開鍵の SHA-256> を公開してください。"))
        case .tlsaUnusable:
            return base(.daneMissing)
        case .danePartial:
            return .init(
                message: LocalizedText(
                    en: "{subjects} has no TLSA records while other MX hosts do ({evidence}): an attacker can steer DANE senders to it, where they fall back to opportunistic TLS.",
                    ja: "ほかの MX サーバーには TLSA レコードがありますが、{subjects} にはありません（{evidence}）。攻撃者は、DANE を使う送信側のサーバーをこの MX サーバーに誘導できます。この MX サーバーには DANE の保護がないため、送信側のサーバーは証明書を検証しない日和見的な TLS に戻ってしまいます。"),
                fix: LocalizedText(
                    en: "Publish TLSA records for every MX host (or remove the MX that cannot have them).",
                    ja: "すべての MX サーバーに TLSA レコードを公開してください（公開できない MX サーバーは MX レコードから外してください）。"))
        case .stsMaxAgeShort:
            return .init(
                message: LocalizedText(
                    en: "The MTA-STS policy's max_age is only {seconds} s: senders forget it within a day, and an attacker who blocks the refresh only has to wait.",
                    ja: "MTA-STS ポリシーの max_age が {seconds} 秒しかありません。送信側のサーバーは 1 日以内にポリシーを忘れるため、ポリシーの更新を妨害する攻撃者は、それまで待つだけで済みます。"),
                fix: LocalizedText(
                    en: "Once the policy is stable, raise max_age to weeks (604800 or more; RFC 8461 allows up to 31557600).",
                    ja: "ポリシーが安定したら、max_age を数週間分（604800 以上。RFC 8461 の上限は 31557600）に延ばしてください。"))
        case .stsRecordInvalid:
            return .init(
                message: LocalizedText(
                    en: "The MTA-STS TXT record is invalid ({evidence}); senders ignore the policy.",
                    ja: "MTA-STS の TXT レコードの形式が正しくありません（{evidence}）。送信側のサーバーはポリシーを無視します。"),
                fix: LocalizedText(
                    en: "Publish exactly one record: v=STSv1; id=<1-32 letters or digits>.",
                    ja: "「v=STSv1; id=<英数字 1〜32 文字>」の形式のレコードを 1 つだけ公開してください。"))
        case .stsMXNotListed:
            return .init(
                message: LocalizedText(
                    en: "MX {subjects} is not covered by the MTA-STS policy ({evidence}); senders that honour the policy will not deliver to it.",
                    ja: "MX サーバー {subjects} は MTA-STS ポリシーの対象外です（{evidence}）。ポリシーに従う送信側のサーバーは、この MX サーバーにメールを配送しません。"),
                fix: LocalizedText(
                    en: "Add an mx: line for it to the policy, change the policy id in the TXT record, and wait for max_age.",
                    ja: "ポリシーにこの MX サーバーの mx: 行を追加し、TXT レコードの id を変更してください。その後、max_age の期間が過ぎるまで待ってください。"))
        case .stsModeTesting:
            return .init(
                message: LocalizedText(
                    en: "The MTA-STS policy is in testing mode: senders report failures but still deliver without TLS.",
                    ja: "MTA-STS ポリシーは testing モードです。送信側のサーバーは失敗を報告しますが、TLS を使えなくてもメールを配送します。"),
                fix: LocalizedText(
                    en: "Once TLS-RPT reports are clean, switch to mode: enforce and change the id.",
                    ja: "TLS-RPT のレポートに問題がなくなったら、mode: enforce に切り替えて id を変更してください。"))
        case .stsModeNone:
            return .init(
                message: LocalizedText(
                    en: "The MTA-STS policy has mode: none: the domain is withdrawing its policy.",
                    ja: "MTA-STS ポリシーは mode: none です。このドメインはポリシーを取り下げようとしています。"),
                fix: LocalizedText(
                    en: "Nothing to do if intended; otherwise publish mode: testing or enforce.",
                    ja: "意図したものなら対応は不要です。そうでなければ、mode: testing か mode: enforce にしてください。"))
        case .mxUnreachable:
            return .init(
                message: LocalizedText(
                    en: "{subjects} does not accept connections on port 25 ({evidence}).",
                    ja: "{subjects} はポート 25 で接続を受け付けません（{evidence}）。"),
                fix: LocalizedText(
                    en: "Start the mail server or open port 25 in the firewall, or remove the MX record.",
                    ja: "メールサーバーを起動するか、ファイアウォールでポート 25 を開放してください。使わない MX サーバーなら、MX レコードから外してください。"))
        case .mxAddressMissing:
            return .init(
                message: LocalizedText(
                    en: "MX host {subjects} has no address ({evidence}).",
                    ja: "MX サーバー {subjects} には IP アドレスがありません（{evidence}）。"),
                fix: LocalizedText(
                    en: "Publish A/AAAA records for it, or correct the MX record.",
                    ja: "このサーバー名の A/AAAA レコードを公開するか、MX レコードを修正してください。"))
        case .tlsHandshakeFailed:
            return shared(.handshakeFailed, then: LocalizedText(
                en: "Senders fall back to sending unencrypted, or do not deliver.",
                ja: "送信側のサーバーは暗号化なしで送るか、配送しません。"))
        case .mxImplicit:
            return .init(
                message: LocalizedText(
                    en: "{domain} has no MX record; senders deliver to its own address ({evidence}).",
                    ja: "{domain} には MX レコードがないため、送信側のサーバーはドメイン自身のアドレス（{evidence}）にメールを配送します。"),
                fix: LocalizedText(
                    en: "Publish an explicit MX record (or MX 0 . if the domain receives no mail).",
                    ja: "MX レコードを明示的に公開してください（メールを受け取らないドメインなら MX 0 . を公開します）。"))
        case .nullMX:
            return .init(
                message: LocalizedText(
                    en: "{domain} publishes a null MX (MX 0 .): it accepts no mail, so there is nothing to secure.",
                    ja: "{domain} は null MX（MX 0 .）を公開しています。メールを受け取らないドメインなので、保護する対象はありません。"),
                fix: LocalizedText(
                    en: "Nothing to do if the domain should receive no mail.",
                    ja: "このドメインでメールを受け取らないのであれば、対応は不要です。"))
        }
    }
}
