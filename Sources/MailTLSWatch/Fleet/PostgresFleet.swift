import Foundation
import Logging
import MailTLSCore
import PostgresNIO
import ServiceLifecycle

/// Several `mailtls watch` workers, on one machine or many, sharing one PostgreSQL database: the same history as the
/// SQLite store, and a schedule in the database from which each worker claims due targets with
/// `SELECT … FOR UPDATE SKIP LOCKED` and a lease. A worker killed mid-probe loses its lease when it runs out, and
/// another takes the target; no target is probed by two workers at once, and a worker whose lease ran out writes
/// nothing (the store checks the lease in the same transaction).
///
/// It is a service: its `run` keeps the connection pool going, and must run while the store and schedule are used.
public final class PostgresFleet: Service, Sendable {
    let client: PostgresClient
    /// This worker, in leases and the probe log: host name, process id and a random part.
    public let worker: String
    /// How long a claimed target stays this worker's without a renewal.
    public let lease: Double
    static let logger = Logger(label: "mailtls-watch-postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    public init(_ location: PostgresLocation, lease: Double) throws {
        client = try location.client()
        worker = "\(ProcessInfo.processInfo.hostName)-\(getpid())-\(UUID().uuidString.prefix(8).lowercased())"
        self.lease = lease
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await client.run()
        } onGracefulShutdown: {}
    }

    /// The store for workers: rows are written only while this worker holds the target's lease.
    public var store: PostgresWatchStore { PostgresWatchStore(fleet: self, requireLease: true) }
    /// The store for `--once` and `history`, which claim nothing.
    public var unleasedStore: PostgresWatchStore { PostgresWatchStore(fleet: self, requireLease: false) }
    public var schedule: PostgresTargetSchedule { PostgresTargetSchedule(fleet: self) }

    /// Brings the database to this version's schema, once however many workers start together (an advisory lock):
    /// each step not yet recorded in `mailtls_schema` runs, and is recorded, in one transaction. A database from
    /// before the schema was numbered has the tables of step 1, which creates only what is missing. A database that
    /// a newer mailtls brought further is refused (`WatchSchemaTooNew`), untouched.
    public func migrate() async throws {
        do {
            try await migrateInTransaction()
        } catch let error as PostgresTransactionError {
            // What went wrong inside, not the transaction's wrapper (its file and line mean nothing to a user).
            throw error.closureError ?? error.beginError ?? error.commitError ?? error
        }
    }

    private func migrateInTransaction() async throws {
        try await client.withTransaction(logger: Self.logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(4242420001)", logger: Self.logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS mailtls_schema (
                    version INTEGER PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL, worker TEXT NOT NULL)
                """, logger: Self.logger)
            var current = 0
            for try await version in try await connection.query(
                "SELECT COALESCE(max(version), 0) FROM mailtls_schema", logger: Self.logger).decode(Int.self) {
                current = version
            }
            let known = Self.steps.count
            guard current <= known else { throw WatchSchemaTooNew(found: "v\(current)", known: "v\(known)") }
            for (index, step) in Self.steps.enumerated() where index + 1 > current {
                for statement in step {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: Self.logger)
                }
                try await connection.query(
                    "INSERT INTO mailtls_schema VALUES (\(index + 1), \(unescaped: Self.epoch), \(worker))",
                    logger: Self.logger)
            }
        }
    }

    /// The schema's steps, in order: step N brings a database at N-1 to N. A new step is added at the end; a step
    /// once released is never changed.
    static let steps = [schema]

    static let schema = [
        """
        CREATE TABLE IF NOT EXISTS latest (
            target TEXT NOT NULL, address TEXT NOT NULL, port INTEGER NOT NULL, checked_at DOUBLE PRECISION NOT NULL,
            facts TEXT NOT NULL, was_open BOOLEAN NOT NULL, best_version TEXT, last_history_at DOUBLE PRECISION,
            PRIMARY KEY (target, address, port))
        """,
        """
        CREATE TABLE IF NOT EXISTS snapshots (
            id BIGSERIAL PRIMARY KEY, target TEXT NOT NULL, address TEXT NOT NULL, port INTEGER NOT NULL,
            checked_at DOUBLE PRECISION NOT NULL, facts TEXT NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS snapshots_by_port ON snapshots (target, address, port, checked_at)",
        """
        CREATE TABLE IF NOT EXISTS events (
            id BIGSERIAL PRIMARY KEY, target TEXT NOT NULL, address TEXT NOT NULL, port INTEGER NOT NULL,
            at DOUBLE PRECISION NOT NULL, kind TEXT NOT NULL, before TEXT NOT NULL, after TEXT NOT NULL,
            regression BOOLEAN NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS events_by_target ON events (target, at)",
        """
        CREATE TABLE IF NOT EXISTS alert_states (
            target TEXT NOT NULL, address TEXT NOT NULL, port INTEGER NOT NULL, condition TEXT NOT NULL,
            state TEXT NOT NULL, PRIMARY KEY (target, address, port, condition))
        """,
        """
        CREATE TABLE IF NOT EXISTS notices (
            id BIGSERIAL PRIMARY KEY, target TEXT NOT NULL, address TEXT NOT NULL, port INTEGER NOT NULL,
            at DOUBLE PRECISION NOT NULL, kind TEXT NOT NULL, notice TEXT NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS notices_by_target ON notices (target, at)",
        """
        CREATE TABLE IF NOT EXISTS expiry_notices (
            fingerprint TEXT NOT NULL, threshold TEXT NOT NULL, at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (fingerprint, threshold))
        """,
        """
        CREATE TABLE IF NOT EXISTS schedule (
            target TEXT PRIMARY KEY, due_at DOUBLE PRECISION NOT NULL, interval_seconds DOUBLE PRECISION NOT NULL,
            jitter DOUBLE PRECISION NOT NULL DEFAULT 0, backoff DOUBLE PRECISION NOT NULL DEFAULT 1,
            lease_owner TEXT, lease_until DOUBLE PRECISION)
        """,
        """
        CREATE TABLE IF NOT EXISTS probes (
            id BIGSERIAL PRIMARY KEY, target TEXT NOT NULL, worker TEXT NOT NULL,
            started_at DOUBLE PRECISION NOT NULL, finished_at DOUBLE PRECISION)
        """,
    ]

    static let epoch = "extract(epoch from clock_timestamp())"
}

/// The history in PostgreSQL: the same rows as `SQLiteWatchStore`, written only while this worker holds the
/// target's lease.
public struct PostgresWatchStore: WatchStore {
    let fleet: PostgresFleet
    let requireLease: Bool
    var client: PostgresClient { fleet.client }
    var logger: Logger { PostgresFleet.logger }

    public func latest(target: String?) async throws -> [PortMemory] {
        var states: [PortKey: [AlertState]] = [:]
        for try await text in try await client.query(
            "SELECT state FROM alert_states WHERE (\(target)::text IS NULL OR target = \(target)) ORDER BY condition",
            logger: logger).decode(String.self) {
            let state = try SQLiteWatchStore.value(AlertState.self, text)
            states[state.key, default: []].append(state)
        }
        var memories: [PortMemory] = []
        for try await (facts, wasOpen, best, lastHistory) in try await client.query(
            """
            SELECT facts, was_open, best_version, last_history_at FROM latest
            WHERE (\(target)::text IS NULL OR target = \(target)) ORDER BY target, address, port
            """, logger: logger).decode((String, Bool, String?, Double?).self) {
            let snapshot = try SQLiteWatchStore.value(PortSnapshot.self, facts)
            memories.append(PortMemory(snapshot: snapshot, alertStates: states[snapshot.key] ?? [], wasOpenBefore: wasOpen,
                                       bestVersionSeen: best.flatMap(TLSVersion.init(rawValue:)),
                                       lastHistoryAt: lastHistory.map(Date.init(timeIntervalSince1970:))))
        }
        return memories
    }

    /// Thrown (and the probe's rows dropped) when another worker holds the target now: this one's lease ran out.
    public struct LeaseLost: Error {}

    public func record(_ probe: ProbeRecord) async throws {
        let snapshot = probe.snapshot
        let key = snapshot.key
        let encoded = try EncodedProbe(probe)
        let (facts, states, notices) = (encoded.facts, encoded.states, encoded.notices)
        let worker = fleet.worker
        let logger = self.logger
        let requireLease = self.requireLease
        try await client.withTransaction(logger: logger) { connection in
            var owner: String?
            for try await value in try await connection.query(
                "SELECT lease_owner FROM schedule WHERE target = \(key.target) FOR UPDATE", logger: logger)
                .decode(String?.self) { owner = value }
            guard owner == worker || !requireLease else { throw LeaseLost() }
            var wasOpen = snapshot.state == .open
            var best = snapshot.versions.max()
            var lastHistory: Double?
            for try await (open, bestText, history) in try await connection.query(
                "SELECT was_open, best_version, last_history_at FROM latest WHERE target = \(key.target) AND address = \(key.address) AND port = \(key.port)",
                logger: logger).decode((Bool, String?, Double?).self) {
                wasOpen = wasOpen || open
                best = [best, bestText.flatMap(TLSVersion.init(rawValue:))].compactMap { $0 }.max()
                lastHistory = history
            }
            let checkedAt = snapshot.checkedAt.timeIntervalSince1970
            if probe.writeHistory {
                try await connection.query(
                    "INSERT INTO snapshots (target, address, port, checked_at, facts) VALUES (\(key.target), \(key.address), \(key.port), \(checkedAt), \(facts))",
                    logger: logger)
                lastHistory = checkedAt
            }
            let bestText = best?.rawValue
            try await connection.query("""
                INSERT INTO latest (target, address, port, checked_at, facts, was_open, best_version, last_history_at)
                VALUES (\(key.target), \(key.address), \(key.port), \(checkedAt), \(facts), \(wasOpen), \(bestText), \(lastHistory))
                ON CONFLICT (target, address, port) DO UPDATE SET checked_at = excluded.checked_at, facts = excluded.facts,
                    was_open = excluded.was_open, best_version = excluded.best_version, last_history_at = excluded.last_history_at
                """, logger: logger)
            for event in probe.events {
                try await connection.query("""
                    INSERT INTO events (target, address, port, at, kind, before, after, regression)
                    VALUES (\(key.target), \(key.address), \(key.port), \(event.at.timeIntervalSince1970), \(event.kind.rawValue),
                            \(event.before), \(event.after), \(event.isRegression))
                    """, logger: logger)
            }
            try await connection.query(
                "DELETE FROM alert_states WHERE target = \(key.target) AND address = \(key.address) AND port = \(key.port)",
                logger: logger)
            for (condition, state) in states {
                try await connection.query(
                    "INSERT INTO alert_states (target, address, port, condition, state) VALUES (\(key.target), \(key.address), \(key.port), \(condition), \(state))",
                    logger: logger)
            }
            for (notice, text) in notices {
                try await connection.query(
                    "INSERT INTO notices (target, address, port, at, kind, notice) VALUES (\(notice.key.target), \(notice.key.address), \(notice.key.port), \(notice.at.timeIntervalSince1970), \(notice.kind.rawValue), \(text))",
                    logger: logger)
            }
        }
    }

    public func claimExpiryNotice(fingerprint: String, threshold: String, at: Date) async throws -> Bool {
        var claimed = false
        for try await _ in try await client.query(
            "INSERT INTO expiry_notices (fingerprint, threshold, at) VALUES (\(fingerprint), \(threshold), \(at.timeIntervalSince1970)) ON CONFLICT DO NOTHING RETURNING fingerprint",
            logger: logger).decode(String.self) { claimed = true }
        return claimed
    }

    public func history(target: String, limit: Int) async throws -> WatchHistory {
        let latest = try await self.latest(target: target).map(\.snapshot)
        var events: [ChangeEvent] = []
        for try await (address, port, at, kind, before, after, regression) in try await client.query(
            "SELECT address, port, at, kind, before, after, regression FROM events WHERE target = \(target) ORDER BY at DESC, id DESC LIMIT \(limit)",
            logger: logger).decode((String, Int, Double, String, String, String, Bool).self) {
            events.append(ChangeEvent(key: PortKey(target: target, address: address, port: port),
                                      at: Date(timeIntervalSince1970: at), kind: ChangeEvent.Kind(rawValue: kind) ?? .findingAppeared,
                                      before: before, after: after, isRegression: regression))
        }
        var notices: [AlertNotice] = []
        for try await text in try await client.query(
            "SELECT notice FROM notices WHERE target = \(target) ORDER BY at DESC, id DESC LIMIT \(limit)", logger: logger)
            .decode(String.self) {
            notices.append(try SQLiteWatchStore.value(AlertNotice.self, text))
        }
        return WatchHistory(target: target, events: events, notices: notices, latest: latest)
    }

    public func prune(before cutoff: Date) async throws {
        let time = cutoff.timeIntervalSince1970
        try await client.query("DELETE FROM snapshots WHERE checked_at < \(time)", logger: logger)
        try await client.query("DELETE FROM events WHERE at < \(time)", logger: logger)
        try await client.query("DELETE FROM notices WHERE at < \(time)", logger: logger)
        try await client.query("DELETE FROM probes WHERE started_at < \(time)", logger: logger)
    }
}

/// The schedule in the database: due times by the database's clock (workers' clocks may differ), a claimed target
/// leased to its worker, every probe logged with its worker and times.
public actor PostgresTargetSchedule: TargetSchedule {
    let fleet: PostgresFleet
    var targets: [String: WatchConfiguration.Target] = [:]
    var running: Set<String> = []
    var logger: Logger { PostgresFleet.logger }

    init(fleet: PostgresFleet) {
        self.fleet = fleet
    }

    public func update(targets: [WatchConfiguration.Target], jitter: Double, now: Date) async throws {
        self.targets = Dictionary(targets.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let names = targets.map(\.name)
        try await fleet.client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(4242420002)", logger: PostgresFleet.logger)
            for target in targets {
                let spread = Double.random(in: 0...max(0, target.interval * jitter))
                try await connection.query("""
                    INSERT INTO schedule (target, due_at, interval_seconds, jitter)
                    VALUES (\(target.name), \(unescaped: PostgresFleet.epoch) + \(spread), \(target.interval), \(jitter))
                    ON CONFLICT (target) DO UPDATE SET interval_seconds = excluded.interval_seconds, jitter = excluded.jitter
                    """, logger: PostgresFleet.logger)
            }
            try await connection.query("DELETE FROM schedule WHERE NOT (target = ANY(\(names)))", logger: PostgresFleet.logger)
        }
    }

    public func takeDue(at now: Date, limit: Int) async throws -> [WatchConfiguration.Target] {
        let room = limit - running.count
        guard room > 0 else { return [] }
        var claimed: [String] = []
        let worker = fleet.worker
        let rows = try await fleet.client.query("""
            UPDATE schedule SET lease_owner = \(worker), lease_until = \(unescaped: PostgresFleet.epoch) + \(fleet.lease)
            WHERE target IN (
                SELECT target FROM schedule
                WHERE due_at <= \(unescaped: PostgresFleet.epoch) AND (lease_until IS NULL OR lease_until < \(unescaped: PostgresFleet.epoch))
                ORDER BY due_at LIMIT \(room) FOR UPDATE SKIP LOCKED)
            RETURNING target
            """, logger: logger)
        for try await name in rows.decode(String.self) { claimed.append(name) }
        var due: [WatchConfiguration.Target] = []
        for name in claimed {
            guard let target = targets[name] else {
                // Another worker's configuration has it and this one's does not: give it back.
                try await release(name)
                continue
            }
            try await fleet.client.query("INSERT INTO probes (target, worker, started_at) VALUES (\(name), \(worker), \(unescaped: PostgresFleet.epoch))",
                                         logger: logger)
            running.insert(name)
            due.append(target)
        }
        return due
    }

    func release(_ name: String) async throws {
        try await fleet.client.query(
            "UPDATE schedule SET lease_owner = NULL, lease_until = NULL WHERE target = \(name) AND lease_owner = \(fleet.worker)",
            logger: logger)
    }

    public func completed(_ name: String, at now: Date, busy: Bool) async throws {
        running.remove(name)
        let worker = fleet.worker
        let factor = busy ? "LEAST(backoff * 2, 8)" : "1"
        try await fleet.client.query("""
            UPDATE schedule SET backoff = \(unescaped: factor),
                due_at = \(unescaped: PostgresFleet.epoch) + interval_seconds * \(unescaped: factor) * (1 + random() * jitter),
                lease_owner = NULL, lease_until = NULL
            WHERE target = \(name) AND lease_owner = \(worker)
            """, logger: logger)
        try await fleet.client.query("""
            UPDATE probes SET finished_at = \(unescaped: PostgresFleet.epoch) WHERE target = \(name) AND worker = \(worker) AND finished_at IS NULL
            """, logger: logger)
    }

    public func renew(_ name: String, at now: Date) async throws {
        try await fleet.client.query("""
            UPDATE schedule SET lease_until = \(unescaped: PostgresFleet.epoch) + \(fleet.lease) WHERE target = \(name) AND lease_owner = \(fleet.worker)
            """, logger: logger)
    }
}
