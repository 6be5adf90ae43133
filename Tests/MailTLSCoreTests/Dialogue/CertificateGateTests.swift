import Testing

@testable import MailTLSCore

/// A user's password crosses only a connection whose certificate the caller accepted at the handshake: a rejected
/// certificate stops LoginDialogue and SubmissionDialogue before the first credential byte, on every protocol and in
/// both modes, unless the user forces it (and then the record says so).
@Suite struct CertificateGateTests {
    static let secret = "s3cret-over-a-forged-certificate"
    static let rejected = CertificateAcceptance.rejected(reason: "self-signed")

    static let replies: [MailProtocol: (implicit: [String], starttls: [String])] = [
        .smtp: (["220 mx ESMTP\r\n", "250-mx\r\n250 AUTH PLAIN LOGIN\r\n", "235 2.7.0 ok\r\n"],
                ["220 mx ESMTP\r\n", "250-mx\r\n250 STARTTLS\r\n", "220 2.0.0 go\r\n",
                 "250-mx\r\n250 AUTH PLAIN LOGIN\r\n", "235 2.7.0 ok\r\n"]),
        .imap: (["* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n", "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\na2 OK\r\n",
                 "a3 OK logged in\r\n"],
                ["* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n",
                 "* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\na2 OK\r\n", "a3 OK go\r\n",
                 "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\na4 OK\r\n", "a5 OK logged in\r\n"]),
        .pop3: (["+OK ready\r\n", "+OK\r\nUSER\r\n.\r\n", "+OK\r\n", "+OK logged in\r\n"],
                ["+OK ready\r\n", "+OK\r\nSTLS\r\n.\r\n", "+OK go\r\n", "+OK\r\nUSER\r\n.\r\n", "+OK\r\n",
                 "+OK logged in\r\n"]),
    ]

    @Test(arguments: [MailProtocol.smtp, .imap, .pop3], [SecurityMode.implicitTLS, .startTLS])
    func aRejectedCertificateWithholdsThePassword(mailProtocol: MailProtocol, mode: SecurityMode) throws {
        var login = ScriptedLogin(LoginDialogue.Plan(mailProtocol: mailProtocol, mode: mode, user: "alice",
                                                     password: Self.secret))
        let script = Self.replies[mailProtocol]!
        try login.run(replies: mode == .implicitTLS ? script.implicit : script.starttls, certificate: Self.rejected)
        let record = try #require(login.record)
        #expect(record.authentication == .withheldUntrustedCertificate(reason: "self-signed"))
        #expect(!(login.sentBeforeTLS + login.sentAfterTLS).joined().contains(Self.secret))
        #expect(!(login.sentBeforeTLS + login.sentAfterTLS).joined()
            .contains(Base64.encode(Array("\0alice\0\(Self.secret)".utf8))))
        #expect(!record.passwordSentDespiteCertificate)
    }

    @Test(arguments: [MailProtocol.smtp, .imap, .pop3])
    func anAcceptedCertificateLogsIn(mailProtocol: MailProtocol) throws {
        var login = ScriptedLogin(LoginDialogue.Plan(mailProtocol: mailProtocol, mode: .implicitTLS, user: "alice",
                                                     password: Self.secret))
        try login.run(replies: Self.replies[mailProtocol]!.implicit, certificate: .accepted)
        guard case .succeeded = login.record?.authentication else {
            Issue.record("\(String(describing: login.record?.authentication))")
            return
        }
    }

    @Test func forcedSendingIsRecorded() throws {
        var login = ScriptedLogin(LoginDialogue.Plan(mailProtocol: .smtp, mode: .implicitTLS, user: "alice",
                                                     password: Self.secret, sendDespiteRejectedCertificate: true))
        try login.run(replies: Self.replies[.smtp]!.implicit, certificate: Self.rejected)
        #expect(login.record?.passwordSentDespiteCertificate == true)
        guard case .succeeded = login.record?.authentication else {
            Issue.record("\(String(describing: login.record?.authentication))")
            return
        }
    }

    @Test func theTestMessageWithholdsThePasswordToo() throws {
        let plan = SubmissionDialogue.Plan(mode: .startTLS, user: "alice", password: Self.secret, from: "a@x.test",
                                           recipients: ["b@x.test"], message: Array("Subject: t\r\n\r\nhi\r\n".utf8))
        var submission = ScriptedClient(SubmissionDialogue(plan: plan))
        try submission.run(replies: ["220 mx ESMTP\r\n", "250-mx\r\n250 STARTTLS\r\n", "220 2.0.0 go\r\n"],
                           certificate: Self.rejected)
        #expect(submission.record?.stop == .untrustedCertificate(reason: "self-signed"))
        #expect(submission.sentAfterTLS.isEmpty, "\(submission.sentAfterTLS)")
    }
}
