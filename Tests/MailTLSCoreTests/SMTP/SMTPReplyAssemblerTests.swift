import Testing

@testable import MailTLSCore

@Suite struct SMTPReplyAssemblerTests {
    func assemble(_ text: String) throws -> [MailResponse] {
        var framer = LineFramer()
        var assembler = SMTPReplyAssembler()
        var responses: [MailResponse] = []
        framer.append(Array(text.utf8))
        while let line = try framer.nextLine() {
            if let response = try assembler.consume(line: line) { responses.append(response) }
        }
        return responses
    }

    @Test func multiLineEHLOReply() throws {
        let responses = try assemble("250-mail.example.com\r\n250-PIPELINING\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n")
        #expect(responses.count == 1)
        let reply = try #require(responses.first)
        #expect(reply.outcome == .positive)
        #expect(reply.code == "250")
        let capabilities = SMTPCapabilities(ehloReply: reply)
        #expect(capabilities.offersSTARTTLS)
        #expect(capabilities.authMechanisms == ["PLAIN", "LOGIN"])
        #expect(capabilities.keywords.last == "8BITMIME")
    }

    @Test(arguments: [
        ("421 4.7.0 Too many connections\r\n", MailResponse.Outcome.transientFailure, "421", "4.7.0" as String?),
        ("535 5.7.8 Error: authentication failed\r\n", .permanentFailure, "535", "5.7.8"),
        ("530 5.7.0 Must issue a STARTTLS command first\r\n", .permanentFailure, "530", "5.7.0"),
        ("220 2.0.0 Ready to start TLS\r\n", .positive, "220", "2.0.0"),
        ("334 VXNlcm5hbWU6\r\n", .intermediate, "334", nil),
        ("220 mail.example ESMTP\r\n", .positive, "220", nil),
    ])
    func outcomesAndEnhancedCodes(text: String, outcome: MailResponse.Outcome, code: String, enhanced: String?) throws {
        let reply = try #require(try assemble(text).first)
        #expect(reply.outcome == outcome)
        #expect(reply.code == code)
        #expect(reply.enhancedCode == enhanced)
    }

    @Test func legacyAuthEqualsKeyword() throws {
        let reply = try #require(try assemble("250-x\r\n250-AUTH=LOGIN PLAIN\r\n250 AUTH LOGIN CRAM-MD5\r\n").first)
        #expect(SMTPCapabilities(ehloReply: reply).authMechanisms == ["LOGIN", "PLAIN", "CRAM-MD5"])
    }

    @Test(arguments: ["hello world\r\n", "2\r\n", "25O ok\r\n", "099 nope\r\n", "250?x\r\n", "\u{16}\u{03}\u{01}\r\n"])
    func garbageIsMalformed(text: String) {
        #expect(throws: ResponseError.self) { try assemble(text) }
    }

    @Test func changingCodeMidReplyIsMalformed() {
        #expect(throws: ResponseError.self) { try assemble("250-a\r\n251 b\r\n") }
    }

    @Test func endlessContinuationIsBounded() {
        var assembler = SMTPReplyAssembler(maximumLines: 50)
        #expect(throws: ResponseError.responseTooLong(limit: 50)) {
            for _ in 0..<100 { _ = try assembler.consume(line: Array("220-wait".utf8)) }
        }
    }

    @Test func bareCodeLineCompletes() throws {
        let reply = try #require(try assemble("250\r\n").first)
        #expect(reply.code == "250")
    }
}
