import MailTLSCore
import MailTLSEngine

/// Every rule about the connection itself (reachability, the port's mode, STARTTLS, the handshake, what crosses
/// before TLS, the TLS versions), defined once: `check`, `domain`, `setup`'s verification and `diagnose` all ask
/// here, as they ask `CertificateAssessment` about the chain, so they cannot disagree about the same port. Each
/// command keeps its own presentation (check's findings and severities, setup's candidates, diagnose's steps).
public enum TransportAssessment {
    /// One thing wrong with how a port carries mail, with what shows it. Named after what the server does.
    public enum Problem: Sendable, Equatable {
        /// Nothing listens: the connect was refused (a TCP reset).
        case refused
        /// The connect got no answer: a firewall drops it.
        case noAnswer(EngineError?)
        /// The connect failed otherwise (no route, the address unusable).
        case unreachable(EngineError?)
        /// The server answered "not now" (SMTP 421/554, IMAP BYE, POP3 -ERR at the greeting).
        case unavailable(MailResponse)
        /// A port a client uses with "SSL/TLS" greets in plaintext.
        case plaintextOnTLSPort(greeting: String)
        /// A port a client uses with "STARTTLS" (or none) starts TLS from the first byte.
        case tlsOnPlaintextPort(version: TLSVersion?)
        /// The server never greeted, or broke the protocol (garbage, a stall, a hang-up, too much).
        case protocolError(EngineError?)
        /// STARTTLS (STLS) is not in the capabilities.
        case startTLSNotOffered(keyword: String)
        /// STARTTLS was asked for and refused.
        case startTLSRefused(MailResponse)
        /// The handshake did not complete (after STARTTLS's go-ahead, or from the first byte).
        case handshakeFailed(EngineError?, afterSTARTTLS: Bool)
        /// A submission port took mail before STARTTLS: TLS is optional there.
        case mailBeforeTLS(evidence: String)
        /// Bytes followed STARTTLS's go-ahead in plaintext (CVE-2011-0411).
        case injectedAfterGoAhead([UInt8])
        /// A password could cross before TLS.
        case cleartextLogin(CleartextLoginEvidence)
        /// TLS 1.0 or 1.1 is accepted.
        case deprecatedVersions([TLSVersion])
        /// Neither TLS 1.2 nor 1.3: today's clients cannot connect.
        case noModernVersion(best: TLSVersion)
        /// A submission port offers no AUTH once TLS is up: a client cannot log in to send.
        case noAuthenticationAfterTLS

        /// A stable identifier for tests and parameters.
        public var key: String {
            switch self {
            case .refused: "refused"
            case .noAnswer: "no-answer"
            case .unreachable: "unreachable"
            case .unavailable: "unavailable"
            case .plaintextOnTLSPort: "plaintext-on-tls-port"
            case .tlsOnPlaintextPort: "tls-on-plaintext-port"
            case .protocolError: "protocol-error"
            case .startTLSNotOffered: "starttls-not-offered"
            case .startTLSRefused: "starttls-refused"
            case .handshakeFailed: "handshake-failed"
            case .mailBeforeTLS: "mail-before-tls"
            case .injectedAfterGoAhead: "injected-after-go-ahead"
            case .cleartextLogin: "cleartext-login"
            case .deprecatedVersions: "deprecated-versions"
            case .noModernVersion: "no-modern-version"
            case .noAuthenticationAfterTLS: "no-authentication-after-tls"
            }
        }
    }

    /// How a TCP connect ended, as every command names it: nil when it connected.
    public static func connectProblem(_ error: EngineError?) -> Problem? {
        switch error {
        case .connectionRefused?: .refused
        case .connectTimeout?: .noAnswer(error)
        case .connectFailed?: .unreachable(error)
        default: nil
        }
    }

    /// The port's state that a connect problem means: closed (refused, unreachable) or filtered (no answer).
    public static func state(after problem: Problem?) -> PortState {
        switch problem {
        case .refused?, .unreachable?: .closed
        case .noAnswer?: .filtered
        default: .open
        }
    }

    /// What STARTTLS's outcome says, for `mailProtocol` (POP3 calls it STLS).
    public static func startTLSProblem(_ outcome: DialogueRecord.STARTTLSOutcome, mailProtocol: MailProtocol)
        -> Problem? {
        switch outcome {
        case .notOffered: .startTLSNotOffered(keyword: mailProtocol.startTLSKeyword)
        case .refused(let response): .startTLSRefused(response)
        case .accepted, .notApplicable: nil
        }
    }

    /// The versions rule (RFC 8996): 1.0 and 1.1 are deprecated; without 1.2 or 1.3 modern clients fail.
    public static func versionProblems(accepted: [TLSVersion]) -> [Problem] {
        var problems: [Problem] = []
        let deprecated = accepted.filter(\.isDeprecated)
        if !deprecated.isEmpty { problems.append(.deprecatedVersions(deprecated)) }
        if let best = accepted.max(), best < .tls12 { problems.append(.noModernVersion(best: best)) }
        return problems
    }

    /// The engine failures that mean the server broke the conversation rather than refused it.
    static func isProtocolError(_ error: EngineError) -> Bool {
        switch error {
        case .malformedResponse, .oversizedInput, .readTimeout, .deadlineExceeded, .closedByPeer: true
        default: false
        }
    }

    /// Everything wrong with the port's transport, in the order a client meets it: the connect, the answer, the
    /// mode, STARTTLS, the handshake, what crosses before TLS, the versions.
    public static func problems(of port: PortObservation) -> [Problem] {
        switch port.state {
        case .closed: return [connectProblem(port.failure) ?? .refused]
        case .filtered: return [connectProblem(port.failure) ?? .noAnswer(nil)]
        case .open, .error: break
        }
        var problems: [Problem] = []
        if let unavailable = port.record.unavailable { problems.append(.unavailable(unavailable)) }
        switch port.wrongMode {
        case .plaintextOnTLSPort(let greeting)?: problems.append(.plaintextOnTLSPort(greeting: greeting))
        case .tlsOnSTARTTLSPort?: problems.append(.tlsOnPlaintextPort(version: port.handshake?.version))
        case nil: break
        }
        if port.record.unavailable == nil {
            if port.effectiveMode == .startTLS, port.record.greeting != nil {
                switch startTLSProblem(port.record.startTLS, mailProtocol: port.spec.mailProtocol) {
                case .startTLSNotOffered? where port.capabilitiesBeforeTLS == nil:
                    break // the capabilities were never read: nothing is known about STARTTLS
                case let problem?:
                    problems.append(problem)
                case nil:
                    if port.record.startTLS == .accepted, port.handshake == nil, let failure = port.handshakeFailure {
                        problems.append(.handshakeFailed(failure, afterSTARTTLS: true))
                    }
                }
                if port.spec.isSubmission, port.tlsEstablished,
                   case .acceptedBeforeTLS(let evidence) = port.record.mailBeforeTLS {
                    problems.append(.mailBeforeTLS(evidence: evidence))
                }
            }
            if port.effectiveMode == .implicitTLS, port.handshake == nil, let failure = port.handshakeFailure {
                problems.append(.handshakeFailed(failure, afterSTARTTLS: false))
            }
            // A conversation broken by the wrong mode (no greeting on a port that waits for TLS) is the wrong mode,
            // not a second problem.
            if let failure = port.failure, isProtocolError(failure), port.wrongMode == nil {
                problems.append(.protocolError(failure))
            }
        }
        if let injected = port.handshake?.injectedBytes, !injected.isEmpty, port.effectiveMode == .startTLS {
            problems.append(.injectedAfterGoAhead(injected))
        }
        if port.state == .open, case .acceptedInClear(let evidence) = port.record.cleartextLogin {
            problems.append(.cleartextLogin(evidence))
        }
        if port.tlsEstablished {
            problems += versionProblems(accepted: port.versions.accepted)
            if port.spec.mailProtocol == .smtp, port.spec.isSubmission, let auth = port.authAfterTLS, auth.isEmpty {
                problems.append(.noAuthenticationAfterTLS)
            }
        }
        return problems
    }

    /// The first problem that stops a client configured for the port's mode from logging in and sending: the
    /// connect, the answer, the mode, STARTTLS, then the handshake. The certificate is `CertificateAssessment`'s
    /// (asked next); a missing AUTH after TLS comes last. Nil when the transport lets the client through.
    public static func refusal(of port: PortObservation) -> Problem? {
        let problems = problems(of: port)
        if let first = problems.first(where: \.stopsTheClient) { return first }
        if port.handshake == nil, port.state != .closed, port.state != .filtered {
            return .handshakeFailed(port.handshakeFailure ?? port.failure, afterSTARTTLS: port.effectiveMode == .startTLS)
        }
        return nil
    }
}

extension TransportAssessment.Problem {
    /// Whether a client using the port as configured gets no encrypted session at all because of this.
    public var stopsTheClient: Bool {
        switch self {
        case .refused, .noAnswer, .unreachable, .unavailable, .plaintextOnTLSPort, .tlsOnPlaintextPort,
             .protocolError, .startTLSNotOffered, .startTLSRefused, .handshakeFailed:
            true
        case .mailBeforeTLS, .injectedAfterGoAhead, .cleartextLogin, .deprecatedVersions, .noModernVersion,
             .noAuthenticationAfterTLS:
            false
        }
    }
}
