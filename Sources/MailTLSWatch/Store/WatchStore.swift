import Foundation
import MailTLSCore

/// What the monitor remembers between probes and runs. SQLite is the embedded default (`SQLiteWatchStore`).
public protocol WatchStore: Sendable {
    /// The last snapshot of every port of `target` (every port when `target` is nil).
    func latest(target: String?) async throws -> [PortMemory]
    /// Records one probe of one port: the new latest snapshot, a history row when the facts changed (or the last
    /// history row is a day old), its change events, its alert states and the notices it produced.
    func record(_ probe: ProbeRecord) async throws
    /// Whether an expiry notice for this certificate and threshold went out before; records it when not.
    func claimExpiryNotice(fingerprint: String, threshold: String, at: Date) async throws -> Bool
    /// A target's history, newest first: its change events and the notices sent.
    func history(target: String, limit: Int) async throws -> WatchHistory
    /// Deletes history rows older than `cutoff` (the latest snapshot of each port stays).
    func prune(before cutoff: Date) async throws
}

/// The database was brought to a newer schema by a newer mailtls: this one neither reads nor writes it, since it could
/// misread or lose what the newer one keeps there (during a rolling upgrade of a fleet's workers, say).
public struct WatchSchemaTooNew: Error, Sendable, Equatable {
    /// The newest schema in the database, and the newest this mailtls knows (`v2`, `v1`).
    public var found: String
    public var known: String

    public init(found: String, known: String) {
        self.found = found
        self.known = known
    }
}

/// A port as the monitor last saw it.
public struct PortMemory: Sendable, Equatable {
    public var snapshot: PortSnapshot
    public var alertStates: [AlertState]
    /// Whether the port ever answered (a port that never did is not "lost").
    public var wasOpenBefore: Bool
    public var bestVersionSeen: TLSVersion?
    /// When the last history row of this port was written.
    public var lastHistoryAt: Date?

    public init(snapshot: PortSnapshot, alertStates: [AlertState], wasOpenBefore: Bool, bestVersionSeen: TLSVersion?,
                lastHistoryAt: Date?) {
        self.snapshot = snapshot
        self.alertStates = alertStates
        self.wasOpenBefore = wasOpenBefore
        self.bestVersionSeen = bestVersionSeen
        self.lastHistoryAt = lastHistoryAt
    }
}

/// Everything one probe of one port leaves behind.
public struct ProbeRecord: Sendable, Equatable {
    public var snapshot: PortSnapshot
    public var writeHistory: Bool
    public var events: [ChangeEvent]
    public var alertStates: [AlertState]
    public var notices: [AlertNotice]

    public init(snapshot: PortSnapshot, writeHistory: Bool, events: [ChangeEvent], alertStates: [AlertState],
                notices: [AlertNotice]) {
        self.snapshot = snapshot
        self.writeHistory = writeHistory
        self.events = events
        self.alertStates = alertStates
        self.notices = notices
    }
}

/// A probe's rows as the stores write them: the snapshot, each alert state and each notice as JSON.
struct EncodedProbe {
    var facts: String
    var states: [(condition: String, json: String)]
    var notices: [(notice: AlertNotice, json: String)]

    init(_ probe: ProbeRecord) throws {
        facts = try SQLiteWatchStore.json(probe.snapshot)
        states = try probe.alertStates.map { ($0.condition.id, try SQLiteWatchStore.json($0)) }
        notices = try probe.notices.map { ($0, try SQLiteWatchStore.json($0)) }
    }
}

public struct WatchHistory: Sendable, Equatable {
    public var target: String
    public var events: [ChangeEvent]
    public var notices: [AlertNotice]
    public var latest: [PortSnapshot]
}
