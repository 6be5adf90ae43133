import MailTLSCore
import MailTLSEngine

/// A server that says "not now" (421, BYE, -ERR at greeting) is reported as unavailable, never as lacking STARTTLS;
/// slow greetings are tarpits, not failures; garbage and stalls are protocol errors with the evidence.
struct AvailabilityCheck: PortCheck {
    /// Greetings slower than this are worth a note: clients with short timeouts give up.
    static let slowGreetingMilliseconds = 2000.0

    var producibleFindings: [FindingID] { [.serverUnavailable, .greetingSlow, .protocolError] }

    func findings(for port: PortObservation, context: CheckContext) -> [Finding] {
        guard port.state == .open else { return [] }
        var findings: [Finding] = []
        if let unavailable = port.record.unavailable {
            findings.append(Finding(.serverUnavailable, .warning, port: port.spec.port,
                                    evidence: PeerText.quote(unavailable.statusLine)))
        }
        if let milliseconds = port.greetingMilliseconds, milliseconds >= AvailabilityCheck.slowGreetingMilliseconds {
            let seconds = String(Int((milliseconds / 1000).rounded()))
            findings.append(Finding(.greetingSlow, .info, port: port.spec.port, evidence: "\(seconds) s",
                                    parameters: ["seconds": seconds]))
        }
        if let failure = port.failure {
            switch failure {
            case .malformedResponse, .oversizedInput, .readTimeout, .deadlineExceeded, .closedByPeer:
                if port.record.unavailable == nil {
                    findings.append(Finding(.protocolError, .warning, port: port.spec.port, evidence: failure.summary))
                }
            default:
                break
            }
        }
        return findings
    }
}
