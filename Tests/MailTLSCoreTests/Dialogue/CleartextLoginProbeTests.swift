import Testing

@testable import MailTLSCore

/// The default login probe: it learns whether a password could cross before TLS without sending one, so the server
/// logs no failed login. Replies are byte fixtures from real servers (Postfix 3.7 and Dovecot 2.3 of Debian 12,
/// measured on the lab; the lines the lab's README records).
@Suite struct CleartextLoginProbeTests {
    let credentials = ThrowawayCredentials(user: "mailtls-probe-0badcafe", password: "never-sent-secret")

    func plan(_ mailProtocol: MailProtocol, submission: Bool = false) -> DialoguePlan {
        DialoguePlan(mailProtocol: mailProtocol, mode: .startTLS, loginProbe: .cancel, probeMailBeforeTLS: submission,
                     throwawayCredentials: credentials)
    }

    // MARK: SMTP

    @Test func postfixThatAsksForThePasswordInTheClearIsCancelledAtThe334() throws {
        var dialogue = ScriptedDialogue(plan(.smtp, submission: true))
        try dialogue.run(replies: [
            "220 mail.mailtls.test ESMTP Postfix\r\n",
            "250-mail.mailtls.test\r\n250-PIPELINING\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250 CHUNKING\r\n",
            "334 \r\n",
            "501 5.7.0 Authentication aborted\r\n",
            "250 2.1.0 Ok\r\n",
            "250 2.0.0 Ok\r\n",
            "220 2.0.0 Ready to start TLS\r\n",
            "250-mail.mailtls.test\r\n250 AUTH PLAIN LOGIN\r\n",
        ])
        let record = try #require(dialogue.record)
        #expect(dialogue.sentBeforeTLS == ["EHLO mailtls.invalid\r\n", "AUTH PLAIN\r\n", "*\r\n",
                                           "MAIL FROM:<mailtls-probe@mailtls.invalid>\r\n", "RSET\r\n",
                                           "STARTTLS\r\n"])
        #expect(record.cleartextLogin == .acceptedInClear(.exchange("AUTH PLAIN → 334")))
        #expect(record.startTLS == .accepted)
        #expect(!dialogue.sentBeforeTLS.joined().contains(credentials.user))
        #expect(!dialogue.sentBeforeTLS.joined().contains(credentials.password))
    }

    @Test func authLoginOnlyIsCancelledAtTheUsernamePrompt() throws {
        var dialogue = ScriptedDialogue(plan(.smtp))
        try dialogue.run(replies: [
            "220 mx ESMTP\r\n", "250-mx\r\n250 AUTH LOGIN CRAM-MD5\r\n", "334 VXNlcm5hbWU6\r\n",
            "501 5.7.0 Authentication aborted\r\n",
        ])
        #expect(dialogue.sent == ["EHLO mailtls.invalid", "AUTH LOGIN", "*"])
        if case .acceptedInClear = dialogue.record?.cleartextLogin {} else {
            Issue.record("got \(String(describing: dialogue.record?.cleartextLogin))")
        }
    }

    @Test(arguments: [
        ("530 5.7.0 Must issue a STARTTLS command first\r\n", "refused"),
        ("538 5.7.11 Encryption required for requested authentication mechanism\r\n", "refused"),
        ("504 5.7.4 Unrecognized authentication type\r\n", "not-offered"),
        ("454 4.7.0 Temporary authentication failure\r\n", "inconclusive"),
        ("421 4.7.0 Too many connections\r\n", "inconclusive"),
    ])
    func smtpRefusalsBeforeAnyCredential(reply: String, expected: String) throws {
        var dialogue = ScriptedDialogue(plan(.smtp))
        try dialogue.run(replies: ["220 mx ESMTP\r\n", "250-mx\r\n250 AUTH PLAIN\r\n", reply])
        let outcome = try #require(dialogue.record?.cleartextLogin)
        #expect(CleartextLoginProbeTests.label(outcome) == expected)
        #expect(dialogue.sent.count == 2, "no cancel is sent when there is nothing to cancel: \(dialogue.sent)")
    }

    @Test func smtpWithoutAuthBeforeTLSSendsNothing() throws {
        var dialogue = ScriptedDialogue(plan(.smtp))
        try dialogue.run(replies: ["220 mx ESMTP\r\n", "250-mx\r\n250 AUTH CRAM-MD5\r\n"])
        #expect(dialogue.record?.cleartextLogin == .notOffered(evidence: "AUTH CRAM-MD5"))
        #expect(dialogue.sent == ["EHLO mailtls.invalid"])
    }

    // MARK: IMAP

    @Test func dovecotThatAllowsPlaintextAnswersAContinuation() throws {
        var dialogue = ScriptedDialogue(plan(.imap))
        try dialogue.run(replies: [
            "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN AUTH=LOGIN] Dovecot ready.\r\n",
            "+ \r\n",
            "m2 BAD Authentication aborted by client.\r\n",
            "m3 OK Begin TLS negotiation now.\r\n",
            "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nm4 OK done\r\n",
        ])
        let record = try #require(dialogue.record)
        #expect(dialogue.sent == ["m2 AUTHENTICATE PLAIN", "*", "m3 STARTTLS", "m4 CAPABILITY"])
        #expect(record.cleartextLogin == .acceptedInClear(.exchange("AUTHENTICATE PLAIN → +")))
        #expect(record.tlsEstablished)
    }

    @Test func dovecotPrivacyRequiredIsARefusal() throws {
        var dialogue = ScriptedDialogue(plan(.imap))
        try dialogue.run(replies: [
            "* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] ready\r\n",
            "m2 NO [PRIVACYREQUIRED] Plaintext authentication disabled.\r\n",
            "m3 OK Begin TLS negotiation now.\r\n",
            "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nm4 OK done\r\n",
        ])
        #expect(dialogue.record?.cleartextLogin
            == .refusedBeforeTLS(evidence: "m2 NO [PRIVACYREQUIRED] Plaintext authentication disabled."))
        #expect(dialogue.sent == ["m2 AUTHENTICATE PLAIN", "m3 STARTTLS", "m4 CAPABILITY"])
    }

    @Test func imapWithoutLoginDisabledPermitsLoginByTheRFC() throws {
        var dialogue = ScriptedDialogue(plan(.imap))
        try dialogue.run(replies: [
            "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n",
            "m2 OK Begin TLS negotiation now.\r\n",
            "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nm3 OK done\r\n",
        ])
        if case .acceptedInClear(let evidence) = dialogue.record?.cleartextLogin {
            #expect(evidence == .loginCommandNotDisabled)
        } else {
            Issue.record("got \(String(describing: dialogue.record?.cleartextLogin))")
        }
        #expect(dialogue.sent == ["m2 STARTTLS", "m3 CAPABILITY"], "nothing is sent to learn it")
    }

    @Test func imapUnavailableIsInconclusive() throws {
        var dialogue = ScriptedDialogue(plan(.imap))
        try dialogue.run(replies: [
            "* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] ready\r\n",
            "m2 NO [UNAVAILABLE] Authentication service unavailable\r\n",
            "m3 OK Begin TLS\r\n", "* CAPABILITY IMAP4rev1\r\nm4 OK\r\n",
        ])
        #expect(dialogue.record?.cleartextLogin
            == .inconclusive(evidence: "m2 NO [UNAVAILABLE] Authentication service unavailable"))
    }

    // MARK: POP3

    @Test func dovecotCapaWithoutUserOrMechanismsDecidesWithoutAnyCommand() throws {
        var dialogue = ScriptedDialogue(plan(.pop3))
        try dialogue.run(replies: [
            "+OK Dovecot ready.\r\n",
            "+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\nSTLS\r\nSASL\r\n.\r\n",
            "+OK Begin TLS negotiation now.\r\n",
            "+OK\r\nCAPA\r\nUSER\r\nSASL PLAIN LOGIN\r\n.\r\n",
        ])
        #expect(dialogue.sent == ["CAPA", "STLS", "CAPA"])
        if case .notOffered = dialogue.record?.cleartextLogin {} else {
            Issue.record("got \(String(describing: dialogue.record?.cleartextLogin))")
        }
    }

    @Test func dovecotSaslPlainBeforeTLSIsCancelled() throws {
        var dialogue = ScriptedDialogue(plan(.pop3))
        try dialogue.run(replies: [
            "+OK Dovecot ready.\r\n",
            "+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\nSTLS\r\nUSER\r\nSASL PLAIN LOGIN\r\n.\r\n",
            "+ \r\n",
            "-ERR Authentication aborted by client.\r\n",
            "+OK Begin TLS negotiation now.\r\n",
            "+OK\r\nCAPA\r\n.\r\n",
        ])
        #expect(dialogue.sent == ["CAPA", "AUTH PLAIN", "*", "STLS", "CAPA"])
        if case .acceptedInClear = dialogue.record?.cleartextLogin {} else {
            Issue.record("got \(String(describing: dialogue.record?.cleartextLogin))")
        }
    }

    @Test func pop3UserAloneWhenNoSaslIsListed() throws {
        var dialogue = ScriptedDialogue(plan(.pop3))
        try dialogue.run(replies: [
            "+OK ready\r\n", "+OK\r\nUSER\r\nSTLS\r\n.\r\n", "+OK\r\n", "+OK Begin TLS\r\n", "+OK\r\nUSER\r\n.\r\n",
        ])
        #expect(dialogue.sent == ["CAPA", "USER <throwaway user name>", "STLS", "CAPA"])
        #expect(dialogue.record?.cleartextLogin == .acceptedInClear(.exchange("USER → +OK")))
        #expect(!dialogue.sentBeforeTLS.joined().contains(credentials.password))
    }

    @Test func pop3WithoutCapaFallsBackToUser() throws {
        var dialogue = ScriptedDialogue(plan(.pop3))
        try dialogue.run(replies: [
            "+OK old server\r\n", "-ERR unknown command\r\n",
            "-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.\r\n",
        ])
        #expect(dialogue.sent == ["CAPA", "USER <throwaway user name>"])
        #expect(dialogue.record?.cleartextLogin == .refusedBeforeTLS(
            evidence: "-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections."))
    }

    static func label(_ outcome: DialogueRecord.LoginOutcome) -> String {
        switch outcome {
        case .notTried: "not-tried"
        case .notOffered: "not-offered"
        case .refusedBeforeTLS: "refused"
        case .acceptedInClear: "accepted"
        case .inconclusive: "inconclusive"
        }
    }
}

/// Servers where the usual cancel would cost the user: measured or read from their sources.
@Suite struct CleartextLoginProbeHazardTests {
    let plan = DialoguePlan(mailProtocol: .smtp, mode: .startTLS, loginProbe: .cancel,
                            throwawayCredentials: ThrowawayCredentials(user: "u", password: "p"))

    /// hMailServer's AUTH LOGIN takes `*` as the user name and asks for the password: the next line, even QUIT,
    /// would be checked as one and count toward its auto-ban. The probe hangs up at once.
    @Test func aSecondContinuationAfterTheCancelEndsTheConnectionWithoutAnotherWord() throws {
        var dialogue = ScriptedDialogue(plan)
        var step = dialogue.dialogue.start()
        for reply in ["220 mx ESMTP\r\n", "250-mx\r\n250-STARTTLS\r\n250 AUTH LOGIN\r\n", "334 VXNlcm5hbWU6\r\n",
                      "334 UGFzc3dvcmQ6\r\n"] {
            guard case .exchange(let request) = step else { Issue.record("ended early: \(step)"); return }
            var assembler = request.reader.makeAssembler()
            var framer = LineFramer()
            framer.append(Array(reply.utf8))
            var response: MailResponse?
            while response == nil, let line = try framer.nextLine() { response = try assembler.consume(line: line) }
            step = dialogue.dialogue.received(try #require(response))
        }
        guard case .finish(let record, let farewell) = step else { Issue.record("not finished: \(step)"); return }
        #expect(farewell == nil, "no QUIT: it would be read as the password")
        #expect(record.interruptedDuring == .cleartextLogin, "so the prober checks TLS on a new connection")
        #expect(record.cleartextLogin == .acceptedInClear(.exchange("AUTH LOGIN → 334 VXNlcm5hbWU6")))
    }

    /// Courier logs a cancelled AUTHENTICATE as LOGIN FAILED and sleeps: its capabilities decide alone.
    @Test func courierIsJudgedByItsCapabilitiesAlone() throws {
        var imap = ScriptedDialogue(DialoguePlan(mailProtocol: .imap, mode: .startTLS, loginProbe: .cancel))
        try imap.run(replies: [
            "* OK [CAPABILITY IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT STARTTLS AUTH=PLAIN] "
                + "Courier-IMAP ready. Copyright 1998-2018 Double Precision, Inc.  See COPYING for distribution "
                + "information.\r\n",
            "m2 OK Begin SSL/TLS negotiation now.\r\n",
            "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nm3 OK CAPABILITY completed\r\n",
        ])
        #expect(imap.sent == ["m2 STARTTLS", "m3 CAPABILITY"])
        #expect(imap.record?.cleartextLogin == .acceptedInClear(.offeredBeforeTLS(advertised: "AUTH=PLAIN", keyword: "STARTTLS")))

        var pop3 = ScriptedDialogue(DialoguePlan(mailProtocol: .pop3, mode: .startTLS, loginProbe: .cancel))
        try pop3.run(replies: [
            "+OK Hello there.\r\n", "+OK Here's what I can do:\r\nSTLS\r\nTOP\r\nUSER\r\nSASL PLAIN\r\n.\r\n",
            "+OK Begin SSL/TLS negotiation now.\r\n", "+OK\r\nUSER\r\n.\r\n",
        ])
        #expect(pop3.sent == ["CAPA", "STLS", "CAPA"])
        #expect(pop3.record?.cleartextLogin == .acceptedInClear(.offeredBeforeTLS(advertised: "SASL PLAIN", keyword: "STLS")))
    }

    /// No answer to AUTH within the wait is no verdict either way.
    @Test func aSilentAuthenticationIsInconclusive() throws {
        var dialogue = ScriptedDialogue(plan)
        try dialogue.run(replies: ["220 mx ESMTP\r\n", "250-mx\r\n250 AUTH PLAIN\r\n"])
        #expect(dialogue.record?.cleartextLogin == .inconclusive(evidence: "no complete reply to the authentication request"))
        #expect(dialogue.record?.interruptedDuring == .cleartextLogin)
    }
}
