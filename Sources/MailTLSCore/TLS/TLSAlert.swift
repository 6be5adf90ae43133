/// A TLS alert by its code: what a peer said when it ended a handshake (RFC 8446 section 6, RFC 5246 section 7.2).
/// Written as the RFC's name (`protocol_version`) in JSON and in English text.
public struct TLSAlert: Sendable, Hashable {
    public let code: UInt8

    public init(code: UInt8) {
        self.code = code
    }

    public static let handshakeFailure = TLSAlert(code: 40)
    public static let protocolVersion = TLSAlert(code: 70)
    public static let insufficientSecurity = TLSAlert(code: 71)

    /// The RFC's name, or `alert_N` for a code without one.
    public var name: String {
        Self.names[code] ?? "alert_\(code)"
    }

    /// From the RFC's name or `alert_N`.
    public init?(name: String) {
        if let code = Self.codes[name] {
            self.code = code
        } else if name.hasPrefix("alert_"), let code = UInt8(name.dropFirst("alert_".count)) {
            self.code = code
        } else {
            return nil
        }
    }

    /// From BoringSSL's name for an alert it received: `TLSV1_ALERT_PROTOCOL_VERSION`, `SSLV3_ALERT_HANDSHAKE_FAILURE`,
    /// `TLSV1_UNRECOGNIZED_NAME` (BoringSSL's reason codes 1000 + the alert's code).
    public init?(libraryReason reason: String) {
        for prefix in ["SSLV3_ALERT_", "TLSV1_ALERT_", "TLSV1_"] where reason.hasPrefix(prefix) {
            let name = reason.dropFirst(prefix.count).lowercased()
            if let code = Self.codes[name == "user_cancelled" ? "user_canceled" : name] {
                self.code = code
                return
            }
        }
        return nil
    }

    static let names: [UInt8: String] = [
        0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 21: "decryption_failed",
        22: "record_overflow", 30: "decompression_failure", 40: "handshake_failure", 41: "no_certificate",
        42: "bad_certificate", 43: "unsupported_certificate", 44: "certificate_revoked", 45: "certificate_expired",
        46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca", 49: "access_denied",
        50: "decode_error", 51: "decrypt_error", 60: "export_restriction", 70: "protocol_version",
        71: "insufficient_security", 80: "internal_error", 86: "inappropriate_fallback", 90: "user_canceled",
        100: "no_renegotiation", 109: "missing_extension", 110: "unsupported_extension",
        111: "certificate_unobtainable", 112: "unrecognized_name", 113: "bad_certificate_status_response",
        114: "bad_certificate_hash_value", 115: "unknown_psk_identity", 116: "certificate_required",
        120: "no_application_protocol", 121: "ech_required",
    ]
    static let codes: [String: UInt8] = Dictionary(uniqueKeysWithValues: names.map { ($0.value, $0.key) })
}

/// As its name, as reports and stored history always wrote it.
extension TLSAlert: Codable {
    public init(from decoder: Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        guard let alert = TLSAlert(name: name) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown TLS alert \(name)"))
        }
        self = alert
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}
