import Foundation

/// One certificate as a person reads it.
public struct CertificateSummary: Sendable, Codable, Equatable {
    public var subject: String
    public var issuer: String
    public var subjectAlternativeNames: [String]
    public var notBefore: Date
    public var notAfter: Date
    /// `RSA`, `EC P-256`, `Ed25519`.
    public var keyType: String
    public var keyBits: Int?
    public var signatureAlgorithm: String
    public var isSelfSigned: Bool
    public var sha256Fingerprint: String
}

/// Why a chain is not trusted, most specific cause first.
public enum TrustFailure: Sendable, Codable, Hashable {
    case selfSigned
    /// The server did not send the intermediate that issued its certificate.
    case incompleteChain(missingIssuer: String)
    /// The chain ends at a root that is not in the trust store (system roots or `--ca-file`).
    case unknownRoot(issuer: String)
    /// An intermediate or root on the only path to a trusted root is expired or not yet valid.
    case issuerOutsideValidity(subject: String, notBefore: Date, notAfter: Date)
    /// The chain is broken for another reason (bad signature, wrong key usage, a CA flag missing).
    case invalid(String)

    /// A stable identifier, for JSON and finding parameters.
    public var key: String {
        switch self {
        case .selfSigned: "self-signed"
        case .incompleteChain: "incomplete-chain"
        case .unknownRoot: "unknown-root"
        case .issuerOutsideValidity: "issuer-expired"
        case .invalid: "invalid"
        }
    }

    /// The evidence in a few words (names are quoted as the certificate has them).
    public var evidence: String {
        switch self {
        case .selfSigned: "self-signed"
        case .incompleteChain(let missing): "missing issuer \(missing)"
        case .unknownRoot(let issuer): "unknown root \(issuer)"
        case .issuerOutsideValidity(let subject, let notBefore, let notAfter):
            "issuer \(subject) valid \(ISO8601.format(notBefore)) to \(ISO8601.format(notAfter))"
        case .invalid(let reason): reason
        }
    }
}

/// What the presented chain means for a client that connects with the given host name.
public struct CertificateReport: Sendable, Codable, Equatable {
    public var leaf: CertificateSummary
    /// As presented, leaf first.
    public var chain: [CertificateSummary]
    public var daysLeft: Int
    public var isExpired: Bool
    public var isNotYetValid: Bool
    public var isTrusted: Bool
    public var trustFailure: TrustFailure?
    /// The name the certificate was checked against (`--servername`, else the host).
    public var checkedName: String
    public var hostnameMatches: Bool
    /// RSA under 2048 bits, EC under 256 bits, per certificate in the chain.
    public var weakKeys: [CertificateWeakness]
    /// SHA-1 or MD5 signatures on the leaf or an intermediate (a root's own signature does not matter).
    public var weakSignatures: [CertificateWeakness]

    public var chainLength: Int { chain.count }
}

/// One weak key or signature in a chain: which certificate, and what is weak about it.
public struct CertificateWeakness: Sendable, Hashable, Codable {
    /// 0 for the leaf, then the order the server sent.
    public var index: Int
    public var weakness: Weakness

    public enum Weakness: Sendable, Hashable, Codable {
        case key(type: String, bits: Int)
        case signature(algorithm: String)
    }

    public init(index: Int, _ weakness: Weakness) {
        self.index = index
        self.weakness = weakness
    }

    /// `leaf: RSA 1024 bits`, `certificate 2: sha1WithRSAEncryption`.
    public var english: String {
        let label = index == 0 ? "leaf" : "certificate \(index + 1)"
        switch weakness {
        case .key(let type, let bits): return "\(label): \(type) \(bits) bits"
        case .signature(let algorithm): return "\(label): \(algorithm)"
        }
    }
}
