import Foundation
import MailTLSCore
import MailTLSSetup
import Testing

@testable import MailTLSAccount

/// `mailtls diagnose`: each fault shown by a real server of the lab, named with a working alternative.
@Suite struct DiagnoseTests {
    func diagnose(_ host: String, _ port: Int, _ security: SecurityMode, protocol mailProtocol: MailProtocol = .smtp,
                  user: String? = nil, password: String? = nil, clientMaximumTLS: TLSVersion? = nil,
                  caFile: Bool = true, testRecipient: String? = nil, allowPlaintext: Bool = false) async throws
        -> Diagnosis {
        let internet = try Internet.get()
        let request = DiagnosisRequest(
            host: host, port: port, mailProtocol: mailProtocol, security: security, user: user, password: password,
            allowPlaintextAuthentication: allowPlaintext, testRecipient: testRecipient,
            clientMaximumTLS: clientMaximumTLS, resolver: internet.resolver,
            caFile: caFile ? internet.caFile : nil, timeouts: .init(connect: 2, read: 10, greeting: 10, overall: 40))
        return try await Diagnoser().run(request)
    }

    func labPassword() throws -> String {
        let lab = try Lab.get()
        return try String(contentsOfFile: lab["LAB_PASSWORD_FILE"], encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func failedStep(_ diagnosis: Diagnosis) -> DiagnosisStep.Kind? {
        diagnosis.steps.first { $0.status == .failed }?.kind
    }

    func working(_ diagnosis: Diagnosis) -> [String] {
        diagnosis.alternatives.filter(\.works).map {
            "\($0.candidate.setting.port)/\($0.candidate.setting.socketType.autoconfigName)"
        }
    }

    @Test func workingSettingsWithTheRightPasswordAndATestMessage() async throws {
        let diagnosis = try await diagnose("mail.mailtls.test", 587, .startTLS, user: "alice@mailtls.test",
                                           password: try labPassword(), testRecipient: "alice@mailtls.test")
        #expect(diagnosis.cause == nil, "\(diagnosis.steps)")
        #expect(diagnosis.steps.map(\.kind) == [.dns, .tcp, .greeting, .starttls, .tls, .certificate,
                                                .authentication, .testMessage])
        #expect(diagnosis.steps.allSatisfy { $0.status == .passed })
        #expect(diagnosis.exitCode == 0)
        #expect(!diagnosis.transcript.map(\.text).joined().contains(try labPassword()))
    }

    @Test func aMisspeltHost() async throws {
        let diagnosis = try await diagnose("mial.mailtls.test", 587, .startTLS)
        #expect(diagnosis.cause == .hostNotFound)
        #expect(failedStep(diagnosis) == .dns)
        #expect(diagnosis.parameters["host"] == "mial.mailtls.test")
        #expect(diagnosis.exitCode == 2)
    }

    @Test func aRefusedPort() async throws {
        let diagnosis = try await diagnose("127.0.0.9", 587, .startTLS)
        #expect(diagnosis.cause == .connectionRefused)
        #expect(failedStep(diagnosis) == .tcp)
        #expect(working(diagnosis).isEmpty)
    }

    @Test func aBlockedPortTriesTheOtherSubmissionPorts() async throws {
        let diagnosis = try await diagnose("127.0.0.14", 587, .startTLS)
        #expect(diagnosis.cause == .connectionTimedOut)
        #expect(Set(diagnosis.alternatives.map(\.candidate.setting.port)) == [465, 2525])
        #expect(working(diagnosis).isEmpty, "all blocked: the advice is another network")
    }

    @Test func sslTLSOnAPlaintextPort() async throws {
        let diagnosis = try await diagnose("mail.mailtls.test", 587, .implicitTLS)
        #expect(diagnosis.cause == .plaintextOnTLSPort)
        #expect(failedStep(diagnosis) == .tls)
        #expect(diagnosis.evidence.hasPrefix("220 "))
        #expect(working(diagnosis).contains("587/STARTTLS"))
        #expect(working(diagnosis).contains("465/SSL"))
    }

    @Test func startTLSOnAnImplicitTLSPort() async throws {
        let diagnosis = try await diagnose("mail.mailtls.test", 993, .startTLS, protocol: .imap)
        #expect(diagnosis.cause == .tlsOnSTARTTLSPort)
        #expect(failedStep(diagnosis) == .greeting)
        #expect(working(diagnosis).contains("993/SSL"), "the same port with the right setting works")
        #expect(working(diagnosis).contains("143/STARTTLS"))
    }

    @Test func startTLSNotOffered() async throws {
        let diagnosis = try await diagnose("nostarttls-mx.mailtls.test", 25, .startTLS)
        #expect(diagnosis.cause == .starttlsNotOffered)
        #expect(failedStep(diagnosis) == .starttls)
    }

    @Test func aBusyServer() async throws {
        let diagnosis = try await diagnose("127.0.0.12", 587, .startTLS)
        #expect(diagnosis.cause == .serviceUnavailable)
        #expect(diagnosis.evidence.hasPrefix("421"))
    }

    @Test func anExpiredCertificate() async throws {
        let diagnosis = try await diagnose("expired-mx.mailtls.test", 465, .implicitTLS)
        #expect(diagnosis.cause == .certificateExpired)
        #expect(failedStep(diagnosis) == .certificate)
        #expect(diagnosis.parameters["notAfter"] != nil)
    }

    @Test func theWrongNameTyped() async throws {
        let diagnosis = try await diagnose("127.0.0.1", 465, .implicitTLS)
        #expect(diagnosis.cause == .certificateNameMismatch)
        #expect(diagnosis.parameters["names"] == "mail.mailtls.test")
    }

    @Test func anUntrustedIssuer() async throws {
        let diagnosis = try await diagnose("mail.mailtls.test", 465, .implicitTLS, caFile: false)
        #expect(diagnosis.cause == .certificateUntrusted)
    }

    @Test func aSelfSignedCertificate() async throws {
        let diagnosis = try await diagnose("selfsigned-mx.mailtls.test", 465, .implicitTLS)
        #expect(diagnosis.cause == .certificateSelfSigned)
    }

    @Test func aDeviceTooOldForTheServersTLS() async throws {
        let diagnosis = try await diagnose("mail.mailtls.test", 465, .implicitTLS, clientMaximumTLS: .tls10)
        #expect(diagnosis.cause == .tlsVersionTooOld, "\(diagnosis.evidence)")
        #expect(diagnosis.parameters["clientVersion"] == "TLSv1.0")
    }

    @Test func noAuthenticationOnTheMXPort() async throws {
        let diagnosis = try await diagnose("mail.mailtls.test", 25, .startTLS, user: "alice@mailtls.test",
                                           password: "whatever")
        #expect(diagnosis.cause == .authMechanismMissing)
        #expect(failedStep(diagnosis) == .authentication)
    }

    /// Wrong passwords go to the AUTH_FAILURES instance: its own Dovecot takes the auth penalty they earn.
    static let failuresHost = "auth-failures.mailtls.test"

    @Test func aWrongPassword() async throws {
        let diagnosis = try await diagnose(DiagnoseTests.failuresHost, 465, .implicitTLS, user: "alice@mailtls.test",
                                           password: "wrong-password")
        #expect(diagnosis.cause == .badCredentials)
        #expect(diagnosis.evidence.contains("535"))
        #expect(working(diagnosis).contains("587/STARTTLS"), "the connection settings themselves work")
    }

    @Test(arguments: [MailProtocol.imap, .pop3])
    func aWrongPasswordOverIMAPAndPOP3(mailProtocol: MailProtocol) async throws {
        let port = mailProtocol == .imap ? 993 : 995
        let diagnosis = try await diagnose(DiagnoseTests.failuresHost, port, .implicitTLS, protocol: mailProtocol,
                                           user: "alice@mailtls.test", password: "wrong-password")
        #expect(diagnosis.cause == .badCredentials, "\(diagnosis.evidence)")
        let right = try await diagnose(DiagnoseTests.failuresHost, port, .implicitTLS, protocol: mailProtocol,
                                       user: "alice@mailtls.test", password: try labPassword())
        #expect(right.cause == nil, "\(right.steps)")
    }

    @Test func noEncryptionWithholdsThePassword() async throws {
        let withheld = try await diagnose("mail.mailtls.test", 587, .plaintext, user: "alice@mailtls.test",
                                          password: try labPassword())
        #expect(withheld.cause == .passwordWithheld)
        let forced = try await diagnose("mail.mailtls.test", 587, .plaintext, user: "alice@mailtls.test",
                                        password: try labPassword(), allowPlaintext: true)
        #expect(forced.cause == .starttlsRequired, "AUTH is hidden until STARTTLS: \(forced.evidence)")
    }

    @Test func noEncryptionMeetsThe530OfASubmissionPort() async throws {
        let diagnosis = try await diagnose("mail.mailtls.test", 587, .plaintext, testRecipient: "alice@mailtls.test")
        #expect(diagnosis.cause == .starttlsRequired)
        #expect(failedStep(diagnosis) == .testMessage)
        #expect(diagnosis.evidence.hasPrefix("530"), "\(diagnosis.evidence)")
    }
}
