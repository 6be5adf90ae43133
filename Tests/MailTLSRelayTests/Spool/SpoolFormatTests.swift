import Foundation
import MailTLSEngine
import Testing

@testable import MailTLSRelay

/// Spools written before problems were values still read: a problem recorded as English text becomes a `.legacy`
/// problem, shown as it is; the next attempt writes the new shape (the typed problem beside its English text).
@Suite struct SpoolFormatTests {
    static let content = Array("Subject: scan 1\r\n\r\nbody\r\n".utf8)

    /// The envelope trailer as earlier relays wrote it at the 250 (sorted keys, no problem yet).
    static let oldTrailer = #"""
        {"arrival":1764000000.25,"attempts":0,"clientAddress":"192.0.2.7","eightBit":false,"from":"device@printer.lan","id":"OLD0001","isNotice":false,"nextAttempt":1764000000.25,"receivedOverTLS":true,"recipients":[{"address":"a@example.com","status":"pending"},{"address":"b@example.com","status":"pending"}],"size":25,"subject":"scan 1"}
        """#

    /// The state file as earlier relays wrote it after two attempts: the problem as English text.
    static let oldState = #"""
        {"arrival":1764000000.25,"attempts":2,"clientAddress":"192.0.2.7","eightBit":false,"from":"device@printer.lan","id":"OLD0001","isNotice":false,"lastProblem":"127.0.0.9: connection refused","lastProblemKind":"connect","lastUpstream":"smtp.example.com","nextAttempt":1764000900.25,"receivedOverTLS":true,"recipients":[{"address":"a@example.com","reply":"250 2.0.0 Ok","status":"delivered"},{"address":"b@example.com","reply":"451 4.3.0 try later","status":"pending"}],"size":25,"subject":"scan 1"}
        """#

    /// A deferral recorded by an earlier relay: the upstream's reply as the problem, no kind.
    static let oldDeferral = #"""
        {"arrival":1764000000.25,"attempts":1,"clientAddress":"192.0.2.7","eightBit":false,"from":"device@printer.lan","id":"OLD0001","isNotice":false,"lastProblem":"451 4.3.0 try later","lastUpstream":"smtp.example.com","nextAttempt":1764000300.25,"receivedOverTLS":true,"recipients":[{"address":"a@example.com","reply":"451 4.3.0 try later","status":"pending"},{"address":"b@example.com","reply":"451 4.3.0 try later","status":"pending"}],"size":25,"subject":"scan 1"}
        """#

    static func messageFile(trailer: String) -> [UInt8] {
        let json = Array(trailer.utf8)
        let length = UInt64(json.count)
        return content + json + (0..<8).reversed().map { UInt8(truncatingIfNeeded: length >> (UInt64($0) * 8)) }
            + Array("MTLSENV1".utf8)
    }

    @Test func oldStateFileReadsWithItsTextAsALegacyProblem() throws {
        let directory = SpoolTests.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let queue = directory.appendingPathComponent("queue")
        try FileManager.default.createDirectory(at: queue, withIntermediateDirectories: true)
        try Data(Self.messageFile(trailer: Self.oldTrailer)).write(to: queue.appendingPathComponent("OLD0001.msg"))
        try Data(Self.oldState.utf8).write(to: queue.appendingPathComponent("OLD0001.state"))

        // As `relay queue` reads it, relay stopped.
        let listed = try #require(SpoolReader.records(in: directory).first)
        #expect(listed.lastProblem == .legacy("127.0.0.9: connection refused"))
        #expect(listed.lastProblemKind == "connect" && listed.attempts == 2 && listed.size == 25)
        #expect(listed.recipients.map(\.status) == [.delivered, .pending])

        // As the relay loads it on start: kept, the next attempt writes the new shape.
        let spool = try SpoolTests.spool(directory)
        let record = try #require(spool.record("OLD0001"))
        #expect(record == listed)
        _ = spool.takeDue(now: .infinity, limit: 1)
        let problem = RelayProblem.connectFailed(address: "127.0.0.9", error: .connectionRefused)
        spool.settle("OLD0001", AttemptResult(problem: problem, upstream: "smtp.example.com"), now: 1_764_001_000)
        let state = try JSONSerialization.jsonObject(
            with: Data(contentsOf: queue.appendingPathComponent("OLD0001.state"))) as? [String: Any]
        #expect(state?["lastProblem"] as? String == "127.0.0.9: connection refused", "the English text, as before")
        #expect(state?["lastProblemDetail"] is [String: Any], "the typed problem beside it")
        #expect(state?["lastProblemKind"] as? String == "connect")
        #expect(SpoolReader.records(in: directory).first?.lastProblem == problem)
    }

    @Test func oldTrailerAndDeferralRead() throws {
        let trailer = try JSONDecoder().decode(SpoolRecord.self, from: Data(Self.oldTrailer.utf8))
        #expect(trailer.lastProblem == nil && trailer.lastProblemKind == nil)
        let deferral = try JSONDecoder().decode(SpoolRecord.self, from: Data(Self.oldDeferral.utf8))
        #expect(deferral.lastProblem == .legacy("451 4.3.0 try later") && deferral.lastProblemKind == nil)
        // Written again, a legacy problem stays text: no detail, the same record when read back.
        let written = try Spool.encoder.encode(deferral)
        let object = try JSONSerialization.jsonObject(with: written) as? [String: Any]
        #expect(object?["lastProblem"] as? String == "451 4.3.0 try later")
        #expect(object?["lastProblemDetail"] == nil)
        #expect(try JSONDecoder().decode(SpoolRecord.self, from: written) == deferral)
    }

    /// A detail this version cannot read (a later relay's, or an engine error whose shape changed) leaves the record
    /// readable, with the English text.
    @Test func unreadableDetailFallsBackToTheText() throws {
        var json = Self.oldState
        json.replace(#""lastProblemKind""#, with: #""lastProblemDetail":{"somethingNew":{"x":1}},"lastProblemKind""#)
        let record = try JSONDecoder().decode(SpoolRecord.self, from: Data(json.utf8))
        #expect(record.lastProblem == .legacy("127.0.0.9: connection refused"))
        #expect(record.attempts == 2)
    }

    /// Every kind of problem survives the spool: written, read back, the same value.
    @Test func typedProblemsRoundTrip() throws {
        let problems: [RelayProblem] = [
            .noUpstreamConfigured, .unresolvable(host: "smtp.example.com"),
            .connectFailed(address: "127.0.0.9", error: .connectTimeout(seconds: 10)),
            .greetingRefused(reply: "421 busy"), .startTLSNotOffered,
            .tlsVersionRefused(minimum: .tls12, error: .closedByPeer(during: "TLS handshake")),
            .certificateRefused(.selfSigned(subject: "CN=x")), .noCertificate,
            .plainAndLoginNotOffered(offered: ["CRAM-MD5"]), .loginRefused(reply: "535 5.7.8 no"),
            .credential(.fileReadableByOthers(path: "/etc/mailtls/password")),
            .credential(.tokenEndpointUnreachable(.timeout(seconds: 30))),
            .dialogueFailed(error: .readTimeout(seconds: 600, during: "DATA")), .spooledContentMissing,
            .upstreamReply("451 4.3.0 try later"),
        ]
        var record = try JSONDecoder().decode(SpoolRecord.self, from: Data(Self.oldState.utf8))
        for problem in problems {
            record.lastProblem = problem
            let read = try JSONDecoder().decode(SpoolRecord.self, from: try Spool.encoder.encode(record))
            #expect(read.lastProblem == problem)
        }
    }

    /// Delivery log lines of earlier relays (no typed problem) still read; their `reply` text says it.
    @Test func oldDeliveryLogLineReads() throws {
        let line = #"""
            {"attempts":3,"deferred":["b@example.com"],"delivered":[],"failed":[],"from":"device@printer.lan","id":"OLD0001","kind":"deferred","nextAttempt":1764001200,"problemKind":"connect","reply":"127.0.0.9: connection refused","reusedConnection":false,"time":1764000000,"upstream":"smtp.example.com"}
            """#
        let event = try JSONDecoder().decode(DeliveryEvent.self, from: Data(line.utf8))
        #expect(event.problem == nil && event.reply == "127.0.0.9: connection refused")
        var unreadable = line
        unreadable.replace(#""problemKind""#, with: #""problem":{"somethingNew":{}},"problemKind""#)
        let laterLine = try JSONDecoder().decode(DeliveryEvent.self, from: Data(unreadable.utf8))
        #expect(laterLine.problem == nil && laterLine.reply == event.reply && laterLine.problemKind == event.problemKind)
        var typed = event
        typed.problem = .connectFailed(address: "127.0.0.9", error: .connectionRefused)
        #expect(try JSONDecoder().decode(DeliveryEvent.self, from: try JSONEncoder().encode(typed)) == typed)
    }
}
