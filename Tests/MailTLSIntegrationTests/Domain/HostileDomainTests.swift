import Foundation
import MailTLSCheck
import MailTLSCore
import MailTLSDNS
import MailTLSReport
import Testing

@testable import MailTLSDomainCheck

/// A zone and a web server that attack the checker: escape sequences in the MX name and the TXT records, and a
/// policy served at two bytes a second. The report shows the data as text, and the fetch ends at its deadline.
@Suite struct HostileDomainTests {
    func check(_ domain: String, httpTimeout: Double = 5) async throws -> DomainReport {
        let internet = try Internet.get()
        var prober = DomainRequest(domain: domain).prober
        prober.silenceBeforeTLSAttempt = 1
        let request = DomainRequest(domain: domain, resolver: internet.resolver, caFile: internet.caFile,
                                    timeouts: .init(connect: 2, read: 10, greeting: 10, overall: 40),
                                    httpTimeout: httpTimeout, prober: prober)
        return try await DomainChecker().run(request)
    }

    @Test(arguments: [Language.en, .ja])
    func escapesInTheZoneNeverReachTheTerminal(language: Language) async throws {
        let report = try await check("escapes.mailtls.test")
        let ids = Set(report.findings.map(\.id))
        #expect(ids.isSuperset(of: [.mxAddressMissing, .stsRecordInvalid, .tlsrptInvalid]), "\(ids)")
        let text = DomainTerminalReport(language: language, color: false).render(report)
        #expect(HostileCertificateTests.unsafeCharacters(in: text) == [])
        #expect(text.contains("\\027[31mred"), "the MX name in presentation format")
        #expect(text.contains("\\x1B[31mred"), "the TXT record's escape as text")
        #expect(!text.contains("badURI") && !text.contains("badID"), "no Swift debug text")
    }

    @Test(.timeLimit(.minutes(1)))
    func aDrippingPolicyEndsAtTheDeadline() async throws {
        let started = ContinuousClock.now
        let report = try await check("sts-drip.mailtls.test", httpTimeout: 2)
        let finding = try #require(report.findings.first { $0.id == .stsPolicyFetchError })
        #expect(finding.evidence.english.contains("2"), "\(finding.evidence.english)")
        // Served whole, the policy would take over eight minutes.
        #expect(started.duration(to: .now) < .seconds(30))
    }
}
