/// Builds the raw ClientHello `check --deep` sends to learn which suites a server accepts, without completing the
/// handshake. It follows what the mature scanners learned about intolerant servers: record version 0x0301, at most
/// 128 suites, `TLS_EMPTY_RENEGOTIATION_INFO_SCSV` appended, signature_algorithms only from TLS 1.2, a non-empty
/// last extension, and a padding extension that keeps the handshake out of the 256-511 byte range some servers hang
/// on.
/// - SeeAlso: RFC 8446 section 4.1.2, RFC 5246 section 7.4.1.2, RFC 7685 (padding), RFC 5746 (SCSV)
public enum ClientHelloBuilder {
    public static let maximumSuites = 128
    static let renegotiationSCSV: UInt16 = 0x00FF

    /// Groups offered in supported_groups: X25519, P-256, P-384, P-521, then the RFC 7919 FFDHE groups.
    public static let groups: [UInt16] = [0x001D, 0x0017, 0x0018, 0x0019, 0x001E, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104]

    /// The names of the groups in supported_groups (RFC 8446 4.2.7, RFC 7919).
    public static func groupName(_ group: UInt16) -> String {
        switch group {
        case 0x001D: "x25519"
        case 0x001E: "x448"
        case 0x0017: "secp256r1"
        case 0x0018: "secp384r1"
        case 0x0019: "secp521r1"
        case 0x0100: "ffdhe2048"
        case 0x0101: "ffdhe3072"
        case 0x0102: "ffdhe4096"
        case 0x0103: "ffdhe6144"
        case 0x0104: "ffdhe8192"
        default: "0x" + String(group, radix: 16, uppercase: true)
        }
    }

    static let signatureAlgorithms: [UInt16] = [
        0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0807, 0x0203, 0x0201,
    ]

    /// A ClientHello record for `version` offering `suites` (at most 128), with SNI when `serverName` is a name,
    /// and 32 bytes of `random` (the client random; TLS 1.3's key share is derived from it).
    /// `groups` replaces the supported groups; `keyShare: false` sends TLS 1.3's key_share empty, so a server that
    /// supports one of the groups answers with a HelloRetryRequest naming it (the group scan).
    public static func hello(version: TLSVersion, suites: [UInt16], serverName: String?, random: [UInt8],
                             groups: [UInt16] = ClientHelloBuilder.groups, keyShare: Bool = true,
                             compression: [UInt8] = [0], fallback: Bool = false) -> [UInt8] {
        precondition(random.count == 32 && suites.count <= maximumSuites)
        var body: [UInt8] = []
        body.append(uint16: min(version, .tls12).wireValue)
        body += random
        // TLS 1.3 middlebox compatibility: a 32-byte session id; none before.
        if version == .tls13 {
            body.append(32)
            body += random.reversed()
        } else {
            body.append(0)
        }
        body += suiteList(suites + (fallback ? [fallbackSCSV] : []))
        body.append(UInt8(compression.count))
        body += compression  // null only, unless the compression probe offers DEFLATE first

        var extensions: [UInt8] = []
        if let serverName, isHostName(serverName) {
            let name = Array(serverName.utf8)
            var list: [UInt8] = [0]
            list.append(uint16: UInt16(name.count))
            list += name
            var data: [UInt8] = []
            data.append(uint16: UInt16(list.count))
            data += list
            extensions.append(extension: 0, data)
        }
        // status_request (OCSP stapling): a server that will staple says so in its ServerHello before TLS 1.3.
        extensions.append(extension: 5, [1, 0, 0, 0, 0])
        // Before TLS 1.3, no FFDHE groups: RFC 7919 lets a server whose DH parameters are its own refuse every DHE
        // suite to a client that names only FFDHE groups it lacks (GnuTLS does), which would hide those suites and
        // their weak primes. OpenSSL's client and sslyze name none there either.
        let listed = version < .tls13 ? groups.filter { $0 & 0xFF00 != 0x0100 } : groups
        var groupList: [UInt8] = []
        groupList.append(uint16: UInt16(listed.count * 2))
        for group in listed { groupList.append(uint16: group) }
        extensions.append(extension: 10, groupList)
        if version >= .tls12 {
            var algorithms: [UInt8] = []
            algorithms.append(uint16: UInt16(signatureAlgorithms.count * 2))
            for algorithm in signatureAlgorithms { algorithms.append(uint16: algorithm) }
            extensions.append(extension: 13, algorithms)
        }
        if version == .tls13 {
            extensions.append(extension: 43, [2, 0x03, 0x04])
            extensions.append(extension: 45, [1, 1])  // psk_key_exchange_modes: psk_dhe_ke
            // key_share: X25519 with 32 bytes from the random (any 32 bytes are a valid X25519 public value).
            var share: [UInt8] = []
            if keyShare {
                share.append(uint16: 0x001D)
                share.append(uint16: 32)
                share += random.map { $0 ^ 0x5A }
            }
            var shares: [UInt8] = []
            shares.append(uint16: UInt16(share.count))
            shares += share
            extensions.append(extension: 51, shares)
        }
        extensions.append(extension: 11, [1, 0])  // ec_point_formats: uncompressed (non-empty)

        // The handshake message is 4 + body + 2 + extensions bytes; keep it out of 256...511 with RFC 7685 padding.
        let unpadded = 4 + body.count + 2 + extensions.count
        if (256...511).contains(unpadded) {
            let padding = max(1, 512 - unpadded - 4)
            extensions.append(extension: 21, [UInt8](repeating: 0, count: padding))
        }
        body.append(uint16: UInt16(extensions.count))
        body += extensions
        return record(version: 0x0301, clientHello: body)
    }

    /// The offered suites as a cipher_suites vector, the renegotiation SCSV last (RFC 5746).
    static func suiteList(_ suites: [UInt16]) -> [UInt8] {
        var list: [UInt8] = []
        list.append(uint16: UInt16((suites.count + 1) * 2))
        for suite in suites + [renegotiationSCSV] { list.append(uint16: suite) }
        return list
    }

    /// A ClientHello body in its handshake header and one handshake record of `version`.
    static func record(version: UInt16, clientHello body: [UInt8]) -> [UInt8] {
        var handshake: [UInt8] = [1, UInt8(body.count >> 16 & 0xFF), UInt8(body.count >> 8 & 0xFF), UInt8(body.count & 0xFF)]
        handshake += body
        var record: [UInt8] = [22]
        record.append(uint16: version)
        record.append(uint16: UInt16(handshake.count))
        return record + handshake
    }

    /// TLS_FALLBACK_SCSV (RFC 7507): a client retrying with a lower version says so; a server that supports a higher
    /// version must answer `inappropriate_fallback`.
    public static let fallbackSCSV: UInt16 = 0x5600

    /// An SSL 3.0 ClientHello: record and client version 0x0300, no extensions (SSL 3.0 has none).
    public static func sslv3Hello(suites: [UInt16], random: [UInt8]) -> [UInt8] {
        precondition(random.count == 32 && suites.count <= maximumSuites)
        let body: [UInt8] = [0x03, 0x00] + random + [0] + suiteList(suites) + [1, 0]
        return record(version: 0x0300, clientHello: body)
    }

    /// An SSL 2.0 CLIENT-HELLO offering SSL 2.0's seven cipher kinds (the one-hello SSLv2 test).
    public static func sslv2Hello(challenge: [UInt8]) -> [UInt8] {
        precondition(challenge.count == 16)
        let specs: [UInt8] = [0x01, 0x00, 0x80, 0x02, 0x00, 0x80, 0x03, 0x00, 0x80, 0x04, 0x00, 0x80,
                              0x05, 0x00, 0x80, 0x06, 0x00, 0x40, 0x07, 0x00, 0xC0]
        var body: [UInt8] = [0x01, 0x00, 0x02]
        body.append(uint16: UInt16(specs.count))
        body.append(uint16: 0)
        body.append(uint16: UInt16(challenge.count))
        body += specs + challenge
        return [0x80 | UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body
    }

    /// Whether the first bytes of an answer are an SSL 2.0 SERVER-HELLO (a two-byte header with the high bit set,
    /// then message type 4).
    public static func isSSLv2ServerHello(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 3 && bytes[0] & 0x80 != 0 && bytes[2] == 0x04
    }

    /// SNI carries host names only, never an IP address literal (RFC 6066 section 3).
    static func isHostName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 253, !name.contains(":") else { return false }
        return !name.split(separator: ".").allSatisfy { $0.allSatisfy(\.isNumber) }
    }
}

extension [UInt8] {
    fileprivate mutating func append(uint16 value: UInt16) {
        append(UInt8(value >> 8))
        append(UInt8(value & 0xFF))
    }

    fileprivate mutating func append(extension type: UInt16, _ data: [UInt8]) {
        append(uint16: type)
        append(uint16: UInt16(data.count))
        self += data
    }
}
