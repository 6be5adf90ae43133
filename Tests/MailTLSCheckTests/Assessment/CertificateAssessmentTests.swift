import Foundation
import Testing

@testable import MailTLSCheck

/// The certificate rules every command shares: what is wrong, in which order, and what a validating client refuses.
@Suite struct CertificateAssessmentTests {
    static let now = Date(timeIntervalSince1970: 1_796_000_000)

    static func report(daysLeft: Int = 200, expired: Bool = false, notYetValid: Bool = false, trusted: Bool = true,
                       failure: TrustFailure? = nil, matches: Bool = true, weakKeys: [CertificateWeakness] = [],
                       weakSignatures: [CertificateWeakness] = []) -> CertificateReport {
        let leaf = CertificateSummary(subject: "CN=mail.example.com", issuer: "CN=Example CA",
                                      subjectAlternativeNames: ["mail.example.com"],
                                      notBefore: now.addingTimeInterval(-86400 * 100),
                                      notAfter: now.addingTimeInterval(Double(daysLeft) * 86400 + 3600),
                                      keyType: "RSA", keyBits: 2048, signatureAlgorithm: "SHA256withRSA",
                                      isSelfSigned: failure == .selfSigned, sha256Fingerprint: "00")
        return CertificateReport(leaf: leaf, chain: [leaf], daysLeft: daysLeft, isExpired: expired,
                                 isNotYetValid: notYetValid, isTrusted: trusted && failure == nil, trustFailure: failure,
                                 checkedName: "mail.example.com", hostnameMatches: matches, weakKeys: weakKeys,
                                 weakSignatures: weakSignatures)
    }

    @Test func aGoodCertificateHasNoProblem() {
        #expect(CertificateAssessment.problems(of: Self.report()).isEmpty)
        #expect(CertificateAssessment.refusal(of: Self.report()) == nil)
    }

    /// "N days or fewer left": the same boundary for check and domain.
    @Test func expiringSoonIncludesTheThresholdDay() {
        #expect(CertificateAssessment.problems(of: Self.report(daysLeft: 30), warnDays: 30).map(\.key) == ["expiring-soon"])
        #expect(CertificateAssessment.problems(of: Self.report(daysLeft: 31), warnDays: 30).isEmpty)
        // A warning, not a refusal.
        #expect(CertificateAssessment.refusal(of: Self.report(daysLeft: 3)) == nil)
    }

    /// Validity, then self-signed, then the name, then the rest of trust: the order devices check in.
    @Test func refusalFollowsTheDevicesOrder() {
        let everything = Self.report(daysLeft: -5, expired: true, failure: .selfSigned, matches: false)
        #expect(CertificateAssessment.problems(of: everything).map(\.key) == ["expired", "name-mismatch", "self-signed"])
        #expect(CertificateAssessment.refusal(of: everything)?.key == "expired")
        let selfSignedWrongName = Self.report(failure: .selfSigned, matches: false)
        #expect(CertificateAssessment.refusal(of: selfSignedWrongName)?.key == "self-signed")
        let wrongNameUnknownRoot = Self.report(failure: .unknownRoot(issuer: "CN=Private"), matches: false)
        #expect(CertificateAssessment.refusal(of: wrongNameUnknownRoot)?.key == "name-mismatch")
        #expect(CertificateAssessment.refusal(of: Self.report(notYetValid: true))?.key == "not-yet-valid")
        #expect(CertificateAssessment.refusal(of: Self.report(failure: .incompleteChain(missingIssuer: "CN=R3")))?.key
                == "incomplete-chain")
    }

    /// A chain too weak to be read is refused for its weakness, and not also called untrusted without a reason.
    @Test func weakChainsAreRefusedForTheirWeakness() {
        let weak = Self.report(trusted: false, weakKeys: [CertificateWeakness(index: 0, .key(type: "RSA", bits: 1024))],
                               weakSignatures: [CertificateWeakness(index: 0, .signature(algorithm: "sha1WithRSAEncryption"))])
        #expect(CertificateAssessment.problems(of: weak).map(\.key) == ["weak-key", "weak-signature"])
        #expect(CertificateAssessment.refusal(of: weak)?.key == "weak-key")
        let untrustedWithoutCause = Self.report(trusted: false)
        #expect(CertificateAssessment.problems(of: untrustedWithoutCause).map(\.key) == ["untrusted"])
    }
}
