import Testing

@testable import MailTLSCore

/// Every question about a capability list, answered in one place, on the lists real servers send.
@Suite struct MailCapabilitiesTests {
    @Test func postfixEHLOAfterTLS() {
        let postfix = MailCapabilities(.smtp, keywords: ["PIPELINING", "SIZE 10240000", "AUTH PLAIN LOGIN",
                                                         "AUTH=PLAIN LOGIN", "ENHANCEDSTATUSCODES", "8BITMIME"])
        #expect(!postfix.offersSTARTTLS)
        #expect(postfix.saslMechanisms == ["PLAIN", "LOGIN"])
        #expect(postfix.loginMechanisms == ["PLAIN", "LOGIN"])
        #expect(postfix.offers("size"))
        #expect(!postfix.offers("SMTPUTF8"))
    }

    @Test func smtpSTARTTLSIsAKeywordNotASubstring() {
        #expect(MailCapabilities(.smtp, keywords: ["STARTTLS"]).offersSTARTTLS)
        #expect(!MailCapabilities(.smtp, keywords: ["X-STARTTLS-LATER", "NOSTARTTLS"]).offersSTARTTLS)
    }

    @Test func dovecotIMAPBeforeAndAfterTLS() {
        let before = MailCapabilities(.imap, keywords: ["IMAP4rev1", "SASL-IR", "LOGIN-REFERRALS", "STARTTLS",
                                                        "LOGINDISABLED"])
        #expect(before.offersSTARTTLS)
        #expect(before.loginDisabled)
        #expect(before.loginMechanisms.isEmpty)
        let after = MailCapabilities(.imap, keywords: ["IMAP4rev1", "AUTH=PLAIN", "AUTH=LOGIN", "IDLE"])
        #expect(!after.loginDisabled)
        #expect(after.saslMechanisms == ["PLAIN", "LOGIN"])
        #expect(after.loginMechanisms == ["PLAIN", "LOGIN"], "LOGIN once, as the mechanism and the command")
        let plainOnly = MailCapabilities(.imap, keywords: ["IMAP4rev1", "AUTH=PLAIN"])
        #expect(plainOnly.loginMechanisms == ["LOGIN", "PLAIN"], "without LOGINDISABLED the LOGIN command works")
    }

    @Test func pop3CallsItSTLSAndListsUSERAndSASL() {
        let capa = MailCapabilities(.pop3, keywords: ["TOP", "UIDL", "RESP-CODES", "USER", "SASL PLAIN LOGIN", "STLS"])
        #expect(capa.offersSTARTTLS)
        #expect(capa.mailProtocol.startTLSKeyword == "STLS")
        #expect(capa.offersUSER)
        #expect(capa.loginMechanisms == ["USER", "PLAIN", "LOGIN"])
        #expect(!MailCapabilities(.pop3, keywords: ["STARTTLS"]).offersSTARTTLS, "POP3's word is STLS")
        #expect(!MailCapabilities(.smtp, keywords: ["USER"]).offersUSER, "USER means nothing in SMTP")
    }

    @Test func emptyAndOddListsAreNothing() {
        let odd = MailCapabilities(.smtp, keywords: ["", "AUTH", "AUTH ", "AUTH  PLAIN"])
        #expect(odd.saslMechanisms == ["PLAIN"])
        #expect(MailCapabilities(.imap, keywords: []).loginMechanisms == ["LOGIN"])
    }
}
