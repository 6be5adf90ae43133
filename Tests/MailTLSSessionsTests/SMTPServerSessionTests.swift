import MailTLSCore
import Testing

@testable import MailTLSSessions

@Suite struct SMTPServerSessionTests {
    let plain = Base64.encode(Array("\0device\0s3cret".utf8))

    @Test func fullSubmissionAfterSTARTTLS() {
        var harness = SessionHarness(SMTPServerSession(policy: Policies.starttls()))
        #expect(harness.output == "220 sandbox.test ESMTP mailtls sandbox\r\n")
        let ehlo = harness.send("EHLO printer\r\n")
        #expect(ehlo.contains("250 STARTTLS"))
        #expect(!ehlo.contains("AUTH"), "no AUTH before TLS on a normal port")
        #expect(harness.send("STARTTLS\r\n") == "220 2.0.0 Ready to start TLS\r\n")
        #expect(harness.tlsStarted)
        harness.completeTLS()
        let after = harness.send("EHLO printer\r\n")
        #expect(after.contains("AUTH PLAIN LOGIN") && !after.contains("STARTTLS"))
        #expect(harness.send("AUTH PLAIN \(plain)\r\n").hasPrefix("235"))
        harness.send("MAIL FROM:<scan@printer.test> SIZE=100\r\nRCPT TO:<office@example.test>\r\nDATA\r\n")
        let done = harness.send("Subject: Scan\r\n\r\n..dotted line\r\nbody\r\n.\r\n")
        #expect(done.hasPrefix("250 2.0.0"))
        let captured = harness.messages
        #expect(captured.count == 1)
        #expect(captured.first?.mailFrom == "scan@printer.test")
        #expect(captured.first?.recipients == ["office@example.test"])
        #expect(captured.first?.subject == "Scan")
        #expect(captured.first?.receivedOverTLS == true)
        #expect(captured.first?.authenticatedUser == "device")
        #expect(String(decoding: captured.first?.data ?? [], as: UTF8.self) == "Subject: Scan\r\n\r\n.dotted line\r\nbody\r\n")
        #expect(harness.events.contains(.authentication(mechanism: "PLAIN", user: "device", succeeded: true,
                                                        beforeTLS: false)))
    }

    @Test func authBeforeTLSIsRefusedButRecorded() {
        var harness = SessionHarness(SMTPServerSession(policy: Policies.starttls()))
        harness.send("EHLO printer\r\n")
        #expect(harness.send("AUTH PLAIN \(plain)\r\n").hasPrefix("530 5.7.0"))
        #expect(harness.events.contains(.authentication(mechanism: "PLAIN", user: "device", succeeded: false,
                                                        beforeTLS: true)))
        #expect(harness.events.contains(.commandBeforeTLS("AUTH")))
    }

    @Test func strippingPortOffersAuthInTheClearAndRecordsIt() {
        var harness = SessionHarness(SMTPServerSession(policy: Policies.starttls(advertise: false)))
        let ehlo = harness.send("EHLO printer\r\n")
        #expect(!ehlo.contains("STARTTLS") && ehlo.contains("AUTH PLAIN LOGIN"))
        #expect(harness.send("STARTTLS\r\n").hasPrefix("502"))
        #expect(harness.events.contains(.startTLSWithoutAdvertisement))
        #expect(harness.send("AUTH LOGIN\r\n") == "334 VXNlcm5hbWU6\r\n")
        #expect(harness.send(Base64.encode(Array("device".utf8)) + "\r\n") == "334 UGFzc3dvcmQ6\r\n")
        #expect(harness.send(Base64.encode(Array("wrong".utf8)) + "\r\n").hasPrefix("535 5.7.8"))
        #expect(harness.events.contains(.authentication(mechanism: "LOGIN", user: "device", succeeded: false,
                                                        beforeTLS: true)))
    }

    @Test func oversizedMessageIsRefusedAndNotCaptured() {
        var harness = SessionHarness(SMTPServerSession(policy: Policies.starttls(advertise: false)))
        harness.send("EHLO x\r\nMAIL FROM:<>\r\nRCPT TO:<a@b>\r\nDATA\r\n")
        let body = String(repeating: "x", count: 200)
        var reply = ""
        for _ in 0..<10 { reply += harness.send(body + "\r\n") }
        reply += harness.send(".\r\n")
        #expect(reply.hasPrefix("552"))
        #expect(harness.messages.isEmpty)
    }

    /// The session never holds a message: each line goes to the sink as it comes, so memory does not grow with the
    /// message, and the reply to the final dot is the sink's verdict.
    @Test func dataStreamsToTheSinkAndAFullStoreIsATemporaryFailure() {
        var policy = Policies.starttls(advertise: false)
        policy.maximumMessageBytes = 10 << 20
        var harness = SessionHarness(SMTPServerSession(policy: policy))
        harness.send("EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n")
        let line = String(repeating: "y", count: 998)
        for _ in 0..<5000 { harness.send(line + "\r\n") }
        #expect(harness.send(".\r\n").hasPrefix("250 2.0.0"))
        #expect(harness.messages.first?.data.count == 5000 * 1000)
        #expect(harness.largestDataAction == 1000, "one line at a time")
        harness.storeIsFull = true
        harness.send("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nSubject: x\r\n\r\nhi\r\n")
        #expect(harness.send(".\r\n").hasPrefix("452 4.3.1"))
        #expect(harness.messages.count == 1)
    }

    @Test func sequenceErrorsAndTooManyErrorsClose() {
        var harness = SessionHarness(SMTPServerSession(policy: Policies.starttls()))
        #expect(harness.send("MAIL FROM:<a@b>\r\n").hasPrefix("503"))
        #expect(harness.send("DATA\r\n").hasPrefix("503"))
        for _ in 0..<30 { harness.send("BOGUS\r\n") }
        #expect(harness.closed)
        #expect(harness.output.contains("421 4.7.0"))
    }

    @Test func implicitTLSGreetsAfterTheHandshake() {
        var harness = SessionHarness(SMTPServerSession(policy: Policies.implicit))
        #expect(harness.output.isEmpty)
        harness.completeTLS()
        #expect(harness.output.hasPrefix("220 "))
        #expect(harness.send("EHLO x\r\n").contains("AUTH PLAIN LOGIN"))
    }

    @Test(arguments: [("FROM:<a@b.test>", "a@b.test"), ("FROM: <x@y> BODY=8BITMIME", "x@y"), ("FROM:<>", ""),
                      ("FROM:bare@host", "bare@host")])
    func reversePaths(argument: String, expected: String) {
        #expect(SMTPServerSession.path(in: argument[...], keyword: "FROM:") == expected)
    }
}

/// The done-when of #12: a 100 MB message passes through the SMTP server session with bounded memory. The session
/// hands each line to the sink as it arrives and keeps nothing of it; the process does not grow with the message.
@Suite struct SMTPServerSessionStreamingTests {
    static var residentBytes: Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kilobytes * 1024
    }

    @Test func aHundredMegabyteMessageStreamsThroughInBoundedMemory() {
        let policy = SessionPolicy(hostname: "sandbox.test", implicitTLS: true, accounts: [:],
                                   maximumMessageBytes: 200 << 20)
        var session = SMTPServerSession(policy: policy)
        _ = session.tlsEstablished()
        for command in ["EHLO printer", "MAIL FROM:<scan@printer.test>", "RCPT TO:<office@example.test>", "DATA"] {
            _ = session.receive(line: Array(command.utf8))
        }
        // 1,361,787 lines of 75 bytes plus CRLF: 100 MiB of body, less one byte.
        let line = Array(String(repeating: "A", count: 75).utf8)
        let lines = (100 << 20) / (line.count + 2)
        let before = Self.residentBytes
        var streamed = 0
        var largestAction = 0
        var peak = before
        for index in 0..<lines {
            for action in session.receive(line: line) {
                if case .messageData(let bytes) = action {
                    streamed += bytes.count
                    largestAction = max(largestAction, bytes.count)
                }
            }
            if index % 100_000 == 0 { peak = max(peak, Self.residentBytes) }
        }
        var finished = false
        for action in session.receive(line: Array(".".utf8)) {
            if case .finishMessage = action { finished = true }
        }
        peak = max(peak, Self.residentBytes)
        #expect(finished)
        #expect(streamed == lines * (line.count + 2), "every byte went to the sink")
        #expect(largestAction <= line.count + 2, "one line at a time: \(largestAction) bytes")
        // The whole test process, other suites running beside: a bound that a buffered 100 MB message breaks, with
        // room for their allocations (run this suite alone for the figure).
        #expect(peak - before < 64 << 20, "RSS \(before >> 20) -> peak \(peak >> 20) MB over 100 MB")
        print("SMTP session: \(streamed) bytes streamed, largest action \(largestAction) bytes, "
              + "RSS \(before >> 20) -> peak \(peak >> 20) MB")
    }
}
