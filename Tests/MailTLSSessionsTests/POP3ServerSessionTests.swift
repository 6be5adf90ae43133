import MailTLSCore
import Testing

@testable import MailTLSSessions

@Suite struct POP3ServerSessionTests {
    let messages = [
        MailboxMessage(id: "a", uid: 1, data: Array("Subject: one\r\n\r\n.leading dot\r\n".utf8), receivedAt: 0),
        MailboxMessage(id: "b", uid: 2, data: Array("Subject: two\r\n\r\nsecond\r\n".utf8), receivedAt: 0),
    ]

    @Test func stlsThenUserPassListRetrDeleQuit() {
        var harness = SessionHarness(POP3ServerSession(policy: Policies.starttls()))
        harness.mailbox = messages
        let capa = harness.send("CAPA\r\n")
        #expect(capa.contains("STLS") && !capa.contains("USER"))
        #expect(harness.send("USER device\r\n").hasPrefix("-ERR [AUTH]"))
        #expect(harness.send("STLS\r\n") == "+OK Begin TLS negotiation\r\n")
        harness.completeTLS()
        #expect(harness.send("CAPA\r\n").contains("USER"))
        harness.send("USER device\r\n")
        #expect(harness.send("PASS s3cret\r\n").hasPrefix("+OK"))
        #expect(harness.send("STAT\r\n") == "+OK 2 \(messages[0].data.count + messages[1].data.count)\r\n")
        #expect(harness.send("UIDL\r\n") == "+OK\r\n1 a\r\n2 b\r\n.\r\n")
        #expect(harness.send("RETR 1\r\n").contains("\r\n..leading dot\r\n.\r\n"))
        #expect(harness.send("DELE 1\r\n").hasPrefix("+OK"))
        #expect(harness.send("RETR 1\r\n").hasPrefix("-ERR"))
        #expect(harness.send("LIST\r\n") == "+OK\r\n2 \(messages[1].data.count)\r\n.\r\n")
        harness.send("QUIT\r\n")
        #expect(harness.events.contains(.messagesDeleted(["a"])))
        #expect(harness.closed)
    }

    @Test func rsetUndoesDeletionsAndTopLimitsLines() {
        var harness = SessionHarness(POP3ServerSession(policy: Policies.implicit))
        harness.mailbox = messages
        harness.completeTLS()
        #expect(harness.output == "+OK mailtls sandbox POP3 ready\r\n")
        let token = Base64.encode(Array("\0device\0s3cret".utf8))
        #expect(harness.send("AUTH PLAIN \(token)\r\n").hasPrefix("+OK"))
        harness.send("DELE 2\r\n")
        harness.send("RSET\r\n")
        harness.send("QUIT\r\n")
        #expect(!harness.events.contains { if case .messagesDeleted = $0 { true } else { false } })
        var top = SessionHarness(POP3ServerSession(policy: Policies.implicit))
        top.mailbox = messages
        top.completeTLS()
        top.send("USER device\r\nPASS s3cret\r\n")
        #expect(top.send("TOP 2 0\r\n") == "+OK 16 octets\r\nSubject: two\r\n\r\n.\r\n")
    }

    @Test func strippingPortTakesThePasswordInTheClearAndRecordsIt() {
        var harness = SessionHarness(POP3ServerSession(policy: Policies.starttls(advertise: false)))
        #expect(!harness.send("CAPA\r\n").contains("STLS"))
        #expect(harness.send("STLS\r\n").hasPrefix("-ERR"))
        #expect(harness.events.contains(.startTLSWithoutAdvertisement))
        harness.send("USER device\r\n")
        harness.send("PASS s3cret\r\n")
        #expect(harness.events.contains(.authentication(mechanism: "USER", user: "device", succeeded: true,
                                                        beforeTLS: true)))
    }
}
