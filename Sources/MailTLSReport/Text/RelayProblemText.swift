import MailTLSCore
import MailTLSRelay

/// Why a relay delivery attempt did not deliver, in the reader's language, case by case: `relay run`'s live lines,
/// `relay queue`, `relay status` and `relay test`. English is the problem's own `description` (logs, JSON and
/// failure notices use it too); the engine's, the certificate gate's and the HTTPS client's parts are worded by
/// their own renderers; what a server said is quoted as its words.
public enum RelayProblemText {
    public static func render(_ problem: RelayProblem, _ language: Language) -> String {
        switch problem {
        case .noUpstreamConfigured:
            return LocalizedText(en: "no upstream configured", ja: "プロバイダーのサーバーが設定されていません")(language)
        case .unresolvable(let host):
            return LocalizedText(en: "{host}: the name does not resolve", ja: "サーバー名「{host}」の名前解決ができません")(
                language, ["host": host])
        case .noAddress:
            return LocalizedText(en: "no address", ja: "アドレスなし")(language)
        case .connectFailed(let address, let error):
            return "\(address): " + EngineErrorText.render(error, language)
        case .greetingRefused(let reply):
            return refused(LocalizedText(en: "the upstream refused the connection",
                                         ja: "プロバイダーのサーバーが接続を拒否しました"), reply, language)
        case .ehloRefused(let reply):
            return refused(LocalizedText(en: "EHLO refused", ja: "EHLO が拒否されました"), reply, language)
        case .startTLSNotOffered:
            return LocalizedText(
                en: "the upstream does not offer STARTTLS; the relay never sends unencrypted",
                ja: "プロバイダーのサーバーが STARTTLS を提供していません。中継サーバーは暗号化なしでは送りません")(language)
        case .startTLSRefused(let reply):
            return refused(LocalizedText(en: "STARTTLS refused", ja: "STARTTLS が拒否されました"), reply, language)
        case .tlsVersionRefused(let minimum, let error):
            return LocalizedText(en: "the upstream offers no {version} or later ({reason})",
                                 ja: "プロバイダーのサーバーは {version} 以上を提供していません（{reason}）")(
                language, ["version": minimum.displayName, "reason": EngineErrorText.render(error, language)])
        case .tlsFailed(let error):
            return EngineErrorText.render(error, language)
        case .certificateRefused(let certificate):
            // English keeps the gate's words (`self-signed: self-signed: CN=...`); Japanese names the problem once.
            guard language == .ja else { return problem.description }
            return "証明書の問題: " + CertificateProblemText.render(certificate, language)
        case .noCertificate:
            return LocalizedText(en: "no certificate", ja: "証明書なし")(language)
        case .noAuthenticationAfterTLS:
            return LocalizedText(en: "the upstream offers no AUTH after TLS",
                                 ja: "プロバイダーのサーバーは TLS の後に AUTH を提供していません")(language)
        case .plainAndLoginNotOffered(let offered):
            return LocalizedText(en: "the upstream offers neither PLAIN nor LOGIN ({offered})",
                                 ja: "プロバイダーのサーバーは PLAIN も LOGIN も提供していません（提供している認証方式: {offered}）")(
                language, ["offered": mechanisms(offered, language)])
        case .xoauth2NotOffered(let offered):
            return LocalizedText(en: "the upstream does not offer XOAUTH2 ({offered})",
                                 ja: "プロバイダーのサーバーは XOAUTH2 を提供していません（提供している認証方式: {offered}）")(
                language, ["offered": mechanisms(offered, language)])
        case .authLoginRefused(let reply):
            return refused(LocalizedText(en: "AUTH LOGIN refused", ja: "AUTH LOGIN が拒否されました"), reply, language)
        case .userNameRefused(let reply):
            return refused(LocalizedText(en: "the user name was refused", ja: "ユーザー名が拒否されました"), reply, language)
        case .loginRefused(let reply):
            return refused(LocalizedText(en: "the upstream refused the login",
                                         ja: "プロバイダーのサーバーがログインを拒否しました"), reply, language)
        case .noTokenSource:
            return LocalizedText(en: "no token source", ja: "トークンの取得元が設定されていません")(language)
        case .tokenRefused(let reply):
            return refused(LocalizedText(en: "the upstream refused the token",
                                         ja: "プロバイダーのサーバーがトークンを拒否しました"), reply, language)
        case .credential(let error):
            return credential(error, language)
        case .dialogueFailed(let error):
            return EngineErrorText.render(error, language)
        case .spooledMessageUnreadable:
            return LocalizedText(en: "the spooled message cannot be read", ja: "キューのメールを読めません")(language)
        case .spooledMessageTruncated:
            return LocalizedText(en: "the spooled message is shorter than its envelope says",
                                 ja: "キューのメールがエンベロープの記録より短くなっています")(language)
        case .spooledContentMissing:
            return LocalizedText(en: "the spooled content is missing", ja: "キューのメールのファイルがありません")(language)
        case .upstreamReply(let text):
            return ServerQuote.render(PeerText.escaped(text), language)
        case .legacy(let text):
            // An earlier relay's English, as it is; a reply it recorded is still the server's words.
            let safe = PeerText.escaped(text)
            return isReply(safe) ? ServerQuote.render(safe, language) : safe
        }
    }

    /// Why there is no credential, in the reader's language.
    public static func credential(_ error: CredentialError, _ language: Language) -> String {
        switch error {
        case .environmentVariableNotSet(let name):
            return LocalizedText(en: "the environment variable {name} is not set",
                                 ja: "環境変数「{name}」が設定されていません")(language, ["name": name])
        case .fileMissing(let path):
            return LocalizedText(en: "{path}: no such file", ja: "ファイル「{path}」がありません")(language, ["path": path])
        case .fileReadableByOthers(let path):
            return LocalizedText(en: "{path} is readable by others: chmod 600 {path}",
                                 ja: "ファイル「{path}」は他のユーザーも読めます。chmod 600 {path} を実行してください")(
                language, ["path": path])
        case .fileUnreadable(let path):
            return LocalizedText(en: "{path} cannot be read", ja: "ファイル「{path}」を読めません")(language, ["path": path])
        case .fileEmpty(let path):
            return LocalizedText(en: "{path} is empty", ja: "ファイル「{path}」が空です")(language, ["path": path])
        case .refreshTokenNotSaved(let path):
            return LocalizedText(en: "the new refresh token could not be saved to {path}",
                                 ja: "新しいリフレッシュトークンをファイル「{path}」に保存できません")(language, ["path": path])
        case .noCertificatesInCAFile(let path):
            return LocalizedText(en: "{path}: no certificates", ja: "ファイル「{path}」に証明書がありません")(
                language, ["path": path])
        case .tokenRefused(let reason):
            // The endpoint's error and description (or its HTTP status): its words, quoted in Japanese.
            return LocalizedText(en: "the token endpoint refused: {reason}",
                                 ja: "トークンのエンドポイントが拒否しました（応答: {reason}）")(
                language, ["reason": language == .ja ? PeerText.quote(reason) : PeerText.escaped(reason)])
        case .tokenReplyUnusable:
            return LocalizedText(en: "the token endpoint refused: the reply has no usable access_token",
                                 ja: "トークンのエンドポイントの応答に使える access_token がありません")(language)
        case .tokenEndpointUnreachable(let failure):
            return LocalizedText(en: "the token endpoint could not be reached: {reason}",
                                 ja: "トークンのエンドポイントに接続できません（{reason}）")(
                language, ["reason": WebFailureText.render(failure, language)])
        case .tokenReplyTooLarge:
            return LocalizedText(en: "the token endpoint could not be reached: reply larger than 64 KiB",
                                 ja: "トークンのエンドポイントの応答が 64 KiB を超えています")(language)
        }
    }

    /// Whether text reads as an SMTP reply: three digits, then a space or a hyphen (`450 4.2.1 ...`).
    static func isReply(_ text: String) -> Bool {
        let characters = Array(text.prefix(4))
        return characters.count == 4 && characters[..<3].allSatisfy { $0.isASCII && $0.isNumber }
            && (characters[3] == " " || characters[3] == "-")
    }

    /// What the relay met, then the server's reply, quoted as its words.
    static func refused(_ what: LocalizedText, _ reply: String, _ language: Language) -> String {
        language == .ja ? what(language) + "（" + ServerQuote.quoting(reply, language) + "）"
            : what(language) + ": " + ServerQuote.quoting(reply, language)
    }

    /// The mechanisms an upstream offers: its words, quoted in Japanese.
    static func mechanisms(_ offered: [String], _ language: Language) -> String {
        language == .ja ? PeerText.quote(offered.joined(separator: " ")) : RelayProblem.mechanisms(offered)
    }
}
