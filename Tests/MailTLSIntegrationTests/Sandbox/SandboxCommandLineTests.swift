import Foundation
import MailTLSCore
import MailTLSSandbox
import Testing

/// `mailtls sandbox` as a user runs it: live JSON lines, `sandbox report`, `sandbox messages`, and one clear line
/// with exit 3 when a port is taken.
@Suite struct SandboxCommandLineTests {
    static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("mailtls-sandbox-cli-\(UUID().uuidString)")
    }

    func object(_ line: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
    }

    /// A run with three device-test ports, three clients, then the report and the message list.
    @Test func serveReportAndMessages() async throws {
        let state = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: state) }
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        let passwordFile = state.appendingPathComponent("password.txt")
        let password = "cli-" + UUID().uuidString.prefix(8).lowercased()
        try (password + "\n").write(to: passwordFile, atomically: true, encoding: .utf8)
        let address = "127.0.0.30"
        let sandbox = try LiveProcess(ProcessRunner.mailtlsBinary, [
            "sandbox", "--state-dir", state.path, "--listen", address, "--port", "0:smtp:starttls",
            "--port", "0:smtp:starttls:no-starttls", "--port", "0:smtp:tls:cert=wrong-name",
            "--password-file", passwordFile.path, "--duration", "60", "--json",
        ])
        defer { sandbox.stop() }

        let listening = try #require(await sandbox.waitForLine { $0.contains("\"listening\"") },
                                     "no listening line: \(sandbox.stdout) \(sandbox.stderr)")
        let banner = try #require(object(listening))
        #expect(banner["event"] as? String == "listening")
        #expect(banner["address"] as? String == address)
        #expect(banner["user"] as? String == "device")
        #expect(banner["passwordFile"] as? String == passwordFile.path)
        #expect(banner["stateDirectory"] as? String == state.path)
        let caPEM = try #require(banner["caPEM"] as? String)
        #expect(FileManager.default.fileExists(atPath: caPEM))
        #expect(FileManager.default.fileExists(atPath: try #require(banner["caDER"] as? String)))
        let ports = try #require(banner["ports"] as? [[String: Any]])
        #expect(ports.map { $0["test"] as? String } == ["standard", "no-starttls", "wrong-name"])
        #expect(ports.map { $0["mode"] as? String } == ["starttls", "starttls", "tls"])
        #expect(ports.map { $0["versions"] as? String } == Array(repeating: "TLSv1.0-TLSv1.3", count: 3))
        let numbers = ports.compactMap { $0["port"] as? Int }
        #expect(numbers.count == 3 && numbers.allSatisfy { $0 > 0 })
        guard numbers.count == 3 else { return }

        // A mail client that uses STARTTLS, one that logs in without it, one that ignores a wrong certificate.
        let standard = await Tool.run(Tool.swaks, [
            "--server", "\(address):\(numbers[0])", "--tls", "--auth", "PLAIN", "--auth-user", "device",
            "--auth-password", password, "--from", "a@client.test", "--to", "b@sandbox.test",
            "--header", "Subject: over STARTTLS", "--timeout", "5",
        ])
        #expect(standard.status == 0, "\(standard.stderr)")
        let clear = await Tool.run(Tool.swaks, [
            "--server", "\(address):\(numbers[1])", "--auth", "LOGIN", "--auth-user", "device",
            "--auth-password", password, "--from", "a@client.test", "--to", "b@sandbox.test",
            "--header", "Subject: in the clear", "--timeout", "5",
        ])
        #expect(clear.status == 0, "\(clear.stderr)")
        let careless = await Tool.run(Tool.curl, [
            "-sS", "--max-time", "5", "-k", "smtps://\(address):\(numbers[2])", "-u", "device:\(password)",
            "--mail-from", "a@client.test", "--mail-rcpt", "b@sandbox.test", "-T", "-",
        ], input: "Subject: wrong name accepted\r\n\r\nHi\r\n")
        #expect(careless.status == 0, "\(careless.stderr)")

        // Ctrl-C ends the run cleanly, after the last connection's line.
        sandbox.interrupt()
        let status = await sandbox.waitForExit(timeout: 15)
        #expect(status == 0, "\(sandbox.stderr)")
        #expect(sandbox.stderr.isEmpty, "\(sandbox.stderr)")
        #expect(!sandbox.stdout.contains(password), "the password is never printed")
        let lines = sandbox.lines
        #expect(lines.count == 4, "a listening line, then one per connection: \(lines)")
        #expect(lines.first == listening)
        let reports = lines.dropFirst().compactMap {
            try? JSONDecoder().decode(ConnectionReport.self, from: Data($0.utf8))
        }
        #expect(reports.count == 3)
        let byPort = Dictionary(reports.map { ($0.serverPort, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(byPort[numbers[0]]?.startTLS == "used")
        #expect(byPort[numbers[0]]?.messages.first?.subject == "over STARTTLS")
        #expect(byPort[numbers[1]]?.credentialsBeforeTLS == true)
        #expect(byPort[numbers[1]]?.portTest == "no-starttls")
        #expect(byPort[numbers[2]]?.certificateValidation == .doesNotValidate)

        // The summary of the device, in text and JSON.
        let text = await Tool.mailtls(["sandbox", "report", "--state-dir", state.path, "--no-color"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("Device 127.0.0.1  3 connections"), "\(text.stdout)")
        #expect(text.stdout.contains("TLS versions offered: TLSv1.0, TLSv1.1, TLSv1.2, TLSv1.3"))
        #expect(text.stdout.contains("negotiated: TLSv1.3"))
        #expect(text.stdout.contains("certificate validation: NO"))
        #expect(text.stdout.contains("password sent before TLS: YES"))
        #expect(text.stdout.contains("messages sent: 3"))
        #expect(text.stdout.contains("The device sent its password unencrypted"))
        #expect(text.stdout.contains("The device accepted a certificate it should have refused"))
        #expect(text.stdout.contains("Settings to use: SMTP port 465, security \"SSL/TLS\""))

        let json = await Tool.mailtls(["sandbox", "report", "--state-dir", state.path, "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let devices = try JSONDecoder().decode([DeviceSummary].self, from: Data(json.stdout.utf8))
        let device = try #require(devices.first)
        #expect(devices.count == 1)
        #expect(device.address == "127.0.0.1")
        #expect(device.connections == 3)
        #expect(device.ports == numbers.sorted())
        #expect(device.maximumVersion == "TLSv1.3")
        #expect(device.credentialsInClear)
        #expect(device.certificateValidation == .doesNotValidate)
        #expect(device.usedSTARTTLS && device.usedImplicitTLS)
        #expect(Set(device.authenticationMechanisms) == ["PLAIN", "LOGIN"])
        #expect(device.messagesSent == 3)
        #expect(device.advice == [.credentialsInClear, .doesNotValidateCertificates])
        #expect(device.recommendedSubmission == "465 SSL/TLS")

        let japanese = await Tool.mailtls(["sandbox", "report", "--state-dir", state.path, "--lang", "ja"])
        #expect(japanese.stdout.contains("機器 127.0.0.1"))
        #expect(japanese.stdout.contains("TLS 前のパスワード送信: あり"))

        // The captured messages.
        let messages = await Tool.mailtls(["sandbox", "messages", "--state-dir", state.path])
        #expect(messages.status == 0, "\(messages.stderr)")
        let listed = messages.stdout.split(separator: "\n").filter { !$0.hasPrefix("   ") }
        #expect(listed.count == 3, "\(messages.stdout)")
        #expect(messages.stdout.contains("\"over STARTTLS\""))
        #expect(messages.stdout.contains("\"in the clear\""))
        #expect(messages.stdout.contains("\"wrong name accepted\""))
        #expect(messages.stdout.contains("no TLS"), "the message sent in the clear is marked")
        #expect(messages.stdout.contains(state.appendingPathComponent("messages").path))
        let entries = try JSONDecoder().decode([MessageStore.Entry].self, from: Data(
            await Tool.mailtls(["sandbox", "messages", "--state-dir", state.path, "--json"]).stdout.utf8))
        #expect(entries.map(\.subject) == ["over STARTTLS", "in the clear", "wrong name accepted"])
        #expect(entries.map(\.overTLS) == [true, false, true])
        #expect(entries.allSatisfy { $0.user == "device" && $0.mailFrom == "a@client.test" })
    }

    /// `--duration 6 --json`: the listening line, a line for the connection made meanwhile, and the end by itself.
    /// Six seconds, not three: on a loaded machine the listening line can reach the test a few seconds late, and the
    /// connection must still find the sandbox running.
    @Test func durationEndsTheRun() async throws {
        let state = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: state) }
        let launched = Date()
        let sandbox = try LiveProcess(ProcessRunner.mailtlsBinary, [
            "sandbox", "--state-dir", state.path, "--listen", "127.0.0.34", "--port", "0:smtp:starttls",
            "--port", "0:imap:tls", "--duration", "6", "--json",
        ])
        defer { sandbox.stop() }
        // On a thread of its own, so that the client connects within the 6 s however busy the test process is.
        let (listening, served, _) = await onOwnThread { () -> (String?, Double?, Date) in
            guard let line = sandbox.waitForLineBlocking(where: { $0.contains("\"listening\"") }),
                  let banner = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let port = (banner["ports"] as? [[String: Any]])?.first?["port"] as? Int
            else { return (nil, nil, Date()) }
            let since = Date()
            return (line, RawClient.smtpConversation(host: "127.0.0.34", port: port), since)
        }
        let line = try #require(listening, "no listening line: \(sandbox.stdout) \(sandbox.stderr)")
        let ports = try #require(object(line)?["ports"] as? [[String: Any]])
        let port = try #require(ports.first?["port"] as? Int)
        #expect(ports.count == 2)
        #expect(served != nil, "served while the sandbox ran")
        // It ends by itself: a sandbox that ignored --duration would still run when the wait ends, and be stopped
        // (no exit status 0). The wait is the upper bound; a tighter one measured the loaded test process's own
        // lateness (15 s, 21 s), not the sandbox.
        let status = await sandbox.waitForExit(timeout: 30)
        // The 6 s run from its start, which comes after the launch.
        let lasted = Date().timeIntervalSince(launched)
        #expect(status == 0, "it ended by itself: \(sandbox.stderr)")
        #expect(lasted >= 6, "not before the 6 s: \(lasted) s")
        let lines = sandbox.lines
        #expect(lines.count == 2, "\(lines)")
        let report = try JSONDecoder().decode(ConnectionReport.self, from: Data((lines.last ?? "").utf8))
        #expect(report.serverPort == port)
        #expect(report.startTLS == "not-used")
        #expect(report.commandsBeforeTLS.isEmpty, "EHLO and QUIT are not worth reporting")
        // The generated account password is kept in the state directory, never printed.
        let passwordFile = state.appendingPathComponent("account-password")
        let password = try String(contentsOf: passwordFile, encoding: .utf8)
        #expect(password.count > 12)
        #expect(!sandbox.stdout.contains(password.trimmingCharacters(in: .whitespacesAndNewlines)))
        let attributes = try FileManager.default.attributesOfItem(atPath: passwordFile.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test func reportAndMessagesBeforeAnyClient() async throws {
        let state = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: state) }
        let report = await Tool.mailtls(["sandbox", "report", "--state-dir", state.path])
        #expect(report.status == 0)
        #expect(report.stdout.contains("No client has connected yet"))
        let messages = await Tool.mailtls(["sandbox", "messages", "--state-dir", state.path])
        #expect(messages.status == 0)
        #expect(messages.stdout.contains("No messages captured yet"))
    }

    @Test(arguments: ["en", "ja"])
    func aPortInUseIsOneClearLineAndExit3(language: String) async throws {
        let address = language == "en" ? "127.0.0.31" : "127.0.0.32"
        try await TestSandbox.with([.any(.smtp, .startTLS)], address: address) { occupant in
            let taken = occupant.port(0)
            let state = Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: state) }
            // Were the taken port not noticed, the sandbox would serve for a minute and the run time out (status -2).
            let result = await Tool.mailtls(["sandbox", "--state-dir", state.path, "--listen", address,
                                             "--port", "\(taken):smtp:starttls", "--duration", "60",
                                             "--lang", language], timeout: 45)
            #expect(result.status == 3, "\(result.stdout)\n\(result.stderr)")
            if language == "en" {
                #expect(result.stderr.contains("Port \(taken) on \(address) is already in use"), "\(result.stderr)")
            } else {
                #expect(result.stderr.contains("ポート \(taken)（\(address)）は既に使われています"),
                        "\(result.stderr)")
            }
            #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
            #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Stack dump")
                    && !result.stderr.contains("Backtrace"))
            #expect(result.stdout.isEmpty, "no banner for a sandbox that did not start")
            // The sandbox already on the port was not disturbed.
            let served = await plainSMTPConversation(host: address, port: taken)
            #expect(served != nil)
        }
    }

    @Test(arguments: ["2587:smtp", "2587:smtp:starttls:cert=nonsense", "2587:ftp:tls", "99999:smtp:tls",
                      "2587:smtp:tls:no-starttls", "2587:smtp:starttls:tls=1.3-1.0"])
    func aBadPortSpecificationIsExit3(specification: String) async {
        let state = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: state) }
        let result = await Tool.mailtls(["sandbox", "--state-dir", state.path, "--listen", "127.0.0.33",
                                         "--port", specification, "--duration", "1"])
        #expect(result.status == 3)
        #expect(result.stderr.contains("Bad port '\(specification)'"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }
}
