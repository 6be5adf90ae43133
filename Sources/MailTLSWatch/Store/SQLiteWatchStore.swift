import Foundation
import GRDB
import MailTLSCore
import Synchronization

/// The monitor's memory in one SQLite file, created with its schema when missing and migrated when older.
public final class SQLiteWatchStore: WatchStore {
    private let database: DatabaseQueue
    /// Decoded snapshots by port and the time they were taken: a row whose time has not changed is the same facts,
    /// so the dashboard and /metrics decode only what changed since they last asked (JSON decoding was most of a
    /// 10,000-target page).
    private let decoded = Mutex<[PortKey: (checkedAt: Double, snapshot: PortSnapshot)]>([:])
    /// Decoded alert states by their stored text: most do not change between two requests, and decoding their
    /// typed evidence on every dashboard request cost a tenth of a 10,000-target page.
    private let decodedStates = Mutex<[String: AlertState]>([:])

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        database = try DatabaseQueue(path: path, configuration: configuration)
        let migrator = Self.migrator
        let unknown = try database.read { db in try migrator.appliedIdentifiers(db).subtracting(migrator.migrations) }
        if let found = unknown.sorted().last {
            throw WatchSchemaTooNew(found: found, known: migrator.migrations.last ?? "")
        }
        try migrator.migrate(database)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE latest (
                    target TEXT NOT NULL, address TEXT NOT NULL, port INTEGER NOT NULL,
                    checked_at REAL NOT NULL, facts TEXT NOT NULL,
                    was_open INTEGER NOT NULL, best_version TEXT, last_history_at REAL,
                    PRIMARY KEY (target, address, port));
                CREATE TABLE snapshots (
                    id INTEGER PRIMARY KEY, target TEXT NOT NULL, address TEXT NOT NULL, port INTEGER NOT NULL,
                    checked_at REAL NOT NULL, facts TEXT NOT NULL);
                CREATE INDEX snapshots_by_port ON snapshots (target, address, port, checked_at);
                CREATE TABLE events (
                    id INTEGER PRIMARY KEY, target TEXT NOT NULL, address TEXT NOT NULL, port INTEGER NOT NULL,
                    at REAL NOT NULL, kind TEXT NOT NULL, before TEXT NOT NULL, after TEXT NOT NULL,
                    regression INTEGER NOT NULL);
                CREATE INDEX events_by_target ON events (target, at);
                CREATE TABLE alert_states (
                    target TEXT NOT NULL, address TEXT NOT NULL, port INTEGER NOT NULL, condition TEXT NOT NULL,
                    state TEXT NOT NULL,
                    PRIMARY KEY (target, address, port, condition));
                CREATE TABLE notices (
                    id INTEGER PRIMARY KEY, target TEXT NOT NULL, address TEXT NOT NULL, port INTEGER NOT NULL,
                    at REAL NOT NULL, kind TEXT NOT NULL, notice TEXT NOT NULL);
                CREATE INDEX notices_by_target ON notices (target, at);
                CREATE TABLE expiry_notices (
                    fingerprint TEXT NOT NULL, threshold TEXT NOT NULL, at REAL NOT NULL,
                    PRIMARY KEY (fingerprint, threshold));
                """)
        }
        return migrator
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }()

    static func json<Value: Encodable>(_ value: Value) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func value<Value: Decodable>(_ type: Value.Type, _ text: String) throws -> Value {
        try decoder.decode(type, from: Data(text.utf8))
    }

    public func latest(target: String?) async throws -> [PortMemory] {
        try await database.read { db in
            // Two queries however large the fleet: the ports, then every alert state, grouped here.
            var states: [PortKey: [AlertState]] = [:]
            let knownStates = decodedStates.withLock { $0 }
            var seenStates: [String: AlertState] = [:]
            for text in try String.fetchAll(
                db, sql: "SELECT state FROM alert_states WHERE (?1 IS NULL OR target = ?1) ORDER BY condition",
                arguments: [target]) {
                let state = try knownStates[text] ?? Self.value(AlertState.self, text)
                seenStates[text] = state
                states[state.key, default: []].append(state)
            }
            // The whole fleet's states replace the cache (so it never outgrows the table); one target's join it.
            decodedStates.withLock { cache in
                if target == nil { cache = seenStates } else { cache.merge(seenStates) { _, new in new } }
            }
            let rows = try Row.fetchCursor(
                db, sql: "SELECT * FROM latest WHERE (?1 IS NULL OR target = ?1) ORDER BY target, address, port",
                arguments: [target])
            var memories: [PortMemory] = []
            var fresh: [PortKey: (checkedAt: Double, snapshot: PortSnapshot)] = [:]
            let known = decoded.withLock { $0 }
            while let row = try rows.next() {
                let key = PortKey(target: row["target"], address: row["address"], port: row["port"])
                let checkedAt: Double = row["checked_at"]
                let snapshot: PortSnapshot
                if let cached = known[key], cached.checkedAt == checkedAt {
                    snapshot = cached.snapshot
                } else {
                    snapshot = try Self.value(PortSnapshot.self, row["facts"])
                    fresh[key] = (checkedAt, snapshot)
                }
                let lastHistory: Double? = row["last_history_at"]
                memories.append(PortMemory(
                    snapshot: snapshot, alertStates: states[snapshot.key] ?? [],
                    wasOpenBefore: (row["was_open"] as Int) != 0,
                    bestVersionSeen: (row["best_version"] as String?).flatMap(TLSVersion.init(rawValue:)),
                    lastHistoryAt: lastHistory.map(Date.init(timeIntervalSince1970:))))
            }
            if !fresh.isEmpty { decoded.withLock { $0.merge(fresh) { _, new in new } } }
            return memories
        }
    }

    public func record(_ probe: ProbeRecord) async throws {
        let snapshot = probe.snapshot
        let key = snapshot.key
        let encoded = try EncodedProbe(probe)
        let (facts, states, notices) = (encoded.facts, encoded.states, encoded.notices)
        try await database.write { db in
            let keyArguments: StatementArguments = [key.target, key.address, key.port]
            let previous = try Row.fetchOne(db, sql: "SELECT was_open, best_version, last_history_at FROM latest WHERE target = ? AND address = ? AND port = ?",
                                            arguments: keyArguments)
            let wasOpen = (previous.map { ($0["was_open"] as Int) != 0 } ?? false) || snapshot.state == .open
            let previousBest = (previous?["best_version"] as String?).flatMap(TLSVersion.init(rawValue:))
            let best = [previousBest, snapshot.versions.max()].compactMap { $0 }.max()
            var lastHistory: Double? = previous?["last_history_at"]
            if probe.writeHistory {
                try db.execute(sql: "INSERT INTO snapshots (target, address, port, checked_at, facts) VALUES (?, ?, ?, ?, ?)",
                               arguments: [key.target, key.address, key.port, snapshot.checkedAt.timeIntervalSince1970, facts])
                lastHistory = snapshot.checkedAt.timeIntervalSince1970
            }
            try db.execute(sql: """
                INSERT INTO latest (target, address, port, checked_at, facts, was_open, best_version, last_history_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (target, address, port) DO UPDATE SET checked_at = excluded.checked_at,
                    facts = excluded.facts, was_open = excluded.was_open, best_version = excluded.best_version,
                    last_history_at = excluded.last_history_at
                """, arguments: [key.target, key.address, key.port, snapshot.checkedAt.timeIntervalSince1970, facts,
                                 wasOpen ? 1 : 0, best?.rawValue, lastHistory])
            for event in probe.events {
                try db.execute(sql: "INSERT INTO events (target, address, port, at, kind, before, after, regression) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                               arguments: [key.target, key.address, key.port, event.at.timeIntervalSince1970,
                                           event.kind.rawValue, event.before, event.after, event.isRegression ? 1 : 0])
            }
            try db.execute(sql: "DELETE FROM alert_states WHERE target = ? AND address = ? AND port = ?", arguments: keyArguments)
            for (condition, state) in states {
                try db.execute(sql: "INSERT INTO alert_states (target, address, port, condition, state) VALUES (?, ?, ?, ?, ?)",
                               arguments: [key.target, key.address, key.port, condition, state])
            }
            for (notice, text) in notices {
                try db.execute(sql: "INSERT INTO notices (target, address, port, at, kind, notice) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: [notice.key.target, notice.key.address, notice.key.port,
                                           notice.at.timeIntervalSince1970, notice.kind.rawValue, text])
            }
        }
    }

    public func claimExpiryNotice(fingerprint: String, threshold: String, at: Date) async throws -> Bool {
        try await database.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO expiry_notices (fingerprint, threshold, at) VALUES (?, ?, ?)",
                           arguments: [fingerprint, threshold, at.timeIntervalSince1970])
            return db.changesCount == 1
        }
    }

    public func history(target: String, limit: Int) async throws -> WatchHistory {
        let latest = try await self.latest(target: target).map(\.snapshot)
        return try await database.read { db in
            let events = try Row.fetchAll(
                db, sql: "SELECT * FROM events WHERE target = ? ORDER BY at DESC, id DESC LIMIT ?", arguments: [target, limit]
            ).map { row in
                ChangeEvent(key: PortKey(target: row["target"], address: row["address"], port: row["port"]),
                            at: Date(timeIntervalSince1970: row["at"]),
                            kind: ChangeEvent.Kind(rawValue: row["kind"]) ?? .findingAppeared,
                            before: row["before"], after: row["after"], isRegression: (row["regression"] as Int) != 0)
            }
            let notices = try String.fetchAll(
                db, sql: "SELECT notice FROM notices WHERE target = ? ORDER BY at DESC, id DESC LIMIT ?", arguments: [target, limit]
            ).map { try Self.value(AlertNotice.self, $0) }
            return WatchHistory(target: target, events: events, notices: notices, latest: latest)
        }
    }

    public func prune(before cutoff: Date) async throws {
        let time = cutoff.timeIntervalSince1970
        try await database.write { db in
            try db.execute(sql: "DELETE FROM snapshots WHERE checked_at < ?", arguments: [time])
            try db.execute(sql: "DELETE FROM events WHERE at < ?", arguments: [time])
            try db.execute(sql: "DELETE FROM notices WHERE at < ?", arguments: [time])
        }
    }
}
