import Foundation
import Testing

@testable import MailTLSSandbox

/// The event log cannot grow without bound: past its size it moves aside once, and the older copy goes.
@Suite struct EventLogTests {
    @Test func theLogIsBoundedAndKeepsTheNewestReports() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("eventlog-\(UUID().uuidString)")
        try PrivateFiles.makeDirectory(directory)
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = EventLog(path: directory.appendingPathComponent("events.jsonl"), maximumBytes: 8 << 10)
        for index in 0..<500 {
            log.append(ConnectionReport(
                startedAt: "2026-11-29T09:00:00Z", durationMs: index, clientAddress: "192.0.2.1", clientPort: index,
                serverPort: 25, protocol: "smtp", mode: "starttls", portTest: "standard", allowedVersions: "x",
                offer: nil, negotiatedVersion: nil, negotiatedCipher: nil, handshakeError: nil, startTLS: "not-used",
                commandsBeforeTLS: [], credentialsBeforeTLS: false, authentications: [], messages: [],
                certificateValidation: .unknown, problems: []))
        }
        let sizes = [log.path, log.previousPath].compactMap { PrivateFiles.size($0) }
        #expect(sizes.count == 2)
        #expect(sizes.allSatisfy { $0 <= 8 << 10 }, "\(sizes)")
        let kept = log.reports()
        #expect(kept.last?.durationMs == 499, "the newest is kept")
        #expect(kept.count < 500, "the oldest went")
    }
}
