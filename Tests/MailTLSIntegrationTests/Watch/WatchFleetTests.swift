import Foundation
import Testing

/// Three `mailtls watch` workers sharing one real PostgreSQL (Tests/Lab/postgres.sh), one of them killed with SIGKILL
/// in the middle of its probes. Every target is still probed, the killed worker's targets by another worker once its
/// lease ran out, and no target is ever probed by two workers at once (the probe log in the database shows who
/// probed what, when). The targets are the lab's Postfix behind a 3-second greeting, so probes are in flight when
/// the kill comes.
@Suite(.serialized, .timeLimit(.minutes(4))) struct WatchFleetTests {
    struct Postgres {
        let host: String
        let port: String
        let user: String
        let bin: String

        static func get() throws -> Postgres {
            guard let text = try? String(contentsOfFile: "/tmp/mailtls-pg/pg.env", encoding: .utf8) else {
                throw LabError(message: "no PostgreSQL lab: run Tests/Lab/postgres.sh up (scripts/test does)")
            }
            var values: [String: String] = [:]
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
                if parts.count == 2 { values[parts[0]] = parts[1] }
            }
            return Postgres(host: values["PG_HOST"] ?? "", port: values["PG_PORT"] ?? "", user: values["PG_USER"] ?? "",
                            bin: values["PG_BIN"] ?? "")
        }

        func psql(_ database: String, _ sql: String) async -> ProcessRunner.Result {
            await Tool.run("\(bin)/psql", ["-h", host, "-p", port, "-U", user, "-d", database, "-At", "-F", "|",
                                           "-v", "ON_ERROR_STOP=1", "-c", sql])
        }

        func url(_ database: String) -> String { "postgres://\(user)@\(host):\(port)/\(database)" }

        /// A new database for one test, named from `prefix`.
        func newDatabase(_ prefix: String, sourceLocation: SourceLocation = #_sourceLocation) async -> String {
            let database = "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
            let created = await psql("postgres", "CREATE DATABASE \(database)")
            #expect(created.status == 0, "\(created.stderr)", sourceLocation: sourceLocation)
            return database
        }

        /// Drops `database` once its last connection is gone, without waiting (for a `defer`).
        func dropSoon(_ database: String) {
            Task { _ = await psql("postgres", "DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }
        }
    }

    struct Probe {
        var target: String
        var worker: String
        var started: Double
        var finished: Double?
    }

    @Test func threeWorkersSurviveAKillWithNoTargetLostOrProbedTwiceAtOnce() async throws {
        let lab = try Lab.get()
        let postgres = try Postgres.get()
        let database = await postgres.newDatabase("watch_fleet")
        defer { postgres.dropSoon(database) }
        let workspace = try WatchWorkspace("watch-fleet")
        defer { workspace.remove() }
        let lease = 6.0
        let targets = (1...18).map { index in
            "  - { host: \(lab.serverName), name: mx\(index), addresses: [\(lab["LAB_SLOW_GREETING"])], ports: [25] }"
        }
        try workspace.write("""
            database: \(postgres.url(database))
            lease: \(Int(lease))s
            defaults:
              ca_file: \(lab.caFile)
              jitter: 0%
              concurrent_targets: 3
            targets:
            \(targets.joined(separator: "\n"))
            http: { listen: off }
            """)
        var workers: [LiveProcess] = []
        for _ in 0..<3 {
            workers.append(try LiveProcess(ProcessRunner.mailtlsBinary, ["watch", "--config", workspace.configPath, "--lang", "en"]))
        }
        defer { workers.forEach { $0.stop() } }

        // Once the first worker holds probes in flight (a 3-second greeting each), it dies without a word.
        let deadline = Date().addingTimeInterval(30)
        var inFlight = false
        while Date() < deadline, !inFlight {
            let rows = await postgres.psql(database, "SELECT count(*) FROM probes WHERE finished_at IS NULL GROUP BY worker HAVING count(*) >= 2")
            inFlight = rows.status == 0 && !rows.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            if !inFlight { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(inFlight, "no worker had probes in flight")
        let victimRow = await postgres.psql(database, "SELECT worker FROM probes WHERE finished_at IS NULL GROUP BY worker ORDER BY count(*) DESC LIMIT 1")
        let victim = victimRow.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let pid = victim.split(separator: "-").dropLast().last.flatMap { Int32($0) }
        let victimProcess = try #require(workers.first { $0.processID == pid }, "worker id \(victim)")
        victimProcess.signal(SIGKILL)

        // Every target ends with a finished probe: the killed worker's ones once their leases ran out.
        var probes: [Probe] = []
        let end = Date().addingTimeInterval(90)
        while Date() < end {
            let rows = await postgres.psql(database, "SELECT target, worker, started_at, coalesce(finished_at, -1) FROM probes ORDER BY target, started_at")
            probes = rows.stdout.split(separator: "\n").compactMap { line in
                let fields = line.split(separator: "|").map(String.init)
                guard fields.count == 4, let started = Double(fields[2]), let finished = Double(fields[3]) else { return nil }
                return Probe(target: fields[0], worker: fields[1], started: started, finished: finished < 0 ? nil : finished)
            }
            if Set(probes.filter { $0.finished != nil }.map(\.target)).count == 18 { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        let done = Set(probes.filter { $0.finished != nil }.map(\.target))
        #expect(done.count == 18, "targets never probed to the end: \(Set((1...18).map { "mx\($0)" }).subtracting(done).sorted())")
        let abandoned = probes.filter { $0.worker == victim && $0.finished == nil }
        #expect(!abandoned.isEmpty, "the killed worker had probes in flight")
        for probe in abandoned {
            #expect(probes.contains { $0.target == probe.target && $0.worker != victim && $0.finished != nil && $0.started >= probe.started + lease - 0.5 },
                    "\(probe.target) was taken over only after the lease ran out")
        }
        // No two probes of one target overlap: each begins after the one before ended (or its lease ran out).
        for target in Set(probes.map(\.target)) {
            let ordered = probes.filter { $0.target == target }.sorted { $0.started < $1.started }
            for (first, second) in zip(ordered, ordered.dropFirst()) {
                let end = first.finished ?? (first.started + lease)
                #expect(second.started >= end - 0.5, "\(target): \(first.worker) and \(second.worker) overlap")
            }
        }
        // The history was written by the survivors, one latest row per target.
        let latest = await postgres.psql(database, "SELECT count(*) FROM latest")
        #expect(latest.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "18")

        for worker in workers where worker !== victimProcess {
            worker.stop()
            #expect(await worker.waitForExit(timeout: 30) == 0, "\(worker.stderr)")
        }
        #expect(await victimProcess.waitForExit(timeout: 5) == 128 + SIGKILL)
    }
}
