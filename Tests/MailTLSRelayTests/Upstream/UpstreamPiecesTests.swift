import Foundation
import MailTLSCore
import MailTLSSetup
import Testing

@testable import MailTLSRelay

@Suite struct UpstreamPiecesTests {
    static func reply(_ line: String) -> MailResponse {
        var assembler = SMTPReplyAssembler()
        return (try? assembler.consume(line: Array(line.utf8))) ?? MailResponse(outcome: .permanentFailure, lines: [line])
    }

    @Test(arguments: [
        ("250 2.0.0 Ok: queued", AttemptResult.Verdict.delivered),
        ("451 4.3.0 try again", .deferred),
        ("421 4.7.66 TLS 1.0 and 1.1 are not supported", .deferred),
        ("550 5.1.1 <x@example.com>: Recipient address rejected", .failed),
        ("552 5.3.4 Message size exceeds fixed limit", .failed),
        // The relay's own set-up, not the message: the mail waits for the fix.
        ("535 5.7.3 Authentication unsuccessful", .deferred),
        ("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.", .deferred),
        ("530 5.7.57 Client not authenticated to send mail.", .deferred),
        ("550 5.7.30 Basic authentication is not supported for Client Submission.", .deferred),
        ("554 5.2.252 SendAsDenied; scanner@example.com not allowed to send as x@example.com", .deferred),
    ])
    func verdicts(line: String, verdict: AttemptResult.Verdict) {
        #expect(ReplyVerdict.verdict(for: Self.reply(line)) == verdict, "\(line)")
    }

    @Test func tokenReplies() throws {
        let microsoft = try OAuthTokenReply.parse(status: 200, body: Array(#"{"token_type":"Bearer","expires_in":"3599","ext_expires_in":3599,"access_token":"eyJ0eXAi.abc.def"}"#.utf8))
        #expect(microsoft == OAuthTokenReply(accessToken: "eyJ0eXAi.abc.def", expiresIn: 3599, refreshToken: nil))
        let google = try OAuthTokenReply.parse(status: 200, body: Array(#"{"access_token":"ya29.x","expires_in":3599,"refresh_token":"1//new","scope":"https://mail.google.com/","token_type":"Bearer"}"#.utf8))
        #expect(google.refreshToken == "1//new")
        #expect(throws: OAuthTokenReply.Refusal.refused("invalid_client: AADSTS7000215: Invalid client secret provided.")) {
            try OAuthTokenReply.parse(status: 401, body: Array(#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}"#.utf8))
        }
        #expect(throws: OAuthTokenReply.Refusal.refused("HTTP 500")) { try OAuthTokenReply.parse(status: 500, body: Array("oops".utf8)) }
        // A token with a line end would break the AUTH line: refused.
        #expect(throws: OAuthTokenReply.Refusal.noUsableToken) {
            try OAuthTokenReply.parse(status: 200, body: Array(#"{"access_token":"a\r\nQUIT"}"#.utf8))
        }
        // Peer text in an error is escaped.
        do {
            _ = try OAuthTokenReply.parse(status: 400, body: Array(#"{"error":"bad\u001b[31m"}"#.utf8))
        } catch {
            #expect(!error.reason.contains("\u{1B}"))
        }
    }

    @Test func formEncoding() {
        #expect(OAuthTokenSource.formEncode("https://outlook.office365.com/.default")
                == "https%3A%2F%2Foutlook.office365.com%2F.default")
        #expect(OAuthTokenSource.formEncode("a b&c=d~_-.") == "a%20b%26c%3Dd~_-.")
        #expect(OAuthTokenSource.formEncode("秘密") == "%E7%A7%98%E5%AF%86")
    }

    @Test func secretFilesMustBePrivate() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("secret-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        FileManager.default.createFile(atPath: path, contents: Data("s3cret\n".utf8), attributes: [.posixPermissions: 0o644])
        #expect(throws: CredentialError.self) { try RelayConfiguration.SecretSource.file(path).read() }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        #expect(try RelayConfiguration.SecretSource.file(path).read() == "s3cret")
        #expect(throws: CredentialError.self) { try RelayConfiguration.SecretSource.environment("MAILTLS_NO_SUCH_VARIABLE").read() }
    }

    @Test func retrySchedule() {
        let schedule = RetrySchedule()
        #expect((1...7).map { schedule.delay(afterAttempts: $0) } == [300, 600, 1200, 2400, 4000, 4000, 4000])
        #expect(schedule.delay(afterAttempts: 10_000) == 4000)
        #expect(!schedule.expired(arrival: 0, now: 5 * 86400 - 1) && schedule.expired(arrival: 0, now: 5 * 86400))
    }
}
