import Foundation
import MailTLSCheck
import MailTLSConfigurationFile
import MailTLSCore
import Testing

@testable import MailTLSWatch

@Suite struct WatchConfigurationReaderTests {
    @Test func aHostIsEnoughAndGetsTheGentleDefaults() throws {
        let configuration = try WatchConfigurationReader.parse("targets:\n  - host: mail.example.com\n")
        #expect(configuration.database == "mailtls-watch.sqlite")
        #expect(configuration.targets.count == 1)
        let target = configuration.targets[0]
        #expect(target.name == "mail.example.com")
        #expect(target.host == "mail.example.com")
        #expect(target.ports == PortSpec.wellKnown)
        #expect(target.interval == 3600)
        #expect(configuration.defaults.connectionsPerHost == 2)
        #expect(configuration.defaults.failuresBeforeAlert == 3)
        #expect(configuration.defaults.successesBeforeResolve == 2)
        #expect(configuration.alerts.isEmpty)
    }

    @Test func everyKeyIsRead() throws {
        let text = """
            database: /var/lib/mailtls/watch.sqlite
            defaults:
              interval: 30m
              jitter: 20%
              ports: [25, 587]
              timeout: 15s
              connections_per_host: 1
              concurrent_targets: 4
              expiry: [30d, 7d, 5%]
              failures_before_alert: 2
              successes_before_resolve: 3
              alert_severity: critical
              ca_file: /etc/ssl/private-ca.pem
            templates:
              submission: { ports: [465, "2465:smtp:tls"], interval: 2h, ignore: [certificate-self-signed] }
            targets:
              - host: mx1.example.com
                name: Main MX
                server_name: mail.example.com
                addresses: [192.0.2.1, "2001:db8::1"]
              - host: smtp.example.net
                template: submission
                interval: 5m
            alerts:
              - webhook: https://hooks.example.com/mailtls
              - slack: https://hooks.slack.com/services/T/B/X
                severity: critical
              - email:
                  to: [admin@example.com, ops@example.com]
                  from: monitor@example.com
                  server: { host: smtp.example.com, port: 465, auth: { user: monitor@example.com, password_file: /etc/mailtls/pw } }
            """
        let configuration = try WatchConfigurationReader.parse(text)
        #expect(configuration.database == "/var/lib/mailtls/watch.sqlite")
        let defaults = configuration.defaults
        #expect(defaults.interval == 1800)
        #expect(defaults.jitter == 0.2)
        #expect(defaults.ports.map(\.port) == [25, 587])
        #expect(defaults.timeout == 15)
        #expect(defaults.connectionsPerHost == 1)
        #expect(defaults.concurrentTargets == 4)
        #expect(defaults.expiry.thresholds == [.days(30), .days(7), .percent(5)])
        #expect(defaults.failuresBeforeAlert == 2)
        #expect(defaults.successesBeforeResolve == 3)
        #expect(defaults.alertSeverity == .critical)
        #expect(defaults.caFile == "/etc/ssl/private-ca.pem")

        let main = configuration.targets[0]
        #expect(main.name == "Main MX")
        #expect(main.serverName == "mail.example.com")
        #expect(main.addresses == ["192.0.2.1", "2001:db8::1"])
        #expect(main.ports.map(\.port) == [25, 587])
        // A template gives its settings; the target's own win.
        let submission = configuration.targets[1]
        #expect(submission.ports == [PortSpec(port: 465, mailProtocol: .smtp, mode: .implicitTLS, isExplicit: true),
                                     PortSpec(port: 2465, mailProtocol: .smtp, mode: .implicitTLS, isExplicit: true)])
        #expect(submission.interval == 300)
        #expect(submission.ignore == ["certificate-self-signed"])

        #expect(configuration.alerts.count == 3)
        #expect(configuration.alerts[0].channel == .webhook(URL(string: "https://hooks.example.com/mailtls")!))
        #expect(configuration.alerts[0].minimumSeverity == .warning)
        #expect(configuration.alerts[1].minimumSeverity == .critical)
        guard case .email(let email) = configuration.alerts[2].channel else {
            Issue.record("the third route is e-mail")
            return
        }
        #expect(email.to == ["admin@example.com", "ops@example.com"])
        #expect(email.server.port == 465)
        #expect(email.server.mode == .implicitTLS)
    }

    /// Each mistake names its line and key, and what would be right.
    @Test(arguments: [
        ("targets:\n  - host: a.example\n    prots: [25]\n", 3, "targets[0].prots", "unknown key"),
        ("targets:\n  - host: a.example\n    ports: [26]\n", 3, "targets[0].ports[0]", "not a mail port"),
        ("targets:\n  - host: a.example\n    ports: [25, 25]\n", 3, "targets[0].ports[1]", "listed twice"),
        ("targets:\n  - host: a.example\n  - host: a.example\n", 3, "targets[1]", "used twice"),
        ("targets:\n  - host: a.example\n    template: nope\n", 3, "targets[0].template", "no template named 'nope'"),
        ("targets:\n  - name: x\n", 2, "targets[0]", "host: or domain: is missing"),
        ("targets:\n  - domain: example.com\n    ports: [25]\n", 3, "targets[0].ports", "does not apply"),
        ("targets:\n  - { host: a.example, domain: example.com }\n", 2, "targets[0]", "not both"),
        ("targets:\n  - address: root\n", 2, "targets[0].address", "not an e-mail address"),
        ("targets:\n  - { address: a@example.com, ports: [993] }\n", 2, "targets[0].ports", "does not apply"),
        ("targets:\n  - { address: a@example.com, host: mail.example.com }\n", 2, "targets[0]", "give one of host:"),
        ("database: postgres://u:secret@db.example/watch\ntargets:\n  - host: a.example\n", 1, "database",
         "database_password_file"),
        ("database: postgres://db.example/watch\ntargets:\n  - host: a.example\n", 1, "database", "needs a user"),
        ("database: postgres://u@db.example/watch?sslmode=prefer\ntargets:\n  - host: a.example\n", 1, "database",
         "sslmode=disable or sslmode=verify-full"),
        ("defaults:\n  interval: 10s\ntargets:\n  - host: a.example\n", 2, "defaults.interval", "1m to 7d"),
        ("defaults:\n  expiry: [soon]\ntargets:\n  - host: a.example\n", 2, "defaults.expiry[0]", "14d"),
        ("defaults:\n  jitter: 90%\ntargets:\n  - host: a.example\n", 2, "defaults.jitter", "0% to 50%"),
        ("targets:\n  - host: a.example\n    addresses: [mail.example]\n", 3, "targets[0].addresses[0]", "not an IPv4 or IPv6"),
        ("targets:\n  - host: a.example\n    ignore: [expired]\n", 3, "targets[0].ignore[0]", "not a finding"),
        ("targets:\n  - host: a.example\nalerts:\n  - webhook: ftp://x.example/\n", 4, "alerts[0].webhook", "http://"),
        ("targets:\n  - host: a.example\nalerts:\n  - email: { to: root, from: a@b.example, server: { host: h } }\n", 4,
         "alerts[0].email.to", "not an e-mail address"),
        ("targets:\n  - host: a.example\nalerts:\n  - email: { to: a@b.example, from: a@b.example, server: { host: h, auth: { user: u, password: p } } }\n",
         4, "alerts[0].email.server.auth", "passwords never go in this file"),
        ("targets: []\n", 1, "targets", "at least one target"),
        ("targets:\n  - host: [a\n", 3, "", "not valid YAML"),
    ])
    func mistakesNameTheirLine(text: String, line: Int, key: String, problem: String) {
        #expect(throws: ConfigurationFailure.self) { try WatchConfigurationReader.parse(text) }
        do {
            _ = try WatchConfigurationReader.parse(text)
        } catch {
            #expect(error.line == line, "\(error)")
            #expect(error.key == key, "\(error)")
            #expect(error.problem.contains(problem), "\(error)")
        }
    }

    @Test func aSharedDatabaseIsAPostgresURL() throws {
        let configuration = try WatchConfigurationReader.parse("""
            database: postgres://mailtls@db.example.com:6432/fleet
            database_password_file: /etc/mailtls/db-password
            lease: 90s
            targets:
              - domain: example.com
            """)
        let location = try #require(configuration.postgres)
        #expect(location == PostgresLocation(host: "db.example.com", port: 6432, user: "mailtls", database: "fleet",
                                             verifiedTLS: true, passwordFile: "/etc/mailtls/db-password"))
        #expect(configuration.lease == 90)
        #expect(configuration.targets[0].kind == .domain("example.com"))
        let loopback = try WatchConfigurationReader.parse("database: postgres://m@127.0.0.30/w\ntargets: [{ host: a.example }]\n")
        #expect(loopback.postgres?.verifiedTLS == false, "no TLS on loopback unless asked")
        #expect(try WatchConfigurationReader.parse("targets: [{ host: a.example }]\n").postgres == nil)
    }

    @Test func aRelativeDatabaseIsBesideTheFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("watch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("watch.yaml")
        try "targets:\n  - host: a.example\n".write(to: file, atomically: true, encoding: .utf8)
        let configuration = try WatchConfigurationReader.load(path: file.path)
        #expect(configuration.database == directory.appendingPathComponent("mailtls-watch.sqlite").path)
    }

    @Test func aMissingFileSaysHowToMakeOne() {
        do {
            _ = try WatchConfigurationReader.load(path: "/nonexistent/watch.yaml")
            Issue.record("a missing file is an error")
        } catch {
            #expect(error.problem.contains("mailtls watch init"))
        }
    }
}
