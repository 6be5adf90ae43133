/// A TLS cipher suite by its IANA code point, with the IANA and OpenSSL names people search for.
public struct CipherSuite: Sendable, Hashable, Codable {
    public let code: UInt16

    public init(code: UInt16) { self.code = code }

    /// The IANA name, e.g. `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`, or `0xNNNN` for an unknown code.
    public var ianaName: String { CipherSuiteRegistry.suite(code)?.ianaName ?? CipherSuite.names[code]?.iana ?? hexCode }
    /// The OpenSSL name, e.g. `ECDHE-RSA-AES128-GCM-SHA256`, when one exists.
    public var openSSLName: String? { CipherSuiteRegistry.suite(code)?.openSSLName ?? CipherSuite.names[code]?.openSSL }
    public var hexCode: String { "0x" + String(code, radix: 16, uppercase: true).leftPadded(to: 4) }

    /// Suites without forward secrecy, with CBC in MAC-then-encrypt mode, 3DES or RC4 are weak by today's rules.
    public var isWeak: Bool {
        let name = ianaName
        return name.contains("_RC4_") || name.contains("3DES") || name.contains("_NULL_") || name.contains("EXPORT")
            || name.contains("_anon_") || name.hasPrefix("TLS_RSA_") || name.hasPrefix("TLS_PSK_")
    }

    /// What is wrong with a suite, for `check --deep`'s findings.
    public enum Weakness: String, Sendable, Codable {
        /// No encryption, export-grade keys, RC4, DES or RC2: broken.
        case broken
        /// No server authentication (anonymous DH or ECDH): anyone in the path can pose as the server. Postfix
        /// offers them by default for opportunistic TLS between servers.
        case anonymous
        /// A 64-bit block cipher (3DES, IDEA): SWEET32.
        case sweet32
        /// Static RSA, DH or ECDH key exchange: no forward secrecy.
        case noForwardSecrecy = "no-forward-secrecy"
    }

    /// The worst thing about the suite, or nil for a sound one (ECDHE or DHE with AES or ChaCha20, TLS 1.3's).
    public var weakness: Weakness? {
        let name = ianaName
        let broken = ["_NULL_", "WITH_NULL", "EXPORT", "_RC4_", "_DES_CBC_", "DES40", "_RC2_"]
        if broken.contains(where: name.contains) { return .broken }
        if name.contains("_anon_") { return .anonymous }
        if name.contains("3DES") || name.contains("_IDEA_") { return .sweet32 }
        if name.hasPrefix("TLS_RSA_") || name.hasPrefix("TLS_DH_") || name.hasPrefix("TLS_ECDH_") {
            return .noForwardSecrecy
        }
        return nil
    }

    /// Names of the values ClientHello reports meet that `CipherSuiteRegistry` (what `--deep` offers) leaves out:
    /// the signalling values, SEED, and the static-ECDH suites old Java clients still offer. OpenSSL names as the
    /// last OpenSSL release that had the suite (1.0.2) printed them.
    static let names: [UInt16: (iana: String, openSSL: String?)] = [
        0x0096: ("TLS_RSA_WITH_SEED_CBC_SHA", "SEED-SHA"),
        0x0099: ("TLS_DHE_DSS_WITH_SEED_CBC_SHA", "DHE-DSS-SEED-SHA"),
        0x009A: ("TLS_DHE_RSA_WITH_SEED_CBC_SHA", "DHE-RSA-SEED-SHA"),
        // Signalling values, not real suites (RFC 5746, RFC 7507).
        0x00FF: ("TLS_EMPTY_RENEGOTIATION_INFO_SCSV", nil),
        0x5600: ("TLS_FALLBACK_SCSV", nil),
        // Static ECDH (no forward secrecy), still offered by old Java clients.
        0xC004: ("TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA", "ECDH-ECDSA-AES128-SHA"),
        0xC005: ("TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA", "ECDH-ECDSA-AES256-SHA"),
        0xC00E: ("TLS_ECDH_RSA_WITH_AES_128_CBC_SHA", "ECDH-RSA-AES128-SHA"),
        0xC00F: ("TLS_ECDH_RSA_WITH_AES_256_CBC_SHA", "ECDH-RSA-AES256-SHA"),
        0xC025: ("TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256", "ECDH-ECDSA-AES128-SHA256"),
        0xC026: ("TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384", "ECDH-ECDSA-AES256-SHA384"),
        0xC029: ("TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256", "ECDH-RSA-AES128-SHA256"),
        0xC02A: ("TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384", "ECDH-RSA-AES256-SHA384"),
        0xC02D: ("TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256", "ECDH-ECDSA-AES128-GCM-SHA256"),
        0xC02E: ("TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384", "ECDH-ECDSA-AES256-GCM-SHA384"),
        0xC031: ("TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256", "ECDH-RSA-AES128-GCM-SHA256"),
        0xC032: ("TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384", "ECDH-RSA-AES256-GCM-SHA384"),
    ]
}
