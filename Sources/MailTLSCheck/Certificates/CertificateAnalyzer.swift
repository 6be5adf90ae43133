import MailTLSCore
import _CryptoExtras
import Crypto
import Foundation
import SwiftASN1
@_spi(DisableValidityCheck) import X509

/// Turns a presented chain (DER, leaf first) into a `CertificateReport`: expiry, trust, name, key and signature.
///
/// Trust is judged apart from expiry: the path is built with every validity check off, so an expired but otherwise
/// sound certificate is reported as expired, not also as untrusted (even when its issuer was renewed after it
/// expired). The issuers on the path found are then held to today: an expired intermediate is its own finding.
///
/// Path building is bounded by what the server can send: a "mesh" of keys that all sign each other under one name
/// would otherwise make it try every ordering (57 certificates took minutes). Only `maximumPresented` certificates
/// are read, duplicates dropped, at most two per subject and key, at most `maximumIntermediates` in the pool.
public struct CertificateAnalyzer: Sendable {
    public let anchors: TrustAnchors
    public let now: Date

    /// More than any real chain has (leaf, two intermediates, a cross-sign): the rest is not read.
    static let maximumPresented = 10
    static let maximumIntermediates = 6

    public init(anchors: TrustAnchors, now: Date = Date()) {
        self.anchors = anchors
        self.now = now
    }

    public func analyse(presentedChain fullChain: [[UInt8]], checkedName: String) async -> CertificateReport? {
        let presentedChain = Array(fullChain.prefix(CertificateAnalyzer.maximumPresented))
        let certificates = presentedChain.compactMap { try? Certificate(derEncoded: $0) }
        guard let leaf = certificates.first, certificates.count == presentedChain.count else {
            return analyseLeniently(presentedChain: presentedChain, checkedName: checkedName)
        }
        let summaries = zip(certificates, presentedChain).map { CertificateAnalyzer.summary(of: $0, der: $1) }
        let leafSummary = summaries[0]

        let names = CertificateAnalyzer.names(of: leaf)
        let matches = HostnameMatcher.matches(reference: checkedName, dnsNames: names.dns, ipAddresses: names.ip,
                                              commonName: CertificateAnalyzer.commonName(of: leaf))

        var verifier = Verifier(rootCertificates: anchors.store) { RFC5280Policy.withValidityCheckDisabled() }
        let result = await verifier.validate(
            leaf: leaf, intermediates: CertificateStore(CertificateAnalyzer.intermediatePool(certificates)))
        var trusted = false
        var failure: TrustFailure?
        switch result {
        case .validCertificate(let path):
            trusted = true
            if let stale = path.dropFirst().first(where: { now < $0.notValidBefore || now > $0.notValidAfter }) {
                trusted = false
                failure = .issuerOutsideValidity(subject: stale.subject.description.peerSafe, notBefore: stale.notValidBefore,
                                                 notAfter: stale.notValidAfter)
            }
        case .couldNotValidate(let failures):
            failure = diagnose(certificates: certificates, leafIsSelfSigned: leafSummary.isSelfSigned,
                               reason: failures.isEmpty ? "no path to a trusted root"
                                   : "the path breaks a rule of RFC 5280 (CA flag, path length or name constraints)")
        }

        let (weakKeys, weakSignatures) = CertificateAnalyzer.weaknesses(of: summaries)

        let secondsLeft = leaf.notValidAfter.timeIntervalSince(now)
        return CertificateReport(
            leaf: leafSummary, chain: summaries,
            daysLeft: Int((secondsLeft / 86400).rounded(.down)),
            isExpired: now > leaf.notValidAfter, isNotYetValid: now < leaf.notValidBefore,
            isTrusted: trusted, trustFailure: failure, checkedName: checkedName, hostnameMatches: matches,
            weakKeys: weakKeys, weakSignatures: weakSignatures)
    }

    /// What path building may use besides the leaf: exact duplicates dropped, at most two certificates per subject
    /// and key (a cross-sign and its original), at most `maximumIntermediates` in all. Each step of a path then has
    /// at most two candidates, so the search stays small whatever the server sends.
    static func intermediatePool(_ certificates: [Certificate]) -> [Certificate] {
        struct Identity: Hashable {
            let subject: DistinguishedName
            let key: Certificate.PublicKey
        }
        var pool: [Certificate] = []
        var perSubjectAndKey: [Identity: Int] = [:]
        for certificate in certificates.dropFirst() where !pool.contains(certificate) && certificate != certificates[0] {
            let identity = Identity(subject: certificate.subject, key: certificate.publicKey)
            guard perSubjectAndKey[identity, default: 0] < 2 else { continue }
            perSubjectAndKey[identity, default: 0] += 1
            pool.append(certificate)
            if pool.count == maximumIntermediates { break }
        }
        return pool
    }

    /// A chain swift-certificates will not parse (an RSA key under 2048 bits, an unusual encoding): still report
    /// names, dates, keys and signatures, and say why trust could not be judged.
    private func analyseLeniently(presentedChain: [[UInt8]], checkedName: String) -> CertificateReport? {
        let readings = presentedChain.map(LenientCertificateReader.read)
        guard let leafReading = readings.first ?? nil else { return nil }
        let summaries = readings.compactMap { $0?.summary }
        let leaf = leafReading.summary
        let (weakKeys, weakSignatures) = CertificateAnalyzer.weaknesses(of: summaries)
        let matches = HostnameMatcher.matches(reference: checkedName, dnsNames: leafReading.dnsNames,
                                              ipAddresses: leafReading.ipAddresses,
                                              commonName: leafReading.commonName)
        // Trust is not judged (it cannot be); the weak key or signature is the finding.
        return CertificateReport(
            leaf: leaf, chain: summaries,
            daysLeft: Int((leaf.notAfter.timeIntervalSince(now) / 86400).rounded(.down)),
            isExpired: now > leaf.notAfter, isNotYetValid: now < leaf.notBefore, isTrusted: false,
            trustFailure: leaf.isSelfSigned ? .selfSigned : nil, checkedName: checkedName,
            hostnameMatches: matches, weakKeys: weakKeys, weakSignatures: weakSignatures)
    }

    /// RSA keys under 2048 bits, EC keys under 256 bits, and SHA-1 or MD5 signatures on anything but a root.
    static func weaknesses(of summaries: [CertificateSummary])
        -> (keys: [CertificateWeakness], signatures: [CertificateWeakness]) {
        var keys: [CertificateWeakness] = []
        var signatures: [CertificateWeakness] = []
        for (index, summary) in summaries.enumerated() {
            if let bits = summary.keyBits,
               summary.keyType == "RSA" && bits < 2048 || summary.keyType.hasPrefix("EC") && bits < 256 {
                keys.append(CertificateWeakness(index: index, .key(type: summary.keyType, bits: bits)))
            }
            let isRoot = summary.isSelfSigned && index > 0
            let algorithm = summary.signatureAlgorithm.lowercased()
            if !isRoot && (algorithm.contains("sha1") || algorithm.contains("md5")) {
                signatures.append(CertificateWeakness(index: index, .signature(algorithm: summary.signatureAlgorithm)))
            }
        }
        return (keys, signatures)
    }

    /// Names the most useful cause for a failed validation.
    private func diagnose(certificates: [Certificate], leafIsSelfSigned: Bool, reason: String) -> TrustFailure {
        if leafIsSelfSigned { return .selfSigned }
        // Follow issuer names through what the server sent.
        var current = certificates[0]
        var seen = 1
        while seen < certificates.count,
              let issuer = certificates.first(where: { $0.subject == current.issuer && $0 != current }) {
            current = issuer
            seen += 1
        }
        if CertificateAnalyzer.isSelfSigned(current) {
            return .unknownRoot(issuer: current.subject.description.peerSafe)
        }
        let issuerKnown = anchors.rootSubjects.contains(current.issuer)
        if issuerKnown { return .invalid(reason) }
        if certificates.count == 1 { return .incompleteChain(missingIssuer: current.issuer.description.peerSafe) }
        return .unknownRoot(issuer: current.issuer.description.peerSafe)
    }

    static func summary(of certificate: Certificate, der: [UInt8]) -> CertificateSummary {
        let names = self.names(of: certificate)
        let key = keyDescription(certificate.publicKey)
        // Subjects and names are the peer's text: escaped here, once, for every report that shows them.
        return CertificateSummary(
            subject: certificate.subject.description.peerSafe, issuer: certificate.issuer.description.peerSafe,
            subjectAlternativeNames: (names.dns + names.ip).map(\.peerSafe), notBefore: certificate.notValidBefore,
            notAfter: certificate.notValidAfter, keyType: key.type, keyBits: key.bits,
            signatureAlgorithm: signatureName(certificate.signatureAlgorithm),
            isSelfSigned: isSelfSigned(certificate),
            sha256Fingerprint: SHA256.hash(data: der).map { String(format: "%02X", $0) }.joined(separator: ":"))
    }

    static func isSelfSigned(_ certificate: Certificate) -> Bool {
        certificate.subject == certificate.issuer
            && certificate.publicKey.isValidSignature(certificate.signature, for: certificate)
    }

    static func names(of certificate: Certificate) -> (dns: [String], ip: [String]) {
        var dns: [String] = []
        var ip: [String] = []
        guard let alternativeNames = try? certificate.extensions.subjectAlternativeNames else { return ([], []) }
        for name in alternativeNames {
            switch name {
            case .dnsName(let value): dns.append(value)
            case .ipAddress(let octets): ip.append(ipString(Array(octets.bytes)))
            default: continue
            }
        }
        return (dns, ip)
    }

    static func commonName(of certificate: Certificate) -> String? {
        for rdn in certificate.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                return attribute.value.description
            }
        }
        return nil
    }

    static func ipString(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        guard bytes.count == 16 else { return bytes.map { String(format: "%02x", $0) }.joined() }
        var groups: [String] = []
        for index in stride(from: 0, to: 16, by: 2) {
            groups.append(String(UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]), radix: 16))
        }
        return groups.joined(separator: ":")
    }

    static func keyDescription(_ key: Certificate.PublicKey) -> (type: String, bits: Int?) {
        if let rsa = _RSA.Signing.PublicKey(key) { return ("RSA", rsa.keySizeInBits) }
        if P256.Signing.PublicKey(key) != nil { return ("EC P-256", 256) }
        if P384.Signing.PublicKey(key) != nil { return ("EC P-384", 384) }
        if P521.Signing.PublicKey(key) != nil { return ("EC P-521", 521) }
        if Curve25519.Signing.PublicKey(key) != nil { return ("Ed25519", 256) }
        return ("unknown", nil)
    }

    static func signatureName(_ algorithm: Certificate.SignatureAlgorithm) -> String {
        let text = algorithm.description
        if text.hasPrefix("SignatureAlgorithm."), !text.contains("(") {
            return String(text.dropFirst("SignatureAlgorithm.".count))
        }
        return text
    }
}
