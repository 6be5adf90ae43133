/// A password could cross before TLS: found by trying throwaway credentials and reading the reply, never by
/// guessing from the capability list.
/// - SeeAlso: RFC 8314 section 4.1, RFC 3501 section 6.2.3 (LOGINDISABLED)
struct CleartextAuthenticationCheck: PortCheck {
    var producibleFindings: [FindingID] { [.cleartextAuthAllowed] }

    func findings(for port: PortObservation, context: CheckContext) -> [Finding] {
        guard port.state == .open, case .acceptedInClear(let evidence) = port.record.cleartextLogin else { return [] }
        return [Finding(.cleartextAuthAllowed, .critical, port: port.spec.port, evidence: evidence)]
    }
}
