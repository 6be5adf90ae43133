import Foundation
import MailTLSCore
import Testing

@testable import MailTLSCheck

/// A peer that sends plaintext after its STARTTLS go-ahead (CVE-2011-0411): mailtls must discard those bytes, never
/// read them as if they came through TLS, and report the injection.
@Suite struct STARTTLSInjectionTests {
    @Test func injectedBytesAreDiscardedAndReported() async throws {
        let lab = try Lab.get()
        let script = Lab.packageRoot.appendingPathComponent("Tests/MailTLSIntegrationTests/Fixtures/injecting_smtp_peer.py")
        let peer = try LiveProcess("/usr/bin/env", ["python3", script.path, "127.0.0.16", "0",
                                                    lab["LAB_DIR"] + "/pki/good.chain.pem", lab["LAB_DIR"] + "/pki/good.key"])
        defer { peer.stop() }
        let port = try await peer.readyPort()

        var request = lab.request("LAB_GOOD", ports: [try PortSpec.parse("\(port):smtp:starttls")])
        request.host = "127.0.0.16"
        let report = try await ServerChecker().run(request)
        let observation = try #require(report.ports.first)
        #expect(observation.handshake?.injectedBytes == Array("250-injected\r\n".utf8))
        // The reply after TLS is the real one, not the injected line.
        #expect(observation.capabilitiesAfterTLS == ["AUTH PLAIN"])
        let finding = try #require(report.findings.first { $0.id == .starttlsInjection })
        #expect(finding.severity == .critical)
        #expect(finding.evidence.english.contains("250-injected"))
    }
}
