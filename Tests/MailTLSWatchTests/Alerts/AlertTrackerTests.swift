import Foundation
import MailTLSCheck
import MailTLSCore
import Testing

@testable import MailTLSWatch

@Suite struct AlertTrackerTests {
    typealias F = WatchFixtures
    let expired = AlertCondition(id: "certificate-expired", severity: .critical, evidence: "notAfter 2027-01-01")

    /// Runs probes through the tracker: `true` shows the condition, `false` does not.
    func run(_ probes: [Bool], tracker: AlertTracker = AlertTracker(), answered: Bool = true, interval: Double = 3600)
        -> (kinds: [[AlertNotice.Kind]], states: [AlertState]) {
        var states: [AlertState] = []
        var kinds: [[AlertNotice.Kind]] = []
        for (index, failing) in probes.enumerated() {
            let step = tracker.step(key: F.key, states: states, active: failing ? [expired] : [], answered: answered,
                                    now: F.start.addingTimeInterval(Double(index) * interval))
            states = step.states
            kinds.append(step.notices.map(\.kind))
        }
        return (kinds, states)
    }

    @Test func threeFailuresAlertOnceAndTwoSuccessesResolve() {
        let result = run([true, true, true, true, true, false, false, false])
        #expect(result.kinds == [[], [], [.firing], [], [], [], [.resolved], []])
        #expect(result.states.isEmpty)
    }

    @Test func aBlipThatNeverAlertedIsForgotten() {
        let result = run([true, true, false, true, true, false])
        #expect(result.kinds.flatMap { $0 }.isEmpty)
        #expect(result.states.isEmpty)
    }

    @Test func oneSuccessBetweenFailuresDoesNotResolve() {
        let result = run([true, true, true, false, true, false, true])
        #expect(result.kinds.flatMap { $0 } == [.firing])
        #expect(result.states.first?.phase == .firing)
    }

    @Test func aLongOutageIsRemindedOncePerInterval() {
        // Hourly probes for two days: one alert, then one reminder a day.
        let result = run(Array(repeating: true, count: 51))
        #expect(result.kinds.flatMap { $0 } == [.firing, .reminder, .reminder])
    }

    /// A port that does not answer shows nothing about its certificate: the alert neither resolves nor repeats.
    @Test func silenceIsNotASuccess() {
        let tracker = AlertTracker()
        var states = run([true, true, true]).states
        for hour in 3..<10 {
            let step = tracker.step(key: F.key, states: states, active: [], answered: false,
                                    now: F.start.addingTimeInterval(Double(hour) * 3600))
            #expect(step.notices.isEmpty)
            states = step.states
        }
        #expect(states.first?.phase == .firing)
    }

    @Test func anAlertAtTheFirstFailureWhenAskedFor() {
        let result = run([true, false], tracker: AlertTracker(failuresBeforeAlert: 1, successesBeforeResolve: 1))
        #expect(result.kinds == [[.firing], [.resolved]])
    }

    @Test func conditionsComeFromTheChecksFindings() {
        let snapshot = F.snapshot(findings: [
            F.finding(.certificateExpired, .critical, "notAfter x"),
            F.finding(.certificateExpiringSoon, .warning),
            F.finding(.tlsVersionDeprecated, .warning),
            F.finding(.greetingSlow, .info),
            F.finding(.certificateSelfSigned, .warning),
        ])
        let ids = AlertTracker.conditions(of: snapshot, minimum: .warning, ignore: ["certificate-self-signed"],
                                          wasOpenBefore: true, bestVersionSeen: .tls13).map(\.id)
        #expect(ids == ["certificate-expired", "tls-version-deprecated"])
        let critical = AlertTracker.conditions(of: snapshot, minimum: .critical, ignore: [], wasOpenBefore: true,
                                               bestVersionSeen: nil).map(\.id)
        #expect(critical == ["certificate-expired"])
    }

    @Test func aPortThatAnsweredBeforeIsLostAndOneThatNeverDidIsNot() {
        let closed = F.snapshot(state: .closed, findings: [F.finding(.portClosed, .warning)])
        #expect(AlertTracker.conditions(of: closed, minimum: .warning, ignore: [], wasOpenBefore: true,
                                        bestVersionSeen: nil).map(\.id) == ["port-lost"])
        #expect(AlertTracker.conditions(of: closed, minimum: .warning, ignore: [], wasOpenBefore: false,
                                        bestVersionSeen: nil).isEmpty)
    }

    @Test func aLowerBestVersionThanEverSeenIsACondition() {
        let only12 = F.snapshot(versions: [.tls12])
        #expect(AlertTracker.conditions(of: only12, minimum: .warning, ignore: [], wasOpenBefore: true,
                                        bestVersionSeen: .tls13).map(\.id) == ["tls-version-lowered"])
        #expect(AlertTracker.conditions(of: only12, minimum: .warning, ignore: [], wasOpenBefore: true,
                                        bestVersionSeen: .tls12).isEmpty)
    }
}
