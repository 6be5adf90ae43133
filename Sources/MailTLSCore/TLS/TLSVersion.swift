/// TLS protocol versions mailtls tells apart.
public enum TLSVersion: String, Sendable, Codable, CaseIterable, Comparable {
    case tls10 = "TLSv1.0"
    case tls11 = "TLSv1.1"
    case tls12 = "TLSv1.2"
    case tls13 = "TLSv1.3"

    public init?(wireValue: UInt16) {
        switch wireValue {
        case 0x0301: self = .tls10
        case 0x0302: self = .tls11
        case 0x0303: self = .tls12
        case 0x0304: self = .tls13
        default: return nil
        }
    }

    public var wireValue: UInt16 {
        switch self {
        case .tls10: 0x0301
        case .tls11: 0x0302
        case .tls12: 0x0303
        case .tls13: 0x0304
        }
    }

    /// "TLS 1.2", as people and the Japanese glossary write it (`rawValue` keeps OpenSSL's "TLSv1.2" for JSON).
    public var displayName: String { "TLS " + rawValue.dropFirst(4) }

    /// TLS 1.0 and 1.1 are deprecated. - SeeAlso: RFC 8996, RFC 8997
    public var isDeprecated: Bool { self < .tls12 }

    public static func < (lhs: TLSVersion, rhs: TLSVersion) -> Bool { lhs.wireValue < rhs.wireValue }

    /// Parses `1.2`, `tls1.2`, `TLSv1.2`.
    public init?(userText: String) {
        let text = userText.lowercased().replacingOccurrences(of: "tlsv", with: "").replacingOccurrences(of: "tls", with: "")
        switch text {
        case "1.0", "1": self = .tls10
        case "1.1": self = .tls11
        case "1.2": self = .tls12
        case "1.3": self = .tls13
        default: return nil
        }
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
