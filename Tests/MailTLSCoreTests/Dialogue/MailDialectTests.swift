import Testing

@testable import MailTLSCore

/// "Mail accepted before TLS" is judged by reply codes, never by the words of a reply: a server that says "TLS" in a
/// refusal about something else is not refusing for want of TLS, and one that refuses in its own words still is.
@Suite struct MailDialectTests {
    let dialect = MailDialect(.smtp)

    func reply(_ outcome: MailResponse.Outcome, _ code: String, _ enhanced: String?, _ text: String) -> MailResponse {
        MailResponse(outcome: outcome, code: code, enhancedCode: enhanced, lines: [text])
    }

    @Test func acceptedIsAccepted() {
        let response = reply(.positive, "250", "2.1.0", "250 2.1.0 Ok")
        #expect(dialect.judgeMailBeforeTLS(response) == .acceptedBeforeTLS(evidence: "250 2.1.0 Ok"))
    }

    @Test(arguments: [
        ("530", nil, "530 Must issue a STARTTLS command first"),
        ("530", "5.7.0", "530 5.7.0 Authentication required"),
        ("538", "5.7.11", "538 5.7.11 Encryption required for requested authentication mechanism"),
        ("550", "5.7.1", "550 5.7.1 Client host rejected: policy says so"),
        ("554", "5.7.3", "554 5.7.3 Sicherheitsrichtlinie: bitte zuerst verschlüsseln"),
    ] as [(String, String?, String)])
    func securityRefusalsAreRefusals(code: String, enhanced: String?, text: String) {
        #expect(dialect.judgeMailBeforeTLS(reply(.permanentFailure, code, enhanced, text))
                == .refusedBeforeTLS(evidence: text))
    }

    @Test(arguments: [
        (MailResponse.Outcome.permanentFailure, "503", "5.5.1", "503 5.5.1 Error: send HELO/EHLO first (no TLS yet)"),
        (.permanentFailure, "501", "5.1.7", "501 5.1.7 Bad sender address syntax, ENCRYPT or not"),
        (.transientFailure, "451", "4.7.1", "451 4.7.1 Try again later, STARTTLS busy"),
    ])
    func otherRepliesAreInconclusiveWhateverTheySay(outcome: MailResponse.Outcome, code: String, enhanced: String,
                                                    text: String) {
        #expect(dialect.judgeMailBeforeTLS(reply(outcome, code, enhanced, text)) == .inconclusive(evidence: text))
    }
}
