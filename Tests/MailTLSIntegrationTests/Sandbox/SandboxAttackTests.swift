import Foundation
import MailTLSCore
import MailTLSReport
import MailTLSSandbox
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The attacks on a LAN-bound sandbox that once crashed it, hung it or exhausted it, each with the outcome it must
/// have now: no crash, a bounded time, bounded memory and disk, the sandbox still serving the next client.
@Suite struct SandboxAttackTests {
    /// A line-by-line client session: sends each line, reads one reply line per line sent.
    static func converse(port: Int, _ lines: [String], readGreeting: Bool = true, timeout: Double = 10) -> [String] {
        guard let client = RawClient(host: "127.0.0.1", port: port, timeout: timeout) else { return ["(no connection)"] }
        var replies: [String] = []
        if readGreeting { replies.append(client.readLine() ?? "(closed)") }
        for line in lines {
            guard client.send(line + "\r\n") else { replies.append("(send failed)"); break }
            replies.append(client.readLine() ?? "(closed)")
        }
        return replies
    }

    static func plainLogin(_ password: String) -> String {
        Base64.encode(Array("\0\(TestSandbox.user)\0\(password)".utf8))
    }

    /// A literal count that is negative or near Int.max once trapped in the IMAP tokenizer, before any login.
    @Test(arguments: ["a1 LOGIN {-1} xx", "a1 LOGIN {9223372036854775807}", "a1 LOGIN {99999999999999999999}",
                      "a1 LOGIN \"x\" {18446744073709551615+}"])
    func hostileLiteralCountsBeforeLogin(line: String) async throws {
        try await TestSandbox.with([.any(.imap, .startTLS)]) { sandbox in
            let port = sandbox.port(0)
            let replies = await onOwnThread { Self.converse(port: port, [line, "a2 NOOP"]) }
            #expect(replies.count == 3, "\(replies)")
            #expect(await plainIMAPGreeting(port: port), "the sandbox still serves")
        }
    }

    /// After a login with the account handed to devices: numbers that once trapped or walked 2^63 values.
    @Test func hostileNumbersAfterLogin() async throws {
        try await TestSandbox.with([.any(.imap, .implicitTLS), .any(.pop3, .implicitTLS), .any(.imap, .startTLS)]) {
            sandbox in
            sandbox.store.add(CapturedMessage(mailFrom: "a@b.test", recipients: ["c@d.test"],
                                              data: Array("Subject: x\r\n\r\nhello there\r\n".utf8),
                                              receivedOverTLS: true, authenticatedUser: nil), clientAddress: "test")
            let password = sandbox.password
            let imap = await Tool.python("sandbox_attacker.py", [
                "imap-raw", "127.0.0.1", String(sandbox.port(0)), sandbox.caFile, TestSandbox.user, password,
                "a3 SELECT INBOX", "a4 FETCH 1 (BODY[]<5.-3>)", "a5 FETCH 1 (BODY[]<999999.10>)",
                "a6 FETCH 1 (BODY[]<4294967295.4294967295>)", "a7 FETCH 1:9223372036854775807 (FLAGS)",
                "a8 FETCH 1:* (FLAGS)", "a9 UID FETCH 1:4294967295 (FLAGS)", "b1 NOOP",
            ], timeout: 20)
            #expect(imap.status == 0, "\(imap.stdout)\(imap.stderr)")
            #expect(imap.stdout.contains("b1 OK"), "answered to the end: \(imap.stdout)")
            let pop3 = await Tool.python("sandbox_attacker.py", [
                "pop3-raw", "127.0.0.1", String(sandbox.port(1)), sandbox.caFile, TestSandbox.user, password,
                "TOP 1 -1", "TOP 1 99999999999999999999", "TOP 1 4294967295", "RETR 18446744073709551616", "NOOP",
            ], timeout: 20)
            #expect(pop3.status == 0, "\(pop3.stdout)\(pop3.stderr)")
            #expect(pop3.stdout.contains("-ERR TOP msg n"), "\(pop3.stdout)")
            #expect(await plainIMAPGreeting(port: sandbox.port(2)), "the sandbox still serves")
        }
    }

    /// A client may hold at most its share of the slots: past the per-address cap it is refused in the protocol's
    /// words.
    @Test func onePerAddressCap() async throws {
        try await TestSandbox.with([.any(.smtp, .startTLS)], maximumConnections: 32, perAddress: 4) { sandbox in
            let port = sandbox.port(0)
            let holders = (0..<4).compactMap { _ in RawClient(host: "127.0.0.1", port: port) }
            for holder in holders { #expect(holder.readLine()?.hasPrefix("220") == true) }
            let refused = await onOwnThread { Self.converse(port: port, []) }
            #expect(refused.first?.hasPrefix("421") == true, "\(refused)")
            withExtendedLifetime(holders) {}
        }
    }

    /// A client that keeps completing lines still ends at the session deadline.
    @Test func aSessionDeadlineEndsEveryConnection() async throws {
        try await TestSandbox.with([.any(.smtp, .startTLS)], idleSeconds: 2, sessionSeconds: 3) { sandbox in
            let port = sandbox.port(0)
            let started = Date()
            let lasted = await onOwnThread { () -> Int in
                guard let client = RawClient(host: "127.0.0.1", port: port) else { return -1 }
                _ = client.readLine()
                // A line completed without pause, again and again: never idle, still ended.
                var answered = 0
                let giveUp = Date().addingTimeInterval(10)
                while Date() < giveUp {
                    guard client.send("NOOP\r\n"), client.readLine() != nil else { break }
                    answered += 1
                }
                return answered
            }
            #expect(lasted > 10, "\(lasted) NOOPs answered")
            #expect(Date().timeIntervalSince(started) < 9)
            let report = try await sandbox.report(port: port)
            #expect(report.protocolViolations.contains("session deadline (3 s)"), "\(report.summary)")
        }
    }

    /// Wrong passwords: each refusal waits longer (0.5, 1, 2 s ...), so guessing is slow; the right one still works.
    @Test func authenticationFailuresAreThrottled() async throws {
        try await TestSandbox.with([.any(.smtp, .implicitTLS)]) { sandbox in
            let started = Date()
            let result = await Tool.python("sandbox_attacker.py", [
                "smtp-guess", "127.0.0.1", String(sandbox.port(0)), sandbox.caFile, TestSandbox.user, "3",
                sandbox.password,
            ], timeout: 30)
            let seconds = Date().timeIntervalSince(started)
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("wrong 535 535 535"), "\(result.stdout)")
            #expect(result.stdout.contains("right 235"), "\(result.stdout)")
            #expect(seconds >= 3.5, "0.5 + 1 + 2 s of delay at least: \(seconds) s")
        }
    }

    /// Past the store's disk allowance a message is refused with a temporary error, and nothing past it is kept.
    @Test func theStoreStaysWithinItsDiskAllowance() async throws {
        try await TestSandbox.with([.any(.smtp, .implicitTLS)], maximumStoreBytes: 300_000) { sandbox in
            let result = await Tool.python("sandbox_attacker.py", [
                "smtp-bulk", "127.0.0.1", String(sandbox.port(0)), sandbox.caFile, TestSandbox.user, sandbox.password,
                "4", "120000",
            ], timeout: 60)
            #expect(result.stdout.contains("250 250 452 452"), "\(result.stdout)\(result.stderr)")
            let stored = sandbox.store.all.reduce(0) { $0 + $1.size }
            #expect(stored <= 300_000 && sandbox.store.all.count == 2)
            let partials = try FileManager.default.contentsOfDirectory(
                atPath: sandbox.stateDirectory.appendingPathComponent("messages").path).filter { $0.hasSuffix(".partial") }
            #expect(partials.isEmpty, "nothing half-written is left")
        }
    }

    /// Captured mail holds what devices sent: private files in private directories, and a planted link is not
    /// followed.
    @Test func filesArePrivateAndLinksAreNotFollowed() async throws {
        try await TestSandbox.with([.any(.smtp, .startTLS)]) { sandbox in
            let victim = FileManager.default.temporaryDirectory.appendingPathComponent("victim-\(UUID().uuidString)")
            try "untouched\n".write(to: victim, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: victim) }
            let events = sandbox.stateDirectory.appendingPathComponent("events.jsonl")
            try? FileManager.default.removeItem(at: events)
            try FileManager.default.createSymbolicLink(at: events, withDestinationURL: victim)
            let entry = try #require(sandbox.store.add(
                CapturedMessage(mailFrom: "a@b.test", recipients: ["c@d.test"], data: Array("Subject: s\r\n\r\nx\r\n".utf8),
                                receivedOverTLS: true, authenticatedUser: nil), clientAddress: "test"))
            _ = await plainSMTPConversation(host: "127.0.0.1", port: sandbox.port(0))
            _ = await sandbox.waitForReports(1)
            #expect(try String(contentsOf: victim, encoding: .utf8) == "untouched\n", "the link was not followed")
            func mode(_ path: String) throws -> Int {
                (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
            }
            #expect(try mode(sandbox.store.path(of: entry.id)) == 0o600)
            #expect(try mode(sandbox.store.directory.appendingPathComponent("index.jsonl").path) == 0o600)
            #expect(try mode(sandbox.store.directory.path) == 0o700)
            #expect(try mode(FileManager.default.temporaryDirectory.path) & 0o777 == 0o777,
                    "an existing parent is left as it is")
        }
    }
}

/// A plaintext IMAP greeting, as proof that the server still accepts and serves.
func plainIMAPGreeting(port: Int) async -> Bool {
    await onOwnThread {
        guard let client = RawClient(host: "127.0.0.1", port: port, timeout: 5) else { return false }
        return client.readLine()?.hasPrefix("* OK") == true
    }
}

/// `mailtls sandbox` as a process: 20 messages of 20 MB each at once must not grow its memory with them.
@Suite struct SandboxMemoryTests {
    @Test(.timeLimit(.minutes(2)))
    func largeMessagesStreamToDiskWithBoundedMemory() async throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("mailtls-rss-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: state) }
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        let passwordFile = state.appendingPathComponent("password.txt")
        try "rss-password\n".write(to: passwordFile, atomically: true, encoding: .utf8)
        let sandbox = try LiveProcess(ProcessRunner.mailtlsBinary, [
            "sandbox", "--state-dir", state.appendingPathComponent("state").path, "--listen", "127.0.0.31",
            "--port", "0:smtp:starttls", "--password-file", passwordFile.path, "--duration", "100", "--json",
            "--max-connections-per-address", "20",
        ])
        defer { sandbox.stop() }
        let listening = try #require(await sandbox.waitForLine { $0.contains("\"listening\"") })
        let banner = try #require((try? JSONSerialization.jsonObject(with: Data(listening.utf8))) as? [String: Any])
        let port = try #require(((banner["ports"] as? [[String: Any]])?.first?["port"]) as? Int)
        let idle = sandbox.peakResidentBytes ?? 0
        let result = await Tool.python("sandbox_attacker.py", [
            "smtp-parallel", "127.0.0.31", String(port), "20", String(20 << 20),
        ], timeout: 100)
        #expect(result.stdout.contains("accepted 20"), "\(result.stdout)\(result.stderr)")
        let peak = try #require(sandbox.peakResidentBytes)
        // 400 MB went through; the sandbox held a line at a time.
        #expect(peak - idle < 64 << 20, "peak \(peak >> 20) MB, idle \(idle >> 20) MB")
    }
}

/// What a device sends (addresses, Subject, user name, SNI) reaches the sandbox's live lines, `sandbox messages` and
/// `sandbox report` as text: an escape sequence is shown, never obeyed.
@Suite struct SandboxEscapeTests {
    static let escape = "\u{1B}[2J\u{1B}]0;pwned\u{07}\u{9B}1m\u{202E}"

    /// An SMTP session that sends each line once the reply to the one before has come in full.
    static func smtpConverse(port: Int, _ lines: [String]) -> [[String]] {
        guard let client = RawClient(host: "127.0.0.1", port: port, timeout: 20) else { return [["(no connection)"]] }
        var replies = [client.readSMTPReply() ?? ["(closed)"]]
        for line in lines {
            guard client.send(line + "\r\n") else { break }
            replies.append(client.readSMTPReply() ?? ["(closed)"])
        }
        return replies
    }

    @Test(arguments: [Language.en, .ja])
    func deviceTextNeverReachesTheTerminalRaw(language: Language) async throws {
        try await TestSandbox.with([.any(.smtp, .startTLS)]) { sandbox in
            let port = sandbox.port(0)
            let escape = Self.escape
            // Each command waits for its whole reply (the EHLO's several lines, the refused login's after the
            // throttle's delay), so the client closes only once everything is answered: closing with replies unread
            // resets the connection, and the sandbox, still holding the commands behind the refused login, drops them.
            let replies = await onOwnThread {
                Self.smtpConverse(port: port, [
                    "EHLO x", "AUTH PLAIN " + Base64.encode(Array("\0dev\(escape)ice\0wrong".utf8)),
                    "MAIL FROM:<a\(escape)@b.test>", "RCPT TO:<c\(escape)@d.test>", "DATA",
                    "Subject: scan \(escape) done\r\n\r\nbody\r\n.", "QUIT",
                ])
            }
            #expect(replies.last?.last?.hasPrefix("221") == true, "\(replies)")
            let report = try await sandbox.report(port: port)
            let text = SandboxText(language: language, color: false)
            let shown = text.liveLine(report) + text.messages(sandbox.store.all, store: sandbox.store)
                + text.devices(DeviceSummary.summarise([report]))
            #expect(HostileCertificateTests.unsafeCharacters(in: shown) == [], "\(shown)")
            #expect(shown.contains("\\x1B[2J"), "\(shown)")
        }
    }
}
