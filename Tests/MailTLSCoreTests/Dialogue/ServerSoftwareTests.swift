import Testing

@testable import MailTLSCore

/// The software a greeting names, from the words each server writes by default; a greeting that names none stays
/// unnamed.
@Suite struct ServerSoftwareTests {
    @Test(arguments: [
        ("220 mail.mailtls.test ESMTP Postfix", ServerSoftware.postfix),
        ("220 mx.example.org ESMTP Postfix (Debian/GNU)", .postfix),
        ("220 mail.example.com ESMTP Exim 4.96 Sun, 06 Dec 2026 10:00:00 +0900", .exim),
        ("220 mail.example.com ESMTP Sendmail 8.15.2/8.15.2; Sun, 6 Dec 2026 10:00:00 +0900", .sendmail),
        ("220 ex01.contoso.local Microsoft ESMTP MAIL Service ready at Sun, 6 Dec 2026 10:00:00 +0900", .exchange),
        ("220 BN8NAM11FT010.mail.protection.outlook.com Microsoft ESMTP MAIL Service ready at Sun, 6 Dec 2026 01:00:00 +0000", .exchange),
        ("220 mail.example.com ESMTP OpenSMTPD", .opensmtpd),
        ("220 mail.example.com ESMTP Haraka/3.0.2 ready", .haraka),
        ("220 smtp.gmail.com ESMTP 5b1f17b1804b1-4319c6c1b1fsm123456f8f.0 - gsmtp", .gmail),
        ("* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN] Dovecot (Debian) ready.", .dovecot),
        ("+OK Dovecot ready.", .dovecot),
        ("* OK [CAPABILITY IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT SORT QUOTA IDLE ACL ACL2=UNION STARTTLS] Courier-IMAP ready. Copyright 1998-2018 Double Precision, Inc.", .courier),
        ("* OK [CAPABILITY IMAP4rev1 LITERAL+ ID ENABLE STARTTLS AUTH=PLAIN SASL-IR] imap.example.com Cyrus IMAP 3.2.6-Debian-3.2.6-2+deb11u2 server ready", .cyrus),
        ("* OK The Microsoft Exchange IMAP4 service is ready.", .exchange),
        ("+OK The Microsoft Exchange POP3 service is ready.", .exchange),
        ("* OK mail.example.com Zimbra IMAP4rev1 server ready", .zimbra),
        ("* OK Gimap ready for requests from 192.0.2.1 a1b2c3", .gmail),
    ])
    func namedSoftware(greeting: String, software: ServerSoftware) {
        #expect(ServerSoftware.identify(greeting: [greeting]) == software)
    }

    @Test(arguments: ["220 mail.example.com ESMTP", "220 Welcome", "* OK IMAP4rev1 server ready", "+OK POP3 ready",
                      "220 postfixish.example.com ESMTP", "220 " + String(repeating: "x", count: 100_000) + " Postfix"])
    func aGreetingThatNamesNothingStaysUnnamed(greeting: String) {
        #expect(ServerSoftware.identify(greeting: [greeting]) == nil)
    }
}
