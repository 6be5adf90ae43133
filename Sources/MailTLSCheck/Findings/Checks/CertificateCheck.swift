/// Expiry, trust, name, key and signature of the presented chain, as `CertificateAssessment` judges them for every
/// command. The most specific trust failure is reported alone (self-signed or incomplete chain rather than also
/// "not trusted").
/// - SeeAlso: RFC 5280, RFC 7817
struct CertificateCheck: PortCheck {
    var producibleFindings: [FindingID] {
        [.certificateExpired, .certificateNotYetValid, .certificateExpiringSoon, .certificateHostMismatch,
         .certificateNotTrusted, .certificateSelfSigned, .certificateChainIncomplete, .weakKey, .weakSignature]
    }

    func findings(for port: PortObservation, context: CheckContext) -> [Finding] {
        guard let certificate = port.certificate else { return [] }
        let number = port.spec.port
        return CertificateAssessment.problems(of: certificate, warnDays: context.warnDays).map { problem in
            let evidence = Evidence.certificate(problem)
            switch problem {
            case .expired(let notAfter, let daysAgo):
                return Finding(.certificateExpired, .critical, port: number, evidence: evidence,
                               parameters: ["date": ISO8601.format(notAfter), "days": String(daysAgo)])
            case .notYetValid(let notBefore):
                return Finding(.certificateNotYetValid, .critical, port: number, evidence: evidence,
                               parameters: ["date": ISO8601.format(notBefore)])
            case .expiringSoon(let days, let notAfter):
                return Finding(.certificateExpiringSoon, .warning, port: number, evidence: evidence,
                               parameters: ["days": String(days), "date": ISO8601.format(notAfter)])
            case .nameMismatch(let checked, let names):
                return Finding(.certificateHostMismatch, .critical, port: number, evidence: evidence,
                               parameters: ["name": checked, "names": names.joined(separator: ", ")])
            case .selfSigned(let subject):
                return Finding(.certificateSelfSigned, .critical, port: number, evidence: .data(subject))
            case .incompleteChain(let missing):
                return Finding(.certificateChainIncomplete, .critical, port: number, evidence: evidence,
                               parameters: ["issuer": missing])
            case .untrusted(let issuer, let reason):
                var root = issuer
                if case .unknownRoot(let named) = reason { root = named }
                return Finding(.certificateNotTrusted, .critical, port: number, evidence: evidence,
                               parameters: ["issuer": root])
            case .weakKey:
                return Finding(.weakKey, .critical, port: number, evidence: evidence)
            case .weakSignature:
                return Finding(.weakSignature, .critical, port: number, evidence: evidence)
            }
        }
    }
}
