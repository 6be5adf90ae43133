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
        case .connectFailed(let endpoint, let failure): return "\(endpoint): " + ConnectFailureText.render(failure, language)
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

    /// A server's raw words, escaped and quoted once (`PeerText.quote`), marked as the server's in Japanese.
    public static func quoting(_ raw: String, _ language: Language) -> String {
        language == .ja ? "サーバーの応答: " + PeerText.quote(raw) : PeerText.quote(raw)
    }
}

/// Why the engine stopped a conversation, in the reader's language, case by case.
public enum EngineErrorText {
    public static func render(_ error: EngineError, _ language: Language) -> String {
        guard language == .ja else {
            switch error {
            case .connectFailed(let failure): return "connect failed: " + ConnectFailureText.render(failure, language)
            case .tlsHandshakeFailed(_, let alert?): return "TLS handshake failed: " + TLSAlertText.render(alert, language)
            default: return error.summary
            }
        }
        switch error {
        case .connectionRefused: return "接続拒否"
        case .connectTimeout(let seconds): return "\(seconds.formatted()) 秒以内に TCP 接続の応答なし"
        case .connectFailed(let failure): return "接続失敗: " + ConnectFailureText.render(failure, language)
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
            if let alert { return "TLS ハンドシェイク失敗: " + TLSAlertText.render(alert, language) }
            switch reason {
            case .connectionReset: return "TLS ハンドシェイク失敗: サーバーが接続をリセット"
            case .connectionClosed: return "TLS ハンドシェイク失敗: 接続の切断"
            case .alertReceived: return "TLS ハンドシェイク失敗: アラート"
            case .library(let name): return "TLS ハンドシェイク失敗: \(name)"
            }
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

/// A socket error while connecting: a known errno in the reader's words, any other in the system's words, quoted.
public enum ConnectFailureText {
    public static func render(_ failure: ConnectFailure, _ language: Language) -> String {
        let known: LocalizedText? = switch failure.errno {
        case ENETUNREACH?: LocalizedText(en: "the network is unreachable (no route from this machine)",
                                         ja: "ネットワークに到達できません（この機器からの経路がありません）")
        case EHOSTUNREACH?: LocalizedText(en: "no route to the server", ja: "接続先のサーバーへの経路がありません")
        case EADDRNOTAVAIL?: LocalizedText(en: "no usable local address", ja: "使える送信元アドレスがありません")
        case EACCES?, EPERM?: LocalizedText(en: "this machine's firewall forbids the connection",
                                            ja: "この機器のファイアウォールが接続を禁止しています")
        case ECONNRESET?: LocalizedText(en: "the connection was reset", ja: "接続がリセットされました")
        default: nil
        }
        if let known { return known(language) }
        return LocalizedText(en: "\"{w}\"", ja: "システムの説明: \"{w}\"")(language, ["w": failure.systemWords])
    }
}

/// A TLS alert: its RFC name, with what it usually means for the common ones.
public enum TLSAlertText {
    public static func render(_ alert: TLSAlert, _ language: Language) -> String {
        let meaning: LocalizedText? = switch alert.code {
        case 40: LocalizedText(en: "no cipher suite or parameters in common", ja: "共通の暗号スイートやパラメーターがありません")
        case 42: LocalizedText(en: "the certificate was refused", ja: "証明書が拒否されました")
        case 47: LocalizedText(en: "a value in the handshake was refused", ja: "ハンドシェイク中の値が拒否されました")
        case 48: LocalizedText(en: "the issuer is not trusted", ja: "発行者を信頼できません")
        case 50: LocalizedText(en: "a message could not be read", ja: "メッセージを解釈できません")
        case 70: LocalizedText(en: "no TLS version in common", ja: "共通の TLS バージョンがありません")
        case 71: LocalizedText(en: "the offer is not strong enough for the server", ja: "提示した暗号の強度がサーバーの要求に届きません")
        case 80: LocalizedText(en: "an internal error at the server", ja: "サーバー内部のエラー")
        case 86: LocalizedText(en: "a fallback to an older version was refused", ja: "古いバージョンへのフォールバックが拒否されました")
        case 112: LocalizedText(en: "the server name (SNI) is not recognised", ja: "サーバー名（SNI）を認識できません")
        default: nil
        }
        let name = LocalizedText(en: "alert {a}", ja: "アラート {a}")(language, ["a": alert.name])
        guard let meaning else { return name }
        return language == .ja ? "\(name)（\(meaning(language))）" : "\(name) (\(meaning(language)))"
    }
}
