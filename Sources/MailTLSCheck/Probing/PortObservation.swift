import MailTLSCore
import MailTLSEngine

/// Whether anything answers on a port.
public enum PortState: String, Sendable, Codable {
    case open
    /// TCP reset: nothing listens.
    case closed
    /// No answer to the TCP handshake: a firewall drops packets.
    case filtered
    /// Reachable, but the probe failed (protocol error, timeout after connect).
    case error
}

/// How a client can secure the connection, as observed.
public enum ObservedSecurity: String, Sendable, Codable {
    case implicitTLS = "implicit-tls"
    /// STARTTLS offered, and nothing (login, MAIL) is accepted before it.
    case startTLSRequired = "starttls-required"
    /// STARTTLS offered, but the server also serves clients that never use it.
    case startTLSOffered = "starttls-offered"
    case plaintext
    case unknown
}

/// A port whose server speaks the other mode than the port's convention.
public enum WrongMode: Sendable, Equatable {
    /// A plaintext greeting on an implicit-TLS port (465, 993, 995).
    case plaintextOnTLSPort(greeting: String)
    /// Silence, then a TLS handshake, on a STARTTLS port (25, 587, 143, 110).
    case tlsOnSTARTTLSPort
}

/// Which TLS versions a port completes a handshake with.
public struct VersionSupport: Sendable, Equatable {
    public var accepted: [TLSVersion] = []
    public var refused: [TLSVersion] = []
    /// Versions that could not be tested (the connection failed before TLS).
    public var untested: [TLSVersion] = []

    public init() {}
}

/// Everything learned about one port, before any judgement.
public struct PortObservation: Sendable {
    public var spec: PortSpec
    public var address: String
    public var state: PortState = .error
    /// The reason the port could not be probed fully, if any.
    public var failure: EngineError?
    public var wrongMode: WrongMode?
    /// The mode the dialogue actually used (differs from `spec.mode` on a wrong-mode port).
    public var effectiveMode: SecurityMode
    public var record = DialogueRecord()
    public var greetingMilliseconds: Double?
    public var handshake: HandshakeFacts?
    /// Why the TLS handshake failed, when STARTTLS was accepted or the port is implicit TLS.
    public var handshakeFailure: EngineError?
    public var versions = VersionSupport()
    public var certificate: CertificateReport?
    /// Every suite each version accepts (`check --deep`), nil when not scanned.
    public var deep: DeepScanResult?
    public var transcript: [TranscriptLine] = []
    public var durationMilliseconds: Double = 0

    public init(spec: PortSpec, address: String) {
        self.spec = spec
        self.address = address
        effectiveMode = spec.mode
    }

    /// Who runs the port and with what software, from the conversation and the host's names (set by the checker,
    /// or by `--server-software`).
    public var identification: ServerIdentification?

    /// The software identified, if any: its fixes are given in its terms.
    public var software: ServerSoftware? { identification?.software }

    public var capabilitiesBeforeTLS: [String]? { record.capabilitiesBeforeTLS }
    public var capabilitiesAfterTLS: [String]? { record.capabilitiesAfterTLS }

    public var authBeforeTLS: [String]? { capabilitiesBeforeTLS.map { authMechanisms(in: $0) } }
    public var authAfterTLS: [String]? { capabilitiesAfterTLS.map { authMechanisms(in: $0) } }

    /// IMAP's LOGIN command counts as a cleartext login of its own unless LOGINDISABLED says otherwise.
    private func authMechanisms(in capabilities: [String]) -> [String] {
        MailCapabilities(spec.mailProtocol, keywords: capabilities).loginMechanisms
    }

    public var tlsEstablished: Bool { handshake != nil }

    public var security: ObservedSecurity {
        guard state == .open else { return .unknown }
        if effectiveMode == .implicitTLS { return tlsEstablished ? .implicitTLS : .unknown }
        switch record.startTLS {
        case .accepted:
            if case .acceptedInClear = record.cleartextLogin { return .startTLSOffered }
            if case .acceptedBeforeTLS = record.mailBeforeTLS { return .startTLSOffered }
            if spec.mailProtocol == .smtp {
                if case .refusedBeforeTLS = record.mailBeforeTLS { return .startTLSRequired }
                return .startTLSOffered
            }
            return .startTLSRequired
        case .notOffered, .refused:
            return record.greeting != nil ? .plaintext : .unknown
        case .notApplicable:
            return .unknown
        }
    }
}
