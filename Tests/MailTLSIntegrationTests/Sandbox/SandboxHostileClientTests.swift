import Foundation
import MailTLSCore
import MailTLSSandbox
import Testing

/// Clients that misbehave on purpose: garbage, an endless line, a byte at a time, silence, a flood of connections.
/// The sandbox must neither crash nor stall: each gets a bounded answer, and a normal client is served promptly
/// meanwhile and afterwards.
@Suite struct SandboxHostileClientTests {
    /// A normal conversation's bound while an attack runs. Generous, because a loaded test machine (hundreds of tests
    /// at once on two cores) stretches even a served conversation; the drip below outlasts it, so a client that had
    /// to wait for the attacker would still fail.
    static let prompt = 5.0

    /// Deterministic junk: every byte value, line ends now and then, never a TLS record at the start.
    static func garbage(count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        var bytes: [UInt8] = [UInt8(ascii: "X")]
        while bytes.count < count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            bytes.append(UInt8(truncatingIfNeeded: state >> 33))
        }
        return bytes
    }

    /// Sends `junk` in 4 KB pieces, each as soon as the socket takes it; returns whether the sandbox then closed the
    /// connection, and when.
    static func sendGarbage(_ junk: [UInt8], port: Int, step: () -> Void = {}) -> (closed: Bool, seconds: Double) {
        let started = Date()
        guard let client = RawClient(host: "127.0.0.1", port: port) else { return (false, 0) }
        for chunk in stride(from: 0, to: junk.count, by: 4096) {
            if !client.send(Array(junk[chunk..<min(chunk + 4096, junk.count)])) { break }
            step()
        }
        return (client.waitForClose(seconds: 10), Date().timeIntervalSince(started))
    }

    /// Sends up to 8 MB without a line end; returns how much went before the sandbox closed, and when.
    static func sendEndlessLine(port: Int, step: () -> Void = {}) -> (sent: Int, closed: Bool, seconds: Double) {
        let started = Date()
        guard let client = RawClient(host: "127.0.0.1", port: port) else { return (0, false, 0) }
        _ = client.readLine()  // the greeting
        let chunk = [UInt8](repeating: UInt8(ascii: "A"), count: 64 * 1024)
        var sent = 0
        while sent < 8 << 20 {
            guard client.send(chunk) else { break }
            sent += chunk.count
            step()
        }
        return (sent, client.waitForClose(seconds: 10), Date().timeIntervalSince(started))
    }

    /// "EHLO" one byte every 0.2 s, then QUIT: the EHLO and QUIT replies, and how long it took.
    static func drip(port: Int, step: () -> Void = {}) -> (reply: [String]?, bye: [String]?, seconds: Double) {
        let started = Date()
        guard let client = RawClient(host: "127.0.0.1", port: port) else { return (nil, nil, 0) }
        _ = client.readSMTPReply()
        for byte in Array("EHLO drip.mailtls.example.test\r\n".utf8) {
            guard client.send([byte]) else { return (nil, nil, 0) }
            step()
            // The attack itself, not a wait for something: a slow client is paced by definition, one byte at a
            // time with a gap well under the idle timeout, on a thread of its own.
            usleep(200_000)
        }
        let reply = client.readSMTPReply()
        client.send("QUIT\r\n")
        return (reply, client.readSMTPReply(), Date().timeIntervalSince(started))
    }

    /// Runs `attack` on a thread of its own and, for as long as it lasts, a normal client's SMTP conversations on
    /// `port`: one at once, then one after each step the attack reports (a piece of junk sent, a byte dripped), back to
    /// back while the steps come faster than the conversations, until the attack ends; at most `limit` (a bound on the
    /// count, not a clock). Paced by the attack's own events, so the conversations span all of it, however slow it is
    /// by design. Returns the attack's result and each conversation's duration (nil: not served).
    static func whileAttacking<T: Sendable>(normalPort port: Int, limit: Int = 100,
                                           _ attack: @escaping @Sendable (_ step: @Sendable () -> Void) -> T)
        async -> (attack: T, normal: [Double?]) {
        let (steps, stepped) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        async let result = onOwnThread { () -> T in
            defer { stepped.finish() }
            return attack { stepped.yield() }
        }
        var normal = [await plainSMTPConversation(host: "127.0.0.1", port: port)]
        for await _ in steps where normal.count < limit {
            normal.append(await plainSMTPConversation(host: "127.0.0.1", port: port))
        }
        return (await result, normal)
    }

    @Test(arguments: [MailProtocol.smtp, .imap, .pop3])
    func garbageGetsErrorsThenTheConnectionCloses(mailProtocol: MailProtocol) async throws {
        try await TestSandbox.with([.any(mailProtocol, .startTLS), .any(.smtp, .startTLS)]) { sandbox in
            let port = sandbox.port(0)
            let junk = Self.garbage(count: 256 * 1024, seed: 42)
            let (result, normal) = await Self.whileAttacking(normalPort: sandbox.port(1)) { step in
                Self.sendGarbage(junk, port: port, step: step)
            }
            #expect(result.closed, "the sandbox closes a connection that sends only garbage")
            #expect(result.seconds < 10)
            for duration in normal {
                #expect((duration ?? .infinity) < Self.prompt,
                        "a normal client waited \(String(describing: duration)) s")
            }
            let report = try await sandbox.report(port: port)
            #expect(!report.protocolViolations.isEmpty, "\(report.summary)")
            #expect(report.protocolViolations.allSatisfy {
                $0 == "too many errors" || $0.hasPrefix("line longer than") || $0 == "command too long"
            }, "\(report.protocolViolations)")
            #expect(report.authentications.isEmpty && report.messages.isEmpty)
            for verb in report.commandsBeforeTLS {
                #expect(verb.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }, "junk verb \(verb)")
            }
            let after = await plainSMTPConversation(host: "127.0.0.1", port: sandbox.port(1))
            #expect((after ?? .infinity) < Self.prompt, "served after the attack")
        }
    }

    @Test(arguments: [MailProtocol.smtp, .imap, .pop3])
    func anEndlessLineIsCutOffAndReported(mailProtocol: MailProtocol) async throws {
        try await TestSandbox.with([.any(mailProtocol, .startTLS), .any(.smtp, .startTLS)]) { sandbox in
            let port = sandbox.port(0)
            let (result, normal) = await Self.whileAttacking(normalPort: sandbox.port(1)) { step in
                Self.sendEndlessLine(port: port, step: step)
            }
            #expect(result.closed)
            #expect(result.sent < 8 << 20, "the sandbox stopped reading long before 8 MB: \(result.sent) bytes went")
            #expect(result.seconds < 10)
            for duration in normal {
                #expect((duration ?? .infinity) < Self.prompt, "a normal client waited \(String(describing: duration)) s")
            }
            let report = try await sandbox.report(port: port)
            #expect(report.protocolViolations == ["line longer than 4096 bytes"], "\(report.summary)")
            let after = await plainSMTPConversation(host: "127.0.0.1", port: sandbox.port(1))
            #expect((after ?? .infinity) < Self.prompt, "served after the attack")
        }
    }

    /// One byte every 0.2 s never completes its 32-byte line within the idle timeout of 2 s: idle means no complete
    /// line, not no byte, so a drip cannot hold a slot (four such clients once held every slot for minutes). It is
    /// dropped at the timeout, and a normal client is served while it drips: a conversation after each byte, until the
    /// drip ends.
    @Test func aDrippingClientIsDroppedAtTheIdleTimeoutAndBlocksNobody() async throws {
        try await TestSandbox.with([.any(.smtp, .startTLS), .any(.smtp, .startTLS)], idleSeconds: 2) { sandbox in
            let port = sandbox.port(0)
            let (result, normal) = await Self.whileAttacking(normalPort: sandbox.port(1)) { step in
                Self.drip(port: port, step: step)
            }
            #expect(result.reply == nil, "the EHLO never completed: \(result.reply ?? [])")
            for duration in normal {
                #expect((duration ?? .infinity) < Self.prompt)
            }
            let report = try await sandbox.report(port: port)
            #expect(report.protocolViolations == ["idle timeout"], "\(report.summary)")
            #expect(report.durationMs >= 2000 && report.durationMs < 6000, "\(report.durationMs) ms")
        }
    }

    @Test(arguments: [(MailProtocol.smtp, SecurityMode.startTLS), (.imap, .startTLS), (.pop3, .startTLS),
                      (.smtp, .implicitTLS), (.imap, .implicitTLS)])
    func silentClientsAreDroppedAfterTheIdleTimeout(mailProtocol: MailProtocol, mode: SecurityMode) async throws {
        try await TestSandbox.with([.any(mailProtocol, mode)], idleSeconds: 1) { sandbox in
            let port = sandbox.port(0)
            let (closed, seconds) = await onOwnThread { () -> (Bool, Double) in
                let started = Date()
                guard let client = RawClient(host: "127.0.0.1", port: port) else { return (false, 0) }
                if mode == .startTLS {
                    _ = client.readLine()
                    client.send("NOOP half a command")  // no line end: still silent as far as a command goes
                }
                return (client.waitForClose(seconds: 5), Date().timeIntervalSince(started))
            }
            #expect(closed)
            #expect(seconds >= 0.9 && seconds < 5, "\(seconds) s")
            let report = try await sandbox.report(port: port)
            #expect(report.protocolViolations == ["idle timeout"], "\(report.summary)")
            #expect(report.durationMs >= 900 && report.durationMs < 5000)
        }
    }

    struct FloodOutcome: Sendable {
        var greeted = 0
        var refused = 0
        var silent = 0
        var ehloAnswered = 0
        var seconds = 0.0
    }

    /// 100 connections at once against a limit of 10: ten are served, the rest refused with a 421 and closed at once;
    /// the count comes back
    /// down, so afterwards the sandbox serves as before.
    @Test func aConnectionFloodBeyondTheLimit() async throws {
        let limit = 10
        try await TestSandbox.with([.any(.smtp, .startTLS)], maximumConnections: limit) { sandbox in
            let port = sandbox.port(0)
            let outcome = await onOwnThread { () -> FloodOutcome in
                var outcome = FloodOutcome()
                let started = Date()
                let clients = (0..<100).compactMap { _ in RawClient(host: "127.0.0.1", port: port, timeout: 3) }
                var admitted: [RawClient] = []
                for client in clients {
                    if let line = client.readLine() {
                        if line.hasPrefix("220 ") {
                            outcome.greeted += 1
                            admitted.append(client)
                        } else if line.hasPrefix("421 4.7.0 Too many connections"), client.waitForClose(seconds: 1) {
                            // Refused in SMTP's own words, then closed.
                            outcome.refused += 1
                        }
                    } else if client.waitForClose(seconds: 0.1) {
                        outcome.refused += 1
                    } else {
                        outcome.silent += 1
                    }
                }
                outcome.seconds = Date().timeIntervalSince(started)
                for client in admitted {
                    client.send("EHLO flood.test\r\n")
                    if client.readSMTPReply()?.last?.hasPrefix("250 ") == true { outcome.ehloAnswered += 1 }
                    client.send("QUIT\r\n")
                    _ = client.readSMTPReply()
                }
                return outcome
            }
            #expect(outcome.greeted == limit)
            #expect(outcome.refused == 100 - limit)
            #expect(outcome.silent == 0)
            #expect(outcome.ehloAnswered == limit, "the admitted connections are served during the flood")
            #expect(outcome.seconds < 10, "refusals are immediate: \(outcome.seconds) s")
            let reports = await sandbox.waitForReports(100, port: port)
            #expect(reports.filter { $0.protocolViolations == ["too many connections"] }.count == 100 - limit)
            #expect(reports.filter { $0.protocolViolations.isEmpty }.count == limit)

            // The slots came free again: a normal client is served promptly, and ten at once are all greeted.
            let after = await plainSMTPConversation(host: "127.0.0.1", port: port)
            #expect((after ?? .infinity) < Self.prompt, "served after the flood")
            let again = await onOwnThread { () -> Int in
                let clients = (0..<limit).compactMap { _ in RawClient(host: "127.0.0.1", port: port, timeout: 3) }
                return clients.filter { $0.readLine()?.hasPrefix("220 ") == true }.count
            }
            #expect(again == limit)
        }
    }
}
