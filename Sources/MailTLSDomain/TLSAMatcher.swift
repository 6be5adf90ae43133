import Crypto
import SwiftASN1
import MailTLSDNS
import X509

/// Applies TLSA records to a presented chain the way an SMTP sender does.
/// - SeeAlso: RFC 7672 section 3.1 (only DANE-TA(2) and DANE-EE(3) count for SMTP), RFC 6698 section 2.1
public enum TLSAMatcher {
    public struct Result: Sendable, Equatable {
        public var record: TLSARecord
        /// False for PKIX-TA(0) and PKIX-EE(1), and for unknown selectors or matching types.
        public var usable: Bool
        /// The index in the presented chain the record matched (0 = leaf), if any.
        public var matchedCertificate: Int?
    }

    public static func apply(_ records: [TLSARecord], toChain chain: [[UInt8]]) -> [Result] {
        records.map { record in
            guard isUsable(record) else { return Result(record: record, usable: false, matchedCertificate: nil) }
            // DANE-EE matches the leaf only; DANE-TA any certificate the server sent (RFC 7671 section 5.2.2).
            let candidates = record.usage == 3 ? Array(chain.prefix(1).enumerated()) : Array(chain.enumerated())
            let match = candidates.first { _, der in matches(record, certificateDER: der) }
            return Result(record: record, usable: true, matchedCertificate: match?.offset)
        }
    }

    /// DANE-TA(2) or DANE-EE(3), with a selector and matching type this matcher knows.
    public static func isUsable(_ record: TLSARecord) -> Bool {
        (record.usage == 2 || record.usage == 3) && record.selector <= 1 && record.matchingType <= 2
    }

    static func matches(_ record: TLSARecord, certificateDER: [UInt8]) -> Bool {
        let selected: [UInt8]
        if record.selector == 0 {
            selected = certificateDER
        } else {
            guard let spki = SubjectPublicKeyInfoReader.bytes(ofCertificate: certificateDER) else { return false }
            selected = spki
        }
        switch record.matchingType {
        case 0: return selected == record.data
        case 1: return Array(SHA256.hash(data: selected)) == record.data
        case 2: return Array(SHA512.hash(data: selected)) == record.data
        default: return false
        }
    }
}

/// Digests as TLSA records write them.
public enum TLSADigest {
    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        TLSARecord.hex(SHA256.hash(data: bytes))
    }
}

/// The SubjectPublicKeyInfo exactly as the certificate carries it. swift-certificates re-encodes public keys (an RSA
/// key loses its NULL algorithm parameters), and TLSA selector 1 hashes the original bytes.
public enum SubjectPublicKeyInfoReader {
    public static func bytes(ofCertificate der: [UInt8]) -> [UInt8]? {
        guard let root = try? DER.parse(der), case .constructed(let certificate) = root.content,
              let tbs = certificate.first(where: { _ in true }), case .constructed(let fields) = tbs.content
        else { return nil }
        var children = Array(fields)
        // version [0] EXPLICIT is optional.
        if let first = children.first, first.identifier.tagClass == .contextSpecific { children.removeFirst() }
        // serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo
        guard children.count >= 6 else { return nil }
        return Array(children[5].encodedBytes)
    }
}
