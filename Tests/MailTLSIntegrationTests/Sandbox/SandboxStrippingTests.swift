import Foundation
import MailTLSCore
import MailTLSReport
import MailTLSSandbox
import Testing

/// The STARTTLS-stripping test: a port that does not advertise STARTTLS (as an attacker on the path would strip
/// it) shows which clients then send their password in the clear and which give up.
@Suite struct SandboxStrippingTests {
    static let message = "From: a@client.test\r\nTo: b@sandbox.test\r\nSubject: stripped\r\n\r\nHi\r\n"

    @Test(arguments: ["PLAIN", "LOGIN"])
    func swaksWithoutTLSSendsItsPasswordInTheClear(mechanism: String) async throws {
        try await TestSandbox.with([.any(.smtp, .startTLS, advertiseSTARTTLS: false)]) { sandbox in
            let port = sandbox.port(0)
            let result = await Tool.run(Tool.swaks, [
                "--server", "127.0.0.1:\(port)", "--auth", mechanism, "--auth-user", TestSandbox.user,
                "--auth-password", sandbox.password, "--from", "a@client.test", "--to", "b@sandbox.test",
                "--header", "Subject: sent in the clear", "--timeout", "10",
            ])
            #expect(result.status == 0, "swaks: \(result.stdout)\n\(result.stderr)")
            let report = try await sandbox.report(port: port)
            #expect(report.portTest == "no-starttls")
            #expect(report.startTLS == "not-used")
            #expect(report.negotiatedVersion == nil && report.offer == nil)
            #expect(report.credentialsBeforeTLS, "\(report.summary)")
            #expect(report.authentications.count == 1)
            #expect(report.authentications.first?.mechanism == mechanism)
            #expect(report.authentications.first?.beforeTLS == true)
            #expect(report.authentications.first?.succeeded == true)
            #expect(report.commandsBeforeTLS == ["AUTH", "MAIL", "RCPT", "DATA"])
            #expect(report.messages.map(\.subject) == ["sent in the clear"])
            #expect(sandbox.store.all.first?.overTLS == false)
            let device = try #require(DeviceSummary.summarise([report]).first)
            #expect(device.credentialsInClear)
            #expect(device.advice.contains(.credentialsInClear))
            #expect(device.advice.contains(.noTLS))
            #expect(!device.advice.contains(.skipsSTARTTLS), "STARTTLS was not offered, so it was not skipped")
        }
    }

    @Test func pythonSMTPLibLoginWithoutSTARTTLS() async throws {
        try await TestSandbox.with([.any(.smtp, .startTLS, advertiseSTARTTLS: false)]) { sandbox in
            let port = sandbox.port(0)
            let result = await Tool.python("sandbox_client.py", ["smtp-clear-login", "127.0.0.1", String(port),
                                                                 sandbox.caFile, TestSandbox.user, sandbox.password,
                                                                 "python in the clear"])
            #expect(result.status == 0, "\(result.stderr)")
            let report = try await sandbox.report(port: port)
            #expect(report.credentialsBeforeTLS, "\(report.summary)")
            #expect(report.authentications.map(\.beforeTLS) == [true])
            #expect(report.messages.map(\.subject) == ["python in the clear"])
        }
    }

    /// Clients told to require TLS give up when STARTTLS is missing, before sending anything secret.
    @Test(arguments: [MailProtocol.smtp, .imap, .pop3])
    func curlRequiringTLSGivesUp(mailProtocol: MailProtocol) async throws {
        try await TestSandbox.with([.any(mailProtocol, .startTLS, advertiseSTARTTLS: false)]) { sandbox in
            let port = sandbox.port(0)
            var arguments = ["-sS", "--max-time", "10", "--ssl-reqd", "\(mailProtocol.rawValue)://127.0.0.1:\(port)/",
                             "-u", "\(TestSandbox.user):\(sandbox.password)"]
            if mailProtocol == .smtp {
                arguments += ["--mail-from", "a@client.test", "--mail-rcpt", "b@sandbox.test", "-T", "-"]
            }
            let result = await Tool.run(Tool.curl, arguments, input: Self.message)
            #expect(result.status == 64, "curl must refuse to go on without TLS: \(result.stderr)")
            let report = try await sandbox.report(port: port)
            #expect(!report.credentialsBeforeTLS, "\(report.summary)")
            #expect(report.authentications.isEmpty)
            #expect(report.messages.isEmpty)
            #expect(report.startTLS == "not-used", "curl does not ask for what was not advertised")
        }
    }

    @Test func swaksRequiringTLSGivesUp() async throws {
        try await TestSandbox.with([.any(.smtp, .startTLS, advertiseSTARTTLS: false)]) { sandbox in
            let port = sandbox.port(0)
            let result = await Tool.run(Tool.swaks, [
                "--server", "127.0.0.1:\(port)", "--tls", "--auth", "PLAIN", "--auth-user", TestSandbox.user,
                "--auth-password", sandbox.password, "--from", "a@client.test", "--to", "b@sandbox.test",
                "--timeout", "10",
            ])
            #expect(result.status != 0)
            #expect(result.stderr.contains("did not advertise STARTTLS"), "\(result.stderr)")
            let report = try await sandbox.report(port: port)
            #expect(!report.credentialsBeforeTLS && report.authentications.isEmpty && report.messages.isEmpty)
            #expect(!result.stdout.contains(" -> AUTH"), "no credentials on the wire")
        }
    }

    /// `openssl s_client -starttls` asks for STARTTLS although it was not advertised: the report says so, and the
    /// TLS handshake it then sends in the clear is read as a ClientHello, not as commands.
    @Test(arguments: [MailProtocol.smtp, .imap, .pop3])
    func clientThatAsksAnywayIsReported(mailProtocol: MailProtocol) async throws {
        try await TestSandbox.with([.any(mailProtocol, .startTLS, advertiseSTARTTLS: false)]) { sandbox in
            let port = sandbox.port(0)
            let result = await Tool.run(Tool.openssl, [
                "s_client", "-connect", "127.0.0.1:\(port)", "-starttls", mailProtocol.rawValue,
            ], input: "", timeout: 15)
            #expect(result.status != 0, "no TLS without STARTTLS: \(result.stdout)")
            if mailProtocol != .pop3 {
                #expect((result.stdout + result.stderr).contains("trying anyway"), "\(result.stderr)")
            }
            let report = try await sandbox.report(port: port)
            #expect(report.startTLS == "asked-without-advertisement", "\(report.summary)")
            #expect(report.negotiatedVersion == nil)
            #expect(!report.credentialsBeforeTLS && report.authentications.isEmpty)
            // The ClientHello that followed the refusal is read as such: the offer is recorded, the connection closed.
            #expect(report.offer?.maximumVersion == "TLSv1.3", "\(report.summary)")
            #expect(report.protocolViolations.contains { $0.hasPrefix("TLS handshake without STARTTLS") })
            #expect(result.seconds < 10, "closed at once, not at the idle timeout")
            for verb in report.commandsBeforeTLS {
                #expect(verb.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }, "junk verb \(verb)")
            }
            let line = SandboxText(language: .en, color: false).liveLine(report)
            #expect(line.contains("asked for STARTTLS (not offered)"), "\(line)")
        }
    }

    /// curl without any TLS option logs in over IMAP and POP3 in the clear when STARTTLS is missing.
    @Test(arguments: [MailProtocol.imap, .pop3])
    func curlWithoutTLSLogsInInTheClear(mailProtocol: MailProtocol) async throws {
        try await TestSandbox.with([.any(mailProtocol, .startTLS, advertiseSTARTTLS: false)]) { sandbox in
            let port = sandbox.port(0)
            let result = await Tool.run(Tool.curl, [
                "-sS", "--max-time", "10", "\(mailProtocol.rawValue)://127.0.0.1:\(port)/",
                "-u", "\(TestSandbox.user):\(sandbox.password)",
            ])
            #expect(result.status == 0, "\(result.stderr)")
            let report = try await sandbox.report(port: port)
            #expect(report.credentialsBeforeTLS, "\(report.summary)")
            #expect(report.authentications.first?.succeeded == true)
            #expect(report.authentications.first?.beforeTLS == true)
        }
    }

    /// A client that tries AUTH LOGIN before TLS on a normal STARTTLS port is refused, and the base64 user name and
    /// password it then sends as if they were commands never reach the report or the event log.
    @Test func refusedLoginBeforeTLSLeavesNoCredentialsInTheLog() async throws {
        try await TestSandbox.with([.any(.smtp, .startTLS)]) { sandbox in
            let port = sandbox.port(0)
            let user = Data(TestSandbox.user.utf8).base64EncodedString()
            let password = Data(sandbox.password.utf8).base64EncodedString()
            let plain = Data("\0\(TestSandbox.user)\0\(sandbox.password)".utf8).base64EncodedString()
            let replies: [[String]] = await onOwnThread {
                guard let client = RawClient(host: "127.0.0.1", port: port) else { return [] }
                var replies: [[String]] = [client.readSMTPReply() ?? []]
                for line in ["EHLO naive.device", "AUTH LOGIN", user, password, "AUTH PLAIN \(plain)", "QUIT"] {
                    client.send(line + "\r\n")
                    replies.append(client.readSMTPReply() ?? [])
                }
                return replies
            }
            #expect(replies.count == 7)
            #expect(replies.dropFirst().first?.contains("250 STARTTLS") == true)
            #expect(replies.dropFirst(2).first?.first?.hasPrefix("530") == true, "AUTH before TLS is refused")
            #expect(replies.dropFirst(5).first?.first?.hasPrefix("530") == true)
            let report = try await sandbox.report(port: port)
            #expect(report.credentialsBeforeTLS, "the AUTH PLAIN with credentials counts")
            #expect(report.authentications.map(\.succeeded) == [false])
            #expect(report.commandsBeforeTLS == ["AUTH", "(unknown)", "(unknown)", "AUTH"])
            let log = try String(contentsOf: sandbox.stateDirectory.appendingPathComponent("events.jsonl"),
                                 encoding: .utf8)
            for secret in [sandbox.password, password, password.uppercased(), user.uppercased(), plain] {
                #expect(!log.contains(secret), "the event log holds \(secret)")
            }
            let device = try #require(DeviceSummary.summarise([report]).first)
            #expect(device.advice.contains(.credentialsInClear))
            #expect(device.advice.contains(.skipsSTARTTLS))
        }
    }
}
