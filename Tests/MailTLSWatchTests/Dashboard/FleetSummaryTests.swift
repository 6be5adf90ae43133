import Foundation
import MailTLSCheck
import MailTLSCore
import Testing

@testable import MailTLSWatch

@Suite struct FleetSummaryTests {
    typealias F = WatchFixtures

    static func memory(_ target: String, port: Int = 587, notAfterDays: Double = 60, fingerprint: String? = nil,
                       alert: (Severity, AlertState.Phase)? = nil) -> PortMemory {
        var snapshot = F.snapshot(certificate: F.certificate(fingerprint ?? "\(target)-\(port)", notAfterDays: notAfterDays))
        snapshot.key = PortKey(target: target, address: "192.0.2.1", port: port)
        let states = alert.map { severity, phase in
            [AlertState(key: snapshot.key, condition: AlertCondition(id: "certificate-expired", severity: severity, evidence: .text("")),
                        phase: phase, failures: 3, successes: 0, since: F.start, lastNotified: nil)]
        } ?? []
        return PortMemory(snapshot: snapshot, alertStates: states, wasOpenBefore: true, bestVersionSeen: .tls13,
                          lastHistoryAt: nil)
    }

    /// Critical alerts first, then warnings, then failing, then fine; within each, the nearest expiry first.
    @Test func theWorstComesFirst() {
        let fleet = FleetSummary(memories: [
            Self.memory("fine-far", notAfterDays: 80),
            Self.memory("fine-near", notAfterDays: 10),
            Self.memory("failing", alert: (.critical, .pending)),
            Self.memory("warning", alert: (.warning, .firing)),
            Self.memory("critical", alert: (.critical, .firing)),
        ])
        #expect(fleet.targets.map(\.name) == ["critical", "warning", "failing", "fine-near", "fine-far"])
        #expect(fleet.targets[0].status == .alerting(.critical))
        #expect(fleet.targets[2].status == .failing)
        #expect(fleet.targets[4].status == .ok)
    }

    /// A certificate served on several ports is one bar on the timeline, nearest expiry first.
    @Test func oneCertificateIsOneLineOnTheTimeline() {
        let fleet = FleetSummary(memories: [
            Self.memory("mx", port: 25, notAfterDays: 30, fingerprint: "shared"),
            Self.memory("mx", port: 587, notAfterDays: 30, fingerprint: "shared"),
            Self.memory("imap", port: 993, notAfterDays: 5),
        ])
        #expect(fleet.certificates.map(\.places.count) == [1, 2])
        #expect(fleet.certificates[1].fingerprint == "shared")
        #expect(fleet.targets.first { $0.name == "mx" }?.ports.count == 2)
    }
}
