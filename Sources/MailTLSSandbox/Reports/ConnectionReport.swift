import MailTLSCore

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
    public var protocolViolations: [String]
}
