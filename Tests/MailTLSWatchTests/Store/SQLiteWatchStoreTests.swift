import Foundation
import MailTLSCheck
import MailTLSCore
import Testing

@testable import MailTLSWatch

@Suite struct SQLiteWatchStoreTests {
    typealias F = WatchFixtures

    func withStore(_ body: (SQLiteWatchStore, String) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("watch-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await body(try SQLiteWatchStore(path: path), path)
    }

    func record(_ snapshot: PortSnapshot, history: Bool = true, events: [ChangeEvent] = [], states: [AlertState] = [],
                notices: [AlertNotice] = []) -> ProbeRecord {
        ProbeRecord(snapshot: snapshot, writeHistory: history, events: events, alertStates: states, notices: notices)
    }

    @Test func whatIsRecordedIsRememberedAcrossOpenings() async throws {
        try await withStore { store, path in
            let condition = AlertCondition(id: "certificate-expired", severity: .critical, evidence: .text("x"), software: .postfix)
            let state = AlertState(key: F.key, condition: condition, phase: .firing, failures: 3, successes: 0,
                                   since: F.start, lastNotified: F.start)
            try await store.record(record(F.snapshot(findings: [F.finding(.certificateExpired, .critical, "x")]), states: [state]))
            let reopened = try SQLiteWatchStore(path: path)
            let memories = try await reopened.latest(target: "mx")
            #expect(memories.count == 1)
            #expect(memories[0].snapshot == F.snapshot(findings: [F.finding(.certificateExpired, .critical, "x")]))
            #expect(memories[0].alertStates == [state])
            #expect(memories[0].wasOpenBefore)
            #expect(memories[0].bestVersionSeen == .tls13)
            #expect(memories[0].lastHistoryAt == F.start)
            #expect(try await reopened.latest(target: "other").isEmpty)
        }
    }

    /// A port that answered once stays "was open", and the best version seen stays the best, whatever comes later.
    @Test func theBestEverSeenIsKept() async throws {
        try await withStore { store, _ in
            try await store.record(record(F.snapshot()))
            try await store.record(record(F.snapshot(at: 60, versions: [.tls12]), history: false))
            try await store.record(record(F.snapshot(at: 120, state: .closed), history: false))
            let memory = try #require(try await store.latest(target: nil).first)
            #expect(memory.snapshot.state == .closed)
            #expect(memory.wasOpenBefore)
            #expect(memory.bestVersionSeen == .tls13)
            #expect(memory.lastHistoryAt == F.start, "history rows only when asked for")
        }
    }

    @Test func anExpiryNoticeIsClaimedOnce() async throws {
        try await withStore { store, _ in
            var claims: [Bool] = []
            for (fingerprint, threshold) in [("aa", "14d"), ("aa", "14d"), ("aa", "7d"), ("bb", "14d")] {
                claims.append(try await store.claimExpiryNotice(fingerprint: fingerprint, threshold: threshold, at: F.start))
            }
            #expect(claims == [true, false, true, true])
        }
    }

    @Test func historyIsNewestFirstAndPruned() async throws {
        try await withStore { store, _ in
            let condition = AlertCondition(id: "starttls-not-supported", severity: .critical, evidence: .text(""))
            let firing = AlertNotice(kind: .firing, key: F.key, condition: condition, at: F.start.addingTimeInterval(120),
                                     since: F.start)
            let event = ChangeEvent(key: F.key, at: F.start.addingTimeInterval(60), kind: .securityChanged,
                                    before: "starttls-required", after: "plaintext", isRegression: true)
            let later = ChangeEvent(key: F.key, at: F.start.addingTimeInterval(180), kind: .securityChanged,
                                    before: "plaintext", after: "starttls-required", isRegression: false)
            try await store.record(record(F.snapshot(), events: [event]))
            try await store.record(record(F.snapshot(at: 120), notices: [firing]))
            try await store.record(record(F.snapshot(at: 180), events: [later]))
            let history = try await store.history(target: "mx", limit: 10)
            #expect(history.events == [later, event])
            #expect(history.notices == [firing])
            #expect(history.latest.map(\.checkedAt) == [F.start.addingTimeInterval(180)])

            try await store.prune(before: F.start.addingTimeInterval(150))
            let pruned = try await store.history(target: "mx", limit: 10)
            #expect(pruned.events == [later])
            #expect(pruned.notices.isEmpty)
            #expect(pruned.latest.count == 1, "the latest snapshot stays")
        }
    }

    @Test func aFileThatIsNotADatabaseIsAnError() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("watch-\(UUID().uuidString).sqlite").path
        try "not a database, just text that is long enough to be read as a header".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: (any Error).self) { try SQLiteWatchStore(path: path) }
    }
}
