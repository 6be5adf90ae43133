import Foundation
import MailTLSCheck
import MailTLSCore

@testable import MailTLSWatch

/// Snapshots built by hand: the facts a probe would record, without a server.
enum WatchFixtures {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    static let key = PortKey(target: "mx", address: "192.0.2.1", port: 587)

    static func certificate(_ fingerprint: String = "aa", issuer: String = "CN=R11", notAfterDays: Double = 60,
                            verified: Bool = true, keyBits: Int = 2048) -> PortSnapshot.CertificateFacts {
        PortSnapshot.CertificateFacts(sha256Fingerprint: fingerprint, subject: "CN=mail.example.com", issuer: issuer,
                                      notBefore: start.addingTimeInterval(-30 * 86400),
                                      notAfter: start.addingTimeInterval(notAfterDays * 86400), keyType: "RSA",
                                      keyBits: keyBits, trusted: verified, hostnameMatches: true)
    }

    static func snapshot(at offset: Double = 0, state: PortState = .open,
                         security: ObservedSecurity = .startTLSRequired,
                         versions: [TLSVersion] = [.tls12, .tls13], certificate: PortSnapshot.CertificateFacts? = certificate(),
                         findings: [PortSnapshot.FindingFact] = []) -> PortSnapshot {
        PortSnapshot(key: key, checkedAt: start.addingTimeInterval(offset), mailProtocol: .smtp, state: state,
                     security: security, versions: state == .open ? versions : [],
                     cipher: state == .open ? "TLS_AES_128_GCM_SHA256" : nil,
                     certificate: state == .open ? certificate : nil, findings: findings)
    }

    static func finding(_ id: FindingID, _ severity: Severity, _ evidence: String = "") -> PortSnapshot.FindingFact {
        PortSnapshot.FindingFact(id: id, severity: severity, evidence: .data(evidence))
    }
}
