import Foundation
import MailTLSCheck
import MailTLSCore
import ServiceLifecycle

/// `mailtls watch` running: every target on its own jittered schedule, at most `concurrentTargets` probes at once,
/// notices delivered as they arise, the configuration reloaded when `reload` returns a new one (the command asks on
/// SIGHUP and when the file changes). On a graceful shutdown no new probe starts and the running ones finish.
public struct WatchService: Service {
    public typealias Reload = @Sendable () async -> WatchConfiguration?

    let initial: WatchConfiguration
    let schedule: any TargetSchedule
    /// How often a running probe renews its claim (workers sharing PostgreSQL); nil in memory.
    let renewEvery: Duration?
    let makeRunner: @Sendable (WatchConfiguration) -> WatchRunner
    let makeDelivery: @Sendable (WatchConfiguration) -> NoticeDelivery
    let reload: Reload
    let onOutcome: @Sendable (TargetOutcome, [NoticeDelivery.Failure]) -> Void
    let onReload: @Sendable (WatchConfiguration) -> Void
    let onError: @Sendable (any Error) -> Void

    public init(configuration: WatchConfiguration, schedule: any TargetSchedule, renewEvery: Duration? = nil,
                makeRunner: @escaping @Sendable (WatchConfiguration) -> WatchRunner,
                makeDelivery: @escaping @Sendable (WatchConfiguration) -> NoticeDelivery, reload: @escaping Reload,
                onOutcome: @escaping @Sendable (TargetOutcome, [NoticeDelivery.Failure]) -> Void,
                onReload: @escaping @Sendable (WatchConfiguration) -> Void,
                onError: @escaping @Sendable (any Error) -> Void = { _ in }) {
        initial = configuration
        self.schedule = schedule
        self.renewEvery = renewEvery
        self.makeRunner = makeRunner
        self.makeDelivery = makeDelivery
        self.reload = reload
        self.onOutcome = onOutcome
        self.onReload = onReload
        self.onError = onError
    }

    /// How often the loop wakes to start due probes and look for a new configuration.
    static let tick: Duration = .milliseconds(500)

    public func run() async throws {
        var configuration = initial
        var runner = makeRunner(configuration)
        var delivery = makeDelivery(configuration)
        let schedule = self.schedule
        do {
            try await schedule.update(targets: configuration.targets, jitter: configuration.defaults.jitter, now: Date())
        } catch {
            onError(error)
        }
        await withDiscardingTaskGroup { group in
            var lastPrune = Date.distantPast
            while !Task.isShuttingDownGracefully, !Task.isCancelled {
                // History older than the retention goes, once a day (and at the start).
                if Date().timeIntervalSince(lastPrune) >= 86400 {
                    lastPrune = Date()
                    let (store, cutoff, fail) = (runner.store, Date().addingTimeInterval(-configuration.retention), onError)
                    group.addTask {
                        do { try await store.prune(before: cutoff) } catch { fail(error) }
                    }
                }
                if let fresh = await reload() {
                    configuration = fresh
                    runner = makeRunner(fresh)
                    delivery = makeDelivery(fresh)
                    do {
                        try await schedule.update(targets: fresh.targets, jitter: fresh.defaults.jitter, now: Date())
                    } catch {
                        onError(error)
                    }
                    onReload(fresh)
                }
                let due: [WatchConfiguration.Target]
                do {
                    due = try await schedule.takeDue(at: Date(), limit: configuration.defaults.concurrentTargets)
                } catch {
                    onError(error)
                    due = []
                }
                for target in due {
                    let (probeRunner, probeDelivery, report, fail, renewEvery) = (runner, delivery, onOutcome, onError, self.renewEvery)
                    group.addTask {
                        await withTaskGroup(of: Void.self) { probe in
                            if let renewEvery {
                                probe.addTask {
                                    while !Task.isCancelled {
                                        try? await Task.sleep(for: renewEvery)
                                        guard !Task.isCancelled else { return }
                                        try? await schedule.renew(target.name, at: Date())
                                    }
                                }
                            }
                            probe.addTask {
                                do {
                                    let outcome = try await probeRunner.check(target)
                                    let failures = await probeDelivery.deliver(outcome, interval: target.interval)
                                    let busy = outcome.snapshots.contains { $0.findings.contains { $0.id == .serverUnavailable } }
                                    try? await schedule.completed(target.name, at: Date(), busy: busy)
                                    report(outcome, failures)
                                } catch {
                                    // The store failed (disk full, database down, the lease lost): due again later.
                                    fail(error)
                                    try? await schedule.completed(target.name, at: Date(), busy: false)
                                }
                            }
                            await probe.next()
                            probe.cancelAll()
                        }
                    }
                }
                try? await Task.sleep(for: Self.tick)
            }
        }
    }
}

/// When each target is due. A target's first probe comes within its jitter of the start; each next one an interval
/// after the last finished, plus up to `jitter` of the interval, so a fleet's probes spread out. A target whose
/// server answered `421` (busy, or limiting us) waits twice as long next time, up to eight times its interval.
public actor WatchSchedule {
    struct Entry {
        var target: WatchConfiguration.Target
        var due: Date
        var running = false
        var backoff = 1.0
    }

    var entries: [String: Entry] = [:]
    var order: [String] = []
    var jitter: Double

    public init(targets: [WatchConfiguration.Target], jitter: Double, now: Date) {
        self.jitter = jitter
        for target in targets {
            entries[target.name] = Entry(target: target, due: now.addingTimeInterval(Self.spread(target.interval * jitter)))
            order.append(target.name)
        }
    }

    static func spread(_ seconds: Double) -> Double { seconds > 0 ? Double.random(in: 0...seconds) : 0 }

    /// Keeps the schedule of targets that stay; new targets are due now.
    public func update(targets: [WatchConfiguration.Target], jitter: Double, now: Date) {
        self.jitter = jitter
        var fresh: [String: Entry] = [:]
        for target in targets {
            if var entry = entries[target.name] {
                entry.target = target
                fresh[target.name] = entry
            } else {
                fresh[target.name] = Entry(target: target, due: now)
            }
        }
        entries = fresh
        order = targets.map(\.name)
    }

    /// The targets due at `now` that are not running, at most `limit` running in all; marks them running.
    public func takeDue(at now: Date, limit: Int) -> [WatchConfiguration.Target] {
        var running = entries.values.filter(\.running).count
        var due: [WatchConfiguration.Target] = []
        for name in order where running < limit {
            guard var entry = entries[name], !entry.running, entry.due <= now else { continue }
            entry.running = true
            entries[name] = entry
            due.append(entry.target)
            running += 1
        }
        return due
    }

    public func completed(_ name: String, at now: Date, busy: Bool) {
        guard var entry = entries[name] else { return }
        entry.running = false
        entry.backoff = busy ? min(entry.backoff * 2, 8) : 1
        let interval = entry.target.interval * entry.backoff
        entry.due = now.addingTimeInterval(interval + Self.spread(interval * jitter))
        entries[name] = entry
    }

}
