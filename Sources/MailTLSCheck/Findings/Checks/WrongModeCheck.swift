import MailTLSCore

/// A port that speaks the other mode than its convention: the commonest cause of "it doesn't connect" with
/// "SSL/TLS" chosen where "STARTTLS" was needed, or the reverse.
/// - SeeAlso: RFC 8314 section 3
struct WrongModeCheck: PortCheck {
    var producibleFindings: [FindingID] { [.wrongModePlaintextOnTLSPort, .wrongModeTLSOnSTARTTLSPort] }

    func findings(for port: PortObservation, context: CheckContext) -> [Finding] {
        switch port.wrongMode {
        case .plaintextOnTLSPort(let greeting)?:
            return [Finding(.wrongModePlaintextOnTLSPort, .critical, port: port.spec.port, evidence: PeerText.quote(greeting))]
        case .tlsOnSTARTTLSPort?:
            let version = port.handshake?.version?.rawValue ?? "TLS"
            return [Finding(.wrongModeTLSOnSTARTTLSPort, .critical, port: port.spec.port,
                            evidence: "no greeting; \(version) handshake completed")]
        case nil:
            return []
        }
    }
}
