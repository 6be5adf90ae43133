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
            let id: FindingID = switch problem {
            case .expired: .certificateExpired
            case .notYetValid: .certificateNotYetValid
            case .expiringSoon: .certificateExpiringSoon
            case .nameMismatch: .certificateHostMismatch
            case .selfSigned: .certificateSelfSigned
            case .incompleteChain: .certificateChainIncomplete
            case .untrusted: .certificateNotTrusted
            case .weakKey: .weakKey
            case .weakSignature: .weakSignature
            }
            if case .selfSigned(let subject) = problem {
                return Finding(id, .critical, port: number, evidence: .data(subject))
            }
            return Finding(id, problem.refusesConnection ? .critical : .warning, port: number,
                           evidence: .certificate(problem), parameters: problem.parameters)
        }
    }
}
