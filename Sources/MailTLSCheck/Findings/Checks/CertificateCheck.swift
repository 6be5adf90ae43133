/// Expiry, trust, name, key and signature of the presented chain. The most specific trust failure is reported
/// alone (self-signed or incomplete chain rather than also "not trusted").
/// - SeeAlso: RFC 5280, RFC 7817
struct CertificateCheck: PortCheck {
    var producibleFindings: [FindingID] {
        [.certificateExpired, .certificateNotYetValid, .certificateExpiringSoon, .certificateHostMismatch,
         .certificateNotTrusted, .certificateSelfSigned, .certificateChainIncomplete, .weakKey, .weakSignature]
    }

    func findings(for port: PortObservation, context: CheckContext) -> [Finding] {
        guard let certificate = port.certificate else { return [] }
        let number = port.spec.port
        var findings: [Finding] = []
        let notAfter = ISO8601.format(certificate.leaf.notAfter)
        if certificate.isExpired {
            findings.append(Finding(.certificateExpired, .critical, port: number, evidence: "notAfter \(notAfter)",
                                    parameters: ["date": notAfter, "days": String(-certificate.daysLeft)]))
        } else if certificate.isNotYetValid {
            let notBefore = ISO8601.format(certificate.leaf.notBefore)
            findings.append(Finding(.certificateNotYetValid, .critical, port: number,
                                    evidence: "notBefore \(notBefore)", parameters: ["date": notBefore]))
        } else if certificate.daysLeft < context.warnDays {
            findings.append(Finding(.certificateExpiringSoon, .warning, port: number,
                                    evidence: "\(certificate.daysLeft) days left (notAfter \(notAfter))",
                                    parameters: ["days": String(certificate.daysLeft), "date": notAfter]))
        }
        if !certificate.hostnameMatches {
            let names = certificate.leaf.subjectAlternativeNames.isEmpty ? certificate.leaf.subject
                : certificate.leaf.subjectAlternativeNames.joined(separator: ", ")
            findings.append(Finding(.certificateHostMismatch, .critical, port: number,
                                    evidence: "\(certificate.checkedName) not in [\(names)]",
                                    parameters: ["name": certificate.checkedName, "names": names]))
        }
        switch certificate.trustFailure {
        case .selfSigned?:
            findings.append(Finding(.certificateSelfSigned, .critical, port: number,
                                    evidence: certificate.leaf.subject))
        case .incompleteChain(let missing)?:
            findings.append(Finding(.certificateChainIncomplete, .critical, port: number,
                                    evidence: "missing issuer \(missing)", parameters: ["issuer": missing]))
        case .unknownRoot(let issuer)?:
            findings.append(Finding(.certificateNotTrusted, .critical, port: number,
                                    evidence: "unknown root \(issuer)", parameters: ["issuer": issuer]))
        case .invalid?, .issuerOutsideValidity?:
            findings.append(Finding(.certificateNotTrusted, .critical, port: number,
                                    evidence: certificate.trustFailure?.evidence ?? "",
                                    parameters: ["issuer": certificate.leaf.issuer]))
        case nil:
            break
        }
        for weak in certificate.weakKeys {
            findings.append(Finding(.weakKey, .critical, port: number, evidence: weak))
        }
        for weak in certificate.weakSignatures {
            findings.append(Finding(.weakSignature, .critical, port: number, evidence: weak))
        }
        return findings
    }
}
