import Foundation
import MailTLSCore
import Testing

@testable import MailTLSCheck
import MailTLSReport

/// `ServerChecker` against real Postfix and Dovecot instances, one misconfiguration per loopback address.
@Suite(.serialized) struct CheckAgainstLabTests {
    func check(_ addressKey: String, ports: [PortSpec] = PortSpec.wellKnown) async throws -> CheckReport {
        let lab = try Lab.get()
        return try await ServerChecker().run(lab.request(addressKey, ports: ports))
    }

    func findingIDs(_ report: CheckReport) -> Set<String> {
        Set(report.findings.filter { $0.severity != .info }.map(\.id.rawValue))
    }

    func port(_ report: CheckReport, _ number: Int) throws -> PortObservation {
        try #require(report.ports.first { $0.spec.port == number })
    }

    @Test func goodServerShowsEverySevenPortsAndNoFalseFindings() async throws {
        let report = try await check("LAB_GOOD")
        // A loaded test machine can slow Postfix's greeting past the note's threshold; that note is then true, so it
        // is allowed exactly when the measured greeting was that slow.
        #expect(report.findings.map(\.id).filter { $0 != .greetingSlow } == [.portClosed],
                "only the unused 2525 is noted")
        for finding in report.findings where finding.id == .greetingSlow {
            for number in finding.ports {
                #expect((try port(report, number).greetingMilliseconds ?? 0) >= 2000, "a true note: \(finding)")
            }
        }
        #expect(report.exitCode == 0)
        let expected: [Int: ObservedSecurity] = [
            25: .startTLSOffered, 465: .implicitTLS, 587: .startTLSRequired, 143: .startTLSRequired,
            993: .implicitTLS, 110: .startTLSRequired, 995: .implicitTLS,
        ]
        for (number, security) in expected {
            let observation = try port(report, number)
            #expect(observation.state == .open, "\(number)")
            #expect(observation.security == security, "\(number)")
            #expect(observation.handshake?.version == .tls13, "\(number)")
            #expect(observation.handshake?.cipherSuite?.ianaName.hasPrefix("TLS_") == true, "\(number)")
            #expect(observation.versions.accepted == [.tls12, .tls13], "\(number)")
            #expect(observation.versions.refused == [.tls10, .tls11], "\(number)")
            let certificate = try #require(observation.certificate, "\(number)")
            #expect(certificate.isTrusted && certificate.hostnameMatches && !certificate.isExpired)
            #expect(certificate.chainLength == 2)
            #expect(certificate.leaf.subjectAlternativeNames == ["mail.mailtls.test"])
            #expect(certificate.leaf.keyType == "RSA" && certificate.leaf.keyBits == 2048)
        }
        #expect(try port(report, 2525).state == .closed)
        // Capabilities and AUTH before and after TLS.
        let submission = try port(report, 587)
        #expect(submission.authBeforeTLS == [])
        #expect(submission.authAfterTLS?.contains("PLAIN") == true)
        #expect(try port(report, 143).capabilitiesBeforeTLS?.contains("LOGINDISABLED") == true)
        #expect(try port(report, 110).capabilitiesBeforeTLS?.contains("STLS") == true)
    }

    @Test(arguments: [
        ("LAB_EXPIRED", "certificate-expired"),
        ("LAB_WRONG_NAME", "certificate-host-mismatch"),
        ("LAB_SELF_SIGNED", "certificate-self-signed"),
        ("LAB_INCOMPLETE_CHAIN", "certificate-chain-incomplete"),
    ])
    func certificateFaultsOnEveryPort(addressKey: String, expected: String) async throws {
        let report = try await check(addressKey)
        #expect(findingIDs(report) == [expected])
        let finding = try #require(report.findings.first { $0.id.rawValue == expected })
        #expect(finding.ports == [25, 110, 143, 465, 587, 993, 995])
        #expect(finding.severity == .critical)
        #expect(report.exitCode == 2)
    }

    /// swift-certificates refuses RSA keys under 2048 bits; the report must still name the weak key and signature.
    @Test func weakKeyAndSHA1SignatureAreReported() async throws {
        let report = try await check("LAB_WEAK", ports: ["465", "587", "143", "993"].map { try PortSpec.parse($0) })
        #expect(findingIDs(report) == ["weak-key", "weak-signature"])
        let observation = try port(report, 993)
        #expect(observation.certificate?.leaf.keyBits == 1024)
        #expect(observation.certificate?.leaf.signatureAlgorithm == "sha1WithRSAEncryption")
        #expect(observation.certificate?.hostnameMatches == true)
        #expect(report.findings.first { $0.id == .weakKey }?.ports == [143, 465, 587, 993])
        #expect(report.exitCode == 2)
    }

    @Test func legacyTLSVersionsAreDeprecated() async throws {
        let report = try await check("LAB_LEGACY_TLS")
        #expect(findingIDs(report) == ["tls-version-deprecated"])
        #expect(report.exitCode == 1)
        for number in [25, 465, 587, 143, 993, 110, 995] {
            #expect(try port(report, number).versions.accepted == [.tls10, .tls11, .tls12, .tls13], "\(number)")
        }
    }

    @Test func authInClearWithoutSTARTTLS() async throws {
        let report = try await check("LAB_AUTH_CLEAR", ports: [try PortSpec.parse("587"), try PortSpec.parse("25")])
        let submission = try port(report, 587)
        #expect(submission.security == .plaintext)
        #expect(submission.record.cleartextLogin == .acceptedInClear(.exchange("AUTH PLAIN → 334")))
        #expect(findingIDs(report) == ["cleartext-auth-allowed", "starttls-not-supported"])
        let missing = report.findings.filter { $0.id == .starttlsNotSupported }
        #expect(missing.first { $0.ports == [587] }?.severity == .critical)
        #expect(missing.first { $0.ports == [25] }?.severity == .warning)
    }

    @Test func plaintextOn465() async throws {
        let report = try await check("LAB_PLAIN_465", ports: [try PortSpec.parse("465")])
        let observation = try port(report, 465)
        guard case .plaintextOnTLSPort(let greeting)? = observation.wrongMode else {
            Issue.record("wrong mode not detected")
            return
        }
        #expect(greeting.hasPrefix("220 "))
        #expect(findingIDs(report).contains("wrong-mode-plaintext-on-tls-port"))
        #expect(report.exitCode == 2)
    }

    @Test func implicitTLSOn587() async throws {
        let report = try await check("LAB_IMPLICIT_587", ports: [try PortSpec.parse("587")])
        let observation = try port(report, 587)
        #expect(observation.wrongMode == .tlsOnSTARTTLSPort)
        #expect(observation.handshake?.version == .tls13)
        #expect(observation.certificate?.isTrusted == true)
        #expect(findingIDs(report) == ["wrong-mode-tls-on-starttls-port"])
    }

    @Test func refusedPorts() async throws {
        let report = try await check("LAB_REFUSED")
        #expect(report.ports.allSatisfy { $0.state == .closed })
        #expect(report.findings.map(\.id) == [.portClosed])
        #expect(report.findings.first?.severity == .warning, "nothing answers at all")
        #expect(report.exitCode == 1)
    }

    @Test func filteredPortsTimeOutQuickly() async throws {
        let started = Date()
        let report = try await check("LAB_FILTERED", ports: [try PortSpec.parse("587"), try PortSpec.parse("993")])
        #expect(report.ports.allSatisfy { $0.state == .filtered })
        #expect(findingIDs(report) == ["port-filtered"])
        #expect(Date().timeIntervalSince(started) < 10)
    }

    @Test func imapAndPOP3CleartextLogin() async throws {
        let report = try await check("LAB_CLEARTEXT_LOGIN", ports: [.init(port: 143, mailProtocol: .imap, mode: .startTLS),
                                                                    .init(port: 110, mailProtocol: .pop3, mode: .startTLS),
                                                                    .init(port: 587, mailProtocol: .smtp, mode: .startTLS)])
        let cleartext = try #require(report.findings.first { $0.id == .cleartextAuthAllowed })
        #expect(cleartext.ports == [110, 143, 587])
        #expect(try port(report, 143).security == .startTLSOffered)
        #expect(report.findings.contains { $0.id == .starttlsOptional && $0.ports == [587] })
        // Each server's own answer to the cancelled authentication is the evidence, per port.
        #expect(cleartext.evidence.english.contains("143: AUTHENTICATE PLAIN → +"))
        #expect(cleartext.evidence.english.contains("110: AUTH PLAIN → +"))
        #expect(cleartext.evidence.english.contains("587: AUTH PLAIN → 334"))
    }

    @Test func greeting421IsUnavailableNotMissingSTARTTLS() async throws {
        let report = try await check("LAB_GREETING_421", ports: [try PortSpec.parse("25"), try PortSpec.parse("587")])
        #expect(findingIDs(report) == ["server-unavailable"])
        let finding = try #require(report.findings.first { $0.id == .serverUnavailable })
        #expect(finding.evidence.english.hasPrefix("\"421"), "the server's words, quoted: \(finding.evidence.english)")
        #expect(finding.ports == [25, 587])
    }

    @Test func slowGreetingIsToleratedAndNoted() async throws {
        let report = try await check("LAB_SLOW_GREETING", ports: [try PortSpec.parse("587")])
        let observation = try port(report, 587)
        #expect(observation.security == .startTLSRequired)
        #expect(observation.wrongMode == nil)
        #expect((observation.greetingMilliseconds ?? 0) >= 2500)
        #expect(report.findings.map(\.id) == [.greetingSlow])
        #expect(report.exitCode == 0)
    }

    /// The lab's servers name themselves (Postfix on SMTP, Dovecot on IMAP and POP3), and the fix for TLS 1.0 is
    /// given in their settings, without another server's.
    @Test func fixesComeInTheServersOwnTerms() async throws {
        let report = try await check("LAB_LEGACY_TLS")
        for port in report.ports where port.state == .open {
            #expect(port.software == (port.spec.mailProtocol == .smtp ? .postfix : .dovecot), "\(port.spec.port)")
        }
        let finding = try #require(report.findings.first { $0.id == .tlsVersionDeprecated })
        #expect(report.software(of: finding) == [.postfix, .dovecot])
        let fix = FindingCatalog.fix(for: finding, in: .en, software: report.software(of: finding))
        #expect(fix.contains("smtpd_tls_protocols") && fix.contains("ssl_min_protocol"), "\(fix)")
        #expect(!fix.contains("Exim") && !fix.contains("for example"), "\(fix)")
        let smtpOnly = Finding(.tlsVersionDeprecated, .warning, port: 587, evidence: .fact(.acceptedVersions([.tls10])))
        let smtpFix = FindingCatalog.fix(for: smtpOnly, in: .en, software: report.software(of: smtpOnly))
        #expect(smtpFix.contains("smtpd_tls_protocols") && !smtpFix.contains("Dovecot"), "\(smtpFix)")
    }
}
