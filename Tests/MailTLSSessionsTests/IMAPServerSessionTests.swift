import MailTLSCore
import Testing

@testable import MailTLSSessions

@Suite struct IMAPServerSessionTests {
    static let message = MailboxMessage(id: "m1", uid: 7, data: Array("Subject: Hello\r\nFrom: a@b\r\n\r\nBody line\r\n".utf8),
                                        receivedAt: 0)

    func loggedIn() -> SessionHarness<IMAPServerSession> {
        var harness = SessionHarness(IMAPServerSession(policy: Policies.implicit))
        harness.mailbox = [IMAPServerSessionTests.message]
        harness.completeTLS()
        _ = harness.send("a1 LOGIN device s3cret\r\n")
        return harness
    }

    @Test func loginDisabledBeforeTLSAndPasswordAttemptRecorded() {
        var harness = SessionHarness(IMAPServerSession(policy: Policies.starttls()))
        #expect(harness.output.contains("STARTTLS") && harness.output.contains("LOGINDISABLED"))
        #expect(harness.send("a1 LOGIN device s3cret\r\n").contains("a1 NO [PRIVACYREQUIRED]"))
        #expect(harness.events.contains(.authentication(mechanism: "LOGIN", user: "device", succeeded: false,
                                                        beforeTLS: true)))
        #expect(harness.send("a2 STARTTLS\r\n") == "a2 OK Begin TLS negotiation now\r\n")
        harness.completeTLS()
        let capabilities = harness.send("a3 CAPABILITY\r\n")
        #expect(capabilities.contains("AUTH=PLAIN") && !capabilities.contains("STARTTLS"))
    }

    @Test func selectFetchStoreExpunge() {
        var harness = loggedIn()
        let select = harness.send("a2 SELECT INBOX\r\n")
        #expect(select.contains("* 1 EXISTS"))
        #expect(select.contains("a2 OK [READ-WRITE]"))
        let fetch = harness.send("a3 FETCH 1 (FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY[])\r\n")
        #expect(fetch.contains("RFC822.SIZE \(IMAPServerSessionTests.message.data.count)"))
        #expect(fetch.contains("BODY[HEADER.FIELDS (SUBJECT)] {18}\r\nSubject: Hello\r\n\r\n"))
        #expect(fetch.contains("BODY[] {\(IMAPServerSessionTests.message.data.count)}\r\nSubject: Hello"))
        #expect(fetch.contains("\\Seen"))
        #expect(harness.send("a4 UID FETCH 7 (UID)\r\n").contains("* 1 FETCH (UID 7)"))
        #expect(harness.send("a5 STORE 1 +FLAGS (\\Deleted)\r\n").contains("\\Deleted"))
        let expunge = harness.send("a6 EXPUNGE\r\n")
        #expect(expunge.contains("* 1 EXPUNGE"))
        #expect(harness.events.contains(.messagesDeleted(["m1"])))
        #expect(harness.send("a7 SEARCH ALL\r\n").hasPrefix("* SEARCH\r\n"))
    }

    @Test func literalsAndSASLIR() {
        var harness = SessionHarness(IMAPServerSession(policy: Policies.implicit))
        harness.completeTLS()
        #expect(harness.send("a1 LOGIN {6}\r\n") == "+ Ready for literal data\r\n")
        #expect(harness.send("device {6+}\r\n").isEmpty)
        #expect(harness.send("s3cret\r\n").hasPrefix("a1 OK"))
        var sasl = SessionHarness(IMAPServerSession(policy: Policies.implicit))
        sasl.completeTLS()
        let token = Base64.encode(Array("\0device\0s3cret".utf8))
        #expect(sasl.send("b1 AUTHENTICATE PLAIN \(token)\r\n").hasPrefix("b1 OK"))
        var continued = SessionHarness(IMAPServerSession(policy: Policies.implicit))
        continued.completeTLS()
        #expect(continued.send("c1 AUTHENTICATE PLAIN\r\n") == "+ \r\n")
        #expect(continued.send(token + "\r\n").hasPrefix("c1 OK"))
    }

    @Test func wrongPasswordAndUnknownCommands() {
        var harness = SessionHarness(IMAPServerSession(policy: Policies.implicit))
        harness.completeTLS()
        #expect(harness.send("a1 LOGIN device nope\r\n").contains("a1 NO [AUTHENTICATIONFAILED]"))
        #expect(harness.send("a2 SELECT INBOX\r\n").contains("a2 BAD"))
        #expect(harness.send("garbage\r\n").contains("BAD"))
    }

    @Test func partialFetchAndEnvelope() {
        var harness = loggedIn()
        harness.send("a2 EXAMINE INBOX\r\n")
        let partial = harness.send("a3 FETCH 1 (BODY.PEEK[]<0.7>)\r\n")
        #expect(partial.contains("BODY[]<0> {7}\r\nSubject"))
        #expect(harness.send("a4 FETCH 1 ENVELOPE\r\n").contains("\"Hello\""))
        #expect(!harness.send("a5 FETCH 1 FLAGS\r\n").contains("\\Seen"), "EXAMINE and PEEK do not set \\Seen")
    }

    @Test func idleEndsWithDone() {
        var harness = loggedIn()
        #expect(harness.send("a2 IDLE\r\n") == "+ idling\r\n")
        #expect(harness.send("DONE\r\n") == "a2 OK IDLE terminated\r\n")
    }

    @Test func commandReaderBoundsAndLiterals() {
        var reader = IMAPCommandReader(maximumBytes: 64)
        #expect(reader.consume(line: Array("a1 LOGIN {3}".utf8)) == .needMore(sendContinuation: true))
        #expect(reader.consume(line: Array("bob pw".utf8)) == .command(Array("a1 LOGIN {3}\r\nbob pw".utf8)))
        #expect(reader.consume(line: [UInt8](repeating: 0x41, count: 100)) == .tooLong)
        #expect(IMAPTokenizer.tokens(Array("a1 LOGIN {3}\r\nbob \"p w\"".utf8))
            == [.atom("a1"), .atom("LOGIN"), .string("bob"), .string("p w")])
        #expect(IMAPTokenizer.tokens(Array("a FETCH 1 (BODY.PEEK[HEADER.FIELDS (A B)]<0.5> UID)".utf8))
            == [.atom("a"), .atom("FETCH"), .atom("1"), .list([.atom("BODY.PEEK[HEADER.FIELDS (A B)]<0.5>"), .atom("UID")])])
    }
}
