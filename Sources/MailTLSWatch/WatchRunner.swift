import Foundation
import MailTLSCheck
import MailTLSCore

/// What one probe of one target found and said.
public struct TargetOutcome: Sendable, Equatable {
    public var target: String
    public var snapshots: [PortSnapshot]
    public var events: [ChangeEvent]
    public var notices: [AlertNotice]
    /// The conditions shown now (before any count of probes in a row): what `--once` judges by.
    public var conditions: [PortKey: [AlertCondition]]
    /// The target could not be probed at all (its host does not resolve).
    public var failure: WatchProber.Failure?
    /// The alerts firing (and told) on the target's ports after this probe: what Alertmanager is sent again.
    public var firing: [AlertState] = []

    /// The worst condition shown now; a target that could not be probed is critical.
    public var worstSeverity: Severity? {
        if failure != nil { return .critical }
        return conditions.values.flatMap { $0 }.map(\.severity).max()
    }
}

/// Probes targets and turns what it sees into history, change events and alert notices, through the store.
public struct WatchRunner: Sendable {
    public var configuration: WatchConfiguration
    public var store: any WatchStore
    public var prober: WatchProber
    public var tracker: AlertTracker

    public init(configuration: WatchConfiguration, store: any WatchStore, anchors: TrustAnchors) {
        self.configuration = configuration
        self.store = store
        prober = WatchProber(defaults: configuration.defaults, anchors: anchors)
        tracker = AlertTracker(failuresBeforeAlert: configuration.defaults.failuresBeforeAlert,
                               successesBeforeResolve: configuration.defaults.successesBeforeResolve)
    }

    /// History rows are written on change, and once a day when nothing changes (so a graph has its points).
    static let samplingInterval: Double = 86400

    /// Probes every target, at most `concurrentTargets` at once, and returns their outcomes in configuration order.
    public func round(_ targets: [WatchConfiguration.Target], now: @escaping @Sendable () -> Date = Date.init) async throws
        -> [TargetOutcome] {
        let limit = configuration.defaults.concurrentTargets
        return try await withThrowingTaskGroup(of: (Int, TargetOutcome).self) { group in
            var outcomes: [(Int, TargetOutcome)] = []
            var next = 0
            func startNext() {
                guard next < targets.count else { return }
                let index = next
                next += 1
                group.addTask { (index, try await self.check(targets[index], now: now())) }
            }
            for _ in 0..<min(limit, targets.count) { startNext() }
            while let outcome = try await group.next() {
                outcomes.append(outcome)
                startNext()
            }
            return outcomes.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// Probes one target and records what it found.
    public func check(_ target: WatchConfiguration.Target, now: Date = Date()) async throws -> TargetOutcome {
        var outcome = TargetOutcome(target: target.name, snapshots: [], events: [], notices: [], conditions: [:])
        do {
            outcome.snapshots = try await prober.probe(target, now: now)
        } catch {
            outcome.failure = error
            return outcome
        }
        let memories = Dictionary(try await store.latest(target: target.name).map { ($0.snapshot.key, $0) },
                                  uniquingKeysWith: { first, _ in first })
        for snapshot in outcome.snapshots {
            let memory = memories[snapshot.key]
            let events = ChangeDetector.changes(from: memory?.snapshot, to: snapshot)
            let conditions = AlertTracker.conditions(
                of: snapshot, minimum: configuration.defaults.alertSeverity, ignore: target.ignore,
                wasOpenBefore: memory?.wasOpenBefore ?? false, bestVersionSeen: memory?.bestVersionSeen)
            var (states, notices) = tracker.step(key: snapshot.key, states: memory?.alertStates ?? [],
                                                 active: conditions, answered: snapshot.state == .open,
                                                 now: snapshot.checkedAt)
            let held = configuration.inMaintenance(target.name, at: snapshot.checkedAt)
            if held {
                (states, notices) = AlertTracker.hold(states: states, notices: notices)
            } else {
                // An expiry notice is claimed only when it can be told: after a window, it still comes.
                notices += try await expiryNotices(snapshot)
            }
            // A policy changed without a new id has no lasting condition to alert on: it is told once, as it happens.
            for event in events where event.kind == .stsPolicyChangedWithoutNewID && !held {
                notices.append(AlertNotice(kind: .change, key: snapshot.key,
                                           condition: AlertCondition(id: event.kind.rawValue, severity: .warning,
                                                                     evidence: .text("id=\(event.after)"), catalog: .watch),
                                           at: snapshot.checkedAt, since: snapshot.checkedAt))
            }
            let changed = memory.map { !$0.snapshot.sameFacts(as: snapshot) } ?? true
            let sampleDue = memory?.lastHistoryAt.map { snapshot.checkedAt.timeIntervalSince($0) >= Self.samplingInterval } ?? true
            try await store.record(ProbeRecord(snapshot: snapshot, writeHistory: changed || sampleDue, events: events,
                                               alertStates: states, notices: notices))
            outcome.events += events
            outcome.notices += notices
            outcome.firing += states.filter { $0.phase == .firing && $0.lastNotified != nil }
            outcome.conditions[snapshot.key] = conditions
        }
        return outcome
    }

    /// One notice when a certificate crosses an expiry threshold, once per threshold per certificate however many
    /// ports and addresses serve it. A certificate first seen past several thresholds gets one notice, for the
    /// nearest, and the others are marked as sent.
    func expiryNotices(_ snapshot: PortSnapshot) async throws -> [AlertNotice] {
        guard let certificate = snapshot.certificate else { return [] }
        let crossed = configuration.defaults.expiry.crossed(notBefore: certificate.notBefore,
                                                           notAfter: certificate.notAfter, now: snapshot.checkedAt)
        guard let nearest = crossed.last else { return [] }
        var claimedNearest = false
        for threshold in crossed {
            let claimed = try await store.claimExpiryNotice(fingerprint: certificate.sha256Fingerprint,
                                                            threshold: threshold.description, at: snapshot.checkedAt)
            if threshold == nearest { claimedNearest = claimed }
        }
        guard claimedNearest else { return [] }
        let left = certificate.notAfter.timeIntervalSince(snapshot.checkedAt)
        let severity: Severity = left <= configuration.defaults.expiry.criticalSeconds ? .critical : .warning
        let condition = AlertCondition(id: "certificate-expiry-\(nearest)", severity: severity,
                                       evidence: .text(ISO8601.format(certificate.notAfter)), catalog: .watch)
        return [AlertNotice(kind: .expiry, key: snapshot.key, condition: condition, at: snapshot.checkedAt,
                            since: snapshot.checkedAt)]
    }
}
