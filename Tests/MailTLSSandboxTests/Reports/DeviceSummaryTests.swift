import MailTLSCore
import Testing

@testable import MailTLSSandbox

@Suite struct DeviceSummaryTests {
    func report(address: String = "192.0.2.7", port: Int = 587, mode: String = "starttls", test: String = "standard",
                maximum: String? = "TLSv1.2", negotiated: String? = "TLSv1.2", startTLS: String = "used",
                credentialsBeforeTLS: Bool = false, validation: ConnectionReport.Validation = .unknown,
                commandsBeforeTLS: [String] = [], handshakeError: String? = nil) -> ConnectionReport {
        ConnectionReport(
            startedAt: "2026-11-29T09:00:00Z", durationMs: 10, clientAddress: address, clientPort: 40000,
            serverPort: port, protocol: "smtp", mode: mode, portTest: test, allowedVersions: "TLSv1.0-TLSv1.3",
            offer: maximum.map {
                .init(versions: ["TLSv1.0", "TLSv1.1", $0], maximumVersion: $0, cipherSuites: ["TLS_RSA_WITH_AES_128_CBC_SHA"],
                      serverName: nil, alpn: [], groups: [], signatureAlgorithms: [])
            },
            negotiatedVersion: negotiated, negotiatedCipher: negotiated == nil ? nil : "TLS_RSA_WITH_AES_128_CBC_SHA",
            handshakeError: handshakeError, startTLS: startTLS, commandsBeforeTLS: commandsBeforeTLS,
            credentialsBeforeTLS: credentialsBeforeTLS, authentications: [], messages: [],
            certificateValidation: validation, problems: [])
    }

    @Test func oldDeviceGetsRelayAdvice() {
        let summary = DeviceSummary.summarise([report(maximum: "TLSv1.0", negotiated: "TLSv1.0")])
        #expect(summary.count == 1)
        #expect(summary[0].maximumVersion == "TLSv1.0")
        #expect(summary[0].advice.contains(.tlsTooOld))
        #expect(summary[0].recommendedSubmission == "relay")
    }

    @Test func devicesAreGroupedByAddressAndWorstValidationWins() {
        let reports = [
            report(test: "wrong-name", validation: .validates),
            report(test: "expired", validation: .doesNotValidate),
            report(address: "192.0.2.8", port: 465, mode: "tls", startTLS: "not-applicable"),
        ]
        let summaries = DeviceSummary.summarise(reports)
        #expect(summaries.map(\.address) == ["192.0.2.7", "192.0.2.8"])
        #expect(summaries[0].certificateValidation == .doesNotValidate)
        #expect(summaries[0].advice.contains(.doesNotValidateCertificates))
        #expect(summaries[0].recommendedSubmission == "587 STARTTLS")
        #expect(summaries[1].recommendedSubmission == "465 SSL/TLS")
    }

    @Test func clearTextAndSkippedSTARTTLS() {
        let summary = DeviceSummary.summarise([
            report(negotiated: nil, startTLS: "not-used", credentialsBeforeTLS: true, commandsBeforeTLS: ["AUTH", "MAIL"]),
        ])[0]
        #expect(summary.advice.contains(.credentialsInClear))
        #expect(summary.advice.contains(.skipsSTARTTLS))
        #expect(summary.advice.contains(.noTLS))
    }

    @Test(arguments: [
        ("2587:smtp:starttls", 2587, "standard"),
        ("2588:smtp:starttls:cert=wrong-name", 2588, "wrong-name"),
        ("2589:smtp:starttls:no-starttls", 2589, "no-starttls"),
        ("2590:imap:tls:tls=1.2-1.3", 2590, "tls-range"),
        ("2591:pop3:tls:cert=expired,tls=1.0", 2591, "expired"),
    ])
    func portSpecs(text: String, port: Int, test: String) throws {
        let spec = try SandboxPort.parse(text)
        #expect(spec.port == port)
        #expect(spec.portTest == test)
    }

    @Test(arguments: ["x:smtp:tls", "25:http:tls", "25:smtp:maybe", "25:smtp:tls:no-starttls", "25:smtp:tls:tls=1.3-1.0",
                      "25:smtp:tls:cert=bogus", "25:smtp:tls:frobnicate"])
    func badPortSpecs(text: String) {
        #expect(throws: SandboxPort.ParseError.self) { try SandboxPort.parse(text) }
    }
}

/// A device that offers thousands of suites in each of many hellos: the summary stays linear (it took 186 s for
/// 100 hellos of 8,000 suites when each merge searched a list).
@Suite struct DeviceSummaryScaleTests {
    @Test(.timeLimit(.minutes(1)))
    func manyHugeHellosSummariseQuickly() {
        let suites = (0..<8000).map { String(format: "0x%04X", $0) }
        let reports = (0..<100).map { index in
            ConnectionReport(
                startedAt: "2026-11-29T09:00:00Z", durationMs: 10, clientAddress: "192.0.2.9", clientPort: 40000 + index,
                serverPort: 587, protocol: "smtp", mode: "starttls", portTest: "standard",
                allowedVersions: "TLSv1.0-TLSv1.3",
                offer: .init(versions: ["TLSv1.2"], maximumVersion: "TLSv1.2", cipherSuites: suites.shuffled(),
                             serverName: nil, alpn: [], groups: [], signatureAlgorithms: []),
                negotiatedVersion: "TLSv1.2", negotiatedCipher: nil, handshakeError: nil, startTLS: "used",
                commandsBeforeTLS: [], credentialsBeforeTLS: false, authentications: [], messages: [],
                certificateValidation: .unknown, problems: [])
        }
        let started = ContinuousClock.now
        let summary = DeviceSummary.summarise(reports)
        #expect(summary.first?.offeredCipherSuites.count == 8000)
        #expect(started.duration(to: .now) < .seconds(10))
    }
}
