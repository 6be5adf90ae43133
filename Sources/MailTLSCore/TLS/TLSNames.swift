/// Names for the TLS code points a ClientHello carries: named groups, signature schemes and extension types.
/// Names follow the IANA TLS parameters registries; an unknown code is rendered `0xNNNN`, a GREASE value
/// (RFC 8701: `0x?A?A` with equal bytes) `GREASE(0xNNNN)`.
/// - SeeAlso: https://www.iana.org/assignments/tls-parameters, RFC 8446 section 4.2, RFC 8701
public enum TLSNames {
    /// The name of a `supported_groups` (formerly `elliptic_curves`) entry, e.g. `x25519`, `X25519MLKEM768`.
    public static func group(_ code: UInt16) -> String {
        groups[code] ?? fallback(code)
    }

    /// The name of a `signature_algorithms` entry, e.g. `rsa_pss_rsae_sha256`. Code points that RFC 8446 calls
    /// obsolete are TLS 1.2 (hash, signature) pairs from RFC 5246 section 7.4.1.4.1; they are named
    /// `<signature>_<hash>` the way OpenSSL and Wireshark name them, e.g. `0x0301` is `rsa_pkcs1_sha224`.
    public static func signatureScheme(_ code: UInt16) -> String {
        if let name = signatureSchemes[code] { return name }
        let hash = code >> 8
        let signature = code & 0xFF
        if (1...6).contains(hash), (1...3).contains(signature) {
            let hashes = ["md5", "sha1", "sha224", "sha256", "sha384", "sha512"]
            let signatures = ["rsa_pkcs1", "dsa", "ecdsa"]
            return signatures[Int(signature) - 1] + "_" + hashes[Int(hash) - 1]
        }
        return fallback(code)
    }

    /// The name of an extension type, e.g. `server_name`, `supported_versions`.
    public static func extensionName(_ code: UInt16) -> String {
        extensions[code] ?? fallback(code)
    }

    /// GREASE values (RFC 8701) are `0x0A0A`, `0x1A1A`, ... `0xFAFA`: clients sprinkle them into cipher suites,
    /// extensions, groups and versions to keep servers tolerant of unknown values.
    public static func isGREASE(_ code: UInt16) -> Bool {
        code & 0x0F0F == 0x0A0A && code >> 8 == code & 0xFF
    }

    static func hex(_ code: UInt16) -> String {
        "0x" + String(code, radix: 16, uppercase: true).leftPadded(to: 4)
    }

    private static func fallback(_ code: UInt16) -> String {
        isGREASE(code) ? "GREASE(\(hex(code)))" : hex(code)
    }

    /// IANA "TLS Supported Groups". - SeeAlso: RFC 8422, RFC 7919, RFC 8734, RFC 8998, draft-ietf-tls-ecdhe-mlkem
    static let groups: [UInt16: String] = [
        0x0001: "sect163k1", 0x0002: "sect163r1", 0x0003: "sect163r2", 0x0004: "sect193r1", 0x0005: "sect193r2",
        0x0006: "sect233k1", 0x0007: "sect233r1", 0x0008: "sect239k1", 0x0009: "sect283k1", 0x000A: "sect283r1",
        0x000B: "sect409k1", 0x000C: "sect409r1", 0x000D: "sect571k1", 0x000E: "sect571r1",
        0x000F: "secp160k1", 0x0010: "secp160r1", 0x0011: "secp160r2", 0x0012: "secp192k1", 0x0013: "secp192r1",
        0x0014: "secp224k1", 0x0015: "secp224r1", 0x0016: "secp256k1",
        0x0017: "secp256r1", 0x0018: "secp384r1", 0x0019: "secp521r1",
        0x001A: "brainpoolP256r1", 0x001B: "brainpoolP384r1", 0x001C: "brainpoolP512r1",
        0x001D: "x25519", 0x001E: "x448",
        0x001F: "brainpoolP256r1tls13", 0x0020: "brainpoolP384r1tls13", 0x0021: "brainpoolP512r1tls13",
        0x0029: "curveSM2",
        0x0100: "ffdhe2048", 0x0101: "ffdhe3072", 0x0102: "ffdhe4096", 0x0103: "ffdhe6144", 0x0104: "ffdhe8192",
        0x0200: "MLKEM512", 0x0201: "MLKEM768", 0x0202: "MLKEM1024",
        0x11EB: "SecP256r1MLKEM768", 0x11EC: "X25519MLKEM768", 0x11ED: "SecP384r1MLKEM1024",
        // Pre-standard hybrid that Chrome and Firefox shipped in 2023-2024 (draft-tls-westerbaan-xyber768d00).
        0x6399: "X25519Kyber768Draft00",
        0xFF01: "arbitrary_explicit_prime_curves", 0xFF02: "arbitrary_explicit_char2_curves",
    ]

    /// IANA "TLS SignatureScheme". - SeeAlso: RFC 8446 section 4.2.3, RFC 8734
    static let signatureSchemes: [UInt16: String] = [
        0x0201: "rsa_pkcs1_sha1", 0x0203: "ecdsa_sha1",
        0x0401: "rsa_pkcs1_sha256", 0x0501: "rsa_pkcs1_sha384", 0x0601: "rsa_pkcs1_sha512",
        0x0403: "ecdsa_secp256r1_sha256", 0x0503: "ecdsa_secp384r1_sha384", 0x0603: "ecdsa_secp521r1_sha512",
        0x0804: "rsa_pss_rsae_sha256", 0x0805: "rsa_pss_rsae_sha384", 0x0806: "rsa_pss_rsae_sha512",
        0x0807: "ed25519", 0x0808: "ed448",
        0x0809: "rsa_pss_pss_sha256", 0x080A: "rsa_pss_pss_sha384", 0x080B: "rsa_pss_pss_sha512",
        0x081A: "ecdsa_brainpoolP256r1tls13_sha256", 0x081B: "ecdsa_brainpoolP384r1tls13_sha384",
        0x081C: "ecdsa_brainpoolP512r1tls13_sha512",
    ]

    /// IANA "TLS ExtensionType Values", plus a few unregistered code points real clients send (marked).
    static let extensions: [UInt16: String] = [
        0: "server_name", 1: "max_fragment_length", 2: "client_certificate_url", 3: "trusted_ca_keys",
        4: "truncated_hmac", 5: "status_request", 6: "user_mapping", 7: "client_authz", 8: "server_authz",
        9: "cert_type", 10: "supported_groups", 11: "ec_point_formats", 12: "srp", 13: "signature_algorithms",
        14: "use_srtp", 15: "heartbeat", 16: "application_layer_protocol_negotiation", 17: "status_request_v2",
        18: "signed_certificate_timestamp", 19: "client_certificate_type", 20: "server_certificate_type",
        21: "padding", 22: "encrypt_then_mac", 23: "extended_master_secret", 24: "token_binding",
        25: "cached_info", 27: "compress_certificate", 28: "record_size_limit", 34: "delegated_credential",
        35: "session_ticket", 41: "pre_shared_key", 42: "early_data", 43: "supported_versions", 44: "cookie",
        45: "psk_key_exchange_modes", 47: "certificate_authorities", 48: "oid_filters", 49: "post_handshake_auth",
        50: "signature_algorithms_cert", 51: "key_share", 52: "transparency_info", 54: "connection_id",
        55: "external_id_hash", 56: "external_session_id", 57: "quic_transport_parameters", 58: "ticket_request",
        59: "dnssec_chain",
        0xFD00: "ech_outer_extensions", 0xFE0D: "encrypted_client_hello", 0xFF01: "renegotiation_info",
        // Not IANA-registered, but seen in the wild:
        0x3374: "next_protocol_negotiation",  // draft-agl-tls-nextprotoneg, old Chrome/OpenSSL 1.0
        0x4469: "application_settings",  // draft-vvv-tls-alps, BoringSSL
        0x7550: "channel_id",  // draft-balfanz-tls-channelid, old Chrome
    ]
}
