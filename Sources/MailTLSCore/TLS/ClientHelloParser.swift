/// Reads the first bytes a TLS *client* sends (a printer, a scanner, a mail client connecting to the sandbox) and
/// says what they are: a ClientHello with what the client offers, or not TLS at all (a plaintext `EHLO` on a port
/// that should speak implicit TLS).
///
/// Feed bytes with ``consume(_:)`` as they arrive; the verdict stays ``Verdict/needMoreBytes`` until it is decided,
/// then never changes. Records may be cut anywhere and the ClientHello may span several records. Bytes after the
/// ClientHello are ignored.
///
/// **SSL 2.0 compatible hellos.** Old clients (OpenSSL 0.9.x with `SSLv23_method`, old Java, embedded stacks in
/// printers) may send an SSL 2.0 compatible ClientHello (RFC 5246 appendix E.2). It is returned as a
/// ``ClientHello`` too, not as a separate verdict, so a report can still say what the client offers:
/// ``ClientHello/recordVersion`` is `0x0002` (see ``ClientHello/isSSLv2Format``), ``ClientHello/legacyVersion`` is
/// the highest version the client asks for (`0x0002` from an SSL 2.0-only client, `0x0300` or `0x0301` from one that
/// can do SSL 3.0 or TLS 1.0), and its 3-byte cipher specs are split into TLS suites (``ClientHello/cipherSuites``)
/// and SSL 2.0-only kinds (``ClientHello/sslv2CipherSpecs``). Such a hello has no extensions.
///
/// **Not TLS.** A first byte that starts neither a TLS handshake record (`0x16 0x03`) nor an SSL 2.0 ClientHello
/// gives ``Verdict/notTLS(prefix:)`` with the bytes that had arrived by then (at most 512), as
/// ``ServerFlightParser`` does. A first TLS record of another type (alert, application data) counts as not TLS
/// too: a client's first record is always a handshake. Once the first record is framed, anything wrong is
/// ``Verdict/malformed(_:)``.
///
/// **Bounds.** A TLS record longer than 16384 + 2048 bytes, a handshake message longer than 64 KiB, more than
/// ``maximumBytes`` of input before the ClientHello is complete, any vector whose length runs past its data, or
/// trailing bytes inside the ClientHello give ``Verdict/malformed(_:)``. Inside the extensions only the ones this
/// parser reads (server_name, supported_groups, signature_algorithms, ALPN, supported_versions) are checked;
/// the others are listed by type and skipped. A repeated extension is not refused; its first copy counts.
/// - SeeAlso: RFC 8446 sections 4.1.2, 4.2 and 5.1; RFC 5246 section 7.4.1.2 and appendix E.2; RFC 8701 (GREASE)
public struct ClientHelloParser: Sendable {
    public enum Verdict: Sendable, Equatable {
        case needMoreBytes
        case clientHello(ClientHello)
        /// The peer does not speak TLS; the bytes it had sent when that was clear (at most 512), for evidence.
        case notTLS(prefix: [UInt8])
        /// TLS (or SSL 2.0) framing, but nonsense inside, or over a bound.
        case malformed(String)
    }

    /// The largest TLS record accepted: 2^14 plus the 2048 bytes of expansion RFC 5246 allows a ciphertext.
    public static let maximumRecordLength = 16384 + 2048
    /// The largest ClientHello message accepted. Real ones are under 2 KiB, under 8 KiB with post-quantum shares.
    public static let maximumHandshakeLength = 65536

    /// Input accepted before the ClientHello must be complete: enough for a 64 KiB ClientHello cut into records of
    /// a few hundred bytes, small enough that a hostile peer cannot trickle bytes forever.
    public let maximumBytes: Int
    private var pending: [UInt8] = []
    private var handshakeBytes: [UInt8] = []
    /// The version field of the first TLS record, once one has been framed.
    private var recordVersion: UInt16?
    private var bytesSeen = 0
    public private(set) var verdict: Verdict = .needMoreBytes

    public init(maximumBytes: Int = 131_072) {
        self.maximumBytes = maximumBytes
    }

    @discardableResult
    public mutating func consume<Bytes: Sequence>(_ bytes: Bytes) -> Verdict where Bytes.Element == UInt8 {
        guard verdict == .needMoreBytes else { return verdict }
        let before = pending.count
        pending.append(contentsOf: bytes)
        bytesSeen += pending.count - before
        verdict = evaluate()
        if verdict != .needMoreBytes {
            pending = []
            handshakeBytes = []
        }
        return verdict
    }

    private mutating func evaluate() -> Verdict {
        if recordVersion == nil {
            guard let first = pending.first else { return .needMoreBytes }
            if first & 0x80 != 0 { return evaluateSSLv2() }
            // A TLS client's first record is a handshake record: 0x16, then major version 0x03.
            guard first == 22, pending.count < 2 || pending[1] == 0x03 else {
                return .notTLS(prefix: Array(pending.prefix(512)))
            }
        }
        // Walk the complete records with a cursor and drop them from `pending` once, so a chunk of many small
        // records costs linear time.
        var offset = 0
        defer { pending.removeFirst(min(offset, pending.count)) }
        while true {
            let available = pending.count - offset
            guard available >= 5 else { return needMore() }
            let type = pending[offset], major = pending[offset + 1], minor = pending[offset + 2]
            guard type == 22 else { return .malformed("record type \(type) inside the ClientHello") }
            guard major == 0x03 else { return .malformed("record version \(major).\(minor)") }
            let length = Int(pending[offset + 3]) << 8 | Int(pending[offset + 4])
            guard length <= Self.maximumRecordLength else { return .malformed("record length \(length)") }
            // RFC 8446 section 5.1: no zero-length handshake fragments. Refusing them also bounds the loop.
            guard length > 0 else { return .malformed("empty handshake record") }
            guard available >= 5 + length else { return needMore() }
            if recordVersion == nil { recordVersion = UInt16(major) << 8 | UInt16(minor) }
            handshakeBytes.append(contentsOf: pending[(offset + 5)..<(offset + 5 + length)])
            offset += 5 + length
            guard handshakeBytes[0] == 1 else {
                return .malformed("handshake message type \(handshakeBytes[0]) instead of ClientHello")
            }
            guard handshakeBytes.count >= 4 else { continue }
            let messageLength = Int(handshakeBytes[1]) << 16 | Int(handshakeBytes[2]) << 8 | Int(handshakeBytes[3])
            guard messageLength <= Self.maximumHandshakeLength else {
                return .malformed("ClientHello length \(messageLength)")
            }
            if handshakeBytes.count >= 4 + messageLength {
                let body = Array(handshakeBytes[4..<(4 + messageLength)])
                do {
                    return .clientHello(try Self.parseClientHello(body, recordVersion: recordVersion ?? 0))
                } catch {
                    return .malformed(error.reason)
                }
            }
        }
    }

    private func needMore() -> Verdict {
        bytesSeen > maximumBytes
            ? .malformed("more than \(maximumBytes) bytes without a complete ClientHello") : .needMoreBytes
    }

    // MARK: - SSL 2.0 compatible ClientHello

    /// RFC 5246 appendix E.2 (and the SSL 2.0 draft): a two-byte header `0x80 | length >> 8, length & 0xFF`, then
    /// msg_type 1, version, cipher_spec_length, session_id_length, challenge_length, and the three vectors.
    private mutating func evaluateSSLv2() -> Verdict {
        // Decide only on a full header (length, msg_type, version) so the verdict does not depend on how the
        // bytes were cut. The version is 0x0002 (SSL 2.0) or 0x03xx (SSL 3.0 and TLS from a v2-compatible client).
        guard pending.count >= 5 else { return needMore() }
        guard pending[2] == 1, pending[3] == 0x03 || (pending[3] == 0x00 && pending[4] == 0x02) else {
            return .notTLS(prefix: Array(pending.prefix(512)))
        }
        let length = Int(pending[0] & 0x7F) << 8 | Int(pending[1])
        guard length <= Self.maximumRecordLength else { return .malformed("SSL 2.0 record length \(length)") }
        guard pending.count >= 2 + length else { return needMore() }
        do {
            return .clientHello(try Self.parseSSLv2ClientHello(Array(pending[2..<(2 + length)])))
        } catch {
            return .malformed(error.reason)
        }
    }

    static func parseSSLv2ClientHello(_ body: [UInt8]) throws(ParseError) -> ClientHello {
        var reader = ByteReader(body)
        guard reader.skip(1), let version = reader.readUInt16(), let specsLength = reader.readUInt16(),
              let sessionIDLength = reader.readUInt16(), let challengeLength = reader.readUInt16()
        else { throw ParseError("short SSL 2.0 ClientHello") }
        guard specsLength > 0, specsLength % 3 == 0 else {
            throw ParseError("SSL 2.0 cipher spec length \(specsLength)")
        }
        guard sessionIDLength <= 32, challengeLength >= 16, challengeLength <= 32 else {
            throw ParseError("SSL 2.0 session ID length \(sessionIDLength), challenge length \(challengeLength)")
        }
        guard let specs = reader.read(Int(specsLength)), reader.skip(Int(sessionIDLength)),
              reader.skip(Int(challengeLength))
        else { throw ParseError("SSL 2.0 ClientHello vectors run past the record") }
        guard reader.isAtEnd else { throw ParseError("trailing bytes after the SSL 2.0 ClientHello") }
        var hello = ClientHello(recordVersion: 0x0002, legacyVersion: version, sessionIDLength: Int(sessionIDLength))
        hello.compressionMethods = [0]
        var index = 0
        while index + 3 <= specs.count {
            let kind = UInt32(specs[index]) << 16 | UInt32(specs[index + 1]) << 8 | UInt32(specs[index + 2])
            index += 3
            if kind <= 0xFFFF {
                hello.addCipherSuite(UInt16(kind))
            } else {
                hello.sslv2CipherSpecs.append(kind)
            }
        }
        return hello
    }

    // MARK: - TLS ClientHello

    struct ParseError: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// Parses the body of a ClientHello handshake message (after its 4-byte header). - SeeAlso: RFC 8446 4.1.2
    static func parseClientHello(_ body: [UInt8], recordVersion: UInt16) throws(ParseError) -> ClientHello {
        var reader = ByteReader(body)
        guard let legacyVersion = reader.readUInt16(), reader.skip(32) else { throw ParseError("short ClientHello") }
        guard let sessionIDLength = reader.readUInt8() else { throw ParseError("ClientHello ends before session ID") }
        guard sessionIDLength <= 32 else { throw ParseError("session ID length \(sessionIDLength)") }
        guard reader.skip(Int(sessionIDLength)) else { throw ParseError("session ID runs past the ClientHello") }
        var hello = ClientHello(recordVersion: recordVersion, legacyVersion: legacyVersion,
                                sessionIDLength: Int(sessionIDLength))

        guard let suitesLength = reader.readUInt16() else { throw ParseError("ClientHello ends before cipher suites") }
        guard suitesLength >= 2, suitesLength % 2 == 0 else { throw ParseError("cipher suites length \(suitesLength)") }
        guard let suites = reader.read(Int(suitesLength)) else {
            throw ParseError("cipher suites run past the ClientHello")
        }
        for code in codes16(suites) { hello.addCipherSuite(code) }

        guard let compressionLength = reader.readUInt8() else {
            throw ParseError("ClientHello ends before compression methods")
        }
        guard compressionLength >= 1 else { throw ParseError("no compression methods") }
        guard let compression = reader.read(Int(compressionLength)) else {
            throw ParseError("compression methods run past the ClientHello")
        }
        hello.compressionMethods = compression

        // SSL 3.0 and some TLS 1.0 clients send no extensions block at all.
        guard !reader.isAtEnd else { return hello }
        guard let extensionsLength = reader.readUInt16() else { throw ParseError("truncated extensions length") }
        guard let extensionBlock = reader.read(Int(extensionsLength)) else {
            throw ParseError("extensions run past the ClientHello")
        }
        guard reader.isAtEnd else { throw ParseError("trailing bytes after the extensions") }

        var extensions = ByteReader(extensionBlock)
        var seen: Set<UInt16> = []
        while !extensions.isAtEnd {
            guard let type = extensions.readUInt16(), let length = extensions.readUInt16() else {
                throw ParseError("truncated extension header")
            }
            guard let data = extensions.read(Int(length)) else {
                throw ParseError("extension \(TLSNames.extensionName(type)) runs past the extensions block")
            }
            if TLSNames.isGREASE(type) {
                hello.sentGREASE = true
                continue
            }
            hello.extensionTypes.append(type)
            guard seen.insert(type).inserted else { continue }
            try hello.readExtension(type: type, data: data)
        }
        return hello
    }

    static func codes16(_ bytes: [UInt8]) -> [UInt16] {
        stride(from: 0, to: bytes.count - 1, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
    }

    /// The contents of a vector with a `width`-byte length prefix that must fill `data` exactly.
    static func vector(_ data: [UInt8], lengthBytes width: Int, in name: String) throws(ParseError) -> [UInt8] {
        guard data.count >= width else { throw ParseError("\(name): truncated length") }
        let length = data.prefix(width).reduce(0) { $0 << 8 | Int($1) }
        guard length == data.count - width else {
            throw ParseError("\(name): length \(length) does not match the \(data.count - width) bytes present")
        }
        return Array(data.dropFirst(width))
    }
}

extension ClientHello {
    fileprivate mutating func addCipherSuite(_ code: UInt16) {
        switch code {
        case 0x00FF: signalsSCSV.insert(.emptyRenegotiationInfo)
        case 0x5600: signalsSCSV.insert(.fallback)
        case _ where TLSNames.isGREASE(code): sentGREASE = true
        default: cipherSuites.append(code)
        }
    }

    fileprivate mutating func readExtension(type: UInt16, data: [UInt8]) throws(ClientHelloParser.ParseError) {
        typealias Parser = ClientHelloParser
        let name = TLSNames.extensionName(type)
        switch type {
        case 0:
            // A client may send an empty server_name only in a ServerHello; tolerate it anyway.
            guard !data.isEmpty else { return }
            var names = ByteReader(try Parser.vector(data, lengthBytes: 2, in: name))
            while !names.isAtEnd {
                guard let nameType = names.readUInt8(), let length = names.readUInt16(),
                      let host = names.read(Int(length))
                else { throw .init("\(name): entry runs past the list") }
                if nameType == 0 && serverName == nil {
                    serverName = PeerText.escaped(bytes: host)
                }
            }
        case 10, 13:
            let list = try Parser.vector(data, lengthBytes: 2, in: name)
            guard list.count % 2 == 0 else { throw .init("\(name): odd length \(list.count)") }
            let codes = Parser.codes16(list)
            if codes.contains(where: TLSNames.isGREASE) { sentGREASE = true }
            let kept = codes.filter { !TLSNames.isGREASE($0) }
            if type == 10 { supportedGroups = kept } else { signatureAlgorithms = kept }
        case 16:
            var protocols = ByteReader(try Parser.vector(data, lengthBytes: 2, in: name))
            while !protocols.isAtEnd {
                guard let length = protocols.readUInt8(), let value = protocols.read(Int(length)) else {
                    throw .init("\(name): entry runs past the list")
                }
                alpn.append(PeerText.escaped(bytes: value))
            }
        case 43:
            let list = try Parser.vector(data, lengthBytes: 1, in: name)
            guard list.count % 2 == 0 else { throw .init("\(name): odd length \(list.count)") }
            supportedVersions = Parser.codes16(list)
            if supportedVersions.contains(where: TLSNames.isGREASE) { sentGREASE = true }
        default:
            break
        }
    }
}

/// What a TLS client offers in its ClientHello. - SeeAlso: ``ClientHelloParser``
public struct ClientHello: Sendable, Equatable {
    /// The signalling cipher suite values a client can put among its cipher suites.
    public struct SignalingSuites: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// TLS_EMPTY_RENEGOTIATION_INFO_SCSV (0x00FF): the client supports secure renegotiation. - SeeAlso: RFC 5746
        public static let emptyRenegotiationInfo = SignalingSuites(rawValue: 1)
        /// TLS_FALLBACK_SCSV (0x5600): this is a retry at a lower version after a failed handshake. - SeeAlso: RFC 7507
        public static let fallback = SignalingSuites(rawValue: 2)
    }

    /// The version field of the first TLS record (often `0x0301` whatever the client offers), or `0x0002` for an
    /// SSL 2.0 compatible ClientHello.
    public var recordVersion: UInt16
    /// ClientHello.legacy_version (`client_version` before TLS 1.3): the highest version the client offers when it
    /// sends no supported_versions extension; `0x0303` from every TLS 1.3 client.
    public var legacyVersion: UInt16
    public var sessionIDLength: Int
    /// The cipher suites in the client's order, without GREASE values and without the signalling values, which are
    /// in ``signalsSCSV``.
    public var cipherSuites: [UInt16]
    public var signalsSCSV: SignalingSuites
    public var compressionMethods: [UInt8]
    /// Extension types in the order sent, without GREASE values.
    public var extensionTypes: [UInt16]
    /// server_name (extension 0): the first `host_name` entry.
    public var serverName: String?
    /// application_layer_protocol_negotiation (extension 16), in the client's order.
    public var alpn: [String]
    /// supported_groups (extension 10), without GREASE values.
    public var supportedGroups: [UInt16]
    /// signature_algorithms (extension 13), without GREASE values.
    public var signatureAlgorithms: [UInt16]
    /// supported_versions (extension 43) exactly as sent, GREASE values included; empty when absent.
    public var supportedVersions: [UInt16]
    /// Whether the client put GREASE values (RFC 8701) anywhere: a mark of BoringSSL-based clients (Chrome, Android).
    public var sentGREASE: Bool
    /// SSL 2.0-only cipher kinds (3-byte values with a non-zero first byte) from an SSL 2.0 compatible ClientHello.
    public var sslv2CipherSpecs: [UInt32]

    public init(recordVersion: UInt16, legacyVersion: UInt16, sessionIDLength: Int = 0, cipherSuites: [UInt16] = [],
                signalsSCSV: SignalingSuites = [], compressionMethods: [UInt8] = [0], extensionTypes: [UInt16] = [],
                serverName: String? = nil, alpn: [String] = [], supportedGroups: [UInt16] = [],
                signatureAlgorithms: [UInt16] = [], supportedVersions: [UInt16] = [], sentGREASE: Bool = false,
                sslv2CipherSpecs: [UInt32] = []) {
        self.recordVersion = recordVersion
        self.legacyVersion = legacyVersion
        self.sessionIDLength = sessionIDLength
        self.cipherSuites = cipherSuites
        self.signalsSCSV = signalsSCSV
        self.compressionMethods = compressionMethods
        self.extensionTypes = extensionTypes
        self.serverName = serverName
        self.alpn = alpn
        self.supportedGroups = supportedGroups
        self.signatureAlgorithms = signatureAlgorithms
        self.supportedVersions = supportedVersions
        self.sentGREASE = sentGREASE
        self.sslv2CipherSpecs = sslv2CipherSpecs
    }

    /// True for an SSL 2.0 compatible ClientHello (RFC 5246 appendix E.2).
    public var isSSLv2Format: Bool { recordVersion == 0x0002 }

    /// True when the client listed its versions in supported_versions: ``offeredVersions`` is then exactly what it
    /// offers. False when only legacy_version is known: then the client offers *at most* ``maximumVersion``, and
    /// which older versions it would still accept cannot be told from the ClientHello.
    public var offeredVersionsAreExact: Bool { supportedVersions.contains { !TLSNames.isGREASE($0) } }

    /// The TLS versions the client offers, oldest first. From supported_versions when present (GREASE and versions
    /// outside TLS 1.0-1.3, e.g. SSL 3.0 or TLS 1.3 drafts, left out); otherwise every version from TLS 1.0 up to
    /// legacy_version, capped at TLS 1.2 because without supported_versions TLS 1.3 cannot be negotiated
    /// (RFC 8446 section 4.2.1). In that case the minimum is a guess: see ``offeredVersionsAreExact``.
    public var offeredVersions: [TLSVersion] {
        if offeredVersionsAreExact {
            return Set(supportedVersions.compactMap(TLSVersion.init(wireValue:))).sorted()
        }
        let ceiling = min(legacyVersion, TLSVersion.tls12.wireValue)
        return TLSVersion.allCases.filter { $0.wireValue <= ceiling }
    }

    /// The highest TLS version offered, or nil when the client offers none (SSL 2.0 or SSL 3.0 only).
    public var maximumVersion: TLSVersion? { offeredVersions.max() }

    public var cipherSuiteNames: [String] { cipherSuites.map { CipherSuite(code: $0).ianaName } }
    public var supportedGroupNames: [String] { supportedGroups.map(TLSNames.group) }
    public var signatureAlgorithmNames: [String] { signatureAlgorithms.map(TLSNames.signatureScheme) }
    public var extensionNames: [String] { extensionTypes.map(TLSNames.extensionName) }
}
