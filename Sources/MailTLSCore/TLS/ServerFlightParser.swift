/// Reads the first bytes a server sends after a ClientHello and says what they are: a ServerHello (with the
/// negotiated version and cipher suite, which BoringSSL does not expose), an alert, or not TLS at all (a plaintext
/// greeting on a port that should speak TLS). Asked to, it reads on past a TLS 1.2-and-earlier ServerHello to the
/// ServerKeyExchange, whose ephemeral parameters travel in the clear (the DH prime of a DHE suite, the curve of an
/// ECDHE suite).
/// - SeeAlso: RFC 8446 sections 4.1.3 and 5.1, RFC 5246 sections 7.4.1.3 and 7.4.3, RFC 8422 section 5.4
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

        /// The ephemeral key exchange of a TLS 1.2-and-earlier DHE or ECDHE suite, when the parser was asked to read
        /// it and the server sent it.
        public var keyExchange: KeyExchange?

        /// Whether this is a HelloRetryRequest rather than a ServerHello (the special random of RFC 8446 4.1.3).
        public var isHelloRetryRequest: Bool { helloRetryGroup != nil }
    }

    /// A ServerKeyExchange's parameters.
    public enum KeyExchange: Sendable, Equatable {
        /// Finite-field Diffie-Hellman: the prime and the generator, big-endian without leading zeros.
        case finiteField(prime: [UInt8], generator: [UInt8])
        /// A named elliptic curve (RFC 8422 NamedCurve).
        case namedCurve(UInt16)

        /// The size of a finite-field prime in bits.
        public var primeBits: Int? {
            guard case .finiteField(let prime, _) = self, !prime.isEmpty else { return nil }
            return KeyExchange.bitLength(prime)
        }

        /// The size in bits of a big-endian number (0 for none).
        public static func bitLength(_ bytes: [UInt8]) -> Int {
            let significant = bytes.drop { $0 == 0 }
            guard let first = significant.first else { return 0 }
            return (significant.count - 1) * 8 + (8 - first.leadingZeroBitCount)
        }
    }

    /// What a ServerKeyExchange carries for the suite the server chose.
    public enum KeyExchangeKind: Sendable {
        case finiteField, ellipticCurve
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
    /// Says which suites have a ServerKeyExchange worth reading; nil: stop at the ServerHello.
    private let keyExchangeKind: (@Sendable (UInt16) -> KeyExchangeKind?)?
    /// A ServerHello read while the parser waits for the ServerKeyExchange that follows it.
    private var pendingHello: (hello: ServerHello, kind: KeyExchangeKind)?

    /// - Parameter keyExchangeKind: when given, a TLS 1.2-and-earlier ServerHello whose suite it names is held back
    ///   until the ServerKeyExchange (or ServerHelloDone) arrives, and returned with `keyExchange` filled in.
    public init(maximumBytes: Int = 65536, keyExchangeKind: (@Sendable (UInt16) -> KeyExchangeKind?)? = nil) {
        self.maximumBytes = maximumBytes
        self.keyExchangeKind = keyExchangeKind
    }

    /// What the bytes said when the peer stopped sending: a ServerHello still waiting for its ServerKeyExchange is
    /// returned without it.
    public var verdictAtEnd: Verdict {
        if verdict == .needMoreBytes, let pending = pendingHello { return .serverHello(pending.hello) }
        return verdict
    }

    @discardableResult
    public mutating func consume<Bytes: Sequence>(_ bytes: Bytes) -> Verdict where Bytes.Element == UInt8 {
        guard verdict == .needMoreBytes else { return verdict }
        recordBytes.append(contentsOf: bytes)
        verdict = evaluate()
        return verdict
    }

    private mutating func evaluate() -> Verdict {
        let verdict = evaluateRecords()
        // Past the ServerHello the answer is known: whatever follows (a certificate too long to hold, an alert, a
        // record of another type) only means the key exchange stays unread.
        if let pending = pendingHello {
            switch verdict {
            case .needMoreBytes, .serverHello: return verdict
            default: return .serverHello(pending.hello)
            }
        }
        return verdict
    }

    private mutating func evaluateRecords() -> Verdict {
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
            while handshakeBytes.count >= 4 {
                let type = handshakeBytes[0]
                // Known from its first byte: a flight that does not start with a ServerHello is not one, whatever
                // length its header claims.
                if pendingHello == nil, type != 2 { return .malformed("first handshake message type \(type)") }
                let messageLength = Int(handshakeBytes[1]) << 16 | Int(handshakeBytes[2]) << 8 | Int(handshakeBytes[3])
                guard handshakeBytes.count >= 4 + messageLength else { break }
                let message = Array(handshakeBytes[4..<(4 + messageLength)])
                handshakeBytes.removeFirst(4 + messageLength)
                if let pending = pendingHello {
                    switch type {
                    case 12:
                        var hello = pending.hello
                        hello.keyExchange = ServerFlightParser.parseKeyExchange(message, kind: pending.kind)
                        return .serverHello(hello)
                    case 14:
                        return .serverHello(pending.hello)
                    default:
                        // Certificate, CertificateStatus: skipped on the way.
                        continue
                    }
                }
                let verdict = ServerFlightParser.parseServerHello(message)
                guard case .serverHello(let hello) = verdict, !hello.isHelloRetryRequest, hello.version < 0x0304,
                      let kind = keyExchangeKind?(hello.cipherSuite) else { return verdict }
                pendingHello = (hello, kind)
            }
        }
    }

    /// ServerDHParams (dh_p, dh_g, dh_Ys) or ServerECDHParams (curve_type 3, named_curve); the signature after them
    /// is not read.
    static func parseKeyExchange(_ body: [UInt8], kind: KeyExchangeKind) -> KeyExchange? {
        var reader = ByteReader(body)
        switch kind {
        case .finiteField:
            guard let primeLength = reader.readUInt16(), let prime = reader.read(Int(primeLength)),
                  let generatorLength = reader.readUInt16(), let generator = reader.read(Int(generatorLength))
            else { return nil }
            func trimmed(_ bytes: [UInt8]) -> [UInt8] { Array(bytes.drop { $0 == 0 }) }
            let trimmedPrime = trimmed(prime)
            return trimmedPrime.isEmpty ? nil : .finiteField(prime: trimmedPrime, generator: trimmed(generator))
        case .ellipticCurve:
            guard reader.readUInt8() == 3, let curve = reader.readUInt16() else { return nil }
            return .namedCurve(curve)
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
