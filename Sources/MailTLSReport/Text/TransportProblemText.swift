import MailTLSCheck
import MailTLSCore
import MailTLSEngine

/// One problem with a port's transport (`TransportAssessment.Problem`), in a few words of the reader's language, with
/// its evidence: the server's words quoted, the engine's reasons worded by `EngineErrorText`.
public enum TransportProblemText {
    public static func render(_ problem: TransportAssessment.Problem, _ language: Language) -> String {
        func failure(_ error: EngineError?) -> String {
            error.map { ": " + EngineErrorText.render($0, language) } ?? ""
        }
        switch problem {
        case .refused:
            return LocalizedText(en: "refused", ja: "接続拒否")(language)
        case .noAnswer:
            return LocalizedText(en: "no answer (filtered)", ja: "応答なし（遮断）")(language)
        case .unreachable(let error):
            return LocalizedText(en: "unreachable", ja: "接続できません")(language) + failure(error)
        case .unavailable(let response):
            return LocalizedText(en: "server unavailable", ja: "サーバーが受け付けていません")(language) + ": "
                + ServerQuote.quoting(response.statusLine, language)
        case .plaintextOnTLSPort(let greeting):
            return LocalizedText(en: "wrong mode: plaintext greeting where SSL/TLS was expected",
                                 ja: "暗号化方式の違い: SSL/TLS のはずのポートが暗号化なしで応答")(language)
                + ": " + ServerQuote.quoting(greeting, language)
        case .tlsOnPlaintextPort(let version):
            return LocalizedText(en: "wrong mode: {v} from the first byte where STARTTLS was expected",
                                 ja: "暗号化方式の違い: STARTTLS のはずのポートが最初から {v}")(
                language, ["v": version?.displayName ?? "TLS"])
        case .protocolError(let error):
            return LocalizedText(en: "protocol error", ja: "プロトコルエラー")(language) + failure(error)
        case .startTLSNotOffered(let keyword):
            return LocalizedText(en: "{k} not offered", ja: "{k} なし")(language, ["k": keyword])
        case .startTLSRefused(let response):
            return LocalizedText(en: "STARTTLS refused", ja: "STARTTLS の拒否")(language) + ": "
                + ServerQuote.quoting(response.statusLine, language)
        case .handshakeFailed(let error, _):
            return LocalizedText(en: "TLS failed", ja: "TLS 失敗")(language) + failure(error)
        case .mailBeforeTLS:
            return LocalizedText(en: "mail accepted before STARTTLS", ja: "STARTTLS 前にメールを受け付けます")(language)
        case .injectedAfterGoAhead(let bytes):
            return LocalizedText(en: "{n} bytes injected after the STARTTLS go-ahead",
                                 ja: "STARTTLS の開始許可の後に {n} バイトの割り込み")(language, ["n": String(bytes.count)])
        case .cleartextLogin:
            return LocalizedText(en: "login accepted before TLS", ja: "TLS 前にログインを受け付けます")(language)
        case .deprecatedVersions(let versions):
            return LocalizedText(en: "accepts {v}", ja: "{v} を受け付けます")(
                language, ["v": versions.map(\.displayName).joined(separator: ", ")])
        case .noModernVersion(let best):
            return LocalizedText(en: "best version {v}", ja: "対応する最新バージョンが {v}")(language, ["v": best.displayName])
        case .noAuthenticationAfterTLS:
            return LocalizedText(en: "no AUTH after TLS", ja: "TLS 後に認証方式なし")(language)
        }
    }
}
