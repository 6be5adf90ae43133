/// The suite the server chose when offered everything: one without forward secrecy or with 3DES/RC4 is weak.
struct CipherCheck: PortCheck {
    var producibleFindings: [FindingID] { [.weakCipher] }

    func findings(for port: PortObservation, context: CheckContext) -> [Finding] {
        guard let suite = port.handshake?.cipherSuite, suite.isWeak else { return [] }
        return [Finding(.weakCipher, .warning, port: port.spec.port, evidence: .data(suite.ianaName),
                        parameters: ["cipher": suite.ianaName])]
    }
}
