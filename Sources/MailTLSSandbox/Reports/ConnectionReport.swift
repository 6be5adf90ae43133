import MailTLSCore
import MailTLSSessions

/// What one client connection showed about the device: its TLS offer, what it did before TLS, whether it
/// validated the certificate it was shown. One per connection, written to `events.jsonl`.
public struct ConnectionReport: Codable, Sendable, Equatable {
    public struct Offer: Codable, Sendable, Equatable {
        public var versions: [String]
        public var maximumVersion: String?
        public var cipherSuites: [String]
        public var serverName: String?
        public var alpn: [String]
        public var groups: [String]
        public var signatureAlgorithms: [String]
    }

    public struct Authentication: Codable, Sendable, Equatable {
        public var mechanism: String
        public var user: String
        public var succeeded: Bool
        public var beforeTLS: Bool
    }

    public struct Message: Codable, Sendable, Equatable {
        public var id: String
        public var from: String
        public var to: [String]
        public var subject: String?
        public var size: Int
    }

    /// Whether the device checks the server certificate, as far as this connection can tell.
    public enum Validation: String, Codable, Sendable {
        /// It refused a bad certificate (wrong name, expired) or an unknown CA.
        case validates
        /// It went on (logged in, sent mail) with a certificate it should have refused.
        case doesNotValidate = "does-not-validate"
        case unknown
    }

    public var startedAt: String
    public var durationMs: Int
    public var clientAddress: String
    public var clientPort: Int
    public var serverPort: Int
    public var `protocol`: String
    /// `tls` or `starttls`.
    public var mode: String
    /// The device test this port runs: `standard`, `wrong-name`, `expired`, `no-starttls`, `tls-range`.
    public var portTest: String
    public var allowedVersions: String
    public var offer: Offer?
    public var negotiatedVersion: String?
    public var negotiatedCipher: String?
    public var handshakeError: String?
    /// `used`, `not-used`, `asked-without-advertisement`, `not-applicable`.
    public var startTLS: String
    public var commandsBeforeTLS: [String]
    public var credentialsBeforeTLS: Bool
    public var authentications: [Authentication]
    public var messages: [Message]
    public var certificateValidation: Validation
    /// What the connection was refused or cut short for.
    public var problems: [ConnectionProblem]

    /// The problems' English words: what `events.jsonl` has always kept under `protocolViolations`.
    public var protocolViolations: [String] { problems.map(\.description) }
}

/// Encoded with the problems' English words under `protocolViolations` (what `events.jsonl` has always had) and the
/// typed problems beside them; decoded from either. (In an extension, so that the memberwise initializer stays.)
extension ConnectionReport {
    private enum CodingKeys: String, CodingKey {
        case startedAt, durationMs, clientAddress, clientPort, serverPort, `protocol`, mode, portTest, allowedVersions
        case offer, negotiatedVersion, negotiatedCipher, handshakeError, startTLS, commandsBeforeTLS
        case credentialsBeforeTLS, authentications, messages, certificateValidation, protocolViolations, problems
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(durationMs, forKey: .durationMs)
        try container.encode(clientAddress, forKey: .clientAddress)
        try container.encode(clientPort, forKey: .clientPort)
        try container.encode(serverPort, forKey: .serverPort)
        try container.encode(`protocol`, forKey: .protocol)
        try container.encode(mode, forKey: .mode)
        try container.encode(portTest, forKey: .portTest)
        try container.encode(allowedVersions, forKey: .allowedVersions)
        try container.encodeIfPresent(offer, forKey: .offer)
        try container.encodeIfPresent(negotiatedVersion, forKey: .negotiatedVersion)
        try container.encodeIfPresent(negotiatedCipher, forKey: .negotiatedCipher)
        try container.encodeIfPresent(handshakeError, forKey: .handshakeError)
        try container.encode(startTLS, forKey: .startTLS)
        try container.encode(commandsBeforeTLS, forKey: .commandsBeforeTLS)
        try container.encode(credentialsBeforeTLS, forKey: .credentialsBeforeTLS)
        try container.encode(authentications, forKey: .authentications)
        try container.encode(messages, forKey: .messages)
        try container.encode(certificateValidation, forKey: .certificateValidation)
        try container.encode(protocolViolations, forKey: .protocolViolations)
        try container.encode(problems, forKey: .problems)
    }

    /// Reads a report this version wrote (`problems`, typed) or an earlier one (only `protocolViolations`, whose
    /// words are kept as they are).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        startedAt = try container.decode(String.self, forKey: .startedAt)
        durationMs = try container.decode(Int.self, forKey: .durationMs)
        clientAddress = try container.decode(String.self, forKey: .clientAddress)
        clientPort = try container.decode(Int.self, forKey: .clientPort)
        serverPort = try container.decode(Int.self, forKey: .serverPort)
        `protocol` = try container.decode(String.self, forKey: .protocol)
        mode = try container.decode(String.self, forKey: .mode)
        portTest = try container.decode(String.self, forKey: .portTest)
        allowedVersions = try container.decode(String.self, forKey: .allowedVersions)
        offer = try container.decodeIfPresent(Offer.self, forKey: .offer)
        negotiatedVersion = try container.decodeIfPresent(String.self, forKey: .negotiatedVersion)
        negotiatedCipher = try container.decodeIfPresent(String.self, forKey: .negotiatedCipher)
        handshakeError = try container.decodeIfPresent(String.self, forKey: .handshakeError)
        startTLS = try container.decode(String.self, forKey: .startTLS)
        commandsBeforeTLS = try container.decode([String].self, forKey: .commandsBeforeTLS)
        credentialsBeforeTLS = try container.decode(Bool.self, forKey: .credentialsBeforeTLS)
        authentications = try container.decode([Authentication].self, forKey: .authentications)
        messages = try container.decode([Message].self, forKey: .messages)
        certificateValidation = try container.decode(Validation.self, forKey: .certificateValidation)
        if let problems = try? container.decodeIfPresent([ConnectionProblem].self, forKey: .problems) {
            self.problems = problems
        } else {
            problems = try container.decode([String].self, forKey: .protocolViolations).map(ConnectionProblem.legacy)
        }
    }
}
