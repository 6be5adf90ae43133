import Foundation
import MailTLSCheck
import MailTLSCore
import MailTLSDNS
import MailTLSDomainCheck
import MailTLSSetup
import Testing

@testable import MailTLSAccount

/// One judgement of the facts: for each certificate of the lab's zoo, `check`, `domain`, `setup`'s verification and
/// `diagnose` name the same problem, because they all ask `CertificateAssessment`.
@Suite(.timeLimit(.minutes(2))) struct CertificateAgreementTests {
    /// The lab instance, the domain whose MX it is, the MX host name every command checks the certificate against,
    /// everything wrong (check and domain list it all) and the first refusal (what setup and diagnose report).
    @Test(arguments: [("LAB_EXPIRED", "expired", "expired-mx.mailtls.test", ["expired", "name-mismatch"], "expired"),
                      ("LAB_SELF_SIGNED", "selfsigned", "selfsigned-mx.mailtls.test", ["name-mismatch", "self-signed"],
                       "self-signed"),
                      ("LAB_WRONG_NAME", "wrongname", "wrongname-mx.mailtls.test", ["name-mismatch"], "name-mismatch"),
                      // Clients check the name before the rest of trust: the first refusal is the name.
                      ("LAB_INCOMPLETE_CHAIN", "incomplete", "incomplete-mx.mailtls.test",
                       ["incomplete-chain", "name-mismatch"], "name-mismatch"),
                      ("LAB_GOOD", "good", "mail.mailtls.test", [], "none")])
    func everyCommandNamesTheSameProblem(labKey: String, domain: String, host: String, problems: [String],
                                         first: String) async throws {
        let lab = try Lab.get()
        let internet = try Internet.get()
        let ports = [PortSpec(port: 465, mailProtocol: .smtp, mode: .implicitTLS)]

        // check
        var request = lab.request(labKey, ports: ports)
        request.serverName = host
        let report = try await ServerChecker().run(request)
        let checkKeys = Set(report.findings.compactMap { Self.problemKey(checkFinding: $0.id) })

        // domain (port 25 of the MX)
        var prober = DomainRequest(domain: "\(domain).mailtls.test").prober
        prober.silenceBeforeTLSAttempt = 1
        let domainReport = try await DomainChecker().run(DomainRequest(
            domain: "\(domain).mailtls.test", resolver: internet.resolver, caFile: internet.caFile,
            timeouts: .init(connect: 2, read: 10, greeting: 10, overall: 40), httpTimeout: 5, prober: prober))
        let domainKeys = Set(domainReport.findings.compactMap { finding -> String? in
            switch finding.id {
            case .certificateExpired: "expired"
            case .certificateNotYetValid: "not-yet-valid"
            case .certificateHostMismatch: "name-mismatch"
            case .certificateNotTrusted: finding.parameters["reason"]
            default: nil
            }
        })

        // setup's verification
        let resolver = try DNSResolver(internet.resolver)
        let verifier = CandidateVerifier(resolver: resolver, anchors: try TrustAnchors(caFile: internet.caFile),
                                         now: Date(), timeouts: .init(connect: 2, read: 10, greeting: 10, overall: 40),
                                         maximumConnections: 4)
        let candidate = Candidate(setting: ServerSetting(kind: .smtp, hostname: host, port: 465, socketType: .implicitTLS),
                                  source: .guess, origin: "test")
        let verified = await verifier.verify([candidate])
        let setupKey: String? = switch verified.first?.failure {
        case .certificate(let problem)?: problem.key
        default: nil
        }

        // diagnose
        let diagnosis = try await Diagnoser().run(DiagnosisRequest(
            host: host, port: 465, mailProtocol: .smtp, security: .implicitTLS, resolver: internet.resolver,
            caFile: internet.caFile, timeouts: .init(connect: 2, read: 10, greeting: 10, overall: 40)))
        let diagnoseKey: String? = switch diagnosis.cause {
        case .certificateExpired?: "expired"
        case .certificateNotYetValid?: "not-yet-valid"
        case .certificateSelfSigned?: "self-signed"
        case .certificateNameMismatch?: "name-mismatch"
        case .certificateUntrusted?: "untrusted"
        default: nil
        }

        #expect(checkKeys == Set(problems), "check: \(report.findings.map(\.id))")
        #expect(domainKeys == Set(problems), "domain: \(domainReport.findings.map(\.id))")
        #expect((setupKey ?? "none") == first, "setup: \(String(describing: verified.first?.failure))")
        #expect((diagnoseKey ?? "none") == first, "diagnose: \(String(describing: diagnosis.cause))")
    }

    static func problemKey(checkFinding id: FindingID) -> String? {
        switch id {
        case .certificateExpired: "expired"
        case .certificateNotYetValid: "not-yet-valid"
        case .certificateHostMismatch: "name-mismatch"
        case .certificateSelfSigned: "self-signed"
        case .certificateChainIncomplete: "incomplete-chain"
        case .certificateNotTrusted: "untrusted"
        case .certificateExpiringSoon: "expiring-soon"
        default: nil
        }
    }
}
