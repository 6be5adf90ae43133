import Testing

@testable import MailTLSCore

@Suite struct DialogueStateMachineTests {
    let credentials = ThrowawayCredentials(user: "probe-user", password: "probe-secret")

    @Test func submissionWithRequiredSTARTTLS() throws {
        var dialogue = ScriptedDialogue(DialoguePlan(mailProtocol: .smtp, mode: .startTLS, loginProbe: .cancel,
                                                     probeMailBeforeTLS: true, throwawayCredentials: credentials))
        try dialogue.run(replies: [
            "220 mail.example ESMTP Postfix\r\n",
            "250-mail.example\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n",
            "530 5.7.0 Must issue a STARTTLS command first\r\n",
            "220 2.0.0 Ready to start TLS\r\n",
            "250-mail.example\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n",
        ])
        let record = try #require(dialogue.record)
        #expect(dialogue.sent == ["EHLO mailtls.invalid", "MAIL FROM:<mailtls-probe@mailtls.invalid>", "STARTTLS",
                                  "EHLO mailtls.invalid"])
        #expect(record.startTLS == .accepted)
        #expect(record.tlsEstablished)
        #expect(record.cleartextLogin == .notOffered(evidence: "no AUTH in EHLO before STARTTLS"))
        #expect(record.mailBeforeTLS == .refusedBeforeTLS(evidence: "530 5.7.0 Must issue a STARTTLS command first"))
        #expect(record.capabilitiesAfterTLS == ["AUTH PLAIN LOGIN", "8BITMIME"])
    }

    @Test func cleartextAuthIsTriedAndJudgedWithoutLeakingTheSecretToTheTranscript() throws {
        var dialogue = ScriptedDialogue(DialoguePlan(mailProtocol: .smtp, mode: .startTLS, loginProbe: .failedLogin,
                                                     probeMailBeforeTLS: true, throwawayCredentials: credentials))
        try dialogue.run(replies: [
            "220 mail.example ESMTP\r\n",
            "250-mail.example\r\n250 AUTH PLAIN LOGIN\r\n",
            "535 5.7.8 Error: authentication failed\r\n",
            "250 2.1.0 Ok\r\n",
            "250 2.0.0 Ok\r\n",
        ])
        let record = try #require(dialogue.record)
        #expect(record.cleartextLogin == .acceptedInClear(.exchange("535 5.7.8 Error: authentication failed")))
        #expect(record.mailBeforeTLS == .acceptedBeforeTLS(evidence: "250 2.1.0 Ok"))
        #expect(record.startTLS == .notOffered)
        #expect(dialogue.sent.contains("AUTH PLAIN <throwaway credentials>"))
        #expect(!dialogue.sent.joined().contains("probe-secret"))
        #expect(dialogue.sent.last == "RSET")
    }

    @Test func authLoginOnlyWalksThreeSteps() throws {
        var dialogue = ScriptedDialogue(DialoguePlan(mailProtocol: .smtp, mode: .startTLS, loginProbe: .failedLogin,
                                                     throwawayCredentials: credentials))
        try dialogue.run(replies: [
            "220 x\r\n", "250-x\r\n250 AUTH LOGIN\r\n", "334 VXNlcm5hbWU6\r\n", "334 UGFzc3dvcmQ6\r\n",
            "535 5.7.8 no\r\n",
        ])
        #expect(dialogue.sent == ["EHLO mailtls.invalid", "AUTH LOGIN", "<throwaway user name>",
                                  "<throwaway password>"])
        #expect(dialogue.record?.cleartextLogin == .acceptedInClear(.exchange("535 5.7.8 no")))
    }

    @Test func unavailableGreetingStopsAndIsNotMissingSTARTTLS() throws {
        var dialogue = ScriptedDialogue(DialoguePlan(mailProtocol: .smtp, mode: .startTLS))
        try dialogue.run(replies: ["421 4.7.0 mail.example Error: too many connections\r\n"])
        let record = try #require(dialogue.record)
        #expect(record.unavailable?.code == "421")
        #expect(record.startTLS == .notApplicable)
        #expect(dialogue.sent.isEmpty)
    }

    @Test func ehloRefusedFallsBackToHELO() throws {
        var dialogue = ScriptedDialogue(DialoguePlan(mailProtocol: .smtp, mode: .startTLS))
        try dialogue.run(replies: ["220 old\r\n", "502 Command not implemented\r\n", "250 old\r\n"])
        #expect(dialogue.sent == ["EHLO mailtls.invalid", "HELO mailtls.invalid"])
        #expect(dialogue.record?.startTLS == .notOffered)
    }

    @Test(arguments: LoginProbeMethod.allCases)
    func imapLoginDisabledIsNotTried(method: LoginProbeMethod) throws {
        var dialogue = ScriptedDialogue(DialoguePlan(mailProtocol: .imap, mode: .startTLS, loginProbe: method,
                                                     throwawayCredentials: credentials))
        try dialogue.run(replies: [
            "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n",
            "m2 OK Begin TLS negotiation now.\r\n",
            "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nm3 OK done\r\n",
        ])
        let record = try #require(dialogue.record)
        #expect(dialogue.sent == ["m2 STARTTLS", "m3 CAPABILITY"])
        #expect(record.cleartextLogin == .notOffered(evidence: "LOGINDISABLED"))
        #expect(record.capabilitiesAfterTLS == ["IMAP4rev1", "AUTH=PLAIN"])
    }

    @Test(arguments: [
        ("m2 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n", true),
        ("m2 NO [PRIVACYREQUIRED] Plaintext authentication disallowed\r\n", false),
        ("m2 BAD [ALERT] LOGIN disabled\r\n", false),
    ])
    func imapLoginJudgement(reply: String, acceptedInClear: Bool) throws {
        var dialogue = ScriptedDialogue(DialoguePlan(mailProtocol: .imap, mode: .startTLS, loginProbe: .failedLogin,
                                                     throwawayCredentials: credentials))
        try dialogue.run(replies: ["* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n", reply,
                                   "m3 OK Begin TLS\r\n", "* CAPABILITY IMAP4rev1\r\nm4 OK\r\n"])
        let record = try #require(dialogue.record)
        if case .acceptedInClear = record.cleartextLogin { #expect(acceptedInClear) } else { #expect(!acceptedInClear) }
        #expect(dialogue.sent.first == "m2 LOGIN <throwaway credentials>")
        #expect(record.tlsEstablished)
    }

    @Test func pop3UserRefusedMeansPasswordNeverSent() throws {
        var dialogue = ScriptedDialogue(DialoguePlan(mailProtocol: .pop3, mode: .startTLS, loginProbe: .failedLogin,
                                                     throwawayCredentials: credentials))
        try dialogue.run(replies: [
            "+OK Dovecot ready.\r\n",
            "+OK\r\nCAPA\r\nTOP\r\nSTLS\r\n.\r\n",
            "-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.\r\n",
            "+OK Begin TLS negotiation now.\r\n",
            "+OK\r\nCAPA\r\nUSER\r\n.\r\n",
        ])
        let record = try #require(dialogue.record)
        #expect(dialogue.sent == ["CAPA", "USER <throwaway user name>", "STLS", "CAPA"])
        if case .refusedBeforeTLS = record.cleartextLogin {} else { Issue.record("got \(record.cleartextLogin)") }
    }

    @Test func pop3PassRejectedMeansPasswordCrossedInClear() throws {
        var dialogue = ScriptedDialogue(DialoguePlan(mailProtocol: .pop3, mode: .startTLS, loginProbe: .failedLogin,
                                                     throwawayCredentials: credentials))
        try dialogue.run(replies: ["+OK ready\r\n", "+OK\r\nUSER\r\n.\r\n", "+OK\r\n",
                                   "-ERR [AUTH] Authentication failed.\r\n"])
        #expect(dialogue.record?.cleartextLogin == .acceptedInClear(.exchange("-ERR [AUTH] Authentication failed.")))
        #expect(dialogue.record?.startTLS == .notOffered)
    }

    @Test func implicitTLSStartsWithTheHandshake() throws {
        var dialogue = ScriptedDialogue(DialoguePlan(mailProtocol: .imap, mode: .implicitTLS))
        try dialogue.run(replies: ["* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n"])
        let record = try #require(dialogue.record)
        #expect(dialogue.tlsStarts == 1)
        #expect(record.capabilitiesAfterTLS == ["IMAP4rev1", "AUTH=PLAIN"])
        #expect(record.capabilitiesBeforeTLS == nil)
        #expect(dialogue.sent.isEmpty)
    }

    @Test func versionScanStopsAfterTheHandshake() throws {
        var dialogue = ScriptedDialogue(DialoguePlan(mailProtocol: .smtp, mode: .startTLS, stopAfterHandshake: true))
        try dialogue.run(replies: ["220 x\r\n", "250-x\r\n250 STARTTLS\r\n", "220 go\r\n"])
        #expect(dialogue.record?.tlsEstablished == true)
        #expect(dialogue.sent == ["EHLO mailtls.invalid", "STARTTLS"])
    }

    @Test func refusedSTARTTLSIsRecorded() throws {
        var dialogue = ScriptedDialogue(DialoguePlan(mailProtocol: .smtp, mode: .startTLS))
        try dialogue.run(replies: ["220 x\r\n", "250-x\r\n250 STARTTLS\r\n", "454 4.7.0 TLS not available\r\n"])
        if case .refused(let response)? = dialogue.record?.startTLS {
            #expect(response.code == "454")
        } else {
            Issue.record("got \(String(describing: dialogue.record?.startTLS))")
        }
    }
}
