import Foundation
import MailTLSRelay
import MailTLSReport
import MailTLSSandbox
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Never an open relay, and no peer can make it hang or take what it must not: each attempt gets a clear reply and
/// nothing reaches the spool.
@Suite(.timeLimit(.minutes(3))) struct RelayRefusalTests {
    static func config(_ directory: URL, idle: String = "2s", networks: String = "") throws -> String {
        TestRelay.standardListeners + "\n" + networks
            + "\nrules: { recipient_domains: [mailbox.mailtls.test], max_message_size: 64K, idle_timeout: \(idle),"
            + " max_connections: 50, max_connections_per_client: 50 }\n"
            + (try TestRelay.labUpstream(directory))
    }

    static func spoolIsEmpty(_ relay: TestRelay) -> Bool {
        relay.runtime.spool.count == 0
            && ((try? FileManager.default.contentsOfDirectory(atPath: relay.directory.appendingPathComponent("spool/queue").path)) ?? []).isEmpty
    }

    @Test func clientFromANetworkNotAllowedIsTurnedAway() async throws {
        try await TestRelay.with({ try Self.config($0, networks: "allowed_networks: [127.0.0.1/32]") }) { relay in
            let outsider = try await DeviceResult.run(["send", "--port", String(relay.port(2)), "--mode", "plain",
                                                       "--source", "127.0.0.5", "--to", "alice@mailbox.mailtls.test"])
            #expect(outsider.error?.contains("554") == true, "\(outsider.error ?? "accepted")")
            let reports = await relay.waitForReports(1)
            #expect(reports.first?.protocolViolations.contains("client network not allowed") == true)
            #expect(Self.spoolIsEmpty(relay))
            // The allowed address still gets through.
            let insider = try await DeviceResult.run(["send", "--port", String(relay.port(2)), "--mode", "plain",
                                                      "--source", "127.0.0.1", "--to", "alice@mailbox.mailtls.test",
                                                      "--subject", "relay-allowed-\(UUID().uuidString.prefix(8))"])
            #expect(insider.dataCode == 250)
        }
    }

    @Test func recipientOutsideTheAllowedDomainsIsRefused() async throws {
        try await TestRelay.with({ try Self.config($0) }) { relay in
            let device = try await DeviceResult.run(["send", "--port", String(relay.port(2)), "--mode", "plain",
                                                     "--to", "victim@elsewhere.example", "--to", "x@mailbox.mailtls.test.evil"])
            #expect(device.rcpt?.map { $0.first } == [.code(550), .code(550)])
            #expect(device.rcpt?.first?.last?.text?.contains("Relay access denied") == true)
            #expect(device.data == nil)
            #expect(Self.spoolIsEmpty(relay))
        }
    }

    @Test func oversizedMessageIsRefusedAndNotKept() async throws {
        try await TestRelay.with({ try Self.config($0) }) { relay in
            let device = try await DeviceResult.run(["send", "--port", String(relay.port(2)), "--mode", "plain",
                                                     "--to", "alice@mailbox.mailtls.test", "--size", "200000"])
            #expect(device.dataCode == 552 || device.error?.contains("552") == true, "\(device)")
            #expect(Self.spoolIsEmpty(relay))
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: relay.directory.appendingPathComponent("spool/incoming").path)) ?? []).isEmpty)
        }
    }

    @Test func garbageGetsErrorsThenTheDoor() async throws {
        try await TestRelay.with({ try Self.config($0) }) { relay in
            let port = relay.port(2)
            let transcript = await onOwnThread { () -> String in
                guard let client = RawClient(host: "127.0.0.1", port: port) else { return "no connection" }
                var junk: [UInt8] = []
                var generator = SystemRandomNumberGenerator()
                for _ in 0..<40 {
                    junk += (0..<200).map { _ in UInt8.random(in: 0x20...0xFF, using: &generator) } + [0x0D, 0x0A]
                }
                client.send(junk)
                // Returns when the relay closes; the bound only matters if it never does.
                return client.readAll(timeout: 20)
            }
            #expect(transcript.hasPrefix("220 "))
            #expect(transcript.contains("500 5.5.2"))
            #expect(transcript.contains("421 4.7.0"), "\(transcript.suffix(200))")
            #expect(Self.spoolIsEmpty(relay))
        }
    }

    /// One byte a second never completes a line: the connection is closed after the idle time, not kept.
    @Test func oneByteASecondIsCutOff() async throws {
        try await TestRelay.with({ try Self.config($0) }) { relay in
            let port = relay.port(2)
            let seconds = await onOwnThread { () -> Double in
                guard let client = RawClient(host: "127.0.0.1", port: port, timeout: 15) else { return -1 }
                let started = Date()
                _ = client.readLine()
                for byte in Array("EHLO slow.device.test".utf8) {
                    // A byte, then a second's wait, which ends early if the relay closes the connection.
                    if !client.send([byte]) || client.waitForClose(seconds: 1) { break }
                }
                return Date().timeIntervalSince(started)
            }
            #expect(seconds > 1.5 && seconds < 8, "closed after \(seconds) s")
            let reports = await relay.waitForReports(1)
            #expect(reports.first?.protocolViolations.contains("idle timeout") == true)
        }
    }

    /// 1,000 connections at once: the ones past the cap hear 421 and go; the relay still serves afterwards.
    @Test func aThousandConnections() async throws {
        // Idle connections stay for the whole test: otherwise slots free up while the thousand arrive.
        try await TestRelay.with({ try Self.config($0, idle: "60s") }) { relay in
            let port = relay.port(2)
            let (greeted, refused) = await onOwnThread { () -> (Int, Int) in
                var clients: [RawClient] = []
                for _ in 0..<1000 {
                    if let client = RawClient(host: "127.0.0.1", port: port, timeout: 10) { clients.append(client) }
                }
                var greeted = 0
                var refused = 0
                for client in clients {
                    let line = client.readLine() ?? ""
                    if line.hasPrefix("220") { greeted += 1 }
                    if line.hasPrefix("421") { refused += 1 }
                }
                return (greeted, refused)
            }
            #expect(greeted == 50)
            #expect(refused == 950)
            let device = try await DeviceResult.run(["send", "--port", String(port), "--mode", "plain",
                                                     "--to", "alice@mailbox.mailtls.test",
                                                     "--subject", "relay-after-flood-\(UUID().uuidString.prefix(8))"])
            #expect(device.dataCode == 250)
        }
    }

    /// SSL 3.0 cannot be served: the device is told so, in its connection line, with the way out.
    @Test func sslv3OnlyDeviceIsToldWhatCannotBeServed() async throws {
        try await TestRelay.with({ try Self.config($0) }) { relay in
            let port = relay.port(1)
            _ = await onOwnThread { () -> String in
                guard let client = RawClient(host: "127.0.0.1", port: port, timeout: 5) else { return "" }
                // An SSL 3.0 ClientHello: client_version 3.0, 3DES and RC4 suites, no extensions.
                var body: [UInt8] = [0x03, 0x00] + [UInt8](repeating: 0x42, count: 32) + [0x00]
                body += [0x00, 0x06, 0x00, 0x0A, 0x00, 0x05, 0x00, 0x04] + [0x01, 0x00]
                let handshake: [UInt8] = [0x01, 0x00, UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body
                client.send([0x16, 0x03, 0x00, UInt8(handshake.count >> 8), UInt8(handshake.count & 0xFF)] + handshake)
                return client.readAll(timeout: 3)
            }
            let report = try #require(await relay.waitForReports(1).first)
            #expect(report.negotiatedVersion == nil && report.handshakeError != nil)
            let line = MailTLSReport.RelayText(language: .en, color: false).connectionLine(report)
            #expect(line.contains("only SSL 3.0"), "\(line)")
        }
    }
}
