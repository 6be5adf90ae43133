import MailTLSCheck
import MailTLSCore
import MailTLSEngine

/// A check finding's evidence in the reader's language, made from its typed value: the data as it is, mailtls's own
/// words in each language. Nothing is translated from English text.
public enum CheckEvidenceText {
    public static func render(_ evidence: Evidence, _ language: Language) -> String {
        guard language == .ja else { return evidence.english }
        switch evidence {
        case .data(let text): return text
        case .failure(let error): return EngineErrorText.render(error, language)
        case .certificate(let problem): return CertificateProblemText.render(problem, language)
        case .cleartextLogin(let login): return CleartextLoginText.render(login, language)
        case .fact(let fact): return japanese(fact)
        case .perPlace(let entries):
            return entries.map { "\($0.place): \(render($0.evidence, language))" }.joined(separator: "; ")
        }
    }

    static func japanese(_ fact: EvidenceFact) -> String {
        switch fact {
        case .connectionRefused: "接続拒否"
        case .noAnswer: "応答なし"
        case .noGreeting: "挨拶なし"
        case .tlsFailed: "TLS 失敗"
        case .keywordNotInCapabilities(let keyword): "機能一覧に \(keyword) なし"
        case .mailBeforeSTARTTLS(let reply): "STARTTLS 前の MAIL FROM: \(reply)"
        case .injectedAfterGoAhead(let count, let preview): "STARTTLS の開始許可の後に届いた \(count) バイト: \(preview)"
        case .acceptedVersions(let versions): "受け付けるバージョン: " + versions.map(\.displayName).joined(separator: ", ")
        case .bestVersion(let version): "対応する最新バージョン: \(version.displayName)"
        case .handshakeWithoutGreeting(let version): "挨拶なしで \(version?.displayName ?? "TLS") のハンドシェイクが成立"
        case .greetingSeconds(let seconds): "\(seconds) 秒"
        }
    }
}

/// What shows that a password could cross before TLS, in the reader's language.
public enum CleartextLoginText {
    public static func render(_ evidence: CleartextLoginEvidence, _ language: Language) -> String {
        guard language == .ja else { return evidence.english }
        switch evidence {
        case .exchange(let text): return text
        case .offeredBeforeTLS(let advertised, let keyword): return "\(keyword) 前に \(advertised) を提示"
        case .loginCommandNotDisabled: return "STARTTLS 前の機能一覧に LOGINDISABLED なし"
        }
    }
}
