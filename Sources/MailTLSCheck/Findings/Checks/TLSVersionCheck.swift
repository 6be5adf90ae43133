import MailTLSCore

/// TLS 1.0 and 1.1 accepted (deprecated), or neither 1.2 nor 1.3 available (modern clients cannot connect).
/// - SeeAlso: RFC 8996, RFC 8997
struct TLSVersionCheck: PortCheck {
    var producibleFindings: [FindingID] { [.tlsVersionDeprecated, .tlsVersionModernMissing] }

    func findings(for port: PortObservation, context: CheckContext) -> [Finding] {
        guard port.tlsEstablished else { return [] }
        var findings: [Finding] = []
        let deprecated = port.versions.accepted.filter(\.isDeprecated)
        if !deprecated.isEmpty {
            let list = deprecated.map(\.rawValue).joined(separator: ", ")
            findings.append(Finding(.tlsVersionDeprecated, .warning, port: port.spec.port,
                                    evidence: "accepts \(list)", parameters: ["versions": list]))
        }
        if let best = port.versions.accepted.max(), best < .tls12 {
            findings.append(Finding(.tlsVersionModernMissing, .critical, port: port.spec.port,
                                    evidence: "best version \(best.rawValue)", parameters: ["version": best.rawValue]))
        }
        return findings
    }
}
