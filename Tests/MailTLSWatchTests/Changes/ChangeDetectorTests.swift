import Foundation
import MailTLSCheck
import MailTLSCore
import MailTLSDomainCheck
import Testing

@testable import MailTLSWatch

@Suite struct ChangeDetectorTests {
    typealias F = WatchFixtures

    func kinds(_ before: PortSnapshot, _ after: PortSnapshot) -> [String] {
        ChangeDetector.changes(from: before, to: after).map { "\($0.kind.rawValue)\($0.isRegression ? "!" : "")" }
    }

    @Test func theSameFactsAreNoEventHoweverOftenSeen() {
        #expect(ChangeDetector.changes(from: F.snapshot(), to: F.snapshot(at: 3600)).isEmpty)
        #expect(ChangeDetector.changes(from: nil, to: F.snapshot()).isEmpty)
        #expect(F.snapshot().sameFacts(as: F.snapshot(at: 3600)))
        #expect(!F.snapshot().sameFacts(as: F.snapshot(at: 3600, versions: [.tls12])))
    }

    @Test func strippedSTARTTLSIsAWorseSecurityAndANewFinding() {
        let stripped = F.snapshot(at: 60, security: .plaintext, versions: [], certificate: nil,
                                  findings: [F.finding(.starttlsNotSupported, .critical)])
        #expect(kinds(F.snapshot(), stripped) == ["security-changed!", "finding-appeared!"])
        #expect(kinds(stripped, F.snapshot(at: 120)) == ["security-changed", "finding-cleared"])
    }

    @Test func aDeprecatedVersionAddedOrTheBestOneRemovedIsARegression() {
        let legacy = F.snapshot(at: 60, versions: [.tls10, .tls12, .tls13])
        #expect(kinds(F.snapshot(), legacy) == ["version-added!"])
        #expect(kinds(legacy, F.snapshot(at: 120)) == ["version-removed"])
        #expect(kinds(F.snapshot(), F.snapshot(at: 60, versions: [.tls12])) == ["version-removed!"])
        #expect(kinds(F.snapshot(at: 0, versions: [.tls12]), F.snapshot(at: 60)) == ["version-added"])
    }

    @Test func aRenewedCertificateIsAChangeAndAnUnverifiedOneARegression() {
        #expect(kinds(F.snapshot(), F.snapshot(at: 60, certificate: F.certificate("bb"))) == ["certificate-changed"])
        #expect(kinds(F.snapshot(), F.snapshot(at: 60, certificate: F.certificate("bb", issuer: "CN=E5")))
                == ["certificate-changed", "issuer-changed"])
        #expect(kinds(F.snapshot(), F.snapshot(at: 60, certificate: F.certificate("bb", verified: false)))
                == ["certificate-changed!"])
        #expect(kinds(F.snapshot(), F.snapshot(at: 60, certificate: F.certificate("bb", keyBits: 1024)))
                == ["certificate-changed", "key-changed!"])
    }

    /// A port that stops answering says nothing about its TLS: one event, not a cascade.
    @Test func aLostPortIsOneEvent() {
        #expect(kinds(F.snapshot(), F.snapshot(at: 60, state: .closed)) == ["port-lost!"])
        #expect(kinds(F.snapshot(at: 60, state: .filtered), F.snapshot(at: 120)) == ["port-opened"])
        #expect(kinds(F.snapshot(at: 0, state: .closed), F.snapshot(at: 60, state: .filtered)) == [])
    }
}

@Suite struct DomainChangeTests {
    typealias F = WatchFixtures

    func domainEntry(id: String?, digest: String?, findings: [DomainFindingID] = []) -> PortSnapshot {
        var snapshot = F.snapshot(certificate: nil)
        snapshot.key = PortKey(target: "example.com", address: "example.com", port: 0)
        snapshot.sts = .init(id: id, mode: "enforce", mx: ["mx.example.com"], policyDigest: digest)
        snapshot.domainFindings = findings.map {
            .init(DomainFinding($0, .critical, subject: "example.com", evidence: .data("")), subject: "example.com")
        }
        return snapshot
    }

    /// RFC 8461: a changed policy needs a new id, or senders that cached the old one keep it.
    @Test func aPolicyChangedWithoutANewIDIsARegression() {
        let before = domainEntry(id: "20260101", digest: "aa")
        #expect(ChangeDetector.changes(from: before, to: domainEntry(id: "20260101", digest: "aa")).isEmpty)
        let sneaky = ChangeDetector.changes(from: before, to: domainEntry(id: "20260101", digest: "bb"))
        #expect(sneaky.map(\.kind) == [.stsPolicyChangedWithoutNewID] && sneaky[0].isRegression)
        let proper = ChangeDetector.changes(from: before, to: domainEntry(id: "20261206", digest: "bb"))
        #expect(proper.map(\.kind) == [.stsPolicyChanged] && !proper[0].isRegression)
    }

    /// The classic DANE outage: a renewed certificate the published TLSA records no longer match.
    @Test func aRenewalThatBreaksDANEIsTwoEventsAndOneCondition() {
        var before = F.snapshot()
        before.dane = "valid"
        var after = F.snapshot(at: 60, certificate: F.certificate("renewed"))
        after.dane = "mismatch"
        after.domainFindings = [.init(DomainFinding(.tlsaInvalid, .critical, subject: "mx (192.0.2.1)", evidence: .data("3 1 1 ab…")),
                                      subject: "mx (192.0.2.1)")]
        let events = ChangeDetector.changes(from: before, to: after)
        #expect(events.map(\.kind) == [.certificateChanged, .findingAppeared, .daneChanged])
        #expect(events.last?.isRegression == true)
        let conditions = AlertTracker.conditions(of: after, minimum: .warning, ignore: [], wasOpenBefore: true,
                                                 bestVersionSeen: .tls13)
        #expect(conditions.map(\.id) == ["tlsa-invalid"])
        #expect(conditions.first?.catalog == .domain)
        #expect(AlertTracker.conditions(of: after, minimum: .warning, ignore: ["tlsa-invalid"], wasOpenBefore: true,
                                        bestVersionSeen: .tls13).isEmpty)
    }
}
