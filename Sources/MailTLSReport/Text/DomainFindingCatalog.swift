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
        values["evidence"] = EvidenceText.render(finding.evidence, language)
        values["domain"] = domain
        values["seconds"] = values["seconds"] ?? finding.evidence
        return values
    }

    static func entry(_ finding: DomainFinding) -> FindingCatalog.Entry {
        let reason = finding.parameters["reason"]
        switch (finding.id, reason) {
        case (.tlsaUnusable, "mx-insecure"?):
            return FindingCatalog.Entry(
                message: LocalizedText(
                    en: "TLSA records are published for {subjects}, but the MX answer of {domain} is not DNSSEC-signed, so senders never look for them (RFC 7672).",
                    ja: "{subjects} に TLSA レコードがありますが、{domain} の MX 応答が DNSSEC で署名されていないため、送信側のサーバーは TLSA を参照しません(RFC 7672)。"),
                fix: LocalizedText(
                    en: "Sign the zone of {domain} with DNSSEC (and publish its DS at the parent), or remove the TLSA records.",
                    ja: "{domain} のゾーンを DNSSEC で署名し(親ゾーンに DS を登録)、そうでなければ TLSA レコードを削除してください。"))
        case (.tlsaUnusable, "tlsa-insecure"?):
            return FindingCatalog.Entry(
                message: LocalizedText(
                    en: "TLSA records at {subjects} are not DNSSEC-signed: senders ignore them (DANE needs DNSSEC).",
                    ja: "{subjects} の TLSA レコードは DNSSEC で署名されていないため、送信側は無視します(DANE には DNSSEC が必要です)。"),
                fix: LocalizedText(
                    en: "Sign the zone that holds the MX host's TLSA records with DNSSEC, or remove them.",
                    ja: "MX ホストの TLSA レコードがあるゾーンを DNSSEC で署名するか、レコードを削除してください。"))
        case (.tlsaUnusable, _):
            return FindingCatalog.Entry(
                message: LocalizedText(
                    en: "The TLSA records at {subjects} use only PKIX-TA(0) or PKIX-EE(1), which do not count for SMTP (RFC 7672 section 3.1).",
                    ja: "{subjects} の TLSA レコードは PKIX-TA(0) / PKIX-EE(1) だけで、SMTP では使われません(RFC 7672 3.1 節)。"),
                fix: LocalizedText(
                    en: "Publish DANE-EE (3 1 1, the SHA-256 of the server's public key) or DANE-TA (2 1 1, of the issuing CA's key).",
                    ja: "DANE-EE(3 1 1: サーバーの公開鍵の SHA-256)か DANE-TA(2 1 1: 発行 CA の公開鍵)のレコードを公開してください。"))
        case (.stsPolicyInvalid, "content-type"?):
            return FindingCatalog.Entry(
                message: LocalizedText(
                    en: "The MTA-STS policy at {subjects} is not served as text/plain ({evidence}); senders reject it.",
                    ja: "{subjects} の MTA-STS ポリシーが text/plain で配信されていません({evidence})。送信側はこのポリシーを受け付けません。"),
                fix: LocalizedText(
                    en: "Serve /.well-known/mta-sts.txt with Content-Type: text/plain (nginx: default_type text/plain; in that location).",
                    ja: "/.well-known/mta-sts.txt を Content-Type: text/plain で配信してください(nginx なら location 内で default_type text/plain;)。"))
        case (.mtaSTSMissing, "served"?):
            return FindingCatalog.Entry(
                message: LocalizedText(
                    en: "A policy file is served at {evidence}, but without the _mta-sts TXT record senders never fetch it.",
                    ja: "ポリシーファイルは配信されていますが({evidence})、_mta-sts の TXT レコードがないため送信側は取得しません。"),
                fix: LocalizedText(
                    en: "Publish _mta-sts.{domain} TXT \"v=STSv1; id=<a new id>\".",
                    ja: "_mta-sts.{domain} に TXT \"v=STSv1; id=<新しい ID>\" を公開してください。"))
        case (.stsRecordInvalid, "several"?):
            return FindingCatalog.Entry(
                message: LocalizedText(
                    en: "There are several v=STSv1 TXT records at {subjects}; senders then act as if there were none (RFC 8461 section 3.1).",
                    ja: "{subjects} に v=STSv1 の TXT レコードが複数あります。この場合、送信側はレコードがないものとして扱います(RFC 8461 3.1 節)。"),
                fix: LocalizedText(
                    en: "Keep exactly one record: v=STSv1; id=<id>.",
                    ja: "レコードを 1 つ(v=STSv1; id=<ID>)だけにしてください。"))
        case (.tlsrptInvalid, "several"?):
            return FindingCatalog.Entry(
                message: LocalizedText(
                    en: "There are several v=TLSRPTv1 TXT records at {subjects}; reporters then send no reports (RFC 8460 section 3).",
                    ja: "{subjects} に v=TLSRPTv1 の TXT レコードが複数あります。この場合、レポートは送られません(RFC 8460 3 節)。"),
                fix: LocalizedText(
                    en: "Keep exactly one record, with every address in its rua= list.",
                    ja: "レコードを 1 つにまとめ、すべての宛先を rua= に並べてください。"))
        case (.daneMissing, "no"?):
            return FindingCatalog.Entry(
                message: LocalizedText(
                    en: "No DANE for {subjects}: the zone is not DNSSEC-signed, so TLSA records could not be used yet.",
                    ja: "{subjects} に DANE がありません。ゾーンが DNSSEC で署名されていないため、TLSA レコードはまだ使えません。"),
                fix: LocalizedText(
                    en: "Optional: sign the zones with DNSSEC and publish TLSA 3 1 1 records, or rely on MTA-STS.",
                    ja: "任意: ゾーンを DNSSEC で署名して TLSA 3 1 1 を公開するか、MTA-STS を使ってください。"))
        default:
            return base(finding.id)
        }
    }

    // swiftlint:disable:next function_body_length cyclomatic_complexity
    static func base(_ id: DomainFindingID) -> FindingCatalog.Entry {
        switch id {
        case .starttlsNotSupported:
            return .init(
                message: LocalizedText(
                    en: "{subjects} does not offer STARTTLS on port 25: mail to {domain} crosses the internet unencrypted.",
                    ja: "{subjects} はポート 25 で STARTTLS を提供していません。{domain} 宛てのメールは暗号化されずにインターネットを流れます。"),
                fix: LocalizedText(
                    en: "Enable STARTTLS with a valid certificate (Postfix: smtpd_tls_security_level = may, smtpd_tls_chain_files = key and chain).",
                    ja: "有効な証明書で STARTTLS を有効にしてください(Postfix: smtpd_tls_security_level = may、smtpd_tls_chain_files に鍵とチェーン)。"))
        case .certificateHostMismatch:
            return .init(
                message: LocalizedText(
                    en: "The certificate of {subjects} is not for the MX host name (it names {evidence}); MTA-STS senders refuse it.",
                    ja: "{subjects} の証明書は MX ホスト名のものではありません(記載名: {evidence})。MTA-STS を使う送信側は接続を拒否します。"),
                fix: LocalizedText(
                    en: "Install a certificate whose names include the MX host name exactly as the MX record gives it.",
                    ja: "MX レコードに書かれたホスト名をそのまま含む証明書をインストールしてください。"))
        case .certificateExpired:
            return .init(
                message: LocalizedText(
                    en: "The certificate of {subjects} has expired ({evidence}).",
                    ja: "{subjects} の証明書は期限切れです({evidence})。"),
                fix: LocalizedText(
                    en: "Renew the certificate and reload the mail server; automate renewal (ACME) and monitor expiry.",
                    ja: "証明書を更新してメールサーバーを再読み込みしてください。更新の自動化(ACME)と期限の監視をお勧めします。"))
        case .certificateExpiringSoon:
            return .init(
                message: LocalizedText(
                    en: "The certificate of {subjects} expires in {evidence}.",
                    ja: "{subjects} の証明書はあと {evidence} で期限が切れます。"),
                fix: LocalizedText(
                    en: "Renew it now and check that renewal is automated.",
                    ja: "今のうちに更新し、更新が自動化されているか確認してください。"))
        case .certificateNotTrusted:
            return .init(
                message: LocalizedText(
                    en: "The certificate of {subjects} is not trusted ({evidence}); MTA-STS senders refuse it.",
                    ja: "{subjects} の証明書は信頼されていません({evidence})。MTA-STS を使う送信側は接続を拒否します。"),
                fix: LocalizedText(
                    en: "Use a certificate from a public CA and send the full chain (leaf and intermediates).",
                    ja: "公的な認証局の証明書を使い、中間証明書を含むチェーン全体を送るよう設定してください。"))
        case .tlsaInvalid:
            return .init(
                message: LocalizedText(
                    en: "DANE fails for {subjects}: {evidence}. Senders that use DANE will not deliver there.",
                    ja: "{subjects} の DANE 検証に失敗しました: {evidence}。DANE を使う送信側はこのサーバーに配送しません。"),
                fix: LocalizedText(
                    en: "Publish TLSA records for the certificate the server presents now (and for the next key before a rollover).",
                    ja: "現在サーバーが提示している証明書に合う TLSA レコードを公開してください(鍵の更新前には次の鍵のレコードも)。"))
        case .dnssecInvalid:
            return .init(
                message: LocalizedText(
                    en: "DNSSEC validation fails for {subjects} ({evidence}): validating resolvers return no answer, so mail may not be delivered.",
                    ja: "{subjects} の DNSSEC 検証に失敗しました({evidence})。検証するリゾルバーは応答を返さないため、メールが配送されないおそれがあります。"),
                fix: LocalizedText(
                    en: "Re-sign the zone, check the DS record at the parent and the signatures' validity dates.",
                    ja: "ゾーンを再署名し、親ゾーンの DS レコードと署名の有効期間を確認してください。"))
        case .daneRequired:
            return .init(
                message: LocalizedText(
                    en: "{subjects} publishes TLSA records but TLS cannot be set up there; DANE senders will not deliver.",
                    ja: "{subjects} は TLSA レコードを公開していますが、TLS で接続できません。DANE を使う送信側は配送しません。"),
                fix: LocalizedText(
                    en: "Offer STARTTLS with the certificate the TLSA records describe, or withdraw the TLSA records first.",
                    ja: "TLSA レコードに合う証明書で STARTTLS を提供するか、先に TLSA レコードを取り下げてください。"))
        case .stsPolicyFetchError:
            return .init(
                message: LocalizedText(
                    en: "The MTA-STS policy could not be fetched from {subjects}: {evidence}.",
                    ja: "MTA-STS ポリシーを {subjects} から取得できません: {evidence}。"),
                fix: LocalizedText(
                    en: "Serve the policy over HTTPS at that exact URL with status 200 (no redirects), a valid certificate for mta-sts.{domain}, at most 64 KiB.",
                    ja: "そのままの URL で HTTPS によりステータス 200 で配信してください(リダイレクト不可、mta-sts.{domain} の有効な証明書、64 KiB 以下)。"))
        case .stsPolicyInvalid:
            return .init(
                message: LocalizedText(
                    en: "The MTA-STS policy at {subjects} is invalid: {evidence}.",
                    ja: "{subjects} の MTA-STS ポリシーが不正です: {evidence}。"),
                fix: LocalizedText(
                    en: "Write the policy as RFC 8461 section 3.2 shows: version: STSv1, mode: enforce|testing|none, one mx: line per MX, max_age: up to 31557600.",
                    ja: "RFC 8461 3.2 節の形式で記述してください: version: STSv1、mode: enforce|testing|none、MX ごとに mx: 行、max_age: 31557600 以下。"))
        case .stsWebPKIInvalid:
            return .init(
                message: LocalizedText(
                    en: "The certificate of the MTA-STS policy host is not valid ({evidence}); senders cannot authenticate the policy.",
                    ja: "MTA-STS ポリシーのホストの証明書が有効ではありません({evidence})。送信側はポリシーを認証できません。"),
                fix: LocalizedText(
                    en: "Install a publicly trusted certificate for mta-sts.{domain} on the policy web server.",
                    ja: "ポリシーを配信する Web サーバーに、mta-sts.{domain} の公的に信頼される証明書をインストールしてください。"))
        case .tlsrptInvalid:
            return .init(
                message: LocalizedText(
                    en: "The TLS-RPT record {subjects} is invalid: {evidence}.",
                    ja: "TLS-RPT レコード {subjects} が不正です: {evidence}。"),
                fix: LocalizedText(
                    en: "Publish \"v=TLSRPTv1; rua=mailto:tlsrpt@{domain}\" (mailto: or https: URIs only).",
                    ja: "\"v=TLSRPTv1; rua=mailto:tlsrpt@{domain}\" の形式で公開してください(mailto: か https: のみ)。"))
        case .tlsrptMissing:
            return .init(
                message: LocalizedText(
                    en: "No TLS-RPT record: you will not hear when senders fail to reach {domain} securely.",
                    ja: "TLS-RPT レコードがありません。送信側が {domain} に安全に接続できなくても通知が届きません。"),
                fix: LocalizedText(
                    en: "Publish _smtp._tls.{domain} TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@{domain}\".",
                    ja: "_smtp._tls.{domain} に TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@{domain}\" を公開してください。"))
        case .mtaSTSMissing:
            return .init(
                message: LocalizedText(
                    en: "No MTA-STS: senders fall back to opportunistic STARTTLS, which an attacker on the path can strip.",
                    ja: "MTA-STS がありません。送信側は日和見的な STARTTLS を使うため、経路上の攻撃者に暗号化を外されるおそれがあります。"),
                fix: LocalizedText(
                    en: "Publish an MTA-STS policy (start with mode: testing, then enforce) or DANE.",
                    ja: "MTA-STS ポリシー(まず mode: testing、その後 enforce)か DANE を導入してください。"))
        case .daneMissing:
            return .init(
                message: LocalizedText(
                    en: "No TLSA records for {subjects}: senders that use DANE cannot authenticate it.",
                    ja: "{subjects} に TLSA レコードがありません。DANE を使う送信側はこのサーバーを認証できません。"),
                fix: LocalizedText(
                    en: "Optional: publish _25._tcp.<mx> TLSA 3 1 1 <SHA-256 of the server's public key> in the signed zone.",
                    ja: "任意: 署名済みゾーンに _25._tcp.<MX> TLSA 3 1 1 <サーバー公開鍵の SHA-256> を公開してください。"))
        case .tlsaUnusable:
            return base(.daneMissing)
        case .danePartial:
            return .init(
                message: LocalizedText(
                    en: "{subjects} has no TLSA records while other MX hosts do ({evidence}): an attacker can steer DANE senders to it, where they fall back to opportunistic TLS.",
                    ja: "他の MX には TLSA レコードがありますが、{subjects} にはありません({evidence})。攻撃者は DANE を使う送信側をこの MX に誘導でき、そこでは日和見的な TLS に戻ってしまいます。"),
                fix: LocalizedText(
                    en: "Publish TLSA records for every MX host (or remove the MX that cannot have them).",
                    ja: "すべての MX ホストに TLSA レコードを公開してください(公開できない MX は削除してください)。"))
        case .stsMaxAgeShort:
            return .init(
                message: LocalizedText(
                    en: "The MTA-STS policy's max_age is only {seconds} s: senders forget it within a day, and an attacker who blocks the refresh only has to wait.",
                    ja: "MTA-STS ポリシーの max_age が {seconds} 秒しかありません。送信側は 1 日以内にポリシーを忘れるため、更新を妨害する攻撃者は待つだけで済みます。"),
                fix: LocalizedText(
                    en: "Once the policy is stable, raise max_age to weeks (604800 or more; RFC 8461 allows up to 31557600).",
                    ja: "ポリシーが安定したら、max_age を数週間(604800 以上。RFC 8461 の上限は 31557600)に延ばしてください。"))
        case .stsRecordInvalid:
            return .init(
                message: LocalizedText(
                    en: "The MTA-STS TXT record is invalid ({evidence}); senders ignore the policy.",
                    ja: "MTA-STS の TXT レコードが不正です({evidence})。送信側はポリシーを無視します。"),
                fix: LocalizedText(
                    en: "Publish exactly one record: v=STSv1; id=<1-32 letters or digits>.",
                    ja: "v=STSv1; id=<英数字 1〜32 文字> の形式でレコードを 1 つだけ公開してください。"))
        case .stsMXNotListed:
            return .init(
                message: LocalizedText(
                    en: "MX {subjects} is not covered by the MTA-STS policy ({evidence}); senders that honour the policy will not deliver to it.",
                    ja: "MX {subjects} は MTA-STS ポリシーの対象外です({evidence})。ポリシーに従う送信側はこの MX に配送しません。"),
                fix: LocalizedText(
                    en: "Add an mx: line for it to the policy, change the policy id in the TXT record, and wait for max_age.",
                    ja: "ポリシーにこの MX の mx: 行を追加し、TXT レコードの id を変更してください。"))
        case .stsModeTesting:
            return .init(
                message: LocalizedText(
                    en: "The MTA-STS policy is in testing mode: senders report failures but still deliver without TLS.",
                    ja: "MTA-STS ポリシーは testing モードです。送信側は失敗を報告しますが、TLS なしでも配送します。"),
                fix: LocalizedText(
                    en: "Once TLS-RPT reports are clean, switch to mode: enforce and change the id.",
                    ja: "TLS-RPT のレポートに問題がなければ mode: enforce に切り替え、id を変更してください。"))
        case .stsModeNone:
            return .init(
                message: LocalizedText(
                    en: "The MTA-STS policy has mode: none: the domain is withdrawing its policy.",
                    ja: "MTA-STS ポリシーは mode: none です(ポリシーの取り下げ中)。"),
                fix: LocalizedText(
                    en: "Nothing to do if intended; otherwise publish mode: testing or enforce.",
                    ja: "意図したものなら対応不要です。そうでなければ mode: testing か enforce にしてください。"))
        case .mxUnreachable:
            return .init(
                message: LocalizedText(
                    en: "{subjects} does not accept connections on port 25 ({evidence}).",
                    ja: "{subjects} はポート 25 で接続を受け付けません({evidence})。"),
                fix: LocalizedText(
                    en: "Start the mail server or open port 25 in the firewall, or remove the MX record.",
                    ja: "メールサーバーを起動するかファイアウォールでポート 25 を開放してください。使わない MX なら削除してください。"))
        case .mxAddressMissing:
            return .init(
                message: LocalizedText(
                    en: "MX host {subjects} has no address ({evidence}).",
                    ja: "MX ホスト {subjects} にアドレスがありません({evidence})。"),
                fix: LocalizedText(
                    en: "Publish A/AAAA records for it, or correct the MX record.",
                    ja: "A/AAAA レコードを公開するか、MX レコードを修正してください。"))
        case .tlsHandshakeFailed:
            return .init(
                message: LocalizedText(
                    en: "STARTTLS is offered by {subjects}, but the TLS handshake fails ({evidence}).",
                    ja: "{subjects} は STARTTLS を提供していますが、TLS ハンドシェイクに失敗します({evidence})。"),
                fix: LocalizedText(
                    en: "Check the server's key and certificate files and its TLS protocol settings (allow TLS 1.2 and 1.3).",
                    ja: "サーバーの鍵と証明書のファイル、TLS プロトコル設定(TLS 1.2 と 1.3 を許可)を確認してください。"))
        case .mxImplicit:
            return .init(
                message: LocalizedText(
                    en: "{domain} has no MX record; senders deliver to its own address ({evidence}).",
                    ja: "{domain} に MX レコードがないため、送信側はドメイン自身のアドレス({evidence})に配送します。"),
                fix: LocalizedText(
                    en: "Publish an explicit MX record (or MX 0 . if the domain receives no mail).",
                    ja: "MX レコードを明示的に公開してください(メールを受け取らないなら MX 0 .)。"))
        case .nullMX:
            return .init(
                message: LocalizedText(
                    en: "{domain} publishes a null MX (MX 0 .): it accepts no mail, so there is nothing to secure.",
                    ja: "{domain} は null MX(MX 0 .)を公開しています。メールを受け取らないドメインなので、保護の対象はありません。"),
                fix: LocalizedText(
                    en: "Nothing to do if the domain should receive no mail.",
                    ja: "メールを受け取らないドメインなら対応は不要です。"))
        }
    }
}
