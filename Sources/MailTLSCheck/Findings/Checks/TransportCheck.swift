import MailTLSCore
import MailTLSEngine

/// The port's transport as `TransportAssessment` judges it for every command, worded as `check`'s findings: how
/// much each problem matters depends on the port (a closed default port is a note, STARTTLS missing on port 25
/// between servers is a warning, elsewhere critical).
/// - SeeAlso: RFC 8314 (modes, submission), RFC 3207 and RFC 2595 (STARTTLS), RFC 8996 (versions),
///   CVE-2011-0411 (injection)
struct TransportCheck: PortCheck {
    var producibleFindings: [FindingID] {
        [.portClosed, .portFiltered, .serverUnavailable, .protocolError, .wrongModePlaintextOnTLSPort,
         .wrongModeTLSOnSTARTTLSPort, .starttlsNotSupported, .starttlsFailed, .starttlsOptional, .starttlsInjection,
         .tlsHandshakeFailed, .cleartextAuthAllowed, .tlsVersionDeprecated, .tlsVersionModernMissing]
    }

    func findings(for port: PortObservation, context: CheckContext) -> [Finding] {
        TransportAssessment.problems(of: port).compactMap { finding(for: $0, port: port, context: context) }
    }

    func finding(for problem: TransportAssessment.Problem, port: PortObservation, context: CheckContext) -> Finding? {
        let number = port.spec.port
        // Few servers run all eight default ports: a closed one is a note, unless the user named it or nothing answers.
        let reachability: Severity = port.spec.isExplicit || !context.anyPortOpen ? .warning : .info
        switch problem {
        case .refused, .unreachable:
            return Finding(.portClosed, reachability, port: number, evidence: port.failure.map(Evidence.failure) ?? .fact(.connectionRefused))
        case .noAnswer:
            return Finding(.portFiltered, reachability, port: number, evidence: port.failure.map(Evidence.failure) ?? .fact(.noAnswer))
        case .unavailable(let response):
            // "Not now" is never reported as a missing STARTTLS.
            return Finding(.serverUnavailable, .warning, port: number, evidence: .data(PeerText.quote(response.statusLine)))
        case .protocolError(let failure):
            return Finding(.protocolError, .warning, port: number, evidence: failure.map(Evidence.failure) ?? .fact(.noGreeting))
        case .plaintextOnTLSPort(let greeting):
            return Finding(.wrongModePlaintextOnTLSPort, .critical, port: number, evidence: .data(PeerText.quote(greeting)))
        case .tlsOnPlaintextPort(let version):
            return Finding(.wrongModeTLSOnSTARTTLSPort, .critical, port: number,
                           evidence: .fact(.handshakeWithoutGreeting(version)))
        case .startTLSNotOffered(let keyword):
            // Port 25 between servers is opportunistic; elsewhere passwords and mail cross in the clear.
            let severity: Severity = port.spec.mailProtocol == .smtp && number == 25 ? .warning : .critical
            return Finding(.starttlsNotSupported, severity, port: number, evidence: .fact(.keywordNotInCapabilities(keyword)),
                           parameters: ["keyword": keyword])
        case .startTLSRefused(let response):
            return Finding(.starttlsFailed, .critical, port: number, evidence: .data(PeerText.quote(response.statusLine)))
        case .handshakeFailed(let failure, let afterSTARTTLS):
            return Finding(afterSTARTTLS ? .starttlsFailed : .tlsHandshakeFailed, .critical, port: number,
                           evidence: failure.map(Evidence.failure) ?? .fact(.tlsFailed))
        case .mailBeforeTLS(let evidence):
            return Finding(.starttlsOptional, .warning, port: number,
                           evidence: .fact(.mailBeforeSTARTTLS(reply: PeerText.quote(evidence))))
        case .injectedAfterGoAhead(let injected):
            let preview = Array(injected.prefix(80)).printableLine
            return Finding(.starttlsInjection, .critical, port: number,
                           evidence: .fact(.injectedAfterGoAhead(count: injected.count, preview: preview)),
                           parameters: ["bytes": String(injected.count)])
        case .cleartextLogin(let evidence):
            return Finding(.cleartextAuthAllowed, .critical, port: number, evidence: .cleartextLogin(evidence))
        case .deprecatedVersions(let versions):
            let list = versions.map(\.displayName).joined(separator: ", ")
            return Finding(.tlsVersionDeprecated, .warning, port: number, evidence: .fact(.acceptedVersions(versions)),
                           parameters: ["versions": list])
        case .noModernVersion(let best):
            return Finding(.tlsVersionModernMissing, .critical, port: number, evidence: .fact(.bestVersion(best)),
                           parameters: ["version": best.displayName])
        case .noAuthenticationAfterTLS:
            // check reports the mechanisms per port; a submission port without AUTH is setup's and diagnose's
            // refusal, where a login is the point.
            return nil
        }
    }
}
