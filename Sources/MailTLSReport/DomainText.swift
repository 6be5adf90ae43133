import MailTLSCheck
import MailTLSDNS
import MailTLSDomainCheck
import MailTLSWeb

/// Words of the `mailtls domain` report, in English and Japanese.
public enum DomainText {
    public static let header = LocalizedText(
        en: "mailtls domain {domain}  ({seconds} s)", ja: "mailtls domain {domain}（{seconds} 秒）")
    public static let mxHeader = LocalizedText(en: "MX hosts (DNSSEC: {status})", ja: "MX サーバー（DNSSEC: {status}）")
    public static let preference = LocalizedText(en: "PREF", ja: "優先度")
    public static let host = LocalizedText(en: "HOST", ja: "サーバー名")
    public static let address = LocalizedText(en: "ADDRESS", ja: "アドレス")
    public static let starttls = LocalizedText(en: "STARTTLS", ja: "STARTTLS")
    public static let dane = LocalizedText(en: "DANE", ja: "DANE")
    public static let mtaSTS = LocalizedText(en: "MTA-STS", ja: "MTA-STS")
    public static let noMX = LocalizedText(en: "  (no MX host to check)", ja: "  （確認する MX サーバーはありません）")
    public static let tlsa = LocalizedText(en: "TLSA {name}: {status}", ja: "TLSA {name}: {status}")
    public static let noRecord = LocalizedText(en: "no record", ja: "レコードなし")
    public static let stsRecord = LocalizedText(en: "MTA-STS record", ja: "MTA-STS レコード")
    public static let stsPolicy = LocalizedText(en: "MTA-STS policy", ja: "MTA-STS ポリシー")
    public static let tlsrptRecord = LocalizedText(en: "TLS-RPT record", ja: "TLS-RPT レコード")
    public static let policySummary = LocalizedText(
        en: "mode {mode}, max_age {maxAge} s, mx {patterns}", ja: "mode {mode}、max_age {maxAge} 秒、mx {patterns}")
    public static let modeMeaning = LocalizedText(
        en: "What senders do: {meaning}", ja: "送信側のサーバーの動作: {meaning}")
    public static let enforceMeaning = LocalizedText(
        en: "deliver only to listed MX hosts with a valid certificate over TLS, or not at all.",
        ja: "ポリシーに記載された MX サーバーに、有効な証明書と TLS で接続できる場合だけ配送します（接続できなければ配送しません）。")
    public static let testingMeaning = LocalizedText(
        en: "report failures (TLS-RPT) but deliver anyway.",
        ja: "失敗を TLS-RPT で報告しますが、配送は続けます。")
    public static let noneMeaning = LocalizedText(
        en: "forget the policy (it is being withdrawn).", ja: "ポリシーを破棄します（取り下げ中）。")

    public static func yesNo(_ value: Bool, _ language: Language) -> String {
        value ? LocalizedText(en: "yes", ja: "あり")(language) : LocalizedText(en: "no", ja: "なし")(language)
    }

    public static func dnssec(_ status: DNSSECStatus?, _ language: Language) -> String {
        switch status {
        case .secure?: LocalizedText(en: "secure", ja: "検証済み")(language)
        case .insecure?: LocalizedText(en: "insecure (unsigned)", ja: "署名なし")(language)
        case .bogus?: LocalizedText(en: "bogus", ja: "検証失敗")(language)
        case nil: "-"
        }
    }

    public static func dane(_ verdict: DANEVerdict, _ language: Language) -> String {
        switch verdict {
        case .noRecords: "-"
        case .unusable: LocalizedText(en: "unusable", ja: "使用不可")(language)
        case .bogus: LocalizedText(en: "bogus", ja: "検証失敗")(language)
        case .valid(let record): LocalizedText(en: "valid", ja: "有効")(language)
            + " (\(record.usage) \(record.selector) \(record.matchingType))"
        case .mismatch: LocalizedText(en: "mismatch", ja: "不一致")(language)
        case .noTLS: LocalizedText(en: "no TLS", ja: "TLS なし")(language)
        }
    }

    public static func listed(_ value: Bool?, _ language: Language) -> String {
        switch value {
        case true?: LocalizedText(en: "listed", ja: "対象")(language)
        case false?: LocalizedText(en: "not listed", ja: "対象外")(language)
        case nil: "-"
        }
    }

    public static func fetchFailure(_ failure: HTTPSFetcher.Failure, _ language: Language) -> String {
        WebFailureText.render(failure, language)
    }

    public static func inputError(_ error: DomainInputError, _ language: Language) -> String {
        switch error {
        case .badDomain(let text):
            LocalizedText(
                en: "'{text}' is not a domain name. Give a domain such as example.com (the part after @ in an address).",
                ja: "「{text}」はドメイン名ではありません。example.com のようなドメイン名（メールアドレスの @ より後ろの部分）を指定してください。")(
                    language, ["text": text])
        case .domainNotFound(let domain):
            LocalizedText(
                en: "The domain '{domain}' does not exist in DNS (NXDOMAIN). Check the spelling, or --resolver.",
                ja: "ドメイン「{domain}」は DNS に存在しません（NXDOMAIN）。綴りか --resolver の指定を確認してください。")(
                    language, ["domain": domain])
        case .resolver(let problem):
            UIText.resolverError(problem, language)
        case .caFile(let problem): UIText.caFileError(problem, language)
        }
    }
}
