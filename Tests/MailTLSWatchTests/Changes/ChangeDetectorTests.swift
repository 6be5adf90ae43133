import Foundation
import MailTLSCheck
import MailTLSCore
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
