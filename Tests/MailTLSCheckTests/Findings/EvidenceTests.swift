import MailTLSCore
import MailTLSReport
import Testing

@testable import MailTLSCheck

/// What the checks really emit, on hand-built observations of each kind: mailtls's own words differ between the
/// languages; only data (the server's words, suite names) reads the same.
@Suite struct EvidenceTests {
    @Test func whatTheChecksEmitHasJapaneseWords() {
        var silent = ObservationFixture.open(143, .imap, .startTLS)
        silent.record.capabilitiesBeforeTLS = ["IMAP4rev1"]
        silent.record.startTLS = .notOffered
        silent.record.cleartextLogin = .acceptedInClear(.loginCommandNotDisabled)
        var legacy = ObservationFixture.open(465, .smtp, .implicitTLS)
        legacy.handshake = ObservationFixture.handshake(.tls11, cipher: 0xC02F)
        legacy.versions.accepted = [.tls10, .tls11]
        legacy.greetingMilliseconds = 4000
        var closed = PortObservation(spec: PortSpec(port: 993, mailProtocol: .imap, mode: .implicitTLS), address: "192.0.2.1")
        closed.state = .closed
        closed.failure = .connectionRefused
        let findings = CheckRegistry.evaluate([silent, legacy, closed], context: CheckContext())
        #expect(findings.count >= 6, "\(findings.map(\.id))")
        for finding in findings {
            if case .data = finding.evidence { continue }
            #expect(CheckEvidenceText.render(finding.evidence, .ja) != finding.evidence.english,
                    "\(finding.id): \(finding.evidence.english)")
        }
    }
}
