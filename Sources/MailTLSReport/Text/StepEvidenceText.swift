import Foundation
import MailTLSAccount
import MailTLSCheck
import MailTLSCore
import MailTLSEngine
import MailTLSSetup
import MailTLSWeb

/// What a diagnosis step saw, in the reader's language, from its typed facts. The server's own words are quoted and
/// marked as the server's; everything mailtls says around them is its own sentence in either language.
public enum StepEvidenceText {
    public static func render(_ facts: StepEvidence, _ language: Language) -> String {
        guard language == .ja else { return facts.english }
        switch facts {
        case .value(let text): return text
        case .serverSaid(let text): return ServerQuote.render(text, language)
        case .resolved(let host, let addresses): return "\(host) → \(addresses.joined(separator: ", "))"
        case .nameDoesNotExist(let host): return "\(host): 名前が存在しません（NXDOMAIN）"
        case .noAddress(let host): return "\(host): A/AAAA レコードなし"
        case .resolverFailed(let host, let error): return "\(host): \(UIText.resolverError(error, language))"
        case .connected(let endpoint): return "\(endpoint) に接続しました"
        case .connectionRefused(let endpoint): return "\(endpoint): 接続拒否"
        case .connectTimedOut(let endpoint, let seconds):
            return "\(endpoint): \(seconds.formatted()) 秒以内に応答なし"
        case .connectFailed(let endpoint, let reason): return "\(endpoint): 接続失敗（システムの説明: \"\(reason)\"）"
        case .failure(let error): return EngineErrorText.render(error, language)
        case .noGreeting: return "挨拶なし"
        case .interrupted: return "途中で切断"
        case .handshakeFailed: return "TLS ハンドシェイク失敗"
        case .handshake(let version, let cipher): return [version, cipher].compactMap { $0 }.joined(separator: ", ")
        case .refusedAfterHandshake(let version, let cipher, let reply):
            let handshake = [version, cipher].compactMap { $0 }.joined(separator: ", ")
            return "\(handshake)、その後の\(ServerQuote.render(reply, language))"
        case .tlsWithoutGreeting: return "挨拶なし。このポートはすぐに TLS のハンドシェイクを始めます"
        case .startTLSNotOffered(let capabilities):
            return capabilities.isEmpty ? "STARTTLS なし"
                : "STARTTLS なし（サーバーが示した機能: \"\(capabilities.joined(separator: " "))\"）"
        case .startTLSAccepted: return "STARTTLS を受け付けました"
        case .securityNone: return "暗号化方式: なし"
        case .certificateRefused(let problem): return CertificateProblemText.render(problem, language)
        case .noCertificate: return "証明書なし"
        case .certificateAccepted(let names, let days, let issuer):
            return "\(names.joined(separator: ", "))、残り \(days) 日、発行者 \(issuer)"
        case .authenticationReply(let mechanism, let reply):
            return "\(mechanism): \(ServerQuote.render(reply, language))"
        case .noUserGiven(let offered):
            return "--user の指定なし（サーバーが示した機能: \"\(offered.joined(separator: " "))\"）"
        case .offered(let offered): return "サーバーが示した機能: \"\(offered.joined(separator: " "))\""
        case .noAuthenticationBeforeTLS(let offered):
            return "TLS の前は AUTH なし（サーバーが示した機能: \"\(offered.joined(separator: " "))\"）"
        case .authenticationMechanisms(let mechanisms):
            return mechanisms.isEmpty ? "AUTH の提供なし" : "提供されている認証方式: \(mechanisms.joined(separator: " "))"
        case .passwordWithheldWithoutTLS: return "この接続には TLS がないため、パスワードを送っていません"
        case .testMessageAccepted(let recipient, let reply):
            return "\(recipient): \(ServerQuote.render(reply, language))"
        case .testMessageWithoutTLS: return "TLS なし"
        case .testMessageSkippedWithoutTLS: return "暗号化方式が「なし」のため、パスワードを送りません"
        case .certificateRejectedOnSecondConnection(let reason):
            return "証明書を拒否しました（\(reason)）。パスワードは送っていません"
        }
    }
}

/// The server's own words, marked as a quote: "サーバーの応答: "530 5.7.0 …"". Never translated, never rewritten.
public enum ServerQuote {
    public static func render(_ text: String, _ language: Language) -> String {
        language == .ja ? "サーバーの応答: \"\(text)\"" : text
    }
}

/// Why the engine stopped a conversation, in the reader's language, case by case.
public enum EngineErrorText {
    public static func render(_ error: EngineError, _ language: Language) -> String {
        guard language == .ja else { return error.summary }
        switch error {
        case .connectionRefused: return "接続拒否"
        case .connectTimeout(let seconds): return "\(seconds.formatted()) 秒以内に TCP 接続の応答なし"
        case .connectFailed(let reason): return "接続失敗（システムの説明: \"\(reason)\"）"
        case .readTimeout(let seconds, let during):
            return "\(seconds.formatted()) 秒以内に完全な応答なし（\(activity(during))）"
        case .closedByPeer(let during): return "サーバーによる切断（\(activity(during))）"
        case .oversizedInput(let what):
            switch what {
            case .lineLongerThan(let bytes): return "サーバーからの受信データが上限超過: \(bytes) バイトを超える行"
            case .replyOfMoreLinesThan(let lines): return "サーバーからの受信データが上限超過: \(lines) 行を超える応答"
            case .unreadBytesOver(let bytes): return "サーバーからの受信データが上限超過: 未処理のデータが \(bytes) バイト超"
            }
        case .malformedResponse(let line):
            return "想定外の応答: \(ServerQuote.render(String(line.prefix(80)), language))"
        case .tlsHandshakeFailed(let reason, let alert):
            if let alert { return "TLS ハンドシェイク失敗: アラート \(alert)" }
            if reason == "connection reset by the server" { return "TLS ハンドシェイク失敗: サーバーが接続をリセット" }
            if reason == "connection closed" { return "TLS ハンドシェイク失敗: 接続の切断" }
            return "TLS ハンドシェイク失敗: \(reason)"
        case .plaintextOnTLSPort(let line):
            return "TLS の代わりに暗号化なしの挨拶を受信: \(ServerQuote.render(String(line.prefix(200)), language))"
        case .deadlineExceeded(let seconds): return "調査が制限時間 \(seconds.formatted()) 秒を超過"
        }
    }

    /// The engine names what it was waiting for: the greeting, a write, the handshake, or a protocol command.
    static func activity(_ during: String) -> String {
        switch during {
        case "greeting": "挨拶"
        case "write": "送信中"
        case "TLS handshake": "TLS のハンドシェイク"
        default: during
        }
    }
}

/// One thing wrong with a certificate, in the reader's language.
public enum CertificateProblemText {
    public static func render(_ problem: CertificateAssessment.Problem, _ language: Language) -> String {
        guard language == .ja else { return problem.evidence }
        switch problem {
        case .expired(let notAfter, _): return "有効期限切れ（notAfter \(ISO8601.format(notAfter))）"
        case .notYetValid(let notBefore): return "有効期間の開始前（notBefore \(ISO8601.format(notBefore))）"
        case .expiringSoon(let days, let notAfter): return "残り \(days) 日（notAfter \(ISO8601.format(notAfter))）"
        case .nameMismatch(let checked, let names):
            return "\(checked) は証明書の名前 [\(names.joined(separator: ", "))] に含まれていません"
        case .selfSigned(let subject): return "自己署名証明書: \(subject)"
        case .incompleteChain(let missing): return "中間証明書が送られていません（発行者: \(missing)）"
        case .untrusted(let issuer, let reason):
            switch reason {
            case .unknownRoot(let root): return "信頼されていないルート証明書: \(root)"
            case .issuerOutsideValidity(let subject, let notBefore, let notAfter):
                return "発行者 \(subject) の証明書が有効期間外（有効期間: \(ISO8601.format(notBefore)) 〜 "
                    + "\(ISO8601.format(notAfter))）"
            case .invalid(let detail) where detail.isEmpty: return "発行者 \(issuer) を信頼できません"
            case .invalid(let detail): return "証明書チェーンを検証できません（\(detail)）"
            case .selfSigned: return "自己署名証明書"
            case .incompleteChain(let missing): return "中間証明書が送られていません（発行者: \(missing)）"
            }
        case .weakKey(let weakness), .weakSignature(let weakness): return CertificateWeaknessText.render(weakness, language)
        }
    }
}

/// A weak key or signature in a chain, in the reader's language: `サーバー証明書: RSA 1024 ビット`.
public enum CertificateWeaknessText {
    public static func render(_ weakness: CertificateWeakness, _ language: Language) -> String {
        guard language == .ja else { return weakness.english }
        let label = weakness.index == 0 ? "サーバー証明書" : "証明書 \(weakness.index + 1)"
        switch weakness.weakness {
        case .key(let type, let bits): return "\(label): \(type) \(bits) ビット"
        case .signature(let algorithm): return "\(label): \(algorithm)"
        }
    }
}

/// Why an HTTPS fetch (an autoconfig file, an MTA-STS policy) gave nothing, in the reader's language.
public enum WebFailureText {
    public static func render(_ failure: HTTPSFetcher.Failure, _ language: Language) -> String {
        guard language == .ja else { return failure.evidence }
        return switch failure {
        case .hostNotFound(let host, let nameDoesNotExist):
            nameDoesNotExist ? "\(host): 名前が存在しません（NXDOMAIN）" : "\(host): A/AAAA レコードなし"
        case .lookupFailed(let host, let error): "\(host): \(UIText.resolverError(error, language))"
        case .dnssecBogus(let host, let reason): "\(host): DNSSEC 検証失敗（リゾルバーの説明: \"\(reason)\"）"
        case .connectionRefused: "接続拒否"
        case .connectionClosed: "サーバーによる切断"
        case .connectionFailed(let reason): "接続失敗（\(reason)）"
        case .certificateNameMismatch: "証明書の名前にこのサーバー名が含まれていません"
        case .certificateUntrusted(let reason): "証明書が信頼できるルート証明書につながりません（\(reason)）"
        case .certificateRefused: "証明書を受け入れられません"
        case .tlsFailed(let reason?): "TLS ハンドシェイク失敗（\(reason)）"
        case .tlsFailed(nil): "TLS 失敗"
        case .tooLarge(let limit): "\(limit) バイトを超えています"
        case .timeout(let seconds): "\(Int(seconds)) 秒以内に応答なし"
        case .other(let name): "HTTPS の要求に失敗（エラー名 \"\(name)\"）"
        }
    }
}

/// Why an autoconfig file was refused, in the reader's language.
public enum AutoconfigProblemText {
    public static func render(_ problem: AutoconfigParser.Problem, _ language: Language) -> String {
        guard language == .ja else { return problem.description }
        return switch problem {
        case .tooLarge(let count):
            "自動設定ファイルが大きすぎます（\(count) バイト、上限 \(AutoconfigParser.maximumBytes) バイト）"
        case .documentTypeDeclaration: "自動設定ファイルに DOCTYPE 宣言があるため、読みません"
        case .notUTF8: "自動設定ファイルが UTF-8 のテキストではありません"
        case .unsupportedEncoding(let name): "自動設定ファイルの文字コード「\(name)」は読めません（UTF-8 のみ）"
        case .processingInstruction: "自動設定ファイルに処理命令があるため、読みません"
        case .malformedXML(let line, _): "自動設定ファイルが正しい XML ではありません（\(line) 行目）"
        case .notClientConfig(let root): "自動設定ファイルのルート要素が <\(root)> で、<clientConfig> ではありません"
        case .missingEmailProvider: "自動設定ファイルに <emailProvider> がありません"
        case .missingProviderID: "自動設定ファイルの <emailProvider> に id も <domain> もありません"
        }
    }
}
