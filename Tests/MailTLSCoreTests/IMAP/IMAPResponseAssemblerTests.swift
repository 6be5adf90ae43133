import Testing

@testable import MailTLSCore

@Suite struct IMAPResponseAssemblerTests {
    func assemble(_ text: String, tag: String?) throws -> MailResponse? {
        var framer = LineFramer()
        var assembler = IMAPResponseAssembler(tag: tag)
        framer.append(Array(text.utf8))
        while let line = try framer.nextLine() {
            if let response = try assembler.consume(line: line) { return response }
        }
        return nil
    }

    @Test func greetingWithCapabilityCode() throws {
        let greeting = try #require(try assemble(
            "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS LOGINDISABLED] Dovecot ready.\r\n",
            tag: nil))
        #expect(greeting.outcome == .positive)
        #expect(greeting.code == "CAPABILITY")
        let capabilities = try #require(IMAPResponseAssembler.capabilities(in: greeting))
        #expect(capabilities.contains("STARTTLS"))
        #expect(capabilities.last == "LOGINDISABLED")
    }

    @Test func untaggedCapabilityThenTaggedOK() throws {
        let response = try #require(try assemble(
            "* CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=LOGIN\r\nm2 OK Pre-login capabilities listed, post-login capabilities have more.\r\n",
            tag: "m2"))
        #expect(response.outcome == .positive)
        #expect(IMAPResponseAssembler.capabilities(in: response) == ["IMAP4rev1", "AUTH=PLAIN", "AUTH=LOGIN"])
    }

    @Test(arguments: [
        ("m3 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n", MailResponse.Outcome.permanentFailure,
         "AUTHENTICATIONFAILED" as String?),
        ("m3 NO [PRIVACYREQUIRED] Plaintext authentication disallowed\r\n", .permanentFailure, "PRIVACYREQUIRED"),
        ("m3 NO [UNAVAILABLE] Temporary failure\r\n", .transientFailure, "UNAVAILABLE"),
        ("m3 BAD Unknown command\r\n", .permanentFailure, "BAD"),
        ("* BYE [UNAVAILABLE] Server shutting down\r\n", .bye, "UNAVAILABLE"),
        ("m3 OK Begin TLS negotiation now.\r\n", .positive, nil),
    ])
    func taggedOutcomes(text: String, outcome: MailResponse.Outcome, code: String?) throws {
        let response = try #require(try assemble(text, tag: "m3"))
        #expect(response.outcome == outcome)
        #expect(response.code == code)
    }

    @Test func byeGreetingIsUnavailable() throws {
        let response = try #require(try assemble("* BYE Too many connections\r\n", tag: nil))
        #expect(response.outcome == .bye)
    }

    @Test(arguments: ["220 smtp.example ESMTP\r\n", "+OK POP3 ready\r\n", "x1 OK wrong tag\r\n", "*\r\n"])
    func foreignGreetingsAreMalformed(text: String) {
        #expect(throws: ResponseError.self) { try assemble(text, tag: text.hasPrefix("x1") ? "m1" : nil) }
    }

    @Test func untaggedFloodIsBounded() {
        var assembler = IMAPResponseAssembler(tag: "m1", maximumLines: 20)
        #expect(throws: ResponseError.responseTooLong(limit: 20)) {
            for _ in 0..<50 { _ = try assembler.consume(line: Array("* OK still here".utf8)) }
        }
    }
}
