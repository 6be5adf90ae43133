import Foundation
import MailTLSSessions
import Testing

@testable import MailTLSSandbox

/// A connection's problems are stored typed (`problems`) beside their English words under the key `events.jsonl` has
/// always had (`protocolViolations`): scripts that read the words keep working, and a report read back is the same
/// value. A line written before the problems were typed reads back with its words as they were.
@Suite struct ConnectionReportCodingTests {
    static func report(_ problems: [ConnectionProblem]) -> ConnectionReport {
        ConnectionReport(
            startedAt: "2026-12-07T09:00:00Z", durationMs: 12, clientAddress: "192.0.2.1", clientPort: 40000,
            serverPort: 25, protocol: "smtp", mode: "starttls", portTest: "standard", allowedVersions: "TLSv1.2-TLSv1.3",
            offer: nil, negotiatedVersion: nil, negotiatedCipher: nil, handshakeError: nil, startTLS: "not-used",
            commandsBeforeTLS: ["EHLO"], credentialsBeforeTLS: false, authentications: [], messages: [],
            certificateValidation: .unknown, problems: problems)
    }

    static let every: [ConnectionProblem] = [
        .lineTooLong(limit: 4096), .commandTooLong, .tooManyErrors, .tlsHandshakeWithoutSTARTTLS,
        .pipelinedAfterSTARTTLS(bytes: 23), .plaintextWhereTLSExpected(sample: "EHLO x"), .idleTimeout,
        .sessionDeadline(seconds: 3), .tooManyConnections, .clientNetworkNotAllowed, .mailWithoutTLS,
        .mailWithoutLogin, .senderNotAllowed(address: "a@b.test"), .recipientDomainNotAllowed(address: "c@evil.test"),
        .messageRefused(reply: "450 4.7.1 Too many messages"), .messageNotStored(reason: .lowDiskSpace(freeBytes: 4096)),
        .legacy("some older words"),
    ]

    @Test func readBackTheSameAndKeepTheWords() throws {
        let report = Self.report(Self.every)
        let data = try JSONEncoder().encode(report)
        #expect(try JSONDecoder().decode(ConnectionReport.self, from: data) == report)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let words = try #require(object["protocolViolations"] as? [String])
        #expect(words == [
            "line longer than 4096 bytes", "command too long", "too many errors",
            "TLS handshake without STARTTLS (is the client set to SSL/TLS?)", "23 bytes pipelined after STARTTLS",
            "plaintext where TLS was expected: EHLO x", "idle timeout", "session deadline (3 s)", "too many connections",
            "client network not allowed", "mail without TLS", "mail without login", "sender not allowed: a@b.test",
            "recipient domain not allowed: c@evil.test", "message refused: 450 4.7.1 Too many messages",
            "message not stored: spool file system has 4096 bytes free", "some older words",
        ])
    }

    /// An `events.jsonl` line of the shape earlier versions wrote: words only.
    @Test func anOlderLineKeepsItsWords() throws {
        let line = #"""
            {"allowedVersions":"x","authentications":[],"certificateValidation":"unknown","clientAddress":"192.0.2.1",\#
            "clientPort":1,"commandsBeforeTLS":[],"credentialsBeforeTLS":false,"durationMs":5,"messages":[],\#
            "mode":"starttls","portTest":"standard","protocol":"smtp","protocolViolations":["idle timeout",\#
            "recipient domain not allowed: x@evil.test"],"serverPort":25,"startTLS":"not-used",\#
            "startedAt":"2026-11-29T09:00:00Z"}
            """#
        let report = try JSONDecoder().decode(ConnectionReport.self, from: Data(line.utf8))
        #expect(report.problems == [.legacy("idle timeout"), .legacy("recipient domain not allowed: x@evil.test")])
        #expect(report.protocolViolations == ["idle timeout", "recipient domain not allowed: x@evil.test"])
    }

    /// Peer text in the words is escaped: an address with a terminal sequence in it.
    @Test func peerTextIsEscaped() {
        let problem = ConnectionProblem.senderNotAllowed(address: "x\u{1B}[2J@evil.test")
        #expect(problem.description == "sender not allowed: x\\x1B[2J@evil.test")
    }

    /// What the relay's live line marks as refused: its rules and limits, not a client that went quiet.
    @Test func refusalsAreTheServersDoing() {
        let refusals = Self.every.filter(\.isRefusal)
        #expect(refusals == [
            .tooManyErrors, .tooManyConnections, .clientNetworkNotAllowed, .mailWithoutTLS, .mailWithoutLogin,
            .senderNotAllowed(address: "a@b.test"), .recipientDomainNotAllowed(address: "c@evil.test"),
            .messageRefused(reply: "450 4.7.1 Too many messages"), .messageNotStored(reason: .lowDiskSpace(freeBytes: 4096)),
        ])
    }
}
