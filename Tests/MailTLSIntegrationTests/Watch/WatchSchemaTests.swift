import Foundation
import Testing

/// The watch database knows its schema's version, so that a fleet's workers can be upgraded one by one: a database from
/// before the version was recorded is taken over as it is, and a database a newer mailtls brought further is refused
/// with a clear message and left untouched, in SQLite and in a real PostgreSQL (Tests/Lab/postgres.sh).
@Suite(.serialized, .timeLimit(.minutes(3))) struct WatchSchemaTests {
    static func configuration(database: String?) throws -> String {
        let lab = try Lab.get()
        return (database.map { "database: \($0)\n" } ?? "") + """
            defaults: { ca_file: \(lab.caFile) }
            targets:
              - { host: \(lab["LAB_SERVERNAME"]), name: good, addresses: [\(lab["LAB_GOOD"])], ports: [587] }
            http: { listen: off }
            """
    }

    /// The message for a newer schema, in both languages, and exit code 3 (a setup problem, not a verdict).
    static func expectRefusal(_ workspace: WatchWorkspace, found: String, sourceLocation: SourceLocation = #_sourceLocation)
        async {
        let english = await workspace.once()
        #expect(english.status == 3, "\(english.stdout)\(english.stderr)", sourceLocation: sourceLocation)
        #expect(english.stderr.contains("was brought to a newer schema by a newer mailtls (\(found); this one knows up to v1)"),
                "\(english.stderr)", sourceLocation: sourceLocation)
        #expect(english.stderr.contains("Update mailtls on this machine."), sourceLocation: sourceLocation)
        #expect(!english.stdout.contains("good: OK"), "nothing was checked", sourceLocation: sourceLocation)
        let japanese = await workspace.once(["--lang", "ja"])
        #expect(japanese.status == 3, sourceLocation: sourceLocation)
        #expect(japanese.stderr.contains("新しい mailtls で更新されています（スキーマ \(found)。この mailtls が扱えるのは v1 までです）"),
                "\(japanese.stderr)", sourceLocation: sourceLocation)
    }

    @Test func sqliteFromANewerMailtlsIsRefusedUntouched() async throws {
        let workspace = try WatchWorkspace("watch-schema-sqlite")
        defer { workspace.remove() }
        try workspace.write(try Self.configuration(database: nil))
        let first = await workspace.once()
        #expect(first.status == 0 && first.stdout.contains("good: OK"), "\(first.stdout)\(first.stderr)")
        let database = workspace.directory.appendingPathComponent("mailtls-watch.sqlite").path
        // What a newer mailtls leaves: a migration this one does not know.
        let sqlite = { (sql: String) in
            await Tool.run(Tool.env, ["python3", "-c", """
                import sqlite3, sys
                db = sqlite3.connect(sys.argv[1])
                print("\\n".join("|".join(map(str, row)) for row in db.execute(sys.argv[2])))
                db.commit()
                """, database, sql])
        }
        #expect(await sqlite("INSERT INTO grdb_migrations VALUES ('v2')").status == 0)
        let before = await sqlite("SELECT count(*), max(checked_at) FROM latest")
        await Self.expectRefusal(workspace, found: "v2")
        #expect(await sqlite("SELECT count(*), max(checked_at) FROM latest").stdout == before.stdout, "the database was written")
        // The same database without the newer migration is this version's again.
        #expect(await sqlite("DELETE FROM grdb_migrations WHERE identifier = 'v2'").status == 0)
        #expect(await workspace.once().status == 0)
    }

    @Test func postgresIsNumberedTakenOverAndRefusedWhenNewer() async throws {
        let postgres = try WatchFleetTests.Postgres.get()
        let database = await postgres.newDatabase("watch_schema")
        defer { postgres.dropSoon(database) }
        let workspace = try WatchWorkspace("watch-schema-pg")
        defer { workspace.remove() }
        try workspace.write(try Self.configuration(database: postgres.url(database)))

        // A new database gets the tables and its version.
        let first = await workspace.once()
        #expect(first.status == 0 && first.stdout.contains("good: OK"), "\(first.stdout)\(first.stderr)")
        #expect(await postgres.psql(database, "SELECT version FROM mailtls_schema").stdout == "1\n")

        // A database set up before versions were recorded (the tables, no mailtls_schema) is taken over, its rows kept.
        #expect(await postgres.psql(database, "DROP TABLE mailtls_schema").status == 0)
        #expect(await postgres.psql(database, "SELECT count(*) FROM latest").stdout == "1\n")
        #expect(await workspace.once().status == 0)
        #expect(await postgres.psql(database, "SELECT version FROM mailtls_schema").stdout == "1\n")
        #expect(await postgres.psql(database, "SELECT count(*) FROM snapshots").stdout != "0\n")

        // A newer mailtls brought it to version 2: refused, and nothing written.
        #expect(await postgres.psql(database, "INSERT INTO mailtls_schema VALUES (2, 0, 'a newer worker')").status == 0)
        let before = await postgres.psql(database, "SELECT count(*), max(checked_at) FROM latest")
        await Self.expectRefusal(workspace, found: "v2")
        #expect(await postgres.psql(database, "SELECT count(*), max(checked_at) FROM latest").stdout == before.stdout)
    }
}
