import Foundation
import MailTLSEngine
import MailTLSSandbox
import MailTLSSessions
import Testing

@testable import MailTLSRelay

/// The spool's promises: a message is on disk, complete, before the device hears 250; what was never acknowledged
/// is gone after a restart and what was is all there; outcomes per recipient follow Postfix's schedule.
@Suite struct SpoolTests {
    static func directory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("mailtls-spool-test-\(UUID().uuidString)")
    }

    static func spool(_ directory: URL, stamping: Spool.Stamping = .init(hostname: "relay.test"),
                      perMinute: Int = 1000) throws -> Spool {
        try Spool(directory: directory, schedule: RetrySchedule(first: 300, maximum: 4000, giveUpAfter: 5 * 86400),
                  minimumFreeBytes: 0, stamping: stamping, messagesPerMinutePerClient: perMinute)
    }

    static func envelope(_ recipients: [String] = ["a@example.com", "b@example.com"]) -> MessageEnvelope {
        MessageEnvelope(mailFrom: "device@printer.lan", recipients: recipients, receivedOverTLS: true,
                        authenticatedUser: nil)
    }

    /// The content part of a queued message file (the envelope trailer follows it).
    static func content(_ spool: Spool, _ id: String) throws -> String {
        let size = try #require(spool.record(id)).size
        return String(decoding: try PrivateFiles.read(spool.contentURL(id), limit: 1 << 20).prefix(size), as: UTF8.self)
    }

    /// Lines as the SMTP session hands them over: dot-unstuffed, CRLF included.
    static func send(_ lines: [String], to spool: Spool, envelope: MessageEnvelope = envelope()) throws
        -> MessageReceipt {
        let message = try spool.begin(envelope, clientAddress: "192.0.2.7")
        for line in lines { try message.append(Array((line + "\r\n").utf8)) }
        return try message.commit()
    }

    @Test func committedMessageIsInTheQueueWithItsEnvelopeAndReceivedLine() throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let spool = try Self.spool(directory)
        let receipt = try Self.send(["Subject: scan 1", "", "body", ".leading dot", "."], to: spool)
        let content = try Self.content(spool, receipt.id)
        #expect(content.hasPrefix("Received: from [192.0.2.7]\r\n\tby relay.test (mailtls relay) with ESMTPS id \(receipt.id);"))
        // Stored in wire form: a leading dot doubled, so that sending is a copy.
        #expect(content.hasSuffix("Subject: scan 1\r\n\r\nbody\r\n..leading dot\r\n..\r\n"))
        let record = try #require(spool.record(receipt.id))
        #expect(record.recipients.map(\.address) == ["a@example.com", "b@example.com"])
        #expect(record.subject == "scan 1" && !record.eightBit && record.size == content.utf8.count)
        // One file: the envelope is its trailer, and says how much content comes before it.
        #expect(SpoolFile.readTrailer(spool.contentURL(receipt.id)) == record)
        #expect(!FileManager.default.fileExists(atPath: spool.stateURL(receipt.id).path), "no state before an attempt")
        let mode = try FileManager.default.attributesOfItem(atPath: spool.contentURL(receipt.id).path)[.posixPermissions]
        #expect(mode as? Int == 0o600)
    }

    @Test func pinnedSenderAndFromRewrite() throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let spool = try Self.spool(directory, stamping: .init(hostname: "relay.test", sender: "scanner@example.com",
                                                            rewriteFromHeader: true))
        let receipt = try Self.send(["From: Printer <printer@local>", " (folded)", "To: x", "", "From: in the body"],
                                    to: spool)
        let content = try Self.content(spool, receipt.id)
        #expect(content.contains("\r\nFrom: <scanner@example.com>\r\nX-Original-From: Printer <printer@local>\r\n (folded)\r\nTo: x\r\n\r\nFrom: in the body\r\n"))
        #expect(spool.record(receipt.id)?.from == "scanner@example.com")
    }

    @Test func restartKeepsAcknowledgedAndDropsTheRest() throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var spool: Spool? = try Self.spool(directory)
        let kept = try Self.send(["Subject: kept", "", "x"], to: spool!)
        // Half-received: never acknowledged.
        var half: (any IncomingMessage)? = try spool!.begin(Self.envelope(), clientAddress: "192.0.2.7")
        try half?.append(Array("Subject: half\r\n".utf8))
        // A message file without its trailer, and a state file without its message: neither was a whole message.
        let orphan = directory.appendingPathComponent("queue/ORPHAN.msg")
        try Data("Subject: cut short\r\n".utf8).write(to: orphan)
        let lonelyState = directory.appendingPathComponent("queue/GONE.state")
        try Data("{}".utf8).write(to: lonelyState)
        // The process dies: nothing is cleaned up, the lock goes with it.
        half = nil
        spool = nil
        let reopened = try Self.spool(directory)
        #expect(reopened.records().map(\.id) == [kept.id])
        #expect((try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("incoming").path)).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: orphan.path))
        #expect(!FileManager.default.fileExists(atPath: lonelyState.path))
    }

    @Test func onlyOneRelayPerSpool() throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try Self.spool(directory)
        #expect(throws: Spool.SpoolError.inUse(directory.path)) { try Self.spool(directory) }
        #expect(SpoolReader.isLocked(directory))
        _ = first
    }

    @Test func settlementPerRecipientAndPostfixSchedule() throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let spool = try Self.spool(directory)
        let receipt = try Self.send(["Subject: s", "", "x"], to: spool)
        let start = spool.record(receipt.id)!.arrival
        #expect(spool.takeDue(now: start, limit: 10).map(\.id) == [receipt.id])
        #expect(spool.takeDue(now: start, limit: 10).isEmpty, "in flight")
        // a@ delivered, b@ deferred: b@ waits 300 s.
        var result = AttemptResult(recipients: ["a@example.com": (.delivered, "250 ok"),
                                                "b@example.com": (.deferred, "451 try later")])
        #expect(spool.settle(receipt.id, result, now: start) == .deferred(nextAttempt: start + 300))
        #expect(spool.record(receipt.id)?.pendingRecipients == ["b@example.com"])
        // Persisted: a new process sees the same state.
        #expect(FileManager.default.fileExists(atPath: spool.stateURL(receipt.id).path))
        #expect(SpoolReader.records(in: directory).first?.recipients[0].status == .delivered)
        var delays: [Double] = []
        for attempt in 2...7 {
            _ = spool.takeDue(now: .infinity, limit: 1)
            result = AttemptResult(problem: .connectFailed(address: "192.0.2.25", error: .connectionRefused))
            guard case .deferred(let next) = spool.settle(receipt.id, result, now: start + Double(attempt)) else {
                Issue.record("finished early")
                return
            }
            delays.append(next - start - Double(attempt))
        }
        #expect(delays == [600, 1200, 2400, 4000, 4000, 4000])
        // The problem is kept as a value, and its kind for the explanation; the state file has both.
        #expect(spool.record(receipt.id)?.lastProblem == .connectFailed(address: "192.0.2.25", error: .connectionRefused))
        #expect(spool.record(receipt.id)?.lastProblemKind == "connect")
        #expect(SpoolReader.records(in: directory).first?.lastProblem == spool.record(receipt.id)?.lastProblem)
        // Past five days the rest fails, with the last reason.
        _ = spool.takeDue(now: .infinity, limit: 1)
        guard case .finished(let final, let header) = spool.settle(receipt.id, AttemptResult(problem: .loginRefused(reply: "535 5.7.8 refused")),
                                                                   now: start + 5 * 86400) else {
            Issue.record("not finished")
            return
        }
        #expect(final.failedRecipients.map(\.address) == ["b@example.com"])
        #expect(final.failedRecipients[0].reply
                == "gave up after 120 h: the upstream refused the login: \"535 5.7.8 refused\"")
        #expect(header.map { String(decoding: $0, as: UTF8.self).contains("Subject: s") } == true)
        #expect(spool.count == 0)
        #expect(!FileManager.default.fileExists(atPath: spool.contentURL(receipt.id).path))
    }

    @Test func permanentFailureFinishesAtOnce() throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let spool = try Self.spool(directory)
        let receipt = try Self.send(["", "x"], to: spool, envelope: Self.envelope(["a@example.com"]))
        _ = spool.takeDue(now: .infinity, limit: 1)
        let settlement = spool.settle(receipt.id, AttemptResult(recipients: ["a@example.com": (.failed, "550 5.1.1 no")]),
                                      now: 0)
        guard case .finished(let record, _) = settlement else {
            Issue.record("\(String(describing: settlement))")
            return
        }
        #expect(record.failedRecipients[0].reply == "550 5.1.1 no")
    }

    @Test func rateLimitPerClient() throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let spool = try Self.spool(directory, perMinute: 2)
        _ = try Self.send(["", "1"], to: spool)
        _ = try Self.send(["", "2"], to: spool)
        #expect {
            try spool.begin(Self.envelope(), clientAddress: "192.0.2.7")
        } throws: { error in
            guard case .refused(let reply) = error as? MessageSinkError else { return false }
            return reply.hasPrefix("450 4.7.1")
        }
        // Another client is not held back.
        _ = try spool.begin(Self.envelope(), clientAddress: "192.0.2.8")
    }

    @Test func noticeIsQueuedWithoutStampingAndMarked() throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let spool = try Self.spool(directory, stamping: .init(hostname: "relay.test", sender: "scanner@example.com",
                                                            rewriteFromHeader: true))
        let id = try spool.enqueueNotice(from: "", to: ["admin@example.com"], content: Array("From: x\r\n\r\n.dot\r\n".utf8))
        let record = try #require(spool.record(id))
        #expect(record.isNotice && record.from == "")
        #expect(try Self.content(spool, id) == "From: x\r\n\r\n..dot\r\n")
    }

    @Test func retryAndDeleteThroughControlFiles() throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let spool = try Self.spool(directory)
        let one = try Self.send(["", "1"], to: spool)
        let two = try Self.send(["", "2"], to: spool)
        for id in [one.id, two.id] {
            _ = spool.takeDue(now: .infinity, limit: 5)
            spool.settle(id, AttemptResult(problem: .dialogueFailed(error: .closedByPeer(during: "greeting"))), now: Date().timeIntervalSince1970)
        }
        #expect(try SpoolReader.submit(.retry(one.id), directory: directory))
        #expect(try SpoolReader.submit(.delete(two.id), directory: directory))
        #expect(!(try SpoolReader.submit(.delete("NOSUCH"), directory: directory)))
        spool.applyControlRequests()
        #expect(spool.record(one.id)?.nextAttempt == 0)
        #expect(spool.record(two.id) == nil)
        #expect(!FileManager.default.fileExists(atPath: spool.contentURL(two.id).path))
    }
}

/// Concurrent commits share directory fsyncs, and none returns before a sync that began after its rename.
@Suite struct DirectorySyncTests {
    @Test func everyCallerIsCoveredBySyncsThatBeganAfterIt() async throws {
        let directory = SpoolTests.directory()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let sync = DirectorySync(directory)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<64 {
                group.addTask {
                    await withCheckedContinuation { continuation in
                        Thread { try? sync.syncAfterRename(); continuation.resume() }.start()
                    }
                }
            }
        }
        try sync.syncAfterRename()
    }
}
