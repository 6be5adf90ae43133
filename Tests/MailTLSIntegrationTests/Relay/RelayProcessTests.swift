import Foundation
import MailTLSRelay
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `mailtls relay run` as a process: SIGTERM lets the transaction in flight finish, and SIGKILL at any moment loses
/// no message that got its 250.
@Suite(.serialized, .timeLimit(.minutes(8))) struct RelayProcessTests {
    static let recipient = "alice@mailbox.mailtls.test"

    static func writeConfig(_ directory: URL, port: Int) throws -> String {
        let text = """
            hostname: relay.test
            listen:
              - { address: 127.0.0.1, port: \(port), mode: plain }
            rules: { recipient_domains: [mailbox.mailtls.test], max_messages_per_minute_per_client: 100000 }
            spool: { directory: \(directory.path)/spool, retry_first: 1s, retry_max: 2s }
            """ + "\n" + (try TestRelay.labUpstream(directory, extra: "  connections: 4"))
        let path = directory.appendingPathComponent("relay.yaml").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func startRelay(_ config: String) async throws -> LiveProcess {
        let process = try LiveProcess(ProcessRunner.mailtlsBinary, ["relay", "run", "--config", config, "--json"])
        let line = await process.waitForLine(timeout: 30) { $0.contains("\"listening\"") }
        try #require(line != nil, "the relay did not start: \(process.stdout) \(process.stderr)")
        return process
    }

    @Test func sigtermFinishesTheMessageInFlight() async throws {
        let directory = try TestRelay.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = RelayFaultTests.freePort()
        let config = try Self.writeConfig(directory, port: port)
        let relay = try await Self.startRelay(config)
        let marker = "relay-sigterm-\(UUID().uuidString.prefix(8))"
        let outcome = await onOwnThread { () -> (String, Bool, String, String?) in
            guard let client = RawClient(host: "127.0.0.1", port: port, timeout: 15) else {
                return ("no connection", false, "", nil)
            }
            _ = client.readSMTPReply()
            client.send("EHLO device.test\r\n")
            _ = client.readSMTPReply()
            client.send("MAIL FROM:<scanner@device.test>\r\nRCPT TO:<\(Self.recipient)>\r\nDATA\r\n")
            for _ in 0..<3 { _ = client.readSMTPReply() }
            client.send("Subject: \(marker)\r\nDate: Sun, 06 Dec 2026 12:00:00 +0000\r\n\r\nfirst half\r\n")
            relay.stop()  // SIGTERM, in the middle of DATA
            // The relay says when its listeners are closed, and how many connections it waits for.
            let stopping = relay.waitForLineBlocking(timeout: 15) { $0.contains("\"stopped-accepting\"") }
            let newcomer = RawClient(host: "127.0.0.1", port: port, timeout: 2)
            client.send("second half\r\n.\r\n")
            let accepted = client.readSMTPReply()?.last ?? "no reply"
            client.send("QUIT\r\n")
            let bye = client.readSMTPReply()?.last ?? "no reply"
            return (accepted, newcomer == nil, bye, stopping)
        }
        #expect(outcome.3?.contains("\"openConnections\":1") == true, "\(relay.stdout)")
        #expect(outcome.0.hasPrefix("250 2.0.0 Ok: queued as"), "\(outcome.0)")
        #expect(outcome.1, "the relay still took new connections after SIGTERM")
        #expect(outcome.2.hasPrefix("221"))
        #expect(await relay.waitForExit(timeout: 30) == 0, "\(relay.stderr)")
        // Delivered now or by the next start: nothing is lost.
        let again = try await Self.startRelay(config)
        defer { again.stop() }
        #expect(try await LabMailbox.waitFor(1, marker: marker).count == 1)
    }

    /// 2,000 messages over 4 connections while the relay is killed with SIGKILL 10 times at random moments and
    /// started again: every message that got a 250 arrives; duplicates are counted (a kill between the upstream's
    /// 250 and the spool's update sends one again).
    @Test func killNineLosesNothing() async throws {
        let lab = try Lab.get()
        let directory = try TestRelay.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = RelayFaultTests.freePort()
        let config = try Self.writeConfig(directory, port: port)
        let marker = "relay-kill-\(UUID().uuidString.prefix(8))"
        var relay = try await Self.startRelay(config)
        let flood = try LiveProcess(Tool.env, ["python3", Tool.fixture("relay_device.py"), "flood", "--port", String(port),
                                               "--count", "2000", "--connections", "4", "--marker", marker,
                                               "--size", "4096", "--to", Self.recipient, "--deadline", "240"])
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<10 {
            try await Task.sleep(for: .milliseconds(Int.random(in: 300...2500, using: &generator)))
            relay.kill()
            _ = await relay.waitForExit(timeout: 10)
            relay = try await Self.startRelay(config)
        }
        let floodStatus = await flood.waitForExit(timeout: 300)
        #expect(floodStatus == 0, "\(flood.stderr)")
        let result = try JSONDecoder().decode(DeviceResult.self, from: Data(flood.stdout.utf8))
        let accepted = Set(result.accepted ?? [])
        #expect(accepted.count == 2000)
        // Count what arrives, straight from the Maildir, as it lands (the last relay empties its queue, then
        // Postfix delivers by LMTP): until every acknowledged message is there, or three minutes pass.
        let arrivals = MaildirArrivals(lab["LAB_MAILBOX_MAILDIR"], marker: marker)
        await arrivals.wait(until: Date().addingTimeInterval(180)) { accepted.isSubset(of: arrivals.messageIDs.keys) }
        relay.stop()
        _ = await relay.waitForExit(timeout: 30)
        let arrived = arrivals.messageIDs
        arrivals.removeAll()
        let lost = accepted.subtracting(arrived.keys)
        let duplicates = arrived.values.reduce(0) { $0 + max(0, $1 - 1) }
        #expect(lost.isEmpty, "\(lost.count) acknowledged messages never arrived: \(lost.sorted().prefix(5))")
        print("kill -9 test: \(accepted.count) acknowledged, \(arrived.count) arrived, \(lost.count) lost, "
              + "\(duplicates) duplicates, \(result.failures ?? 0) sends the devices had to repeat")
    }
}
