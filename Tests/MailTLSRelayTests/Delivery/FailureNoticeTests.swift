import Foundation
import MailTLSCore
import MailTLSReport
import Testing

@testable import MailTLSRelay

@Suite struct FailureNoticeTests {
    static let record = SpoolRecord(
        id: "ABC123", from: "scanner@example.com",
        recipients: [.init(address: "x@example.com", status: .failed, reply: "550 5.7.30 Basic authentication is not supported for Client Submission."),
                     .init(address: "y@example.com", status: .delivered, reply: "250 ok")],
        arrival: 1_796_000_000, clientAddress: "192.0.2.7", receivedOverTLS: false, authenticatedUser: nil, size: 10,
        eightBit: false, subject: "Scan from MFP", isNotice: false, attempts: 3, nextAttempt: 0, lastProblem: nil,
        lastUpstream: nil)

    @Test func deliveryStatusNotificationWithBothLanguages() throws {
        let wording = RelayText.noticeWording(Self.record, hostname: "relay.test")
        let bytes = FailureNotice.compose(record: Self.record, wording: wording, hostname: "relay.test",
                                          from: "MAILER-DAEMON@relay.test", to: ["scanner@example.com"],
                                          originalHeader: Array("Subject: Scan from MFP\r\n..dots\r\n\r\n".utf8))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("Content-Type: multipart/report; report-type=delivery-status;"))
        #expect(text.contains("Final-Recipient: rfc822; x@example.com\r\nAction: failed\r\nStatus: 5.7.30\r\n"))
        #expect(!text.contains("y@example.com"))
        #expect(text.contains("Subject: Undelivered mail / =?UTF-8?B?"))
        #expect(text.contains("Auto-Submitted: auto-replied"))
        // The original header, dot-stuffing undone.
        #expect(text.contains("text/rfc822-headers\r\n\r\nSubject: Scan from MFP\r\n.dots\r\n"))
        // Every line ends with CRLF and stays within SMTP's limit.
        for line in text.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 998 && !line.contains("\n")) }
        // The human part: English and Japanese with the explanation.
        let base64 = text.components(separatedBy: "Content-Transfer-Encoding: base64\r\n\r\n")[1]
            .components(separatedBy: "\r\n\r\n")[0].replacingOccurrences(of: "\r\n", with: "")
        let human = String(decoding: Base64.decode(base64) ?? [], as: UTF8.self)
        #expect(human.contains("x@example.com") && human.contains("550 5.7.30"))
        #expect(human.contains("XOAUTH2") && human.contains("配送できませんでした"))
    }

    @Test func statusCodeFromReply() {
        #expect(FailureNotice.status(from: "552 5.3.4 too big") == "5.3.4")
        #expect(FailureNotice.status(from: "554 no code") == "5.0.0")
        #expect(FailureNotice.status(from: "gave up after 120 h: 451 4.3.0 x") == "5.0.0")
    }

    @Test func encodedWordsStayShortAndSplitBetweenCharacters() {
        let subject = FailureNotice.encodedWord(String(repeating: "配送できなかったメール", count: 5))
        for word in subject.components(separatedBy: "\r\n ") {
            #expect(word.count <= 75)
            let payload = word.dropFirst(10).dropLast(2)
            #expect(String(decoding: Base64.decode(payload) ?? [], as: UTF8.self).allSatisfy { $0 != "\u{FFFD}" })
        }
        #expect(FailureNotice.encodedWord("plain") == "plain")
    }
}
