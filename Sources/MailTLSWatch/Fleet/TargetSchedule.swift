import Foundation

/// Which targets are due and who probes them. One monitor keeps it in memory (`WatchSchedule`); workers that share a
/// PostgreSQL database keep it there (`PostgresTargetSchedule`), so each due target goes to exactly one of them.
public protocol TargetSchedule: Sendable {
    /// The configuration's targets: those that stay keep their schedule, new ones are due now.
    func update(targets: [WatchConfiguration.Target], jitter: Double, now: Date) async throws
    /// Due targets this worker takes (at most `limit` running here at once), marked as running until `completed`.
    func takeDue(at now: Date, limit: Int) async throws -> [WatchConfiguration.Target]
    /// A probe finished; the target is due an interval later (longer after a `421`).
    func completed(_ name: String, at now: Date, busy: Bool) async throws
    /// Says "still working on it" for a running probe, so no other worker takes the target meanwhile.
    func renew(_ name: String, at now: Date) async throws
}

extension WatchSchedule: TargetSchedule {
    public func renew(_ name: String, at now: Date) {}
}
