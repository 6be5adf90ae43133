import Foundation
import MailTLSCheck
import MailTLSCore
import MailTLSSandbox
import Testing

/// `mailtls check` against the sandbox: what the checker observes agrees with how each sandbox port is configured.
/// The two halves of mailtls test each other.
@Suite struct SandboxCheckTests {
    static let ports: [SandboxPort] = [
        .any(.smtp, .startTLS, tls: .tls10 ... .tls13),  // 0: still allows TLS 1.0
        .any(.smtp, .startTLS, tls: .tls12 ... .tls13),  // 1
        .any(.smtp, .startTLS, tls: .tls12 ... .tls13, advertiseSTARTTLS: false),  // 2: no STARTTLS
        .any(.smtp, .implicitTLS, tls: .tls12 ... .tls13),  // 3
        .any(.imap, .startTLS, tls: .tls12 ... .tls13),  // 4
        .any(.imap, .implicitTLS, tls: .tls12 ... .tls13),  // 5
        .any(.pop3, .startTLS, tls: .tls12 ... .tls13),  // 6
        .any(.pop3, .implicitTLS, tls: .tls13 ... .tls13),  // 7: TLS 1.3 only
        .any(.smtp, .implicitTLS, tls: .tls12 ... .tls13, certificate: .wrongName),  // 8
        .any(.smtp, .implicitTLS, tls: .tls12 ... .tls13, certificate: .expired),  // 9
    ]

    @Test func checkAgreesWithTheSandboxConfiguration() async throws {
        try await TestSandbox.with(Self.ports) { sandbox in
            let bound = sandbox.server.ports
            let specs = bound.map {
                PortSpec(port: $0.port, mailProtocol: $0.mailProtocol, mode: $0.mode, isExplicit: true)
            }
            var request = CheckRequest(host: "127.0.0.1", serverName: "localhost", ports: specs,
                                       caFile: sandbox.caFile,
                                       timeouts: .init(connect: 2, read: 5, greeting: 10, overall: 30))
            request.prober.silenceBeforeTLSAttempt = 1
            let report = try await ServerChecker().run(request)

            func observation(_ index: Int) throws -> PortObservation {
                try #require(report.ports.first { $0.spec.port == bound[index].port })
            }
            func findingPorts(_ id: FindingID) -> Set<Int> {
                Set(report.findings.filter { $0.id == id }.flatMap(\.ports))
            }
            for index in bound.indices {
                let port = try observation(index)
                #expect(port.state == .open, "\(index)")
            }

            // TLS versions: exactly the configured range is accepted.
            for (index, configured) in bound.enumerated() where configured.advertiseSTARTTLS {
                let accepted = try observation(index).versions.accepted
                let expected = TLSVersion.allCases.filter { $0 >= configured.minimumTLS && $0 <= configured.maximumTLS }
                #expect(accepted == expected, "port \(index) (\(configured.versionRange)): \(accepted)")
            }
            #expect(findingPorts(.tlsVersionDeprecated) == [bound[0].port])
            let deprecated = try #require(report.findings.first { $0.id == .tlsVersionDeprecated })
            #expect(deprecated.evidence.english.contains("TLSv1.0"))

            // No STARTTLS and AUTH in the clear on the stripping port, and only there.
            #expect(findingPorts(.starttlsNotSupported) == [bound[2].port])
            #expect(findingPorts(.cleartextAuthAllowed) == [bound[2].port])
            #expect(try observation(2).security == .plaintext)
            #expect(try observation(2).authBeforeTLS?.contains("PLAIN") == true)

            // Modes as configured.
            for index in [3, 5, 7, 8, 9] {
                #expect(try observation(index).security == .implicitTLS, "\(index)")
            }
            // The sandbox takes mail before STARTTLS on purpose (to see devices that skip it): optional, as reported.
            #expect(try observation(0).security == .startTLSOffered)
            #expect(try observation(1).security == .startTLSOffered)
            #expect(findingPorts(.starttlsOptional) == [bound[0].port, bound[1].port])
            #expect(try observation(4).security == .startTLSRequired)
            #expect(try observation(6).security == .startTLSRequired)
            #expect(try observation(4).capabilitiesBeforeTLS?.contains("LOGINDISABLED") == true)
            #expect(try observation(6).capabilitiesBeforeTLS?.contains("STLS") == true)

            // Certificates: the valid one is trusted with the sandbox CA and names localhost.
            for index in 0...7 where index != 2 {
                let certificate = try #require(try observation(index).certificate, "\(index)")
                #expect(certificate.isTrusted && certificate.hostnameMatches && !certificate.isExpired, "\(index)")
                #expect(certificate.chainLength == 2)
                #expect(certificate.leaf.subjectAlternativeNames.contains("localhost"))
            }
            #expect(findingPorts(.certificateHostMismatch) == [bound[8].port])
            #expect(findingPorts(.certificateExpired) == [bound[9].port])
            #expect(findingPorts(.certificateNotTrusted).isEmpty, "expired, but issued by the trusted CA")
            #expect(findingPorts(.certificateSelfSigned).isEmpty)

            // And the sandbox saw the checker: its version scan offered TLS 1.0 and was served it on port 0 only.
            let seen = sandbox.reports
            #expect(seen.contains { $0.serverPort == bound[0].port && $0.negotiatedVersion == "TLSv1.0" })
            #expect(seen.contains { $0.serverPort == bound[1].port && $0.offer?.maximumVersion == "TLSv1.0"
                                    && $0.handshakeError != nil })
            #expect(!seen.contains { $0.serverPort == bound[1].port && $0.negotiatedVersion == "TLSv1.0" })
        }
    }

    /// Without the sandbox CA, the same certificate is reported as not trusted: the CA file is what made it valid.
    @Test func withoutTheSandboxCATheCertificateIsNotTrusted() async throws {
        try await TestSandbox.with([.any(.smtp, .implicitTLS)]) { sandbox in
            let spec = PortSpec(port: sandbox.port(0), mailProtocol: .smtp, mode: .implicitTLS, isExplicit: true)
            var request = CheckRequest(host: "127.0.0.1", serverName: "localhost", ports: [spec],
                                       timeouts: .init(connect: 2, read: 5, greeting: 10, overall: 30))
            request.prober.silenceBeforeTLSAttempt = 1
            let report = try await ServerChecker().run(request)
            let certificate = try #require(report.ports.first?.certificate)
            #expect(!certificate.isTrusted)
            #expect(certificate.hostnameMatches)
            #expect(report.findings.contains { $0.id == .certificateNotTrusted || $0.id == .certificateChainIncomplete
                                               || $0.id == .certificateSelfSigned })
        }
    }
}
