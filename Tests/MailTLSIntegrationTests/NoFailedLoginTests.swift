import Foundation
import MailTLSCore
import TestSupport
import Testing

@testable import MailTLSCheck

/// `check` learns "a password would cross before TLS" without failing a login: run after run against the stock
/// Dovecot and Postfix (auth failure delay and anvil penalty on), the findings stay the same and the servers' logs
/// gain no line that fail2ban counts (how fast that is, `benchmarks/run` measures). The old method, a failed throwaway login, stays
/// available on request, and is shown to leave exactly such a line.
@Suite(.serialized) struct NoFailedLoginTests {
    /// Lines that mean a failed login to fail2ban's dovecot and postfix filters (and to an admin reading the log).
    static let failureMarkers = ["auth failed", "Login failed", "authentication failed", "tried to use disallowed",
                                 "tried to use disabled", "Authentication failure"]

    /// New lines in a server log since `offset`, about the CLEARTEXT_LOGIN instance only (other suites run beside).
    static func failedLoginLines(in path: String, since offset: UInt64, instance: [String]) throws -> [String] {
        try lines(in: path, since: offset, containing: []).filter { line in
            instance.contains { line.contains($0) } && failureMarkers.contains { line.contains($0) }
        }
    }

    /// New lines in a server log since `offset` that contain all of `parts`.
    static func lines(in path: String, since offset: UInt64, containing parts: [String]) throws -> [String] {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        return String(decoding: handle.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n").map(String.init)
            .filter { line in parts.allSatisfy { line.contains($0) } }
    }

    /// Waits until a server has logged the end of a conversation since `offset` (a line with all of `parts`): a
    /// login failure, had there been one, is logged by then. False when none came within 15 seconds.
    static func waitForEnd(in path: String, since offset: UInt64, containing parts: [String]) async throws -> Bool {
        try await FileChanges.waitFor(writesTo: [path], timeout: 15) {
            try lines(in: path, since: offset, containing: parts).isEmpty ? nil : true
        } ?? false
    }

    static func size(_ path: String) -> UInt64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.uint64Value ?? 0
    }

    let ports: [PortSpec] = PortSpec.wellKnown

    @Test func fiftyRunsInARowLeaveNoFailedLoginAndTheSameFindings() async throws {
        let lab = try Lab.get()
        let dovecotLog = lab["LAB_DOVECOT_LOG"]
        let postfixLog = lab["LAB_POSTFIX_LOG"]
        let instance = ["lip=\(lab["LAB_CLEARTEXT_LOGIN"]),", "mailtls-lab/cleartext-"]
        let dovecotStart = NoFailedLoginTests.size(dovecotLog)
        let postfixStart = NoFailedLoginTests.size(postfixLog)
        var first: [Finding]?
        var lastRunStart = (dovecot: dovecotStart, postfix: postfixStart)
        for run in 1...50 {
            lastRunStart = (NoFailedLoginTests.size(dovecotLog), NoFailedLoginTests.size(postfixLog))
            let report = try await ServerChecker().run(lab.request("LAB_CLEARTEXT_LOGIN", ports: ports))
            #expect(report.loginProbe == .cancel)
            // A slow greeting is a measured time, not a verdict of the login probe: on a machine busy with the other
            // suites it comes and goes, and is left out of the comparison.
            let verdicts = report.findings.filter { $0.id != .greetingSlow }
            if let first {
                #expect(verdicts == first, "run \(run) differs from the first")
            } else {
                first = verdicts
                let cleartext = try #require(report.findings.first { $0.id == .cleartextAuthAllowed })
                #expect(cleartext.ports == [110, 143, 587], "all three protocols take a password before TLS")
            }
        }
        // The servers log a conversation's end when their process is done with it, on their own time: the last run's
        // IMAP, POP3 and SMTP conversations must have ended in the logs before their absence of failures means anything.
        let dovecotInstance = "lip=\(lab["LAB_CLEARTEXT_LOGIN"]),"
        for login in ["imap-login:", "pop3-login:"] {
            #expect(try await NoFailedLoginTests.waitForEnd(in: dovecotLog, since: lastRunStart.dovecot,
                                                            containing: [login, "Disconnected", dovecotInstance]),
                    "Dovecot logged no end of the last run's \(login) conversations")
        }
        #expect(try await NoFailedLoginTests.waitForEnd(in: postfixLog, since: lastRunStart.postfix,
                                                        containing: ["mailtls-lab/cleartext-", "disconnect from"]),
                "Postfix logged no end of the last run's conversations")
        #expect(try NoFailedLoginTests.failedLoginLines(in: dovecotLog, since: dovecotStart, instance: instance) == [])
        #expect(try NoFailedLoginTests.failedLoginLines(in: postfixLog, since: postfixStart, instance: instance) == [])
    }

    /// The named case where a failed login is wanted: `--login-probe failed-login`, against the AUTH_FAILURES
    /// instance (its own Dovecot, so the penalty stays there). The server refuses the password there, after reading
    /// it: the finding stands, the method is said, and the server's log shows what it cost.
    @Test func aFailedThrowawayLoginOnlyOnRequest() async throws {
        let lab = try Lab.get()
        let dovecotLog = lab["LAB_AUTH_FAILURES_DOVECOT_LOG"]
        let instance = ["lip=\(lab["LAB_AUTH_FAILURES"]),"]
        let start = NoFailedLoginTests.size(dovecotLog)
        var request = lab.request("LAB_AUTH_FAILURES", ports: [.init(port: 110, mailProtocol: .pop3, mode: .startTLS)])
        request.serverName = lab["LAB_AUTH_FAILURES_SERVERNAME"]
        request.prober.loginProbe = .failedLogin
        request.timeouts.read = 20
        let report = try await ServerChecker().run(request)
        #expect(report.loginProbe == .failedLogin)
        #expect(report.ports.first?.record.cleartextLogin == .refusedBeforeTLS(
            evidence: "-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections."))
        let logged = try await FileChanges.waitFor(writesTo: [dovecotLog], timeout: 15) {
            let lines = try NoFailedLoginTests.failedLoginLines(in: dovecotLog, since: start, instance: instance)
            return lines.isEmpty ? nil : lines
        }
        #expect(logged != nil, "the failed login is not in Dovecot's log")
    }
}
