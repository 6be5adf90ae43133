/// A TLS cipher suite by its IANA code point, with the IANA and OpenSSL names people search for.
public struct CipherSuite: Sendable, Hashable, Codable {
    public let code: UInt16

    public init(code: UInt16) { self.code = code }

    /// The IANA name, e.g. `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`, or `0xNNNN` for an unknown code.
    public var ianaName: String { CipherSuite.names[code]?.iana ?? CipherSuiteRegistry.suite(code)?.ianaName ?? hexCode }
    /// The OpenSSL name, e.g. `ECDHE-RSA-AES128-GCM-SHA256`, when one exists.
    public var openSSLName: String? { CipherSuite.names[code]?.openSSL ?? CipherSuiteRegistry.suite(code)?.openSSLName }
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

    static let names: [UInt16: (iana: String, openSSL: String?)] = [
        0x000A: ("TLS_RSA_WITH_3DES_EDE_CBC_SHA", "DES-CBC3-SHA"),
        0x002F: ("TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA"),
        0x0035: ("TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA"),
        0x003C: ("TLS_RSA_WITH_AES_128_CBC_SHA256", "AES128-SHA256"),
        0x003D: ("TLS_RSA_WITH_AES_256_CBC_SHA256", "AES256-SHA256"),
        0x0033: ("TLS_DHE_RSA_WITH_AES_128_CBC_SHA", "DHE-RSA-AES128-SHA"),
        0x0039: ("TLS_DHE_RSA_WITH_AES_256_CBC_SHA", "DHE-RSA-AES256-SHA"),
        0x0067: ("TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", "DHE-RSA-AES128-SHA256"),
        0x006B: ("TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", "DHE-RSA-AES256-SHA256"),
        0x008C: ("TLS_PSK_WITH_AES_128_CBC_SHA", "PSK-AES128-CBC-SHA"),
        0x008D: ("TLS_PSK_WITH_AES_256_CBC_SHA", "PSK-AES256-CBC-SHA"),
        0x009C: ("TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256"),
        0x009D: ("TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384"),
        0x009E: ("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "DHE-RSA-AES128-GCM-SHA256"),
        0x009F: ("TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "DHE-RSA-AES256-GCM-SHA384"),
        0x1301: ("TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256"),
        0x1302: ("TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384"),
        0x1303: ("TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256"),
        0x1304: ("TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_SHA256"),
        0xC009: ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"),
        0xC00A: ("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA"),
        0xC011: ("TLS_ECDHE_RSA_WITH_RC4_128_SHA", "ECDHE-RSA-RC4-SHA"),
        0xC012: ("TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "ECDHE-RSA-DES-CBC3-SHA"),
        0xC013: ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA"),
        0xC014: ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA"),
        0xC023: ("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "ECDHE-ECDSA-AES128-SHA256"),
        0xC024: ("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "ECDHE-ECDSA-AES256-SHA384"),
        0xC027: ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE-RSA-AES128-SHA256"),
        0xC028: ("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "ECDHE-RSA-AES256-SHA384"),
        0xC02B: ("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"),
        0xC02C: ("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"),
        0xC02F: ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"),
        0xC030: ("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"),
        0xC035: ("TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA", "ECDHE-PSK-AES128-CBC-SHA"),
        0xC036: ("TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA", "ECDHE-PSK-AES256-CBC-SHA"),
        0xCCA8: ("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"),
        0xCCA9: ("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"),
        0xCCAA: ("TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "DHE-RSA-CHACHA20-POLY1305"),
        0xCCAC: ("TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-PSK-CHACHA20-POLY1305"),
        // Added for ClientHello reports: what OpenSSL 3, curl, Python, Java and old embedded stacks offer.
        // IANA names from the TLS Cipher Suites registry; OpenSSL names as `openssl ciphers -stdname` prints them,
        // or as the last OpenSSL release that had the suite (1.0.2) printed them.
        0x0001: ("TLS_RSA_WITH_NULL_MD5", "NULL-MD5"),
        0x0002: ("TLS_RSA_WITH_NULL_SHA", "NULL-SHA"),
        0x0003: ("TLS_RSA_EXPORT_WITH_RC4_40_MD5", "EXP-RC4-MD5"),
        0x0004: ("TLS_RSA_WITH_RC4_128_MD5", "RC4-MD5"),
        0x0005: ("TLS_RSA_WITH_RC4_128_SHA", "RC4-SHA"),
        0x0006: ("TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5", "EXP-RC2-CBC-MD5"),
        0x0007: ("TLS_RSA_WITH_IDEA_CBC_SHA", "IDEA-CBC-SHA"),
        0x0008: ("TLS_RSA_EXPORT_WITH_DES40_CBC_SHA", "EXP-DES-CBC-SHA"),
        0x0009: ("TLS_RSA_WITH_DES_CBC_SHA", "DES-CBC-SHA"),
        0x0011: ("TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA", "EXP-EDH-DSS-DES-CBC-SHA"),
        0x0012: ("TLS_DHE_DSS_WITH_DES_CBC_SHA", "EDH-DSS-DES-CBC-SHA"),
        0x0013: ("TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA", "DHE-DSS-DES-CBC3-SHA"),
        0x0014: ("TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA", "EXP-EDH-RSA-DES-CBC-SHA"),
        0x0015: ("TLS_DHE_RSA_WITH_DES_CBC_SHA", "EDH-RSA-DES-CBC-SHA"),
        0x0016: ("TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA", "DHE-RSA-DES-CBC3-SHA"),
        0x0032: ("TLS_DHE_DSS_WITH_AES_128_CBC_SHA", "DHE-DSS-AES128-SHA"),
        0x0038: ("TLS_DHE_DSS_WITH_AES_256_CBC_SHA", "DHE-DSS-AES256-SHA"),
        0x003B: ("TLS_RSA_WITH_NULL_SHA256", "NULL-SHA256"),
        0x0040: ("TLS_DHE_DSS_WITH_AES_128_CBC_SHA256", "DHE-DSS-AES128-SHA256"),
        0x0041: ("TLS_RSA_WITH_CAMELLIA_128_CBC_SHA", "CAMELLIA128-SHA"),
        0x0044: ("TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA", "DHE-DSS-CAMELLIA128-SHA"),
        0x0045: ("TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA", "DHE-RSA-CAMELLIA128-SHA"),
        0x006A: ("TLS_DHE_DSS_WITH_AES_256_CBC_SHA256", "DHE-DSS-AES256-SHA256"),
        0x0084: ("TLS_RSA_WITH_CAMELLIA_256_CBC_SHA", "CAMELLIA256-SHA"),
        0x0087: ("TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA", "DHE-DSS-CAMELLIA256-SHA"),
        0x0088: ("TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA", "DHE-RSA-CAMELLIA256-SHA"),
        0x0096: ("TLS_RSA_WITH_SEED_CBC_SHA", "SEED-SHA"),
        0x0099: ("TLS_DHE_DSS_WITH_SEED_CBC_SHA", "DHE-DSS-SEED-SHA"),
        0x009A: ("TLS_DHE_RSA_WITH_SEED_CBC_SHA", "DHE-RSA-SEED-SHA"),
        0x00A2: ("TLS_DHE_DSS_WITH_AES_128_GCM_SHA256", "DHE-DSS-AES128-GCM-SHA256"),
        0x00A3: ("TLS_DHE_DSS_WITH_AES_256_GCM_SHA384", "DHE-DSS-AES256-GCM-SHA384"),
        0x00BA: ("TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256", "CAMELLIA128-SHA256"),
        0x00BD: ("TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256", "DHE-DSS-CAMELLIA128-SHA256"),
        0x00BE: ("TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256", "DHE-RSA-CAMELLIA128-SHA256"),
        0x00C0: ("TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256", "CAMELLIA256-SHA256"),
        0x00C3: ("TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256", "DHE-DSS-CAMELLIA256-SHA256"),
        0x00C4: ("TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256", "DHE-RSA-CAMELLIA256-SHA256"),
        // Signalling values, not real suites (RFC 5746, RFC 7507).
        0x00FF: ("TLS_EMPTY_RENEGOTIATION_INFO_SCSV", nil),
        0x5600: ("TLS_FALLBACK_SCSV", nil),
        0x1305: ("TLS_AES_128_CCM_8_SHA256", "TLS_AES_128_CCM_8_SHA256"),
        // Static ECDH (no forward secrecy), still offered by old Java clients.
        0xC002: ("TLS_ECDH_ECDSA_WITH_RC4_128_SHA", "ECDH-ECDSA-RC4-SHA"),
        0xC003: ("TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA", "ECDH-ECDSA-DES-CBC3-SHA"),
        0xC004: ("TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA", "ECDH-ECDSA-AES128-SHA"),
        0xC005: ("TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA", "ECDH-ECDSA-AES256-SHA"),
        0xC007: ("TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", "ECDHE-ECDSA-RC4-SHA"),
        0xC008: ("TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA", "ECDHE-ECDSA-DES-CBC3-SHA"),
        0xC00C: ("TLS_ECDH_RSA_WITH_RC4_128_SHA", "ECDH-RSA-RC4-SHA"),
        0xC00D: ("TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA", "ECDH-RSA-DES-CBC3-SHA"),
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
        // ARIA (RFC 6209) and CAMELLIA with ECDHE (RFC 6367).
        0xC050: ("TLS_RSA_WITH_ARIA_128_GCM_SHA256", "ARIA128-GCM-SHA256"),
        0xC051: ("TLS_RSA_WITH_ARIA_256_GCM_SHA384", "ARIA256-GCM-SHA384"),
        0xC052: ("TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256", "DHE-RSA-ARIA128-GCM-SHA256"),
        0xC053: ("TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384", "DHE-RSA-ARIA256-GCM-SHA384"),
        0xC05C: ("TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256", "ECDHE-ECDSA-ARIA128-GCM-SHA256"),
        0xC05D: ("TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384", "ECDHE-ECDSA-ARIA256-GCM-SHA384"),
        0xC060: ("TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256", "ECDHE-ARIA128-GCM-SHA256"),
        0xC061: ("TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384", "ECDHE-ARIA256-GCM-SHA384"),
        0xC072: ("TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256", "ECDHE-ECDSA-CAMELLIA128-SHA256"),
        0xC073: ("TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384", "ECDHE-ECDSA-CAMELLIA256-SHA384"),
        0xC076: ("TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256", "ECDHE-RSA-CAMELLIA128-SHA256"),
        0xC077: ("TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384", "ECDHE-RSA-CAMELLIA256-SHA384"),
        // AES-CCM (RFC 6655, RFC 7251).
        0xC09C: ("TLS_RSA_WITH_AES_128_CCM", "AES128-CCM"),
        0xC09D: ("TLS_RSA_WITH_AES_256_CCM", "AES256-CCM"),
        0xC09E: ("TLS_DHE_RSA_WITH_AES_128_CCM", "DHE-RSA-AES128-CCM"),
        0xC09F: ("TLS_DHE_RSA_WITH_AES_256_CCM", "DHE-RSA-AES256-CCM"),
        0xC0A0: ("TLS_RSA_WITH_AES_128_CCM_8", "AES128-CCM8"),
        0xC0A1: ("TLS_RSA_WITH_AES_256_CCM_8", "AES256-CCM8"),
        0xC0A2: ("TLS_DHE_RSA_WITH_AES_128_CCM_8", "DHE-RSA-AES128-CCM8"),
        0xC0A3: ("TLS_DHE_RSA_WITH_AES_256_CCM_8", "DHE-RSA-AES256-CCM8"),
        0xC0A4: ("TLS_PSK_WITH_AES_128_CCM", "PSK-AES128-CCM"),
        0xC0A5: ("TLS_PSK_WITH_AES_256_CCM", "PSK-AES256-CCM"),
        0xC0A6: ("TLS_DHE_PSK_WITH_AES_128_CCM", "DHE-PSK-AES128-CCM"),
        0xC0A7: ("TLS_DHE_PSK_WITH_AES_256_CCM", "DHE-PSK-AES256-CCM"),
        0xC0A8: ("TLS_PSK_WITH_AES_128_CCM_8", "PSK-AES128-CCM8"),
        0xC0A9: ("TLS_PSK_WITH_AES_256_CCM_8", "PSK-AES256-CCM8"),
        0xC0AA: ("TLS_PSK_DHE_WITH_AES_128_CCM_8", "DHE-PSK-AES128-CCM8"),
        0xC0AB: ("TLS_PSK_DHE_WITH_AES_256_CCM_8", "DHE-PSK-AES256-CCM8"),
        0xC0AC: ("TLS_ECDHE_ECDSA_WITH_AES_128_CCM", "ECDHE-ECDSA-AES128-CCM"),
        0xC0AD: ("TLS_ECDHE_ECDSA_WITH_AES_256_CCM", "ECDHE-ECDSA-AES256-CCM"),
        0xC0AE: ("TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8", "ECDHE-ECDSA-AES128-CCM8"),
        0xC0AF: ("TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8", "ECDHE-ECDSA-AES256-CCM8"),
    ]
}

/// TLS alert descriptions worth naming in a report. - SeeAlso: RFC 8446 section 6
public enum TLSAlertDescription {
    public static func name(_ code: UInt8) -> String {
        switch code {
        case 0: "close_notify"
        case 10: "unexpected_message"
        case 20: "bad_record_mac"
        case 40: "handshake_failure"
        case 42: "bad_certificate"
        case 47: "illegal_parameter"
        case 50: "decode_error"
        case 70: "protocol_version"
        case 71: "insufficient_security"
        case 80: "internal_error"
        case 86: "inappropriate_fallback"
        case 109: "missing_extension"
        case 112: "unrecognized_name"
        case 120: "no_application_protocol"
        default: "alert_\(code)"
        }
    }
}
