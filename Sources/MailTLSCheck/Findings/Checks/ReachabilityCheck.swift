/// Closed and filtered ports. A closed port of the default sweep is information (few servers run all eight); a port
/// the user named, or any port when nothing answers at all, is a warning.
struct ReachabilityCheck: PortCheck {
    var producibleFindings: [FindingID] { [.portClosed, .portFiltered] }

    func findings(for port: PortObservation, context: CheckContext) -> [Finding] {
        let severity: Severity = port.spec.isExplicit || !context.anyPortOpen ? .warning : .info
        switch port.state {
        case .closed:
            return [Finding(.portClosed, severity, port: port.spec.port,
                            evidence: port.failure?.summary ?? "connection refused")]
        case .filtered:
            return [Finding(.portFiltered, severity, port: port.spec.port,
                            evidence: port.failure?.summary ?? "no answer")]
        case .open, .error:
            return []
        }
    }
}
