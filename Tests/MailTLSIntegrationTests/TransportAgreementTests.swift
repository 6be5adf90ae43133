import Foundation
import MailTLSCheck
import MailTLSCore
import MailTLSDNS
import MailTLSDomainCheck
import MailTLSEngine
import MailTLSSetup
import Testing

@testable import MailTLSAccount

/// One judgement of the transport: for each transport case of the lab's zoo, `check`, `setup`'s verification,
/// `diagnose` and (where the case is on port 25 of an MX) `domain` name the same problem, because they all ask
/// `TransportAssessment`. The names are the assessment's keys; each command's own id is mapped to them here.
@Suite(.timeLimit(.minutes(3))) struct TransportAgreementTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        /// The lab's address key, and a name in the small internet that points there (diagnose and setup use it).
        var labKey: String
        var host: String
        var port: Int
        var mailProtocol: MailProtocol = .smtp
        var security: SecurityMode
        /// `TransportAssessment.Problem.key` every command must name.
        var problem: String
        /// The MX domain whose port 25 is this case, and what `domain` names it.
        var domain: (name: String, finding: DomainFindingID)?

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "closed", labKey: "LAB_REFUSED", host: "refused-mx.mailtls.test", port: 25, security: .startTLS,
             problem: "refused", domain: ("refused.mailtls.test", .mxUnreachable)),
        Case(name: "421 greeting", labKey: "LAB_GREETING_421", host: "busy-mx.mailtls.test", port: 25,
             security: .startTLS, problem: "unavailable", domain: ("busy.mailtls.test", .mxUnreachable)),
        Case(name: "no STARTTLS", labKey: "LAB_NO_STARTTLS", host: "nostarttls-mx.mailtls.test", port: 25,
             security: .startTLS, problem: "starttls-not-offered",
             domain: ("nostarttls.mailtls.test", .starttlsNotSupported)),
        Case(name: "SSL/TLS on a plaintext port", labKey: "LAB_PLAIN_465", host: "127.0.0.7", port: 465,
             security: .implicitTLS, problem: "plaintext-on-tls-port"),
        Case(name: "STARTTLS on an implicit TLS port", labKey: "LAB_IMPLICIT_587", host: "127.0.0.8", port: 587,
             security: .startTLS, problem: "tls-on-plaintext-port"),
        Case(name: "handshake reset", labKey: "LAB_HOSTILE", host: "127.0.0.15", port: 993, mailProtocol: .imap,
             security: .implicitTLS, problem: "handshake-failed"),
        Case(name: "filtered", labKey: "LAB_FILTERED", host: "127.0.0.14", port: 587, security: .startTLS,
             problem: "no-answer"),
    ]

    static let timeouts = ConnectionEngine.Timeouts(connect: 2, read: 5, greeting: 5, overall: 30)

    @Test(arguments: cases) func everyCommandNamesTheSameProblem(_ test: Case) async throws {
        let lab = try Lab.get()
        let internet = try Internet.get()
        if test.host.first?.isNumber == true {
            #expect(lab[test.labKey] == test.host, "the case's address is the lab's \(test.labKey)")
        }
        let mode: SecurityMode = test.security == .implicitTLS ? .implicitTLS : .startTLS
        let spec = PortSpec(port: test.port, mailProtocol: test.mailProtocol, mode: mode, isExplicit: true)

        // check
        var request = lab.request(test.labKey, ports: [spec])
        request.timeouts = Self.timeouts
        let report = try await ServerChecker().run(request)
        let checkKeys = Set(report.findings.compactMap { Self.problemKey(checkFinding: $0.id) })

        // setup's verification
        let verifier = CandidateVerifier(resolver: try DNSResolver(internet.resolver),
                                         anchors: try TrustAnchors(caFile: internet.caFile), now: Date(),
                                         timeouts: Self.timeouts, maximumConnections: 4)
        let setting = ServerSetting(kind: test.mailProtocol, hostname: test.host, port: test.port,
                                    socketType: test.security)
        let verified = await verifier.verify([Candidate(setting: setting, source: .guess, origin: "test")])
        let setupKey: String? = switch verified.first?.failure {
        case .transport(let problem)?: problem.key
        default: nil
        }

        // diagnose
        let diagnosis = try await Diagnoser().run(DiagnosisRequest(
            host: test.host, port: test.port, mailProtocol: test.mailProtocol, security: test.security,
            resolver: internet.resolver, caFile: internet.caFile, timeouts: Self.timeouts))
        let diagnoseKey = diagnosis.cause.flatMap(Self.problemKey(diagnosisCause:))

        #expect(checkKeys == [test.problem], "check: \(report.findings.map(\.id))")
        #expect(setupKey == test.problem, "setup: \(String(describing: verified.first?.failure))")
        #expect(diagnoseKey == test.problem, "diagnose: \(String(describing: diagnosis.cause))")

        // domain: port 25 of the MX
        if let domain = test.domain {
            var prober = DomainRequest(domain: domain.name).prober
            prober.silenceBeforeTLSAttempt = 1
            let domainReport = try await DomainChecker().run(DomainRequest(
                domain: domain.name, resolver: internet.resolver, caFile: internet.caFile, timeouts: Self.timeouts,
                httpTimeout: 5, prober: prober))
            let transport: Set<DomainFindingID> = [.mxUnreachable, .starttlsNotSupported, .tlsHandshakeFailed]
            #expect(Set(domainReport.findings.map(\.id)).intersection(transport) == [domain.finding],
                    "domain: \(domainReport.findings.map(\.id))")
        }
    }

    static func problemKey(checkFinding id: FindingID) -> String? {
        switch id {
        case .portClosed: "refused"
        case .portFiltered: "no-answer"
        case .serverUnavailable: "unavailable"
        case .protocolError: "protocol-error"
        case .wrongModePlaintextOnTLSPort: "plaintext-on-tls-port"
        case .wrongModeTLSOnSTARTTLSPort: "tls-on-plaintext-port"
        case .starttlsNotSupported: "starttls-not-offered"
        case .starttlsFailed, .tlsHandshakeFailed: "handshake-failed"
        default: nil
        }
    }

    static func problemKey(diagnosisCause cause: DiagnosisCause) -> String? {
        switch cause {
        case .connectionRefused: "refused"
        case .connectionTimedOut: "no-answer"
        case .connectionFailed: "unreachable"
        case .serviceUnavailable: "unavailable"
        case .noGreeting: "protocol-error"
        case .plaintextOnTLSPort: "plaintext-on-tls-port"
        case .tlsOnSTARTTLSPort: "tls-on-plaintext-port"
        case .starttlsNotOffered: "starttls-not-offered"
        case .tlsHandshakeFailed: "handshake-failed"
        default: nil
        }
    }
}
