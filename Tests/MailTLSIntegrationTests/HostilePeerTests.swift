import Foundation
import MailTLSCore
import Testing

@testable import MailTLSCheck

/// A peer that sends garbage, a 1 MB line, one byte at a time, endless replies, or resets mid-handshake must get a
/// clear verdict from mailtls: no crash, no hang.
@Suite struct HostilePeerTests {
    @Test func everyHostileModeEndsWithAVerdict() async throws {
        let lab = try Lab.get()
        var request = lab.request("LAB_HOSTILE", ports: [
            .init(port: 25, mailProtocol: .smtp, mode: .startTLS), .init(port: 587, mailProtocol: .smtp, mode: .startTLS),
            .init(port: 2525, mailProtocol: .smtp, mode: .startTLS), .init(port: 110, mailProtocol: .pop3, mode: .startTLS),
            .init(port: 143, mailProtocol: .imap, mode: .startTLS), .init(port: 465, mailProtocol: .smtp, mode: .implicitTLS),
            .init(port: 993, mailProtocol: .imap, mode: .implicitTLS), .init(port: 995, mailProtocol: .pop3, mode: .implicitTLS),
        ])
        request.timeouts = .init(connect: 1, read: 2, greeting: 4, overall: 10)
        let started = Date()
        let report = try await ServerChecker().run(request)
        // Every port ends at its own deadlines (10 s a connection); without them the endless continuation alone
        // would hold a port for 60 s. The margin is for a loaded machine.
        #expect(Date().timeIntervalSince(started) < 45)
        func ids(_ number: Int) -> Set<FindingID> {
            Set(report.findings.filter { $0.ports.contains(number) }.map(\.id))
        }
        for number in [25, 587, 2525, 110, 143] {
            #expect(ids(number).contains(.protocolError), "port \(number): \(ids(number))")
        }
        for number in [465, 993, 995] {
            #expect(ids(number).contains(.tlsHandshakeFailed), "port \(number): \(ids(number))")
        }
        let longLine = try #require(report.findings.first { $0.id == .protocolError && $0.ports.contains(587) })
        #expect(longLine.evidence.english.contains("8192"))
        #expect(report.exitCode == 2)
    }
}
