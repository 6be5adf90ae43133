import MailTLSCore
import Crypto
import Foundation
import SwiftASN1
import X509

/// Reads what a report needs from a certificate that swift-certificates refuses to parse (it rejects RSA keys under
/// 2048 bits, exactly the weak certificates a checker must report). Walks the DER by hand: names, validity, key size,
/// signature algorithm and subjectAltName. Trust cannot be judged from it.
/// - SeeAlso: RFC 5280 section 4.1
enum LenientCertificateReader {
    struct Reading {
        var summary: CertificateSummary
        var dnsNames: [String]
        var ipAddresses: [String]
        var commonName: String?
    }

    static func read(_ der: [UInt8]) -> Reading? {
        guard let root = try? DER.parse(der), case .constructed(let parts) = root.content else { return nil }
        let certificate = Array(parts)
        guard certificate.count == 3, case .constructed(let tbsParts) = certificate[0].content else { return nil }
        var fields = Array(tbsParts)
        if let first = fields.first, first.identifier.tagClass == .contextSpecific { fields.removeFirst() }
        // serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, [extensions]
        guard fields.count >= 6,
              let issuer = try? DistinguishedName(derEncoded: fields[2]),
              let subject = try? DistinguishedName(derEncoded: fields[4]),
              case .constructed(let validityParts) = fields[3].content
        else { return nil }
        let validity = Array(validityParts)
        guard validity.count == 2, let notBefore = date(validity[0]), let notAfter = date(validity[1]) else {
            return nil
        }
        let key = keyDescription(fields[5])
        let signature = signatureName(certificate[1])
        var dns: [String] = []
        var ip: [String] = []
        if let extensionsNode = fields.dropFirst(6).first(where: {
            $0.identifier.tagClass == .contextSpecific && $0.identifier.tagNumber == 3
        }), let names = alternativeNames(extensionsNode) {
            dns = names.dns
            ip = names.ip
        }
        let summary = CertificateSummary(
            subject: subject.description.peerSafe, issuer: issuer.description.peerSafe,
            subjectAlternativeNames: (dns + ip).map(\.peerSafe),
            notBefore: notBefore, notAfter: notAfter, keyType: key.type, keyBits: key.bits,
            signatureAlgorithm: signature, isSelfSigned: subject == issuer,
            sha256Fingerprint: SHA256.hash(data: der).map { String(format: "%02X", $0) }.joined(separator: ":"))
        var commonName: String?
        for rdn in subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                commonName = attribute.value.description
            }
        }
        return Reading(summary: summary, dnsNames: dns, ipAddresses: ip, commonName: commonName)
    }

    static func date(_ node: ASN1Node) -> Date? {
        var components = DateComponents()
        components.timeZone = TimeZone(identifier: "UTC")
        if let time = try? UTCTime(derEncoded: node) {
            (components.year, components.month, components.day) = (time.year, time.month, time.day)
            (components.hour, components.minute, components.second) = (time.hours, time.minutes, time.seconds)
        } else if let time = try? GeneralizedTime(derEncoded: node) {
            (components.year, components.month, components.day) = (time.year, time.month, time.day)
            (components.hour, components.minute, components.second) = (time.hours, time.minutes, time.seconds)
        } else {
            return nil
        }
        return Calendar(identifier: .gregorian).date(from: components)
    }

    /// RSA modulus size from the SPKI bit string; EC curve from the parameters.
    static func keyDescription(_ spki: ASN1Node) -> (type: String, bits: Int?) {
        guard case .constructed(let parts) = spki.content else { return ("unknown", nil) }
        let nodes = Array(parts)
        guard nodes.count == 2, case .constructed(let algorithmParts) = nodes[0].content,
              let algorithm = Array(algorithmParts).first.flatMap({ try? ASN1ObjectIdentifier(derEncoded: $0) })
        else { return ("unknown", nil) }
        switch algorithm.description {
        case "1.2.840.113549.1.1.1":
            guard let bits = try? ASN1BitString(derEncoded: nodes[1]),
                  let rsaKey = try? DER.parse(Array(bits.bytes)), case .constructed(let numbers) = rsaKey.content,
                  let modulus = Array(numbers).first, case .primitive(let bytes) = modulus.content
            else { return ("RSA", nil) }
            let significant = bytes.drop { $0 == 0 }
            let leading = significant.first.map { 8 - $0.leadingZeroBitCount } ?? 0
            return ("RSA", max(0, (significant.count - 1) * 8 + leading))
        case "1.2.840.10045.2.1":
            let curve = Array(algorithmParts).dropFirst().first.flatMap { try? ASN1ObjectIdentifier(derEncoded: $0) }
            switch curve?.description {
            case "1.2.840.10045.3.1.7": return ("EC P-256", 256)
            case "1.3.132.0.34": return ("EC P-384", 384)
            case "1.3.132.0.35": return ("EC P-521", 521)
            case "1.2.840.10045.3.1.1": return ("EC P-192", 192)
            default: return ("EC", nil)
            }
        case "1.3.101.112": return ("Ed25519", 256)
        default: return (algorithm.description, nil)
        }
    }

    static let signatureNames: [String: String] = [
        "1.2.840.113549.1.1.4": "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5": "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.11": "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12": "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13": "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.10": "rsassaPss",
        "1.2.840.10045.4.1": "ecdsaWithSHA1",
        "1.2.840.10045.4.3.2": "ecdsaWithSHA256",
        "1.2.840.10045.4.3.3": "ecdsaWithSHA384",
        "1.2.840.10045.4.3.4": "ecdsaWithSHA512",
        "1.3.101.112": "ed25519",
    ]

    static func signatureName(_ node: ASN1Node) -> String {
        guard case .constructed(let parts) = node.content,
              let oid = Array(parts).first.flatMap({ try? ASN1ObjectIdentifier(derEncoded: $0) })
        else { return "unknown" }
        return signatureNames[oid.description] ?? oid.description
    }

    static func alternativeNames(_ extensionsNode: ASN1Node) -> (dns: [String], ip: [String])? {
        guard case .constructed(let wrapper) = extensionsNode.content, let sequence = Array(wrapper).first,
              case .constructed(let extensions) = sequence.content
        else { return nil }
        for node in extensions {
            guard case .constructed(let fields) = node.content else { continue }
            let parts = Array(fields)
            guard let oid = parts.first.flatMap({ try? ASN1ObjectIdentifier(derEncoded: $0) }),
                  oid == .X509ExtensionID.subjectAlternativeName,
                  let value = parts.last.flatMap({ try? ASN1OctetString(derEncoded: $0) })
            else { continue }
            let critical = parts.count == 3 && ((try? Bool(derEncoded: parts[1])) ?? false)
            let ext = Certificate.Extension(oid: oid, critical: critical, value: value.bytes)
            guard let names = try? SubjectAlternativeNames(ext) else { return nil }
            var dns: [String] = []
            var ip: [String] = []
            for name in names {
                switch name {
                case .dnsName(let value): dns.append(value)
                case .ipAddress(let octets): ip.append(CertificateAnalyzer.ipString(Array(octets.bytes)))
                default: continue
                }
            }
            return (dns, ip)
        }
        return nil
    }
}
