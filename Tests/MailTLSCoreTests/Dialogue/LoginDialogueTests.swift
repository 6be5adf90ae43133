import TestSupport
import Testing

@testable import MailTLSCore

@Suite struct LoginDialogueTests {
    static let secret = "s3cret-Pässword"

    @Test func smtpSTARTTLSThenAuthPlainInsideTLS() throws {
        var login = ScriptedLogin(LoginDialogue.Plan(mailProtocol: .smtp, mode: .startTLS, user: "alice@example.test",
                                                     password: Self.secret))
        try login.run(replies: [
            "220 mail.example.test ESMTP\r\n",
            "250-mail.example.test\r\n250-STARTTLS\r\n250 8BITMIME\r\n",
            "220 2.0.0 Ready to start TLS\r\n",
            "250-mail.example.test\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n",
            "235 2.7.0 Authentication successful\r\n",
        ])
        let record = try #require(login.record)
        #expect(record.startTLS == .accepted)
        #expect(record.capabilitiesAfterTLS?.contains("AUTH PLAIN LOGIN") == true)
        guard case .succeeded(let mechanism, _) = record.authentication else {
            Issue.record("\(record.authentication)")
            return
        }
        #expect(mechanism == "PLAIN")
        let token = Base64.encode(Array("\0alice@example.test\0\(Self.secret)".utf8))
        #expect(login.sentAfterTLS.contains("AUTH PLAIN \(token)\r\n"))
        #expect(!login.sentBeforeTLS.joined().contains(token))
        #expect(!login.transcript.joined().contains(token), "the transcript hides credentials")
    }

    @Test func smtpAuthLoginWhenPlainIsNotOffered() throws {
        var login = ScriptedLogin(LoginDialogue.Plan(mailProtocol: .smtp, mode: .implicitTLS, user: "bob",
                                                     password: Self.secret))
        try login.run(replies: [
            "220 mail.example.test ESMTP\r\n",
            "250-mail.example.test\r\n250 AUTH LOGIN\r\n",
            "334 VXNlcm5hbWU6\r\n",
            "334 UGFzc3dvcmQ6\r\n",
            "535 5.7.8 Error: authentication failed\r\n",
        ])
        let record = try #require(login.record)
        guard case .rejected(let mechanism, let response) = record.authentication else {
            Issue.record("\(record.authentication)")
            return
        }
        #expect(mechanism == "LOGIN")
        #expect(response.code == "535")
        #expect(login.sentAfterTLS == ["EHLO mailtls.invalid\r\n", "AUTH LOGIN\r\n",
                                       Base64.encode(Array("bob".utf8)) + "\r\n",
                                       Base64.encode(Array(Self.secret.utf8)) + "\r\n"])
        #expect(login.sentBeforeTLS.isEmpty)
    }

    @Test func noSTARTTLSMeansThePasswordIsWithheld() throws {
        var login = ScriptedLogin(LoginDialogue.Plan(mailProtocol: .smtp, mode: .startTLS, user: "alice",
                                                     password: Self.secret))
        try login.run(replies: ["220 mail ESMTP\r\n", "250-mail\r\n250 AUTH PLAIN LOGIN\r\n"])
        let record = try #require(login.record)
        #expect(record.startTLS == .notOffered)
        #expect(record.authentication == .withheldWithoutTLS)
        #expect(!login.sentBeforeTLS.joined().contains("AUTH"))
    }

    @Test func securityNoneWithholdsUnlessAllowed() throws {
        let replies = ["220 mail ESMTP\r\n", "250-mail\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n", "235 ok\r\n"]
        var withheld = ScriptedLogin(LoginDialogue.Plan(mailProtocol: .smtp, mode: .startTLS, upgrade: false,
                                                        user: "alice", password: Self.secret))
        try withheld.run(replies: replies)
        #expect(withheld.record?.authentication == .withheldWithoutTLS)
        #expect(withheld.sentBeforeTLS == ["EHLO mailtls.invalid\r\n"])
        var allowed = ScriptedLogin(LoginDialogue.Plan(mailProtocol: .smtp, mode: .startTLS, upgrade: false,
                                                       user: "alice", password: Self.secret,
                                                       allowPlaintextAuthentication: true))
        try allowed.run(replies: replies)
        guard case .succeeded = allowed.record?.authentication else {
            Issue.record("\(String(describing: allowed.record?.authentication))")
            return
        }
        #expect(allowed.sentBeforeTLS.count == 2, "only with --allow-plaintext-auth")
    }

    @Test func imapLoginQuotesAndLoginDisabled() throws {
        var login = ScriptedLogin(LoginDialogue.Plan(mailProtocol: .imap, mode: .implicitTLS, user: "a\"b",
                                                     password: "p\\w"))
        try login.run(replies: [
            "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n",
            "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\na2 OK done\r\n",
            "a3 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n",
        ])
        #expect(login.sentAfterTLS.last == "a3 LOGIN \"a\\\"b\" \"p\\\\w\"\r\n")
        guard case .rejected(_, let response)? = login.record?.authentication else {
            Issue.record("\(String(describing: login.record))")
            return
        }
        #expect(response.statusLine.contains("AUTHENTICATIONFAILED"))

        var disabled = ScriptedLogin(LoginDialogue.Plan(mailProtocol: .imap, mode: .implicitTLS, user: "a",
                                                        password: "b"))
        try disabled.run(replies: ["* OK ready\r\n", "* CAPABILITY IMAP4rev1 LOGINDISABLED AUTH=XOAUTH2\r\na2 OK\r\n"])
        #expect(disabled.record?.authentication == .noUsableMechanism(offered: ["AUTH=XOAUTH2"]))
    }

    @Test func pop3UserPassAndARefusedGreeting() throws {
        var login = ScriptedLogin(LoginDialogue.Plan(mailProtocol: .pop3, mode: .startTLS, user: "u",
                                                     password: Self.secret))
        try login.run(replies: ["+OK POP3 ready\r\n", "+OK\r\nSTLS\r\nUSER\r\n.\r\n", "+OK Begin TLS\r\n",
                                "+OK\r\nUSER\r\n.\r\n", "+OK\r\n", "+OK Logged in.\r\n"])
        guard case .succeeded(let mechanism, _)? = login.record?.authentication else {
            Issue.record("\(String(describing: login.record))")
            return
        }
        #expect(mechanism == "USER")
        #expect(login.sentAfterTLS.suffix(2) == ["USER u\r\n", "PASS \(Self.secret)\r\n"])

        var busy = ScriptedLogin(LoginDialogue.Plan(mailProtocol: .smtp, mode: .startTLS))
        try busy.run(replies: ["421 4.7.0 Try again later\r\n"])
        #expect(busy.record?.refusedGreeting?.code == "421")
        #expect(busy.record?.greeting == nil)
    }
}

@Suite struct LoginDialogueRefusalTests {
    @Test func anEHLORefusedAfterTLSEndsTheDialogueWithTheReply() throws {
        var login = ScriptedLogin(LoginDialogue.Plan(mailProtocol: .smtp, mode: .startTLS, user: "u", password: "p"))
        try login.run(replies: [
            "220 outlook ESMTP\r\n", "250-outlook\r\n250 STARTTLS\r\n", "220 2.0.0 SMTP server ready\r\n",
            "421 4.7.66 TLS 1.0 and 1.1 are not supported. Please upgrade/update your client to support TLS 1.2.\r\n",
        ])
        let record = try #require(login.record)
        #expect(record.refusedCapabilities?.code == "421")
        #expect(record.authentication == .notTried)
        #expect(!login.sentAfterTLS.contains { $0.hasPrefix("AUTH") })
    }
}

/// Any sequence of replies, however hostile, ends the dialogue within a bounded number of steps, and a password is
/// never written before TLS.
@Suite struct LoginDialogueFuzzTests {
    static let replies = [
        "220 x ESMTP\r\n", "250-x\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n", "334 VXNlcm5hbWU6\r\n", "235 ok\r\n",
        "535 5.7.8 no\r\n", "421 4.7.0 bye\r\n", "* OK hi\r\n", "a2 OK done\r\n", "a3 NO [AUTHENTICATIONFAILED] x\r\n",
        "+OK\r\n", "-ERR no\r\n", "+OK\r\nSTLS\r\nUSER\r\n.\r\n", "* CAPABILITY IMAP4rev1 STARTTLS\r\na1 OK\r\n",
    ]

    @Test(arguments: [MailProtocol.smtp, .imap, .pop3])
    func randomRepliesEndTheDialogueAndNeverLeakThePassword(mailProtocol: MailProtocol) {
        var generator = SeededGenerator(state: 0x6C6F_6769_6E + UInt64(mailProtocol.rawValue.count))
        for _ in 0..<500 {
            let plan = LoginDialogue.Plan(mailProtocol: mailProtocol, mode: Bool.random(using: &generator) ? .startTLS : .implicitTLS,
                                          upgrade: Bool.random(using: &generator), user: "user",
                                          password: "fuzz-secret-password")
            var login = ScriptedLogin(plan)
            let script = (0..<Int.random(in: 0...10, using: &generator)).map { _ in
                Self.replies.randomElement(using: &generator)!
            }
            // A reply that does not fit the reader is a protocol error for the engine, not a crash here.
            try? login.run(replies: script, lenient: true)
            #expect(login.sent.count <= 12)
            #expect(!login.sentBeforeTLS.joined().contains("fuzz-secret-password"))
            let token = Base64.encode(Array("\0user\0fuzz-secret-password".utf8))
            #expect(!login.sentBeforeTLS.joined().contains(token))
            #expect(!login.sentBeforeTLS.joined().contains(Base64.encode(Array("fuzz-secret-password".utf8))))
        }
    }
}
