import Testing

@testable import MailTLSCore

/// IMAP literals (`{N}` then N bytes): a FETCH of a message's header block comes as one, possibly in several lines,
/// possibly with lines that look like responses (`a1 OK` inside a header), and the response line goes on after it.
@Suite struct IMAPLiteralTests {
    func assemble(_ bytes: [UInt8], tag: String?, limit: Int = 1 << 20) throws -> MailResponse? {
        var framer = LineFramer()
        var assembler = IMAPResponseAssembler(tag: tag, maximumLiteralBytes: limit)
        framer.append(bytes)
        while let line = try framer.nextLine() {
            if let response = try assembler.consume(line: line) { return response }
        }
        return nil
    }

    static let header = "Received: from a (a [192.0.2.1])\r\n\tby b with ESMTPS id 1;\r\n a1 OK not a tag line\r\n\r\n"

    @Test func aFetchedHeaderBlockIsOneLiteral() throws {
        let header = IMAPLiteralTests.header
        let text = "* 3 FETCH (UID 17 BODY[HEADER.FIELDS (RECEIVED)] {\(header.utf8.count)}\r\n\(header))\r\n"
            + "a1 OK Fetch completed.\r\n"
        let response = try #require(try assemble(Array(text.utf8), tag: "a1"))
        #expect(response.outcome == .positive)
        #expect(response.literals == [Array(header.utf8)])
        #expect(response.lines.first == "* 3 FETCH (UID 17 BODY[HEADER.FIELDS (RECEIVED)] {\(header.utf8.count)})")
    }

    @Test func aLiteralThatEndsInsideALineAndANonSynchronisingOne() throws {
        let text = "* 1 FETCH (BODY[1] {5+}\r\nhello UID 9 BODY[2] {0}\r\n)\r\na2 OK done\r\n"
        let response = try #require(try assemble(Array(text.utf8), tag: "a2"))
        #expect(response.literals == [Array("hello".utf8), []])
        #expect(response.lines.count == 2)
    }

    @Test func severalMessagesEachWithItsLiteral() throws {
        let one = "Subject: one\r\n\r\n", two = "Subject: two\r\n\r\n"
        let text = "* 1 FETCH (UID 1 BODY[HEADER] {\(one.utf8.count)}\r\n\(one) UID 1)\r\n"
            + "* 2 FETCH (UID 2 BODY[HEADER] {\(two.utf8.count)}\r\n\(two))\r\na3 OK\r\n"
        let response = try #require(try assemble(Array(text.utf8), tag: "a3"))
        #expect(response.literals == [Array(one.utf8), Array(two.utf8)])
    }

    @Test(arguments: ["{99999999999}", "{2000000}", "{-1}", "{1x}", "{}"])
    func aHostileCountIsRefusedOrIgnoredNeverTrusted(count: String) throws {
        let text = "* 1 FETCH (BODY[] \(count)\r\nx\r\na4 OK\r\n"
        // Too large: refused as too long. Not a count at all: the next line is read as a line, and "x" is garbage.
        // Either way an error of the protocol, never a trap and never an allocation of what the count says.
        #expect(throws: ResponseError.self) { try assemble(Array(text.utf8), tag: "a4", limit: 1 << 20) }
    }
}
