import Testing

@testable import MailTLSCore

@Suite struct POP3ResponseAssemblerTests {
    func assemble(_ text: String, multiline: Bool) throws -> MailResponse? {
        var framer = LineFramer()
        var assembler = POP3ResponseAssembler(multiline: multiline)
        framer.append(Array(text.utf8))
        while let line = try framer.nextLine() {
            if let response = try assembler.consume(line: line) { return response }
        }
        return nil
    }

    @Test func capaListEndsAtDot() throws {
        let response = try #require(try assemble("+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nSTLS\r\nSASL PLAIN\r\n.\r\n",
                                                 multiline: true))
        #expect(response.outcome == .positive)
        #expect(Array(response.lines.dropFirst()) == ["CAPA", "TOP", "UIDL", "RESP-CODES", "STLS", "SASL PLAIN"])
    }

    @Test func capaSplitAtEveryByte() throws {
        let bytes = Array("+OK Capability list follows\r\nUSER\r\nSTLS\r\n.\r\n".utf8)
        for split in 0...bytes.count {
            var framer = LineFramer()
            var assembler = POP3ResponseAssembler(multiline: true)
            var result: MailResponse?
            for part in [bytes[..<split], bytes[split...]] {
                framer.append(part)
                while let line = try framer.nextLine() {
                    if let response = try assembler.consume(line: line) { result = response }
                }
            }
            #expect(result?.lines == ["+OK Capability list follows", "USER", "STLS"], "split at \(split)")
        }
    }

    @Test func dotStuffedLinesAreUnstuffed() throws {
        let response = try #require(try assemble("+OK\r\n..hidden\r\n.\r\n", multiline: true))
        #expect(response.lines == ["+OK", ".hidden"])
    }

    @Test(arguments: [
        ("-ERR [AUTH] Authentication failed.\r\n", MailResponse.Outcome.permanentFailure, "AUTH" as String?),
        ("-ERR [SYS/TEMP] Try again later\r\n", .transientFailure, "SYS/TEMP"),
        ("-ERR [IN-USE] Mailbox locked\r\n", .transientFailure, "IN-USE"),
        ("-ERR Plaintext authentication disallowed on non-secure (SSL/TLS) connections.\r\n", .permanentFailure, nil),
        ("+OK Begin TLS negotiation\r\n", .positive, nil),
    ])
    func statusLines(text: String, outcome: MailResponse.Outcome, code: String?) throws {
        let response = try #require(try assemble(text, multiline: false))
        #expect(response.outcome == outcome)
        #expect(response.code == code)
    }

    @Test func errorEndsAMultiLineCommandAtOnce() throws {
        let response = try #require(try assemble("-ERR unknown command\r\n", multiline: true))
        #expect(response.outcome == .permanentFailure)
    }

    @Test(arguments: ["* OK IMAP ready\r\n", "220 smtp\r\n", "OK\r\n"])
    func foreignGreetingsAreMalformed(text: String) {
        #expect(throws: ResponseError.self) { try assemble(text, multiline: false) }
    }

    @Test func endlessListIsBounded() {
        var assembler = POP3ResponseAssembler(multiline: true, maximumLines: 10)
        #expect(throws: ResponseError.responseTooLong(limit: 10)) {
            _ = try assembler.consume(line: Array("+OK".utf8))
            for _ in 0..<20 { _ = try assembler.consume(line: Array("more".utf8)) }
        }
    }
}
