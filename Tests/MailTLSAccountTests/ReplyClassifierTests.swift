import MailTLSCore
import Testing

@testable import MailTLSAccount

/// Real refusal lines (Postfix, Dovecot, Microsoft 365, Gmail) and the cause each means.
@Suite struct ReplyClassifierTests {
    static func smtp(_ line: String) throws -> MailResponse {
        var assembler = SMTPReplyAssembler()
        return try #require(try assembler.consume(line: Array(line.utf8)))
    }

    @Test(arguments: [
        ("535 5.7.8 Error: authentication failed: authentication failure", DiagnosisCause.badCredentials),
        ("535 5.7.3 Authentication unsuccessful [BN9PR03CA0123.namprd03.prod.outlook.com]",
         .authenticationUnsuccessful),
        ("535 5.7.30 Something else entirely", .badCredentials),
        ("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.",
         .basicAuthDisabled),
        ("534 5.7.9 Application-specific password required.", .appPasswordRequired),
        ("530 5.7.0 Must issue a STARTTLS command first", .starttlsRequired),
        ("530 5.7.57 Client not authenticated to send mail.", .notAuthenticated),
        ("504 5.5.4 Unrecognized authentication type", .authMechanismMissing),
        ("454 4.7.0 Temporary authentication failure", .authenticationFailed),
    ])
    func smtpAuthenticationRefusals(line: String, expected: DiagnosisCause) throws {
        #expect(ReplyClassifier.cause(ofAuthenticationRefusal: try Self.smtp(line), mailProtocol: .smtp) == expected)
    }

    @Test(arguments: [
        ("550 5.7.60 SMTP; Client does not have permissions to send as this sender", DiagnosisCause.sendAsDenied),
        ("421 4.7.66 TLS 1.0 and 1.1 are not supported. Please upgrade/update your client to support TLS 1.2.",
         .legacyTLSRejected),
        ("554 5.7.1 <x@y.test>: Relay access denied", .messageRejected),
        ("530 5.7.0 Must issue a STARTTLS command first", .starttlsRequired),
        ("530 5.7.0 Authentication required", .notAuthenticated),
    ])
    func messageRefusals(line: String, expected: DiagnosisCause) throws {
        #expect(ReplyClassifier.cause(ofMessageRefusal: try Self.smtp(line)) == expected)
    }

    @Test func imapAndPOP3Refusals() {
        let imap = MailResponse(outcome: .permanentFailure, lines: ["a2 NO [AUTHENTICATIONFAILED] Authentication failed."])
        #expect(ReplyClassifier.cause(ofAuthenticationRefusal: imap, mailProtocol: .imap) == .badCredentials)
        let privacy = MailResponse(outcome: .permanentFailure, lines: ["a2 NO [PRIVACYREQUIRED] Use STARTTLS"])
        #expect(ReplyClassifier.cause(ofAuthenticationRefusal: privacy, mailProtocol: .imap) == .starttlsRequired)
        let pop3 = MailResponse(outcome: .permanentFailure, lines: ["-ERR [AUTH] Authentication failed."])
        #expect(ReplyClassifier.cause(ofAuthenticationRefusal: pop3, mailProtocol: .pop3) == .badCredentials)
    }
}
