import MailTLSCore

/// STARTTLS missing, refused, optional on a submission port, or followed by injected plaintext.
/// - SeeAlso: RFC 3207, RFC 2595, RFC 8314 section 3.3 (CVE-2011-0411 for injection)
struct STARTTLSCheck: PortCheck {
    var producibleFindings: [FindingID] {
        [.starttlsNotSupported, .starttlsFailed, .starttlsOptional, .starttlsInjection, .tlsHandshakeFailed]
    }

    func findings(for port: PortObservation, context: CheckContext) -> [Finding] {
        guard port.state == .open, port.record.unavailable == nil else { return [] }
        var findings: [Finding] = []
        let number = port.spec.port
        if port.effectiveMode == .startTLS, port.record.greeting != nil {
            switch port.record.startTLS {
            case .notOffered:
                if port.record.capabilitiesBeforeTLS != nil {
                    // Port 25 between servers is opportunistic; elsewhere passwords and mail cross in the clear.
                    let severity: Severity = port.spec.mailProtocol == .smtp && number == 25 ? .warning : .critical
                    let keyword = port.spec.mailProtocol == .pop3 ? "STLS" : "STARTTLS"
                    findings.append(Finding(.starttlsNotSupported, severity, port: number,
                                            evidence: "no \(keyword) in the capabilities",
                                            parameters: ["keyword": keyword]))
                }
            case .refused(let response):
                findings.append(Finding(.starttlsFailed, .critical, port: number,
                                        evidence: PeerText.quote(response.statusLine)))
            case .accepted:
                if port.handshake == nil, let failure = port.handshakeFailure {
                    findings.append(Finding(.starttlsFailed, .critical, port: number, evidence: failure.summary))
                }
            case .notApplicable:
                break
            }
            if port.spec.isSubmission, port.tlsEstablished, case .acceptedBeforeTLS(let evidence) = port.record.mailBeforeTLS {
                findings.append(Finding(.starttlsOptional, .warning, port: number,
                                        evidence: "MAIL FROM before STARTTLS: \(PeerText.quote(evidence))"))
            }
        }
        if port.effectiveMode == .implicitTLS, port.handshake == nil, let failure = port.handshakeFailure {
            findings.append(Finding(.tlsHandshakeFailed, .critical, port: number, evidence: failure.summary))
        }
        if let injected = port.handshake?.injectedBytes, !injected.isEmpty, port.effectiveMode == .startTLS {
            let preview = Array(injected.prefix(80)).printableLine
            findings.append(Finding(.starttlsInjection, .critical, port: number,
                                    evidence: "\(injected.count) bytes after the go-ahead: \(preview)",
                                    parameters: ["bytes": String(injected.count)]))
        }
        return findings
    }
}
