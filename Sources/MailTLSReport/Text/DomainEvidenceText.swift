import MailTLSCheck
import MailTLSDNS
import MailTLSDomain
import MailTLSDomainCheck

/// A `mailtls domain` finding's evidence in the reader's language, made from its typed value: records and the
/// servers' words as they were, mailtls's own words in each language.
public enum DomainEvidenceText {
    public static func render(_ evidence: DomainEvidence, _ language: Language) -> String {
        guard language == .ja else { return evidence.english }
        switch evidence {
        case .data(let text): return text
        case .failure(let error): return EngineErrorText.render(error, language)
        case .certificate(let problem): return CertificateProblemText.render(problem, language)
        case .trust(.selfSigned?, let issuer): return "自己署名証明書: \(issuer)"
        case .trust(let failure?, let issuer):
            return CertificateProblemText.render(.untrusted(issuer: issuer, reason: failure), language)
        case .trust(nil, let issuer): return "発行者 \(issuer)"
        case .web(let failure): return WebFailureText.render(failure, language)
        case .dnssecBogus(let reason): return bogus(reason)
        case .address(let problem): return address(problem, language)
        case .stsRecord(let record, let problem): return "\(record)（\(japanese(problem))）"
        case .stsPolicy(let problems): return problems.map(japanese).joined(separator: "; ")
        case .tlsrptRecord(let record, let problem): return "\(record)（\(japanese(problem))）"
        case .dane(.nameMissing(let name)): return "DANE-TA レコードは一致しますが、証明書の名前に \(name) が含まれていません"
        case .dane(.noRecordMatches(let digest)):
            return "提示された証明書チェーンに一致する使用可能な TLSA レコードがありません（サーバー証明書: 3 1 1 \(digest)）"
        case .fact(let fact): return japanese(fact)
        case .perPlace(let entries):
            return entries.map { "\($0.place): \(render($0.evidence, language))" }.joined(separator: "; ")
        }
    }

    /// Why an MX host has no address, in the reader's language (the MX table shows it too).
    public static func address(_ problem: MXAddressProblem, _ language: Language) -> String {
        guard language == .ja else { return problem.english }
        switch problem {
        case .nameDoesNotExist: return "名前が存在しません（NXDOMAIN）"
        case .noAddressRecord: return "A/AAAA レコードなし"
        case .bogus(let reason): return bogus(reason)
        case .lookupFailed(let error): return UIText.resolverError(error, language)
        }
    }

    static func bogus(_ reason: String) -> String { "DNSSEC 検証失敗（リゾルバーの説明: \"\(reason)\"）" }

    static func japanese(_ fact: DomainFact) -> String {
        switch fact {
        case .noSTARTTLSInEHLO: "EHLO の応答に STARTTLS なし"
        case .handshakeFailed: "ハンドシェイク失敗"
        case .days(let days): "\(days) 日"
        case .tlsaElsewhere(let protected, let name):
            "TLSA レコードは \(protected.joined(separator: ", ")) にあり、\(name) にはなし"
        case .noTLSA(let name, let signed):
            signed ? "\(name) に TLSA レコードなし" : "\(name) に TLSA レコードなし（ゾーンが DNSSEC で署名されていません）"
        case .noTXT(let name): "\(name) に TXT レコードなし"
        case .policyWithoutTXT(let url, let name): "ポリシーは \(url) で配信、\(name) に TXT レコードなし"
        case .redirect(let status, let location): "HTTP \(status) -> \(location ?? "?")（リダイレクトはたどりません）"
        case .httpStatus(let status): "HTTP \(status)"
        }
    }

    static func japanese(_ problem: STSRecord.Problem) -> String {
        switch problem {
        case .notSTS: "v=STSv1 で始まっていません"
        case .missingID: "id がありません"
        case .badID(let id): "id「\(id)」が 1〜32 文字の英数字ではありません"
        case .malformedField(let field): "形式が正しくない項目「\(field)」"
        }
    }

    static func japanese(_ problem: STSPolicy.Problem) -> String {
        switch problem {
        case .missingVersion: "version がありません"
        case .badVersion(let value): "version「\(value)」が STSv1 ではありません"
        case .missingMode: "mode がありません"
        case .badMode(let value): "mode「\(value)」が enforce・testing・none のいずれでもありません"
        case .missingMaxAge: "max_age がありません"
        case .badMaxAge(let value): "max_age「\(value)」が秒数ではありません"
        case .maxAgeTooLarge(let value): "max_age \(value) が上限 31557600 を超えています"
        case .noMXPatterns: "mx がありません"
        case .badMXPattern(let value): "mx「\(value)」がサーバー名のパターンではありません"
        case .malformedLine(let line): "形式が正しくない行「\(line)」"
        case .tooLarge(let size): "\(size) バイト（上限 64 KiB 超過）"
        }
    }

    static func japanese(_ problem: TLSRPTRecord.Problem) -> String {
        switch problem {
        case .notTLSRPT: "v=TLSRPTv1 で始まっていません"
        case .missingRUA: "rua がありません"
        case .badURI(let uri): "rua「\(uri)」が mailto: でも https: でもありません"
        }
    }
}
