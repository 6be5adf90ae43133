import MailTLSCore

/// What a TLS handshake showed: version, cipher, the presented chain, and anything suspicious before it.
public struct HandshakeFacts: Sendable, Equatable {
    public var version: MailTLSCore.TLSVersion?
    public var cipherSuite: CipherSuite?
    /// DER certificates as presented, leaf first.
    public var presentedChain: [[UInt8]]
    public var durationMilliseconds: Double
    /// Bytes the server sent after its STARTTLS go-ahead and before the handshake (CVE-2011-0411 class).
    public var injectedBytes: [UInt8]
    /// The SNI name sent, if any.
    public var serverName: String?

    public init(version: MailTLSCore.TLSVersion?, cipherSuite: CipherSuite?, presentedChain: [[UInt8]],
                durationMilliseconds: Double, injectedBytes: [UInt8], serverName: String?) {
        self.version = version
        self.cipherSuite = cipherSuite
        self.presentedChain = presentedChain
        self.durationMilliseconds = durationMilliseconds
        self.injectedBytes = injectedBytes
        self.serverName = serverName
    }
}

/// One line of a probe conversation, for `--verbose` output and evidence.
public struct TranscriptLine: Sendable, Equatable, Codable {
    public enum Direction: String, Sendable, Codable {
        case client = "C"
        case server = "S"
        case note = "*"
    }

    public var direction: Direction
    public var text: String
    public var elapsedMilliseconds: Double

    public init(direction: Direction, text: String, elapsedMilliseconds: Double) {
        self.direction = direction
        self.text = text
        self.elapsedMilliseconds = elapsedMilliseconds
    }
}
