import Foundation
import MailTLSCore
import TestSupport
import Testing

@testable import MailTLSAccount

/// `diagnose` never hands the user's real password to a server whose certificate a device would refuse: the lab's
/// self-signed instance (a real Postfix and Dovecot, as a man in the middle would present themselves) must never see
/// a login, over implicit TLS or STARTTLS, for the login or the test message. Checked at the server: its own logs.
/// Only `--insecure-send-password` sends it, and the report says so.
@Suite(.serialized) struct CredentialGateTests {
    let host = "selfsigned-mx.mailtls.test"

    func diagnose(_ port: Int, _ security: SecurityMode, protocol mailProtocol: MailProtocol = .smtp,
                  force: Bool = false, testRecipient: String? = nil) async throws -> Diagnosis {
        let internet = try Internet.get()
        let lab = try Lab.get()
        let password = try String(contentsOfFile: lab["LAB_PASSWORD_FILE"], encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let request = DiagnosisRequest(
            host: host, port: port, mailProtocol: mailProtocol, security: security, user: lab["LAB_USER"],
            password: password, sendPasswordDespiteCertificate: force, testRecipient: testRecipient,
            resolver: internet.resolver, caFile: internet.caFile,
            timeouts: .init(connect: 2, read: 10, greeting: 10, overall: 40))
        return try await Diagnoser().run(request)
    }

    /// Lines the servers log for a login that reached them, on the self-signed instance only.
    func loginsSince(_ offsets: (postfix: UInt64, dovecot: UInt64)) throws -> [String] {
        let lab = try Lab.get()
        let selfSigned = lab["LAB_SELF_SIGNED"]
        let postfix = try NoFailedLoginTests.lines(in: lab["LAB_POSTFIX_LOG"], since: offsets.postfix, containing: []).filter {
            $0.contains("mailtls-lab/self-signed-") && ($0.contains(" auth=") || $0.contains("sasl_username="))
        }
        let dovecot = try NoFailedLoginTests.lines(in: lab["LAB_DOVECOT_LOG"], since: offsets.dovecot, containing: []).filter {
            $0.contains("lip=\(selfSigned),") && ($0.contains("Login: user=") || $0.contains("auth failed"))
        }
        return postfix + dovecot
    }

    /// Waits until the self-signed instance logged the end of a conversation since `offsets` (Postfix for SMTP,
    /// Dovecot for IMAP and POP3): a login, had there been one, is logged by then.
    func waitForConversationEnd(_ mailProtocol: MailProtocol, since offsets: (postfix: UInt64, dovecot: UInt64))
        async throws -> Bool {
        let lab = try Lab.get()
        let (log, offset, parts) = mailProtocol == .smtp
            ? (lab["LAB_POSTFIX_LOG"], offsets.postfix, ["mailtls-lab/self-signed-", "disconnect from"])
            : (lab["LAB_DOVECOT_LOG"], offsets.dovecot, ["Disconnected", "lip=\(lab["LAB_SELF_SIGNED"]),"])
        return try await NoFailedLoginTests.waitForEnd(in: log, since: offset, containing: parts)
    }

    func offsets() throws -> (postfix: UInt64, dovecot: UInt64) {
        let lab = try Lab.get()
        return (NoFailedLoginTests.size(lab["LAB_POSTFIX_LOG"]), NoFailedLoginTests.size(lab["LAB_DOVECOT_LOG"]))
    }

    @Test(arguments: [
        (465, SecurityMode.implicitTLS, MailProtocol.smtp), (587, .startTLS, .smtp), (993, .implicitTLS, .imap),
        (143, .startTLS, .imap), (995, .implicitTLS, .pop3), (110, .startTLS, .pop3),
    ])
    func aSelfSignedServerNeverSeesThePassword(port: Int, security: SecurityMode, mailProtocol: MailProtocol)
        async throws {
        let start = try offsets()
        let diagnosis = try await diagnose(port, security, protocol: mailProtocol,
                                           testRecipient: mailProtocol == .smtp ? "alice@mailtls.test" : nil)
        #expect(diagnosis.cause == .certificateSelfSigned, "\(diagnosis.steps)")
        #expect(diagnosis.password == .withheldUntrustedCertificate)
        #expect(!diagnosis.steps.contains { $0.kind == .authentication || $0.kind == .testMessage })
        #expect(try await waitForConversationEnd(mailProtocol, since: start), "the server logged no conversation")
        #expect(try loginsSince(start) == [], "the server saw a login")
    }

    @Test func forcedSendingReachesTheServerAndSaysSo() async throws {
        let start = try offsets()
        let diagnosis = try await diagnose(993, .implicitTLS, protocol: .imap, force: true)
        #expect(diagnosis.cause == .certificateSelfSigned, "the certificate stays the cause")
        #expect(diagnosis.password == .sentDespiteCertificate)
        #expect(diagnosis.steps.contains { $0.kind == .authentication && $0.status == .passed })
        let lab = try Lab.get()
        let logins = try await FileChanges.waitFor(writesTo: [lab["LAB_POSTFIX_LOG"], lab["LAB_DOVECOT_LOG"]],
                                                   timeout: 15) { try loginsSince(start).isEmpty ? nil : true }
        #expect(logins == true, "the forced login reached the server")
    }
}

/// Ctrl-C at the password prompt must not leave the user's terminal typing blind.
@Suite struct PasswordPromptTests {
    @Test func ctrlCAtThePromptPutsEchoBack() async throws {
        let result = await Tool.python("prompt_interrupt.py", [ProcessRunner.mailtlsBinary])
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            == "prompt=1 echo-during=0 echo-after=1 signal=2", "\(result.stdout)\(result.stderr)")
    }
}
