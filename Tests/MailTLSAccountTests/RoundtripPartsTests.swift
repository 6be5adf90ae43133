import Testing

@testable import MailTLSAccount
@testable import MailTLSCore

/// The round trip's pure parts: folder names from LIST replies (quoted, atoms, hostile), the token, the message.
@Suite struct RoundtripPartsTests {
    @Test(arguments: [
        (#"* LIST (\HasNoChildren \Junk) "/" "Junk""#, "Junk"),
        (#"* LIST (\HasNoChildren) "." INBOX"#, "INBOX"),
        (#"* LIST (\HasChildren) "/" "Spam \"quoted\"""#, #"Spam "quoted""#),
        (#"* LIST (\Noselect \HasChildren) "/" "Archive""#, nil),
        (#"* LIST (\HasNoChildren) NIL "Local""#, "Local"),
        (#"* LIST (\HasNoChildren) "/" {5}"#, nil),
        (#"* LIST"#, nil),
        (#"* STATUS "Junk" (MESSAGES 3)"#, nil),
    ] as [(String, String?)])
    func folderNames(line: String, name: String?) {
        #expect(MailboxReader.folderName(line) == name)
    }

    @Test func tokensAreUniqueAndPlain() {
        let tokens = Set((0..<200).map { _ in Roundtripper.makeToken() })
        #expect(tokens.count == 200)
        #expect(tokens.allSatisfy { $0.hasPrefix("mtls-") && $0.count == 29 && $0.allSatisfy { $0.isASCII } })
    }

    @Test func theMessageCarriesItsTokenInAHeaderAndTheSubject() {
        let message = Roundtripper.message(from: "a@example.test", to: "b@example.test", token: "mtls-abc",
                                           date: .init(timeIntervalSince1970: 0))
        let fields = MessageHeaders.parse(message)
        #expect(MessageHeaders.values("X-Mailtls-Roundtrip", in: fields) == ["mtls-abc"])
        #expect(MessageHeaders.values("Subject", in: fields).first?.contains("mtls-abc") == true)
        #expect(String(decoding: message, as: UTF8.self).contains("\r\n\r\n"))
    }

    @Test func onlyHopsInTheClearAreFindingsAndLoopbackIsSaidSo() {
        let hops = ReceivedChain.hops(in: MessageHeaders.parse(Array("""
            Received: from mail.mailtls.test by vm with LMTP id x; Sun, 06 Dec 2026 13:59:31 +0000\r
            Received: from mail.mailtls.test (unknown [127.0.0.1]) by mailbox.mailtls.test (Postfix) with ESMTP id A; Sun,  6 Dec 2026 13:59:31 +0000 (UTC)\r
            Received: from relay.example.net (relay.example.net [192.0.2.7]) by mail.mailtls.test (Postfix) with ESMTP id B; Sun,  6 Dec 2026 13:59:30 +0000 (UTC)\r
            Received: from vm (unknown [127.0.0.1]) (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)) by relay.example.net (Postfix) with ESMTPSA id C; Sun,  6 Dec 2026 13:59:29 +0000 (UTC)\r
            \r

            """.utf8)))
        #expect(hops.map(\.encryption) == [.encrypted, .unencrypted, .unencrypted, .local])
        let findings = Roundtripper.findings(hops)
        #expect(findings.map(\.index) == [1, 2])
        #expect(findings.map(\.withinHost) == [false, true])
    }
}
