/// Slow greetings are tarpits, not failures: worth a note, because clients with short timeouts give up. (A server
/// that says "not now" and protocol errors are `TransportCheck`'s.)
struct GreetingSpeedCheck: PortCheck {
    /// Greetings slower than this are worth a note.
    static let slowGreetingMilliseconds = 2000.0

    var producibleFindings: [FindingID] { [.greetingSlow] }

    func findings(for port: PortObservation, context: CheckContext) -> [Finding] {
        guard port.state == .open, let milliseconds = port.greetingMilliseconds,
              milliseconds >= GreetingSpeedCheck.slowGreetingMilliseconds else { return [] }
        let seconds = Int((milliseconds / 1000).rounded())
        return [Finding(.greetingSlow, .info, port: port.spec.port, evidence: .fact(.greetingSeconds(seconds)),
                        parameters: ["seconds": String(seconds)])]
    }
}
