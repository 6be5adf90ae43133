/// Reads the first bytes a server sends after a ClientHello and says what they are: a ServerHello (with the
/// negotiated version and cipher suite, which BoringSSL does not expose), an alert, or not TLS at all (a plaintext
/// greeting on a port that should speak TLS).
/// - SeeAlso: RFC 8446 sections 4.1.3 and 5.1, RFC 5246 section 7.4.1.3
public struct ServerFlightParser: Sendable {
    public struct ServerHello: Sendable, Equatable {
        /// The version in force: `supported_versions` when present (TLS 1.3), else the legacy version field.
        public var version: UInt16
        public var cipherSuite: UInt16
        public var sessionIDLength: Int
        /// The compression method chosen (0: none; anything else is TLS compression, CRIME).
        public var compressionMethod: UInt8 = 0
        /// The extension types the server sent, in order (0xFF01: secure renegotiation, RFC 5746).
        public var extensionTypes: [UInt16] = []
        /// A HelloRetryRequest (TLS 1.3): the server wants a key share for this group (RFC 8446 section 4.1.4).
        public var helloRetryGroup: UInt16?

        /// Whether this is a HelloRetryRequest rather than a ServerHello (the special random of RFC 8446 4.1.3).
        public var isHelloRetryRequest: Bool { helloRetryGroup != nil }
    }

    /// SHA-256 of "HelloRetryRequest", the random a HelloRetryRequest carries.
    static let helloRetryRandom: [UInt8] = [
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
        0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
    ]

    public enum Verdict: Sendable, Equatable {
        case needMoreBytes
        case serverHello(ServerHello)
        case alert(level: UInt8, description: UInt8)
        /// The peer does not speak TLS; the bytes it sent, for evidence.
        case notTLS(prefix: [UInt8])
        /// TLS records, but nonsense inside them.
        case malformed(String)
    }

    /// Enough for any real ServerHello, small enough that a hostile peer cannot grow it.
    public let maximumBytes: Int
    private var recordBytes: [UInt8] = []
    private var handshakeBytes: [UInt8] = []
    public private(set) var verdict: Verdict = .needMoreBytes

    public init(maximumBytes: Int = 65536) {
        self.maximumBytes = maximumBytes
    }

    @discardableResult
    public mutating func consume<Bytes: Sequence>(_ bytes: Bytes) -> Verdict where Bytes.Element == UInt8 {
        guard verdict == .needMoreBytes else { return verdict }
        recordBytes.append(contentsOf: bytes)
        verdict = evaluate()
        return verdict
    }

    private mutating func evaluate() -> Verdict {
        while true {
            guard let contentType = recordBytes.first else { return .needMoreBytes }
            guard contentType == 21 || contentType == 22 else {
                // A TLS record starts 0x14...0x17 then 0x03. Anything else is a plaintext peer.
                return .notTLS(prefix: Array(recordBytes.prefix(512)))
            }
            if recordBytes.count >= 2 && recordBytes[1] != 0x03 {
                return .notTLS(prefix: Array(recordBytes.prefix(512)))
            }
            guard recordBytes.count >= 5 else { return .needMoreBytes }
            let length = Int(recordBytes[3]) << 8 | Int(recordBytes[4])
            guard length <= 16384 + 256 else { return .malformed("record length \(length)") }
            guard recordBytes.count >= 5 + length else {
                return recordBytes.count > maximumBytes ? .malformed("too many bytes") : .needMoreBytes
            }
            let body = Array(recordBytes[5..<(5 + length)])
            recordBytes.removeFirst(5 + length)
            if contentType == 21 {
                guard body.count >= 2 else { return .malformed("short alert") }
                return .alert(level: body[0], description: body[1])
            }
            handshakeBytes.append(contentsOf: body)
            guard handshakeBytes.count <= maximumBytes else { return .malformed("handshake too long") }
            if handshakeBytes.count >= 4 {
                guard handshakeBytes[0] == 2 else { return .malformed("first handshake message type \(handshakeBytes[0])") }
                let messageLength = Int(handshakeBytes[1]) << 16 | Int(handshakeBytes[2]) << 8 | Int(handshakeBytes[3])
                if handshakeBytes.count >= 4 + messageLength {
                    return ServerFlightParser.parseServerHello(Array(handshakeBytes[4..<(4 + messageLength)]))
                }
            }
        }
    }

    static func parseServerHello(_ body: [UInt8]) -> Verdict {
        var reader = ByteReader(body)
        guard let legacyVersion = reader.readUInt16(), let random = reader.read(32),
              let sessionIDLength = reader.readUInt8(), reader.skip(Int(sessionIDLength)),
              let cipher = reader.readUInt16(), let compression = reader.readUInt8()
        else { return .malformed("short ServerHello") }
        var hello = ServerHello(version: legacyVersion, cipherSuite: cipher, sessionIDLength: Int(sessionIDLength),
                                compressionMethod: compression)
        let retry = random == helloRetryRandom
        if let extensionsLength = reader.readUInt16() {
            var extensions = ByteReader(reader.read(Int(extensionsLength)) ?? [])
            while let type = extensions.readUInt16(), let length = extensions.readUInt16(),
                  let data = extensions.read(Int(length)), hello.extensionTypes.count < 64 {
                hello.extensionTypes.append(type)
                if type == 43, data.count == 2 {
                    hello.version = UInt16(data[0]) << 8 | UInt16(data[1])
                }
                if type == 51, retry, data.count == 2 {
                    hello.helloRetryGroup = UInt16(data[0]) << 8 | UInt16(data[1])
                }
            }
        }
        return .serverHello(hello)
    }
}

/// Reads big-endian fields off a TLS message, never past its end. Shared by both TLS parsers.
struct ByteReader {
    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { index >= bytes.count }

    mutating func readUInt8() -> UInt8? {
        guard index < bytes.count else { return nil }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func readUInt16() -> UInt16? {
        guard index + 2 <= bytes.count else { return nil }
        defer { index += 2 }
        return UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
    }

    mutating func read(_ count: Int) -> [UInt8]? {
        guard count >= 0, count <= bytes.count - index else { return nil }
        defer { index += count }
        return Array(bytes[index..<(index + count)])
    }

    mutating func skip(_ count: Int) -> Bool { read(count) != nil }
}
