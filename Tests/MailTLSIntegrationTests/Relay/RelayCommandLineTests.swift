import Foundation
import MailTLSRelay
import TestSupport
import Testing

/// `mailtls relay init | test | status | queue` and the relay's errors, as a user meets them.
@Suite(.serialized, .timeLimit(.minutes(3))) struct RelayCommandLineTests {
    static let recipient = "alice@mailbox.mailtls.test"

    @Test(arguments: ["m365", "gmail", "generic"])
    func initWritesAConfigurationTheRelayReads(provider: String) async throws {
        for language in ["en", "ja"] {
            let result = await Tool.mailtls(["relay", "init", "--provider", provider, "--output", "-", "--lang", language])
            #expect(result.status == 0, "\(result.stderr)")
            let configuration = try RelayConfigurationReader.parse(result.stdout)
            #expect(configuration.upstreams.first?.minimumTLS == .tls12)
            #expect(configuration.rules.recipientDomains == ["example.com"])
            #expect(result.stdout.contains(language == "ja" ? "# パスワード" : "# Secrets never go in this file"))
            if provider == "m365" {
                guard case .oauth2(_, let settings) = configuration.upstreams[0].authentication else {
                    Issue.record("m365 is not XOAUTH2")
                    continue
                }
                #expect(settings.scope == "https://outlook.office365.com/.default" && settings.grant == .clientCredentials)
            }
        }
    }

    @Test func initDoesNotOverwriteAndBadConfigurationIsOneLine() async throws {
        let directory = try TestRelay.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("relay.yaml").path
        #expect(await Tool.mailtls(["relay", "init", "--output", path]).status == 0)
        let again = await Tool.mailtls(["relay", "init", "--output", path])
        #expect(again.status == 3 && again.stderr.contains("--force"))
        try Data("listen: [{ port: 2525 }]\nspool: { directory: /tmp/x }\nupstream: { host: h, tls_minmum: 1.2 }\n".utf8)
            .write(to: URL(fileURLWithPath: path))
        let typo = await Tool.mailtls(["relay", "run", "--config", path])
        #expect(typo.status == 3)
        #expect(typo.stderr.contains("relay.yaml:3: upstream.tls_minmum: unknown key"), "\(typo.stderr)")
        #expect(typo.stderr.split(separator: "\n").count == 1)
        let missing = await Tool.mailtls(["relay", "status", "--config", "/nonexistent/relay.yaml", "--lang", "ja"])
        #expect(missing.status == 3 && missing.stderr.contains("mailtls relay init"))
    }

    @Test func portInUseIsExplained() async throws {
        let directory = try TestRelay.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await TestRelay.with({ try TestRelay.standardListeners + "\n" + TestRelay.labUpstream($0) }) { relay in
            let path = directory.appendingPathComponent("relay.yaml")
            try Data(("listen: [{ address: 127.0.0.1, port: \(relay.port(0)) }]\nspool: { directory: \(directory.path)/spool }\n"
                      + (try TestRelay.labUpstream(directory))).utf8).write(to: path)
            let result = await Tool.mailtls(["relay", "run", "--config", path.path])
            #expect(result.status == 3)
            #expect(result.stderr.contains("Port \(relay.port(0)) on 127.0.0.1 is already in use"), "\(result.stderr)")
        }
    }

    /// With no relay running, `relay test` goes straight to the upstream with the relay's settings; `status` and
    /// `queue` read the spool (a message waiting for an upstream that is away), `queue retry` and `delete` act on it.
    @Test func testStatusAndQueueWithoutARunningRelay() async throws {
        let directory = try TestRelay.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let marker = "relay-cli-\(UUID().uuidString.prefix(8))"
        let good = directory.appendingPathComponent("relay.yaml").path
        try Data(("listen: [{ address: 127.0.0.1, port: 0 }]\nspool: { directory: \(directory.path)/spool }\n"
                  + (try TestRelay.labUpstream(directory))).utf8).write(to: URL(fileURLWithPath: good))
        let test = await Tool.mailtls(["relay", "test", "--config", good, "--to", Self.recipient, "--from", Self.recipient],
                                      timeout: 60)
        #expect(test.status == 0, "\(test.stdout) \(test.stderr)")
        #expect(test.stdout.contains("certificate verified") && test.stdout.contains("AUTH PLAIN ok"), "\(test.stdout)")
        #expect(try await LabMailbox.waitFor(1, marker: "mailtls relay test").count >= 1)

        // A message that waits: the upstream is away.
        let away = RelayFaultTests.freePort()
        try await TestRelay.with({ directory in
            TestRelay.standardListeners + "\n" + (try TestRelay.labUpstream(directory, port: away, host: "127.0.0.1"))
        }) { relay in
            let device = try await DeviceResult.run(["send", "--port", String(relay.port(2)), "--mode", "plain",
                                                     "--to", Self.recipient, "--subject", marker])
            let id = try #require(device.queuedID)
            await relay.waitForEvent { $0.id == id && $0.kind == .deferred }
            let config = relay.directory.appendingPathComponent("relay.yaml").path
            try Data(("listen: [{ port: 0 }]\nspool: { directory: \(relay.directory.path)/spool }\n"
                      + (try TestRelay.labUpstream(relay.directory, port: away, host: "127.0.0.1"))).utf8)
                .write(to: URL(fileURLWithPath: config))
            let status = await Tool.mailtls(["relay", "status", "--config", config, "--json"])
            let decoded = try JSONDecoder().decode(RelayStatus.self, from: Data(status.stdout.utf8))
            #expect(decoded.running && decoded.queue.messages == 1 && decoded.queue.deferred == 1)
            #expect(decoded.upstreams.first?.lastProblem?.problemKind == "connect")
            #expect(decoded.devices.first?.address == "127.0.0.1")
            let queue = await Tool.mailtls(["relay", "queue", "--config", config, "--lang", "ja"])
            #expect(queue.stdout.contains(id) && queue.stdout.contains("中継サーバーはプロバイダーに接続できませんでした"),
                    "\(queue.stdout)")
            let retry = await Tool.mailtls(["relay", "queue", "retry", id, "--config", config])
            #expect(retry.status == 0 && retry.stdout.contains("Asked the running relay"))
            await relay.waitForEvent { $0.id == id && $0.kind == .deferred && $0.attempts >= 2 }
            let delete = await Tool.mailtls(["relay", "queue", "delete", id, "--config", config])
            #expect(delete.status == 0)
            let deadline = Date().addingTimeInterval(5)
            while relay.runtime.spool.record(id) != nil && Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
            #expect(relay.runtime.spool.record(id) == nil)
            let unknown = await Tool.mailtls(["relay", "queue", "show", "NOSUCH", "--config", config])
            #expect(unknown.status == 3)
        }
    }

    /// Through a running relay: the test message goes in like a device's and the command reports its delivery.
    @Test func testThroughTheRunningRelay() async throws {
        let directory = try TestRelay.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = RelayFaultTests.freePort()
        let config = try RelayProcessTests.writeConfig(directory, port: port)
        let relay = try await RelayProcessTests.startRelay(config)
        defer { relay.stop() }
        let test = await Tool.mailtls(["relay", "test", "--config", config, "--to", Self.recipient], timeout: 60)
        #expect(test.status == 0, "\(test.stdout) \(test.stderr)")
        #expect(test.stdout.contains("The relay took the test message") && test.stdout.contains("delivered to"),
                "\(test.stdout)")
        _ = try await LabMailbox.waitFor(1, marker: "mailtls relay test")
    }
}
