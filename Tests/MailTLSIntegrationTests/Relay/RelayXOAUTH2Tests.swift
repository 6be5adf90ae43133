import Foundation
import MailTLSRelay
import TestSupport
import Testing

/// The whole chain of the issue's "done when", all real: a TLS 1.0 device -> the relay -> the token endpoint (HTTPS)
/// -> Postfix submission (TLS 1.2+) -> Dovecot's oauth2 passdb asking the introspection endpoint -> the mailbox.
/// Serialized: the fixture's ports are fixed (the lab's Dovecot names the introspection URL).
@Suite(.serialized, .timeLimit(.minutes(3))) struct RelayXOAUTH2Tests {
    static let recipient = "alice@mailbox.mailtls.test"

    struct Fixture {
        let process: LiveProcess
        let log: URL

        /// The fixture's JSON log lines.
        var entries: [[String: Any]] {
            ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }
    }

    static func startFixture(_ directory: URL, extra: [String] = []) async throws -> Fixture {
        let secret = directory.appendingPathComponent("client-secret")
        FileManager.default.createFile(atPath: secret.path, contents: Data("s3cret-\(UUID().uuidString)\n".utf8),
                                       attributes: [.posixPermissions: 0o600])
        let log = directory.appendingPathComponent("oauth.jsonl")
        let process = try LiveProcess(Tool.env, ["python3", Lab.packageRoot.appendingPathComponent("Tests/Fixtures/oauth_server.py").path,
                                                 "--listen", "127.0.0.20", "--client-id", "mailtls-relay-test",
                                                 "--client-secret-file", secret.path, "--token-length", "2500",
                                                 "--log", log.path] + extra)
        try #require(await process.waitForLine(timeout: 20) { $0 == "ready" } != nil, "fixture: \(process.stderr)")
        return Fixture(process: process, log: log)
    }

    static func upstream(_ directory: URL, grant: String) throws -> String {
        let lab = try Lab.get()
        return """
            upstream:
              host: \(lab["LAB_MAILBOX"])
              port: 587
              ca_file: \(lab.caFile)
              server_name: \(lab["LAB_MAILBOX_SERVERNAME"])
              auth:
                mechanism: xoauth2
                user: \(lab["LAB_USER"])
                oauth2:
                  token_url: \(lab["LAB_MAILBOX_OAUTH_TOKEN_URL"])
                  client_id: mailtls-relay-test
                  client_secret_file: \(directory.path)/client-secret
                  scope: https://outlook.office365.com/.default
                  ca_file: \(lab.caFile)
            \(grant)
            """
    }

    @Test func tls10DeviceThroughXOAUTH2ClientCredentials() async throws {
        let directory = try TestRelay.makeDirectory()
        let fixture = try await Self.startFixture(directory)
        defer { fixture.process.stop() }
        let relay = try await TestRelay.start(TestRelay.standardListeners + "\n"
                                              + (try Self.upstream(directory, grant: "      grant: client_credentials")),
                                              directory: directory)
        let marker = "relay-xoauth2-\(UUID().uuidString.prefix(8))"
        for index in 0..<2 {
            let device = try await DeviceResult.run(["send", "--port", String(relay.port(0)), "--tls", "1.0",
                                                     "--ca", relay.caFile, "--to", Self.recipient,
                                                     "--subject", "\(marker) \(index)"])
            #expect(device.tls?.first == "TLSv1")
            let id = try #require(device.queuedID)
            let event = await relay.waitForEvent { $0.id == id && $0.kind == .delivered }
            #expect(event?.mechanism == "XOAUTH2")
            #expect(event?.tlsVersion == "TLSv1.3" || event?.tlsVersion == "TLSv1.2")
        }
        let stored = try await LabMailbox.waitFor(2, marker: marker)
        #expect(stored.count == 2)
        // One token for both messages (cached until near expiry), validated by Dovecot at each login.
        let issued = fixture.entries.filter { $0["endpoint"] as? String == "token" && $0["result"] as? String == "issued" }
        #expect(issued.count == 1)
        #expect(issued.first?["grant_type"] as? String == "client_credentials")
        let validated = fixture.entries.filter { $0["endpoint"] as? String == "introspect" && $0["active"] as? Bool == true }
        #expect(validated.count >= 1)
        // The token never reaches the log, the events or the terminal.
        let token = try #require(validated.first?["token"] as? String)
        let events = (try? String(contentsOf: directory.appendingPathComponent("spool/deliveries.jsonl"), encoding: .utf8)) ?? ""
        #expect(token.count >= 8 && !events.contains(token))
        await relay.stop()
    }

    /// A refresh token the provider rotates is written back at once, private, and the next start uses the new one.
    @Test func rotatedRefreshTokenIsStoredAtOnce() async throws {
        let directory = try TestRelay.makeDirectory()
        let initial = "rt-initial-\(UUID().uuidString)"
        let fixture = try await Self.startFixture(directory, extra: ["--refresh-token", initial, "--rotate-refresh-tokens"])
        defer { fixture.process.stop() }
        let tokenFile = directory.appendingPathComponent("refresh-token")
        FileManager.default.createFile(atPath: tokenFile.path, contents: Data((initial + "\n").utf8),
                                       attributes: [.posixPermissions: 0o600])
        let grant = "      grant: refresh_token\n      refresh_token_file: \(tokenFile.path)"
        let yaml = TestRelay.standardListeners + "\n" + (try Self.upstream(directory, grant: grant))
        let marker = "relay-refresh-\(UUID().uuidString.prefix(8))"
        for round in 0..<2 {
            let relay = try await TestRelay.start(yaml, directory: directory)
            let device = try await DeviceResult.run(["send", "--port", String(relay.port(2)), "--mode", "plain",
                                                     "--to", Self.recipient, "--subject", "\(marker) \(round)"])
            let id = try #require(device.queuedID)
            let event = await relay.waitForEvent { $0.id == id && ($0.kind == .delivered || $0.kind == .deferred) }
            #expect(event?.kind == .delivered, "\(event?.reply ?? "")")
            let stored = try String(contentsOf: tokenFile, encoding: .utf8).trimmingCharacters(in: .newlines)
            #expect(stored != initial && !stored.isEmpty)
            let mode = try FileManager.default.attributesOfItem(atPath: tokenFile.path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            await relay.stop(keepingDirectory: true)
        }
        defer { try? FileManager.default.removeItem(at: directory) }
        let refreshes = fixture.entries.filter { $0["grant_type"] as? String == "refresh_token" }
        #expect(refreshes.map { $0["result"] as? String } == ["issued", "issued"])
        #expect(try await LabMailbox.waitFor(2, marker: marker).count == 2)
    }

    /// A client secret the endpoint refuses: nothing is sent upstream, the message waits, and the reason is the
    /// endpoint's own (`invalid_client`).
    @Test func refusedClientSecretKeepsTheMailWaiting() async throws {
        let directory = try TestRelay.makeDirectory()
        let fixture = try await Self.startFixture(directory)
        defer { fixture.process.stop() }
        let relay = try await TestRelay.start(TestRelay.standardListeners + "\n"
                                              + (try Self.upstream(directory, grant: "      grant: client_credentials")),
                                              directory: directory)
        FileManager.default.createFile(atPath: directory.appendingPathComponent("client-secret").path,
                                       contents: Data("wrong\n".utf8), attributes: [.posixPermissions: 0o600])
        let device = try await DeviceResult.run(["send", "--port", String(relay.port(2)), "--mode", "plain",
                                                 "--to", Self.recipient])
        let id = try #require(device.queuedID)
        let event = await relay.waitForEvent { $0.id == id && $0.kind == .deferred }
        #expect(event?.problemKind == "credential")
        #expect(event?.reply?.contains("invalid_client") == true, "\(event?.reply ?? "")")
        #expect(relay.runtime.spool.record(id) != nil)
        await relay.stop()
    }
}
