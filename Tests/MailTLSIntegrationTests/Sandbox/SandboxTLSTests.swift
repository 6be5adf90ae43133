import Foundation
import MailTLSCore
import MailTLSSandbox
import Testing

/// What the sandbox reports about a client's TLS: `openssl s_client` with forced versions and cipher suites shows
/// the offer is read exactly, and curl with and without `-k` shows whether a client validates certificates.
@Suite struct SandboxTLSTests {
    /// `openssl s_client` to a sandbox port: STARTTLS for SMTP on STARTTLS ports, TLS from the start otherwise.
    func sClient(_ sandbox: TestSandbox, port index: Int, _ options: [String]) async -> ProcessRunner.Result {
        let port = sandbox.server.ports[index]
        var arguments = ["s_client", "-connect", "127.0.0.1:\(port.port)", "-servername", "localhost",
                         "-CAfile", sandbox.caFile, "-verify_return_error", "-crlf"]
        if port.mode == .startTLS { arguments += ["-starttls", "smtp"] }
        return await Tool.run(Tool.openssl, arguments + options, input: "QUIT\r\n", timeout: 15)
    }

    @Test(arguments: [SecurityMode.startTLS, .implicitTLS], [
        ("ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
        ("ECDHE-RSA-AES256-SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"),
        ("AES128-GCM-SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256"),
    ])
    func forcedTLS12CipherIsReportedExactly(mode: SecurityMode, cipher: (openssl: String, iana: String)) async throws {
        try await TestSandbox.with([.any(.smtp, mode)]) { sandbox in
            let result = await sClient(sandbox, port: 0, ["-tls1_2", "-cipher", cipher.openssl])
            #expect(result.status == 0, "openssl: \(result.stdout)\n\(result.stderr)")
            #expect(result.stdout.contains("Cipher is \(cipher.openssl)"))
            let report = try await sandbox.report(port: sandbox.port(0))
            #expect(report.negotiatedVersion == "TLSv1.2", "\(report.summary)")
            #expect(report.negotiatedCipher == cipher.iana)
            #expect(report.handshakeError == nil)
            #expect(report.startTLS == (mode == .startTLS ? "used" : "not-applicable"))
            let offer = try #require(report.offer)
            #expect(offer.cipherSuites == [cipher.iana], "the signalling value is not a suite: \(offer.cipherSuites)")
            #expect(offer.maximumVersion == "TLSv1.2")
            #expect(!offer.versions.contains("TLSv1.3"))
            #expect(offer.serverName == "localhost")
            #expect(report.certificateValidation == .unknown)
            #expect(report.protocolViolations.isEmpty)
        }
    }

    @Test(arguments: [SecurityMode.startTLS, .implicitTLS])
    func tls10ClientOnAPortThatAllowsIt(mode: SecurityMode) async throws {
        try await TestSandbox.with([.any(.smtp, mode, tls: .tls10 ... .tls13)]) { sandbox in
            let result = await sClient(sandbox, port: 0, ["-tls1", "-cipher", "DEFAULT@SECLEVEL=0"])
            #expect(result.status == 0, "openssl: \(result.stdout)\n\(result.stderr)")
            let report = try await sandbox.report(port: sandbox.port(0))
            #expect(report.negotiatedVersion == "TLSv1.0", "\(report.summary)")
            #expect(report.negotiatedCipher?.hasSuffix("_CBC_SHA") == true, "TLS 1.0 has no AEAD suites")
            let offer = try #require(report.offer)
            #expect(offer.maximumVersion == "TLSv1.0")
            #expect(offer.versions == ["TLSv1.0"])
            #expect(offer.cipherSuites.allSatisfy { !$0.contains("GCM") && !$0.hasPrefix("TLS_AES") })
            let device = try #require(DeviceSummary.summarise([report]).first)
            #expect(device.maximumVersion == "TLSv1.0")
            #expect(device.advice.contains(.tlsTooOld))
            #expect(device.recommendedSubmission == "relay")
        }
    }

    @Test(arguments: [SecurityMode.startTLS, .implicitTLS], [
        (["-tls1", "-cipher", "DEFAULT@SECLEVEL=0"], "TLSv1.0", TLSVersion.tls12 ... .tls13),
        (["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"], "TLSv1.1", TLSVersion.tls12 ... .tls13),
        (["-tls1_2"], "TLSv1.2", TLSVersion.tls13 ... .tls13),
    ])
    func clientBelowThePortsMinimumFailsAndItsOfferIsStillRecorded(
        mode: SecurityMode, client: (options: [String], version: String, range: ClosedRange<TLSVersion>)
    ) async throws {
        try await TestSandbox.with([.any(.smtp, mode, tls: client.range)]) { sandbox in
            let result = await sClient(sandbox, port: 0, client.options)
            #expect(result.status != 0, "the handshake must fail: \(result.stdout)")
            let report = try await sandbox.report(port: sandbox.port(0))
            #expect(report.negotiatedVersion == nil, "\(report.summary)")
            #expect(report.negotiatedCipher == nil)
            let error = try #require(report.handshakeError, "\(report.summary)")
            #expect(error.contains("PROTOCOL") || error.contains("VERSION"), "\(error)")
            #expect(report.startTLS == (mode == .startTLS ? "used" : "not-applicable"))
            #expect(report.allowedVersions == SandboxPort.any(.smtp, mode, tls: client.range).versionRange)
            let offer = try #require(report.offer, "the offer is recorded although the handshake failed")
            #expect(offer.maximumVersion == client.version)
            #expect(report.authentications.isEmpty && report.messages.isEmpty)
            #expect(report.certificateValidation == .unknown, "a version failure says nothing about validation")
        }
    }

    /// A client set to SSL/TLS on a STARTTLS port sends its ClientHello where a command is expected: the sandbox reads
    /// the offer, closes at once (not at the idle timeout) and recommends the implicit TLS port.
    @Test(arguments: [MailProtocol.smtp, .imap, .pop3])
    func implicitTLSClientOnASTARTTLSPort(mailProtocol: MailProtocol) async throws {
        try await TestSandbox.with([.any(mailProtocol, .startTLS)], idleSeconds: 30) { sandbox in
            let port = sandbox.port(0)
            let result = await Tool.run(Tool.openssl, ["s_client", "-connect", "127.0.0.1:\(port)",
                                                       "-servername", "localhost"], input: "", timeout: 15)
            #expect(result.status != 0)
            #expect(result.seconds < 10, "the sandbox closes at once: \(result.seconds) s")
            let report = try await sandbox.report(port: port)
            #expect(report.startTLS == "not-used")
            #expect(report.negotiatedVersion == nil)
            #expect(report.offer?.maximumVersion == "TLSv1.3", "\(report.summary)")
            #expect(report.offer?.serverName == "localhost")
            #expect(report.commandsBeforeTLS.isEmpty, "a ClientHello is no command")
            #expect(report.protocolViolations == ["TLS handshake without STARTTLS (is the client set to SSL/TLS?)"])
            let device = try #require(DeviceSummary.summarise([report]).first)
            #expect(device.offeredVersions.contains("TLSv1.3"))
            #expect(device.advice.contains(.noTLS))
            #expect(device.recommendedSubmission == "465 SSL/TLS")
        }
    }

    // MARK: Certificate validation

    static let submission = "From: curl@client.test\r\nTo: inbox@sandbox.test\r\nSubject: validation\r\n\r\nHi\r\n"

    func curlSubmit(_ sandbox: TestSandbox, port index: Int, _ options: [String]) async -> ProcessRunner.Result {
        let port = sandbox.server.ports[index]
        let url = (port.mode == .startTLS ? "smtp" : "smtps") + "://127.0.0.1:\(port.port)"
        return await Tool.run(Tool.curl, ["-sS", "--max-time", "10", "--ssl-reqd", url,
                                          "-u", "\(TestSandbox.user):\(sandbox.password)",
                                          "--mail-from", "curl@client.test", "--mail-rcpt", "inbox@sandbox.test",
                                          "-T", "-"] + options, input: Self.submission)
    }

    @Test(arguments: [SandboxAuthority.CertificateKind.wrongName, .expired], [SecurityMode.startTLS, .implicitTLS])
    func clientThatSkipsVerificationDoesNotValidate(kind: SandboxAuthority.CertificateKind,
                                                    mode: SecurityMode) async throws {
        try await TestSandbox.with([.any(.smtp, mode, certificate: kind)]) { sandbox in
            let result = await curlSubmit(sandbox, port: 0, ["-k"])
            #expect(result.status == 0, "curl -k: \(result.stderr)")
            let report = try await sandbox.report(port: sandbox.port(0))
            #expect(report.portTest == kind.rawValue)
            #expect(report.negotiatedVersion == "TLSv1.3")
            #expect(report.certificateValidation == .doesNotValidate, "\(report.summary)")
            #expect(report.messages.count == 1)
            let device = try #require(DeviceSummary.summarise([report]).first)
            #expect(device.certificateValidation == .doesNotValidate)
            #expect(device.advice.contains(.doesNotValidateCertificates))
        }
    }

    @Test(arguments: [SandboxAuthority.CertificateKind.wrongName, .expired], [SecurityMode.startTLS, .implicitTLS])
    func clientThatVerifiesRefusesAndValidates(kind: SandboxAuthority.CertificateKind,
                                               mode: SecurityMode) async throws {
        try await TestSandbox.with([.any(.smtp, mode, certificate: kind)]) { sandbox in
            let result = await curlSubmit(sandbox, port: 0, ["--cacert", sandbox.caFile])
            #expect(result.status == 60, "curl must refuse the certificate: \(result.stderr)")
            #expect(result.stderr.contains(kind == .expired ? "expired" : "subject name"), "\(result.stderr)")
            let report = try await sandbox.report(port: sandbox.port(0))
            #expect(report.certificateValidation == .validates, "\(report.summary)")
            #expect(report.authentications.isEmpty && report.messages.isEmpty)
            #expect(sandbox.store.all.isEmpty)
            let device = try #require(DeviceSummary.summarise([report]).first)
            #expect(device.advice.contains(.validatesCertificates))
            #expect(!device.advice.contains(.doesNotValidateCertificates))
        }
    }

    @Test(arguments: [SecurityMode.startTLS, .implicitTLS])
    func validCertificateWithTheSandboxCA(mode: SecurityMode) async throws {
        try await TestSandbox.with([.any(.smtp, mode)]) { sandbox in
            let result = await curlSubmit(sandbox, port: 0, ["--cacert", sandbox.caFile])
            #expect(result.status == 0, "curl --cacert: \(result.stderr)")
            let report = try await sandbox.report(port: sandbox.port(0))
            #expect(report.portTest == "standard")
            #expect(report.certificateValidation == .unknown, "a valid certificate tests nothing")
            #expect(report.messages.count == 1)
            // Without the CA, curl refuses the sandbox's certificate: the CA is what a device must import.
            let refused = await curlSubmit(sandbox, port: 0, [])
            #expect(refused.status == 60, "\(refused.stderr)")
            let reports = await sandbox.waitForReports(2, port: sandbox.port(0))
            #expect(reports.last?.messages.isEmpty == true)
        }
    }
}
