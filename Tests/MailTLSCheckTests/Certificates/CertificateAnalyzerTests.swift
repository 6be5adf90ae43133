import Crypto
import Foundation
import SwiftASN1
import Testing
import X509

@testable import MailTLSCheck

/// Certificates made at test time: a small CA builder over swift-certificates, EC P-256 for speed.
struct TestAuthority {
    let key = P256.Signing.PrivateKey()
    let name: DistinguishedName

    init(_ commonName: String) {
        name = try! DistinguishedName { CommonName(commonName) }
    }

    static let day: TimeInterval = 86_400

    /// A certificate for `subjectKey` under `subject`, signed by this authority.
    func issue(subject: DistinguishedName, key subjectKey: P256.Signing.PublicKey, isCA: Bool,
               notBefore: Date = Date().addingTimeInterval(-day), notAfter: Date = Date().addingTimeInterval(365 * day),
               dnsNames: [String] = []) throws -> Certificate {
        try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(subjectKey),
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: name, subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {}.withBasicConstraints(isCA: isCA, dnsNames: dnsNames),
            issuerPrivateKey: .init(key))
    }

    func selfSigned(notBefore: Date = Date().addingTimeInterval(-day),
                    notAfter: Date = Date().addingTimeInterval(3650 * day)) throws -> Certificate {
        try issue(subject: name, key: key.publicKey, isCA: true, notBefore: notBefore, notAfter: notAfter)
    }
}

extension Certificate.Extensions {
    /// Replaces the builder's placeholder with the real basic constraints and SANs.
    func withBasicConstraints(isCA: Bool, dnsNames: [String]) throws -> Certificate.Extensions {
        try Certificate.Extensions {
            Critical(isCA ? BasicConstraints.isCertificateAuthority(maxPathLength: nil) : .notCertificateAuthority)
            if !dnsNames.isEmpty { SubjectAlternativeNames(dnsNames.map { .dnsName($0) }) }
        }
    }
}

func der(_ certificate: Certificate) throws -> [UInt8] {
    var serializer = DER.Serializer()
    try serializer.serialize(certificate)
    return serializer.serializedBytes
}

@Suite struct CertificateAnalyzerTests {
    let now = Date()

    func anchors(_ roots: [Certificate]) throws -> TrustAnchors {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("anchors-\(UUID().uuidString).pem")
        let pem = try roots.map { try $0.serializeAsPEM().pemString }.joined(separator: "\n")
        try pem.write(to: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: path) }
        return try TrustAnchors(caFile: path.path, includeSystemRoots: false)
    }

    /// Eight keys that all sign each other under one name, 57 certificates: every ordering is a candidate path.
    /// Unbounded path building took minutes at 100 % CPU; bounded, it ends with a clear verdict.
    @Test(.timeLimit(.minutes(1)))
    func aMeshOfCrossSignedKeysIsBoundedAndUntrusted() async throws {
        let keys = (0..<8).map { _ in P256.Signing.PrivateKey() }
        let meshName = try DistinguishedName { CommonName("mesh CA") }
        func sign(_ subjectKey: P256.Signing.PublicKey, by signer: P256.Signing.PrivateKey, subject: DistinguishedName,
                  isCA: Bool, dnsNames: [String] = []) throws -> Certificate {
            try Certificate(
                version: .v3, serialNumber: .init(), publicKey: .init(subjectKey),
                notValidBefore: now.addingTimeInterval(-TestAuthority.day),
                notValidAfter: now.addingTimeInterval(365 * TestAuthority.day), issuer: meshName, subject: subject,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {}.withBasicConstraints(isCA: isCA, dnsNames: dnsNames),
                issuerPrivateKey: .init(signer))
        }
        var chain = [try der(sign(P256.Signing.PrivateKey().publicKey, by: keys[0],
                                  subject: try DistinguishedName { CommonName("mail.example.test") }, isCA: false,
                                  dnsNames: ["mail.example.test"]))]
        for subjectKey in keys {
            for signer in keys where signer.publicKey.rawRepresentation != subjectKey.publicKey.rawRepresentation {
                chain.append(try der(sign(subjectKey.publicKey, by: signer, subject: meshName, isCA: true)))
            }
        }
        #expect(chain.count == 57)
        let analyzer = CertificateAnalyzer(anchors: try anchors([try TestAuthority("unrelated root").selfSigned()]),
                                           now: now)
        let report = try #require(await analyzer.analyse(presentedChain: chain, checkedName: "mail.example.test"))
        #expect(!report.isTrusted)
        #expect(report.trustFailure != nil)
        #expect(report.hostnameMatches)
    }

    /// An expired leaf whose issuing CA was renewed after the leaf expired: expired, and nothing more. Judging trust
    /// at a moment inside the leaf's validity would call the renewed CA "not yet valid" and the chain untrusted.
    @Test func anExpiredLeafUnderARenewedIssuerIsOnlyExpired() async throws {
        let root = TestAuthority("test root")
        let intermediate = TestAuthority("test intermediate")
        let leafKey = P256.Signing.PrivateKey()
        let leaf = try intermediate.issue(
            subject: try DistinguishedName { CommonName("mail.example.test") }, key: leafKey.publicKey, isCA: false,
            notBefore: now.addingTimeInterval(-400 * TestAuthority.day),
            notAfter: now.addingTimeInterval(-30 * TestAuthority.day), dnsNames: ["mail.example.test"])
        // The intermediate as renewed last week: valid only after the leaf had expired.
        let renewed = try root.issue(subject: intermediate.name, key: intermediate.key.publicKey, isCA: true,
                                     notBefore: now.addingTimeInterval(-7 * TestAuthority.day))
        let analyzer = CertificateAnalyzer(anchors: try anchors([try root.selfSigned()]), now: now)
        let report = try #require(await analyzer.analyse(presentedChain: [try der(leaf), try der(renewed)],
                                                         checkedName: "mail.example.test"))
        #expect(report.isExpired)
        #expect(report.isTrusted, "\(String(describing: report.trustFailure))")
        #expect(report.trustFailure == nil)
    }

    /// An expired intermediate on the path is a trust failure of its own, with its dates.
    @Test func anExpiredIntermediateIsNamed() async throws {
        let root = TestAuthority("test root")
        let intermediate = TestAuthority("old intermediate")
        let leafKey = P256.Signing.PrivateKey()
        let leaf = try intermediate.issue(
            subject: try DistinguishedName { CommonName("mail.example.test") }, key: leafKey.publicKey, isCA: false,
            dnsNames: ["mail.example.test"])
        let expired = try root.issue(subject: intermediate.name, key: intermediate.key.publicKey, isCA: true,
                                     notBefore: now.addingTimeInterval(-800 * TestAuthority.day),
                                     notAfter: now.addingTimeInterval(-2 * TestAuthority.day))
        let analyzer = CertificateAnalyzer(anchors: try anchors([try root.selfSigned()]), now: now)
        let report = try #require(await analyzer.analyse(presentedChain: [try der(leaf), try der(expired)],
                                                         checkedName: "mail.example.test"))
        #expect(!report.isExpired)
        #expect(!report.isTrusted)
        guard case .issuerOutsideValidity(let subject, _, _)? = report.trustFailure else {
            Issue.record("\(String(describing: report.trustFailure))")
            return
        }
        #expect(subject.contains("old intermediate"))
    }

    @Test func aSoundChainIsTrusted() async throws {
        let root = TestAuthority("test root")
        let intermediate = TestAuthority("test intermediate")
        let leaf = try intermediate.issue(
            subject: try DistinguishedName { CommonName("mail.example.test") }, key: P256.Signing.PrivateKey().publicKey,
            isCA: false, dnsNames: ["mail.example.test"])
        let issued = try root.issue(subject: intermediate.name, key: intermediate.key.publicKey, isCA: true)
        let analyzer = CertificateAnalyzer(anchors: try anchors([try root.selfSigned()]), now: now)
        let report = try #require(await analyzer.analyse(presentedChain: [try der(leaf), try der(issued)],
                                                         checkedName: "mail.example.test"))
        #expect(report.isTrusted && !report.isExpired && report.hostnameMatches)
    }
}
