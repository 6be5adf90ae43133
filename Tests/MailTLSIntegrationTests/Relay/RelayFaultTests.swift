import Foundation
import MailTLSRelay
import MailTLSSandbox
import MailTLSSessions
import NIOConcurrencyHelpers
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The relay loses nothing it acknowledged: not when the upstream is away for a while, not when its disk fills, not
/// when it is stopped or killed.
@Suite(.timeLimit(.minutes(5))) struct RelayFaultTests {
    static let recipient = "alice@mailbox.mailtls.test"

    /// Ports already handed out in this test process.
    private static let handedOut = NIOLockedValueBox<Set<Int>>([])

    /// A loopback port nothing listens on yet. It lies outside the kernel's ephemeral range (32768-60999), so neither a
    /// listener another test binds to port 0 nor an outgoing connection can take it before it is used (an ephemeral
    /// port, free a moment ago, once went to another test's server that offered no STARTTLS); never the same twice.
    static func freePort() -> Int {
        while true {
            let candidate = Int.random(in: 20000..<30000)
            guard handedOut.withLockedValue({ $0.insert(candidate).inserted }), isFree(candidate) else { continue }
            return candidate
        }
    }

    /// Whether 127.0.0.1:`port` can be bound now.
    static func isFree(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 }
        }
    }

    /// The upstream away (nothing listens where the relay sends), then back (a forwarder to the real one): the mail
    /// waits in the spool, then goes.
    @Test func upstreamDownThenRestored() async throws {
        let lab = try Lab.get()
        let port = Self.freePort()
        try await TestRelay.with({ directory in
            TestRelay.standardListeners + "\n" + (try TestRelay.labUpstream(directory, port: port, host: "127.0.0.1"))
        }) { relay in
            let marker = "relay-outage-\(UUID().uuidString.prefix(8))"
            let device = try await DeviceResult.run(["send", "--port", String(relay.port(2)), "--mode", "plain",
                                                     "--to", Self.recipient, "--subject", marker])
            let id = try #require(device.queuedID)
            let deferred = await relay.waitForEvent { $0.id == id && $0.kind == .deferred }
            #expect(deferred?.problemKind == "connect")
            #expect(relay.runtime.spool.record(id)?.pendingRecipients == [Self.recipient])
            // The upstream comes back.
            let proxy = try LiveProcess(Tool.env, ["python3", Tool.fixture("tcp_proxy.py"), "127.0.0.1", String(port),
                                                   lab["LAB_MAILBOX"], "587"])
            defer { proxy.stop() }
            #expect(await proxy.waitForLine { $0 == "ready" } != nil)
            let delivered = await relay.waitForEvent(timeout: 20) { $0.id == id && $0.kind == .delivered }
            #expect((delivered?.time ?? 0) > (deferred?.time ?? .infinity))
            #expect(try await LabMailbox.waitFor(1, marker: marker).count == 1)
            #expect(relay.runtime.spool.count == 0)
        }
    }

    /// Twenty messages for an upstream that is away: a few attempts find it down, the rest wait quietly for the
    /// suspension to end (no connection, no log line, no counted attempt each); all go once it is back.
    @Test func anUpstreamThatIsDownIsSuspendedNotHammered() async throws {
        let lab = try Lab.get()
        let port = Self.freePort()
        try await TestRelay.with({ directory in
            TestRelay.standardListeners + "\n" + (try TestRelay.labUpstream(directory, port: port, host: "127.0.0.1"))
        }) { relay in
            let marker = "relay-suspend-\(UUID().uuidString.prefix(8))"
            let flood = try await DeviceResult.run(["flood", "--port", String(relay.port(2)), "--count", "20",
                                                    "--connections", "2", "--marker", marker, "--size", "1000",
                                                    "--to", Self.recipient])
            #expect(flood.accepted?.count == 20)
            try await Task.sleep(for: .seconds(3))
            let deferred = relay.deliveryEvents.filter { $0.kind == .deferred }
            let attempts = deferred.count
            // Two workers, a one-second suspension: at most two real attempts per second of the episode (its length
            // from the relay's own event times, however long a loaded machine makes it), not one per message.
            let episode = (deferred.last?.time ?? 0) - (deferred.first?.time ?? 0)
            #expect(attempts >= 1 && Double(attempts) <= 2 * (episode + 1), "\(attempts) attempts in \(episode) s for 20 messages")
            #expect(attempts < 20, "not one attempt per message")
            #expect(relay.runtime.spool.records().allSatisfy { $0.attempts <= 5 })
            let proxy = try LiveProcess(Tool.env, ["python3", Tool.fixture("tcp_proxy.py"), "127.0.0.1", String(port),
                                                   lab["LAB_MAILBOX"], "587"])
            defer { proxy.stop() }
            _ = await proxy.waitForLine { $0 == "ready" }
            #expect(try await LabMailbox.waitFor(20, marker: marker, timeout: 60).count == 20)
        }
    }

    /// A message the upstream refuses for good (larger than Postfix's 10 MB limit) comes back to its sender as a
    /// delivery status notification, explained in English and Japanese, delivered through the same upstream.
    @Test func refusedForGoodComesBackAsANotice() async throws {
        try await TestRelay.with({ directory in
            TestRelay.standardListeners + "\nrules: { max_message_size: 20M }\n" + (try TestRelay.labUpstream(directory))
        }) { relay in
            let marker = "relay-notice-\(UUID().uuidString.prefix(8))"
            let device = try await DeviceResult.run(["send", "--port", String(relay.port(2)), "--mode", "plain",
                                                     "--from", Self.recipient, "--to", Self.recipient,
                                                     "--subject", marker, "--size", String(11 << 20)], timeout: 120)
            let id = try #require(device.queuedID)
            let failed = await relay.waitForEvent { $0.id == id && $0.kind == .failed }
            #expect(failed?.reply?.hasPrefix("552 5.3.4") == true, "\(failed?.reply ?? "")")
            let notice = await relay.waitForEvent { $0.kind == .noticeQueued && $0.reply == "about \(id)" }
            await relay.waitForEvent { $0.id == notice?.id && $0.kind == .delivered }
            let stored = try await LabMailbox.waitFor(1, marker: marker)
            #expect(stored.count == 1, "only the notice arrives, the message itself does not")
            let text = String(decoding: stored.first ?? [], as: UTF8.self)
            #expect(text.contains("multipart/report; report-type=delivery-status"))
            #expect(text.contains("Final-Recipient: rfc822; \(Self.recipient)\r\nAction: failed\r\nStatus: 5.3.4"))
            #expect(text.contains("Subject: \(marker)"), "the original header is attached")
        }
    }

    /// A full file system: the device hears 452 and keeps its message; everything acknowledged is delivered.
    @Test func fullDiskAnswers452AndLosesNothing() async throws {
        let mountPoint = FileManager.default.temporaryDirectory.appendingPathComponent("mailtls-relay-tmpfs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        let mounted = await Tool.run("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mountPoint.path])
        try #require(mounted.status == 0, "mount: \(mounted.stderr)")
        defer {
            _ = Subprocess.runBlocking("/bin/umount", ["-l", mountPoint.path])
            try? FileManager.default.removeItem(at: mountPoint)
        }
        let port = Self.freePort()
        try await TestRelay.with({ directory in
            TestRelay.standardListeners
                + "\nspool: { directory: \(mountPoint.path)/spool, retry_first: 1s, min_free_space: 0 }\n"
                + (try TestRelay.labUpstream(directory, port: port, host: "127.0.0.1"))
        }) { relay in
            let marker = "relay-full-\(UUID().uuidString.prefix(8))"
            var acknowledged: [String] = []
            var refusal: DeviceResult?
            for index in 0..<12 {
                let device = try await DeviceResult.run(["send", "--port", String(relay.port(2)), "--mode", "plain",
                                                         "--to", Self.recipient, "--subject", "\(marker) \(index)",
                                                         "--size", "150000"])
                if let id = device.queuedID, device.dataCode == 250 {
                    acknowledged.append(id)
                } else {
                    refusal = device
                    break
                }
            }
            let refused = try #require(refusal, "the 1 MB file system never filled")
            #expect(refused.dataCode == 452 || refused.error?.contains("452") == true, "\(refused)")
            #expect(!acknowledged.isEmpty)
            // The admin's line says why: the system's own words for the full disk (ENOSPC), in both languages.
            let reports = await relay.waitForReports(acknowledged.count + 1)
            let notStored = reports.flatMap(\.problems).compactMap { problem -> StorageShortfall? in
                if case .messageNotStored(let reason) = problem { return reason } else { return nil }
            }
            #expect(notStored.count == 1, "\(reports.map(\.protocolViolations))")
            if case .systemError(let words)? = notStored.first {
                #expect(words.localizedCaseInsensitiveContains("space"), "\(words)")
            } else {
                Issue.record("not the system's words: \(notStored)")
            }
            // Nothing half-written is left behind, and every acknowledged message is in the queue.
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: mountPoint.appendingPathComponent("spool/incoming").path)) ?? []).isEmpty)
            #expect(Set(relay.runtime.spool.records().map(\.id)) == Set(acknowledged))
            // The upstream comes back: all of it goes.
            let lab = try Lab.get()
            let proxy = try LiveProcess(Tool.env, ["python3", Tool.fixture("tcp_proxy.py"), "127.0.0.1", String(port),
                                                   lab["LAB_MAILBOX"], "587"])
            defer { proxy.stop() }
            _ = await proxy.waitForLine { $0 == "ready" }
            let stored = try await LabMailbox.waitFor(acknowledged.count, marker: marker, timeout: 60)
            #expect(stored.count == acknowledged.count)
        }
    }
}
