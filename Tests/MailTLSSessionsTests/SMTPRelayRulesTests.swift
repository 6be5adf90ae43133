import MailTLSCore
import Testing

@testable import MailTLSSessions

/// The relay's rules in the SMTP session: never an open relay, and the AUTH habits of real devices.
@Suite struct SMTPRelayRulesTests {
    static func relay(requireLogin: Bool = false, requireTLS: Bool = false, domains: [String]? = ["example.com"],
                      senders: [String]? = nil, accounts: [String: String] = ["mfp": "pw"]) -> SessionPolicy {
        SessionPolicy(hostname: "relay.test", implicitTLS: false, accounts: accounts, maximumMessageBytes: 1000,
                      role: .relay, offerAuthentication: !accounts.isEmpty, requireAuthentication: requireLogin,
                      recipientDomains: domains, allowedSenders: senders, requireTLS: requireTLS)
    }

    @Test func greetsAndAcceptsAsTheRelay() {
        var harness = SessionHarness(SMTPServerSession(policy: Self.relay()))
        #expect(harness.output == "220 relay.test ESMTP mailtls relay\r\n")
        harness.send("EHLO mfp\r\nMAIL FROM:<scan@office.test>\r\nRCPT TO:<boss@example.com>\r\nDATA\r\n")
        #expect(harness.send("Subject: x\r\n\r\nbody\r\n.\r\n").hasPrefix("250 2.0.0 Ok: queued as "))
    }

    @Test func recipientsOutsideTheAllowedDomainsAreRefused() {
        var harness = SessionHarness(SMTPServerSession(policy: Self.relay(domains: ["example.com", ".example.org"])))
        harness.send("EHLO mfp\r\nMAIL FROM:<scan@office.test>\r\n")
        #expect(harness.send("RCPT TO:<a@example.com>\r\n").hasPrefix("250"))
        #expect(harness.send("RCPT TO:<a@EXAMPLE.COM>\r\n").hasPrefix("250"))
        #expect(harness.send("RCPT TO:<a@sub.example.org>\r\n").hasPrefix("250"))
        #expect(harness.send("RCPT TO:<a@example.org>\r\n").hasPrefix("250"))
        for address in ["a@evil.test", "a@example.com.evil.test", "a@notexample.com", "a@example.com@evil.test",
                        "noatsign", "a@"] {
            let reply = harness.send("RCPT TO:<\(address)>\r\n")
            #expect(reply.hasPrefix("550 5.7.1"), "\(address): \(reply)")
        }
        #expect(harness.events.contains(.problem(.recipientDomainNotAllowed(address: "a@evil.test"))))
    }

    @Test func loginRequiredBeforeMail() {
        var harness = SessionHarness(SMTPServerSession(policy: Self.relay(requireLogin: true)))
        harness.send("EHLO mfp\r\nSTARTTLS\r\n")
        harness.completeTLS()
        harness.send("EHLO mfp\r\n")
        #expect(harness.send("MAIL FROM:<scan@office.test>\r\n").hasPrefix("530 5.7.0 Authentication required"))
        #expect(harness.send("AUTH PLAIN \(Base64.encode(Array("\0mfp\0pw".utf8)))\r\n").hasPrefix("235"))
        #expect(harness.send("MAIL FROM:<scan@office.test>\r\n").hasPrefix("250"))
    }

    @Test func tlsRequiredBeforeMail() {
        var harness = SessionHarness(SMTPServerSession(policy: Self.relay(requireTLS: true)))
        harness.send("EHLO mfp\r\n")
        #expect(harness.send("MAIL FROM:<scan@office.test>\r\n").hasPrefix("530 5.7.0 Must issue a STARTTLS"))
        harness.send("STARTTLS\r\n")
        harness.completeTLS()
        harness.send("EHLO mfp\r\n")
        #expect(harness.send("MAIL FROM:<scan@office.test>\r\n").hasPrefix("250"))
    }

    @Test func onlyAllowedSenders() {
        var harness = SessionHarness(SMTPServerSession(policy: Self.relay(senders: ["scanner@example.com", "@office.test"])))
        harness.send("EHLO mfp\r\n")
        #expect(harness.send("MAIL FROM:<intruder@evil.test>\r\n").hasPrefix("553 5.7.1"))
        #expect(harness.send("MAIL FROM:<@office.test>\r\n").hasPrefix("553 5.7.1"), "the domain alone is no sender")
        #expect(harness.send("MAIL FROM:<Scanner@Example.com>\r\n").hasPrefix("250"))
        harness.send("RSET\r\n")
        #expect(harness.send("MAIL FROM:<mfp2@office.test>\r\n").hasPrefix("250"))
    }

    /// No accounts: no AUTH offered at all.
    @Test func noAuthWithoutAccounts() {
        var harness = SessionHarness(SMTPServerSession(policy: Self.relay(accounts: [:])))
        harness.send("EHLO mfp\r\nSTARTTLS\r\n")
        harness.completeTLS()
        #expect(!harness.send("EHLO mfp\r\n").contains("AUTH"))
    }

    /// Konica Minolta, Veeam: the user name on the AUTH LOGIN line.
    @Test func authLoginWithTheUserNameInline() {
        var harness = SessionHarness(SMTPServerSession(policy: Self.relay()))
        harness.send("EHLO mfp\r\nSTARTTLS\r\n")
        harness.completeTLS()
        harness.send("EHLO mfp\r\n")
        #expect(harness.send("AUTH LOGIN \(Base64.encode(Array("mfp".utf8)))\r\n") == "334 UGFzc3dvcmQ6\r\n")
        #expect(harness.send("\(Base64.encode(Array("pw".utf8)))\r\n").hasPrefix("235"))
    }

    /// A Xerox that sends QUIT at the user name prompt gets QUIT's answer, one reply for one line, and the door.
    @Test func quitInsteadOfTheUserName() {
        var harness = SessionHarness(SMTPServerSession(policy: Self.relay()))
        harness.send("EHLO mfp\r\nSTARTTLS\r\n")
        harness.completeTLS()
        harness.send("EHLO mfp\r\n")
        #expect(harness.send("AUTH LOGIN\r\n") == "334 VXNlcm5hbWU6\r\n")
        #expect(harness.send("QUIT\r\n") == "221 2.0.0 Bye\r\n")
        #expect(harness.closed)
    }
}
