import Foundation
import MailTLSCheck
import MailTLSDNS
import Testing

@testable import MailTLSDomainCheck

/// `mailtls domain` against the loopback internet: each test domain in Tests/Lab/internet.sh shows one case.
@Suite struct DomainCheckTests {
    func check(_ domain: String) async throws -> DomainReport {
        let internet = try Internet.get()
        var prober = DomainRequest(domain: domain).prober
        prober.silenceBeforeTLSAttempt = 1
        let request = DomainRequest(domain: domain, resolver: internet.resolver, caFile: internet.caFile,
                                    timeouts: .init(connect: 2, read: 10, greeting: 10, overall: 40),
                                    httpTimeout: 5, prober: prober)
        return try await DomainChecker().run(request)
    }

    func ids(_ report: DomainReport, _ severity: Severity? = nil) -> Set<DomainFindingID> {
        Set(report.findings.filter { severity == nil || $0.severity == severity }.map(\.id))
    }

    func finding(_ report: DomainReport, _ id: DomainFindingID) throws -> DomainFinding {
        try #require(report.findings.first { $0.id == id }, "\(id) in \(report.findings.map(\.id))")
    }

    @Test func aWellProtectedDomainHasNoFindings() async throws {
        let report = try await check("good.mailtls.test")
        let observation = report.observation
        #expect(observation.mx.status == .secure)
        let host = try #require(observation.hosts.first)
        #expect(host.name == "mail.mailtls.test")
        #expect(host.listedInSTSPolicy == true)
        #expect(host.tlsa?.status == .secure)
        let address = try #require(host.addresses.first)
        #expect(address.address == "127.0.0.1")
        #expect(address.port.handshake?.version == .tls13)
        #expect(address.port.handshake?.serverName == "mail.mailtls.test", "SNI is the MX host name")
        #expect(address.port.certificate?.isTrusted == true)
        #expect(address.port.certificate?.hostnameMatches == true)
        guard case .valid(let record) = address.dane else {
            Issue.record("DANE: \(address.dane)")
            return
        }
        #expect(record.usage == 3)
        #expect(observation.sts.record?.id == "20261129T000000")
        #expect(observation.sts.policy?.mode == .enforce)
        #expect(observation.tlsrpt.record?.reportURIs == ["mailto:tlsrpt@mailtls.test"])
        #expect(report.findings.isEmpty, "\(report.findings)")
        #expect(report.exitCode == 0)
    }

    @Test func testingModeIsInfoAndWildcardPatternsCoverTheMX() async throws {
        let report = try await check("testing.mailtls.test")
        #expect(report.observation.sts.policy?.mode == .testing)
        #expect(report.observation.hosts.first?.listedInSTSPolicy == true)
        #expect(ids(report) == [.stsModeTesting])
        #expect(report.exitCode == 0)
    }

    @Test func anMXThePolicyDoesNotListIsCriticalUnderEnforce() async throws {
        let report = try await check("sts-mismatch.mailtls.test")
        let finding = try finding(report, .stsMXNotListed)
        #expect(finding.severity == .critical)
        #expect(finding.subjects == ["mail.mailtls.test"])
        #expect(finding.evidence.english.contains("mx.other.test"))
        #expect(report.exitCode == 2)
    }

    @Test func aPolicyServedAsHTMLIsInvalid() async throws {
        let report = try await check("sts-type.mailtls.test")
        let finding = try finding(report, .stsPolicyInvalid)
        #expect(finding.severity == .critical)
        #expect(finding.parameters["reason"] == "content-type")
        #expect(finding.evidence.english.contains("text/html"))
        #expect(report.exitCode == 2)
    }

    @Test func aPolicyHostWithTheWrongCertificateIsWebPKIInvalid() async throws {
        let report = try await check("sts-cert.mailtls.test")
        let finding = try finding(report, .stsWebPKIInvalid)
        #expect(finding.severity == .critical)
        #expect(finding.subjects == ["https://mta-sts.sts-cert.mailtls.test/.well-known/mta-sts.txt"])
        #expect(report.observation.sts.policy == nil)
        #expect(!ids(report).contains(.stsPolicyFetchError))
    }

    @Test(arguments: [("sts-404.mailtls.test", "status", "HTTP 404"),
                      ("sts-redirect.mailtls.test", "redirect", "HTTP 301"),
                      ("sts-big.mailtls.test", nil, "larger than 65536 bytes")])
    func policiesThatCannotBeFetched(domain: String, reason: String?, evidence: String) async throws {
        let report = try await check(domain)
        let finding = try finding(report, .stsPolicyFetchError)
        #expect(finding.severity == .critical)
        #expect(finding.parameters["reason"] == reason)
        #expect(finding.evidence.english.contains(evidence), "\(finding.evidence.english)")
        #expect(report.observation.sts.policy == nil)
    }

    @Test func anInvalidPolicyListsEveryProblem() async throws {
        let report = try await check("sts-badpolicy.mailtls.test")
        let finding = try finding(report, .stsPolicyInvalid)
        #expect(finding.parameters["reason"] == "syntax")
        #expect(finding.evidence.english.contains("max_age 999999999 is over 31557600"), "\(finding.evidence.english)")
        #expect(finding.evidence.english.contains("no mx"), "\(finding.evidence.english)")
    }

    @Test func aPolicyWithoutItsTXTRecordIsAWarning() async throws {
        let report = try await check("sts-notxt.mailtls.test")
        let finding = try finding(report, .mtaSTSMissing)
        #expect(finding.severity == .warning)
        #expect(finding.parameters["policy"] == "served")
    }

    @Test func anMXWithoutSTARTTLS() async throws {
        let report = try await check("nostarttls.mailtls.test")
        let finding = try finding(report, .starttlsNotSupported)
        #expect(finding.severity == .warning, "no MTA-STS: opportunistic senders deliver in the clear")
        #expect(finding.subjects == ["nostarttls-mx.mailtls.test (127.0.0.18)"])
        #expect(!finding.evidence.english.contains("STARTTLS"))
        #expect(report.exitCode == 1)
    }

    @Test func oneMXOfTwoWithoutSTARTTLS() async throws {
        let report = try await check("multi.mailtls.test")
        #expect(report.observation.hosts.map(\.name) == ["mail.mailtls.test", "nostarttls-mx.mailtls.test"])
        let finding = try finding(report, .starttlsNotSupported)
        #expect(finding.subjects == ["nostarttls-mx.mailtls.test (127.0.0.18)"])
        let partial = try self.finding(report, .danePartial)
        #expect(partial.severity == .warning)
        #expect(partial.subjects == ["nostarttls-mx.mailtls.test"])
        #expect(partial.evidence.english.contains("TLSA for mail.mailtls.test"))
        #expect(!ids(report).contains(.daneMissing), "partial DANE is worse than none, and said once")
    }

    @Test func anExpiredMXCertificate() async throws {
        let report = try await check("expired.mailtls.test")
        let expired = try finding(report, .certificateExpired)
        #expect(expired.severity == .warning)
        #expect(expired.subjects == ["expired-mx.mailtls.test (127.0.0.2)"])
        #expect(ids(report).contains(.certificateHostMismatch), "its certificate is for mail.mailtls.test")
    }

    @Test func aSelfSignedMXCertificate() async throws {
        let report = try await check("selfsigned.mailtls.test")
        let finding = try finding(report, .certificateNotTrusted)
        #expect(finding.parameters["reason"] == "self-signed")
    }

    @Test func tlsaRecordsThatMatchNothing() async throws {
        let report = try await check("dane-bad.mailtls.test")
        let finding = try finding(report, .tlsaInvalid)
        #expect(finding.severity == .critical)
        #expect(finding.subjects == ["dane-bad.mailtls.test (127.0.0.1)"])
        #expect(finding.evidence.english.contains("3 1 1"))
        #expect(report.exitCode == 2)
    }

    @Test func pkixUsagesAreUnusableForSMTP() async throws {
        let report = try await check("dane-pkix.mailtls.test")
        let finding = try finding(report, .tlsaUnusable)
        #expect(finding.parameters["reason"] == "only-pkix-usages")
        #expect(!ids(report).contains(.tlsaInvalid))
    }

    @Test func aBareDomainGetsAdviceOnly() async throws {
        let report = try await check("bare.mailtls.test")
        #expect(ids(report) == [.mtaSTSMissing, .tlsrptMissing])
        #expect(report.findings.allSatisfy { $0.severity == .info })
        #expect(report.exitCode == 0)
    }

    @Test func anInvalidTLSRPTRecord() async throws {
        let report = try await check("badrpt.mailtls.test")
        let finding = try finding(report, .tlsrptInvalid)
        #expect(finding.severity == .warning)
        #expect(finding.evidence.english.contains("ftp://"))
    }

    @Test func aNullMXHasNothingToCheck() async throws {
        let report = try await check("nullmx.mailtls.test")
        #expect(report.observation.mx.isNullMX)
        #expect(report.observation.hosts.isEmpty)
        #expect(ids(report).contains(.nullMX))
    }

    @Test func noMXMeansTheDomainItself() async throws {
        let report = try await check("nomx.mailtls.test")
        #expect(report.observation.mx.isImplicit)
        #expect(report.observation.hosts.map(\.name) == ["nomx.mailtls.test"])
        #expect(report.observation.hosts.first?.addresses.first?.port.record.startTLS == .accepted)
        #expect(ids(report).contains(.mxImplicit))
    }

    @Test func aBogusMXAnswerIsCritical() async throws {
        let report = try await check("bogus.test")
        let finding = try finding(report, .dnssecInvalid)
        #expect(finding.severity == .critical)
        #expect(report.exitCode == 2)
    }

    @Test func anUnsignedZoneMakesTLSAUnusableAndEnforceMakesNameMismatchesCritical() async throws {
        let report = try await check("plain.test")
        #expect(report.observation.mx.status == .insecure)
        let unusable = try finding(report, .tlsaUnusable)
        #expect(unusable.parameters["reason"] == "mx-insecure")
        let mismatch = try finding(report, .certificateHostMismatch)
        #expect(mismatch.severity == .critical, "the policy is enforced")
        #expect(report.observation.hosts.first?.listedInSTSPolicy == true)
    }

    @Test func aDomainThatDoesNotExist() async throws {
        await #expect(throws: DomainInputError.domainNotFound("no-such-domain.mailtls.test")) {
            _ = try await check("no-such-domain.mailtls.test")
        }
    }
}
