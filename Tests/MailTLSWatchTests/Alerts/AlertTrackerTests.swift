import Foundation
import MailTLSCheck
import MailTLSCore
import Testing

@testable import MailTLSWatch

@Suite struct AlertTrackerTests {
    typealias F = WatchFixtures
    let expired = AlertCondition(id: "certificate-expired", severity: .critical, evidence: .text("notAfter 2027-01-01"))

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

@Suite struct MaintenanceTests {
    typealias F = WatchFixtures
    let expired = AlertCondition(id: "certificate-expired", severity: .critical, evidence: .text(""))

    func window(_ yaml: String) throws -> MaintenanceWindow {
        try #require(try WatchConfigurationReader.parse("maintenance:\n  - \(yaml)\ntargets: [{ host: a.example }]\n").maintenance.first)
    }

    func tokyo(_ text: String) -> Date {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Asia/Tokyo")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.date(from: text)!
    }

    /// 23:00 to 01:00 Tokyo time on Saturdays: across midnight, in its own time zone, only on its weekday.
    @Test func aRecurringWindowInItsTimeZone() throws {
        let window = try window("{ targets: [\"mx*\"], start: \"23:00\", duration: 2h, days: [sat], time_zone: Asia/Tokyo }")
        #expect(window.covers("mx1", at: tokyo("2026-12-05 23:30")))   // a Saturday
        #expect(window.covers("mx1", at: tokyo("2026-12-06 00:30")))   // past midnight, the window began Saturday
        #expect(!window.covers("mx1", at: tokyo("2026-12-06 01:00")))
        #expect(!window.covers("mx1", at: tokyo("2026-12-04 23:30")))  // a Friday
        #expect(!window.covers("imap", at: tokyo("2026-12-05 23:30")))
    }

    @Test func aOneOffWindow() throws {
        let window = try window("{ start: \"2026-12-24 22:00\", end: \"2026-12-25 06:00\", time_zone: Asia/Tokyo }")
        #expect(window.covers("anything", at: tokyo("2026-12-25 05:59")))
        #expect(!window.covers("anything", at: tokyo("2026-12-25 06:00")))
        #expect(throws: (any Error).self) {
            try WatchConfigurationReader.parse("maintenance:\n  - { start: \"02:00\", duration: 2h, time_zone: Mars/Base }\ntargets: [{ host: a.example }]\n")
        }
    }

    /// An alert that begins during a window is told at the first failing probe after it, once; one that ends during
    /// the window, never told, resolves without a word.
    @Test func aHeldAlertIsToldAfterTheWindow() {
        let tracker = AlertTracker()
        var states: [AlertState] = []
        var told: [AlertNotice.Kind] = []
        for (hour, inWindow) in [(0, true), (1, true), (2, true), (3, true), (4, false), (5, false)] {
            var step = tracker.step(key: F.key, states: states, active: [expired], answered: true,
                                    now: F.start.addingTimeInterval(Double(hour) * 3600))
            if inWindow { step = AlertTracker.hold(states: step.states, notices: step.notices) }
            states = step.states
            told += step.notices.map(\.kind)
        }
        #expect(told == [.firing])
        var quiet: [AlertState] = []
        var quietTold: [AlertNotice.Kind] = []
        for (hour, failing) in [(0, true), (1, true), (2, true), (3, false), (4, false)] {
            let step = AlertTracker.hold(states: tracker.step(key: F.key, states: quiet, active: failing ? [expired] : [],
                                                              answered: true, now: F.start.addingTimeInterval(Double(hour) * 3600)).states,
                                         notices: tracker.step(key: F.key, states: quiet, active: failing ? [expired] : [],
                                                               answered: true, now: F.start.addingTimeInterval(Double(hour) * 3600)).notices)
            quiet = step.states
            quietTold += step.notices.map(\.kind)
        }
        #expect(quietTold.isEmpty)
        #expect(quiet.isEmpty)
    }
}

@Suite struct WatchScheduleTests {
    typealias F = WatchFixtures

    static func target(_ name: String, interval: Double = 3600) -> WatchConfiguration.Target {
        WatchConfiguration.Target(kind: .host("\(name).example"), name: name, ports: [], interval: interval)
    }

    /// A server that answered 421 is asked half as often next time, down to an eighth; a normal answer restores it.
    @Test func aBusyServerIsProbedLessOften() async {
        let schedule = WatchSchedule(targets: [Self.target("mx")], jitter: 0, now: F.start)
        #expect(await schedule.takeDue(at: F.start, limit: 4).map(\.name) == ["mx"])
        #expect(await schedule.takeDue(at: F.start, limit: 4).isEmpty, "a running target is not taken twice")
        var now = F.start
        for expected in [2.0, 4, 8, 8] {
            await schedule.completed("mx", at: now, busy: true)
            #expect(await schedule.takeDue(at: now.addingTimeInterval(expected * 3600 - 1), limit: 4).isEmpty)
            now = now.addingTimeInterval(expected * 3600)
            #expect(await schedule.takeDue(at: now, limit: 4).map(\.name) == ["mx"])
        }
        await schedule.completed("mx", at: now, busy: false)
        #expect(await schedule.takeDue(at: now.addingTimeInterval(3600), limit: 4).map(\.name) == ["mx"])
    }

    @Test func atMostTheLimitRunsAtOnceAndNewTargetsAreDueNow() async {
        let schedule = WatchSchedule(targets: ["a", "b", "c"].map { Self.target($0) }, jitter: 0, now: F.start)
        #expect(await schedule.takeDue(at: F.start, limit: 2).map(\.name) == ["a", "b"])
        #expect(await schedule.takeDue(at: F.start, limit: 2).isEmpty)
        await schedule.completed("a", at: F.start, busy: false)
        #expect(await schedule.takeDue(at: F.start, limit: 2).map(\.name) == ["c"])
        await schedule.update(targets: ["b", "c", "d"].map { Self.target($0) }, jitter: 0, now: F.start)
        await schedule.completed("b", at: F.start, busy: false)
        #expect(await schedule.takeDue(at: F.start, limit: 2).map(\.name) == ["d"], "a removed, d new and due")
    }
}
