import Foundation
import Testing

/// Domain and address targets on the small internet (Tests/Lab/internet.sh), through its validating resolver. A
/// domain: every MX host and address on port 25, DANE, MTA-STS and TLS-RPT; a TLSA record that does not match the
/// served certificate is one alert, a domain with everything right is none. An address: its settings discovered as
/// `mailtls setup` does and the servers they name checked; an address with no settings to find is one alert.
@Suite(.serialized, .timeLimit(.minutes(3))) struct WatchDomainTests {
    /// watch.yaml for the small internet: its resolver and trust anchor, alerting at the first failure, to a webhook.
    static func configuration(targets: String, webhook: WebhookReceiver) throws -> String {
        let internet = try Internet.get()
        return """
            defaults:
              ca_file: \(internet.caFile)
              resolver: \(internet.resolverAddress)
              trust_anchor: \(internet.anchors)
              failures_before_alert: 1
            targets:
            \(targets)
            alerts:
              - webhook: \(webhook.url)
            http: { listen: off }
            """
    }

    @Test func daneMismatchAlertsAndAGoodDomainDoesNot() async throws {
        let workspace = try WatchWorkspace("watch-domain")
        defer { workspace.remove() }
        let webhook = try await WebhookReceiver()
        defer { webhook.stop() }
        try workspace.write(try Self.configuration(targets: """
              - domain: good.mailtls.test
              - domain: dane-bad.mailtls.test
                ignore: [certificate-host-mismatch, certificate-not-trusted, mta-sts-missing, tlsrpt-missing]
              - domain: no-such-domain.mailtls.test
            """, webhook: webhook))
        let result = await workspace.once(["--json"])
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let targets = try #require(document["targets"] as? [[String: Any]])
        let byName = Dictionary(uniqueKeysWithValues: targets.compactMap { target in
            (target["target"] as? String).map { ($0, target) }
        })
        #expect(byName["good.mailtls.test"]?["verdict"] as? String == "ok", "\(result.stdout)")
        let goodPorts = (byName["good.mailtls.test"]?["ports"] as? [[String: Any]]) ?? []
        #expect(goodPorts.contains { $0["port"] as? Int == 25 && $0["dane"] as? String == "valid" })
        #expect(goodPorts.contains { $0["port"] as? Int == 0 })
        let badPorts = (byName["dane-bad.mailtls.test"]?["ports"] as? [[String: Any]]) ?? []
        #expect(badPorts.contains { $0["dane"] as? String == "mismatch" }, "\(badPorts)")
        #expect(byName["no-such-domain.mailtls.test"]?["unresolved"] as? Bool == true)
        let validation = await Tool.validate(json: result.stdout, schema: "watch-report.schema.json")
        #expect(validation.status == 0, "\(validation.stderr)")

        let notices = try webhook.notices()
        #expect(notices.filter { $0.target == "dane-bad.mailtls.test" }.map(\.condition) == ["tlsa-invalid"], "\(notices)")
        #expect(!notices.contains { $0.target == "good.mailtls.test" })

        // The words come from mailtls domain's catalogue, in both languages.
        let japanese = await workspace.once(["--lang", "ja"])
        #expect(japanese.stdout.contains("tlsa-invalid"))
        #expect(japanese.stdout.contains("ドメイン") || japanese.stdout.contains("見つかりません"), "\(japanese.stdout)")
    }

    @Test func anAddressIsItsDiscoveredSettingsAndTheirServers() async throws {
        let workspace = try WatchWorkspace("watch-address")
        defer { workspace.remove() }
        let webhook = try await WebhookReceiver()
        defer { webhook.stop() }
        try workspace.write(try Self.configuration(targets: """
              - address: alice@autoconf.mailtls.test
              - address: alice@nullmx.mailtls.test
            """, webhook: webhook))
        let result = await workspace.once(["--json"])
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let targets = try #require(document["targets"] as? [[String: Any]])
        let found = try #require(targets.first { $0["target"] as? String == "alice@autoconf.mailtls.test" })
        #expect(found["verdict"] as? String == "ok")
        let ports = (found["ports"] as? [[String: Any]]) ?? []
        #expect(ports.contains { $0["port"] as? Int == 0
            && $0["settings"] as? String == "IMAP mail.mailtls.test:993 SSL/TLS; SMTP mail.mailtls.test:465 SSL/TLS" })
        #expect(Set(ports.compactMap { $0["port"] as? Int }) == [0, 993, 465])
        #expect(ports.filter { ($0["port"] as? Int ?? 0) > 0 }.allSatisfy { $0["address"] as? String == "mail.mailtls.test/127.0.0.1" })
        let validation = await Tool.validate(json: result.stdout, schema: "watch-report.schema.json")
        #expect(validation.status == 0, "\(validation.stderr)")

        let notices = try webhook.notices()
        #expect(notices.map(\.condition) == ["settings-not-found"], "\(notices)")
        #expect(notices.first?.target == "alice@nullmx.mailtls.test")
        let japanese = await workspace.once(["--lang", "ja"])
        #expect(japanese.stdout.contains("使える設定が見つかりません: 受信、送信"), "\(japanese.stdout)")
    }

    /// The classic DANE outage: the MX starts serving a certificate with a new key that the published TLSA record
    /// does not match (the forwarder at 127.0.0.31, dane-switch-mx, switched from GOOD's server to SELF_SIGNED's).
    /// One alert after three failing probes, by webhook and by e-mail, and one resolution after two passing ones.
    @Test func aTLSAMismatchAlertsOnceAndResolvesWhenFixed() async throws {
        let lab = try Lab.get()
        let workspace = try WatchWorkspace("watch-dane")
        defer { workspace.remove() }
        let webhook = try await WebhookReceiver()
        defer { webhook.stop() }
        let backend = workspace.directory.appendingPathComponent("backend")
        try Data("\(lab["LAB_GOOD"]) 25\n".utf8).write(to: backend)
        let forwarder = try LiveProcess(Tool.env, ["python3", Tool.fixture("tcp_proxy.py"), "127.0.0.31", "25",
                                                   "--backend-file", backend.path])
        defer { forwarder.stop() }
        #expect(try await forwarder.readyPort() == 25)
        let internet = try Internet.get()
        try workspace.write("""
            defaults:
              ca_file: \(internet.caFile)
              resolver: \(internet.resolverAddress)
              trust_anchor: \(internet.anchors)
            targets:
              - domain: dane-switch.mailtls.test
                name: \(workspace.name)
                ignore: [certificate-host-mismatch, certificate-not-trusted, mta-sts-missing, tlsrpt-missing]
            alerts:
              - webhook: \(webhook.url)
            \(try workspace.emailRoute())
            http: { listen: off }
            """)
        let healthy = await workspace.once(["--json"])
        #expect(healthy.status == 0, "\(healthy.stdout)\(healthy.stderr)")
        #expect(healthy.stdout.contains("\"dane\" : \"valid\""), "\(healthy.stdout)")

        try Data("\(lab["LAB_SELF_SIGNED"]) 25\n".utf8).write(to: backend, options: .atomic)
        for _ in 0..<4 {
            let broken = await workspace.once()
            #expect(broken.status == 2 && broken.stdout.contains("tlsa-invalid"), "\(broken.stdout)\(broken.stderr)")
        }
        #expect(try webhook.notices().map(\.kind) == ["firing"])
        try Data("\(lab["LAB_GOOD"]) 25\n".utf8).write(to: backend, options: .atomic)
        for _ in 0..<3 {
            #expect(await workspace.once().status == 0)
        }
        let notices = try webhook.notices()
        #expect(notices.map(\.kind) == ["firing", "resolved"])
        #expect(notices.allSatisfy { $0.condition == "tlsa-invalid" })
        let mails = try await LabMailbox.waitFor(2, marker: workspace.name).map { String(decoding: $0, as: UTF8.self) }
        #expect(mails.contains { $0.contains("Subject: [ALERT] \(workspace.name)") })
        #expect(mails.contains { $0.contains("Subject: [RESOLVED] \(workspace.name)") })
        let history = await Tool.mailtls(["watch", "history", workspace.name, "--config", workspace.configPath, "--json"])
        #expect(history.stdout.contains("\"dane-changed\""), "\(history.stdout)")
    }
}
