import Foundation
import MailTLSCore
import MailTLSSandbox
import Testing

/// Real mail clients (swaks, curl, Python's smtplib/imaplib/poplib) against an in-process sandbox: their mail is
/// captured, and each connection's report says what the client did.
@Suite struct SandboxClientTests {
    static let from = "device@client.test"
    static let to = "inbox@sandbox.test"

    static func message(subject: String) -> String {
        "From: \(from)\r\nTo: \(to)\r\nSubject: \(subject)\r\n\r\nHello from the test.\r\n"
    }

    /// A successful login after TLS, exactly once, and nothing sent in the clear.
    func expectAuthenticatedAfterTLS(_ report: ConnectionReport, mechanism: String,
                                     sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(report.authentications.map(\.mechanism) == [mechanism], "\(report.summary)",
                sourceLocation: sourceLocation)
        #expect(report.authentications.allSatisfy { $0.succeeded && !$0.beforeTLS && $0.user == TestSandbox.user },
                "\(report.summary)", sourceLocation: sourceLocation)
        #expect(!report.credentialsBeforeTLS, sourceLocation: sourceLocation)
        #expect(report.commandsBeforeTLS.isEmpty, "\(report.summary)", sourceLocation: sourceLocation)
        #expect(report.handshakeError == nil, sourceLocation: sourceLocation)
        #expect(report.protocolViolations.isEmpty, "\(report.summary)", sourceLocation: sourceLocation)
    }

    /// Puts a message in the store as if a device had sent it.
    @discardableResult
    func seed(_ sandbox: TestSandbox, subject: String) throws -> MessageStore.Entry {
        let data = Array(Self.message(subject: subject).utf8)
        return try #require(sandbox.store.add(
            CapturedMessage(mailFrom: Self.from, recipients: [Self.to], data: data, receivedOverTLS: true,
                            authenticatedUser: TestSandbox.user), clientAddress: "127.0.0.1"))
    }

    // MARK: SMTP

    @Test(arguments: ["PLAIN", "LOGIN"])
    func swaksSTARTTLSWithAuthentication(mechanism: String) async throws {
        try await TestSandbox.with([.any(.smtp, .startTLS)]) { sandbox in
            let port = sandbox.port(0)
            let subject = "swaks STARTTLS \(mechanism)"
            let result = await Tool.run(Tool.swaks, [
                "--server", "127.0.0.1:\(port)", "--tls", "--tls-verify", "--tls-ca-path", sandbox.caFile,
                "--auth", mechanism, "--auth-user", TestSandbox.user, "--auth-password", sandbox.password,
                "--from", Self.from, "--to", Self.to, "--header", "Subject: \(subject)", "--timeout", "10",
            ])
            #expect(result.status == 0, "swaks: \(result.stdout)\n\(result.stderr)")
            #expect(result.stdout.contains("captured by mailtls sandbox"))
            let report = try await sandbox.report(port: port)
            #expect(report.startTLS == "used")
            #expect(report.mode == "starttls")
            #expect(report.negotiatedVersion == "TLSv1.3")
            let cipher = report.negotiatedCipher ?? ""
            #expect(cipher.hasPrefix("TLS_AES_") || cipher.hasPrefix("TLS_CHACHA20_"), "a TLS 1.3 suite: \(cipher)")
            #expect(report.offer?.maximumVersion == "TLSv1.3")
            expectAuthenticatedAfterTLS(report, mechanism: mechanism)
            #expect(report.messages.map(\.subject) == [subject])
            #expect(report.messages.first?.from == Self.from)
            #expect(report.messages.first?.to == [Self.to])
            let stored = try #require(sandbox.store.all.first)
            #expect(sandbox.store.all.count == 1)
            #expect(stored.subject == subject && stored.overTLS && stored.user == TestSandbox.user)
            #expect(stored.id == report.messages.first?.id)
        }
    }

    @Test func swaksImplicitTLS() async throws {
        try await TestSandbox.with([.any(.smtp, .implicitTLS)]) { sandbox in
            let port = sandbox.port(0)
            let result = await Tool.run(Tool.swaks, [
                "--server", "127.0.0.1:\(port)", "--tlsc", "--auth", "PLAIN", "--auth-user", TestSandbox.user,
                "--auth-password", sandbox.password, "--from", Self.from, "--to", Self.to,
                "--header", "Subject: swaks implicit TLS", "--timeout", "10",
            ])
            #expect(result.status == 0, "swaks: \(result.stdout)\n\(result.stderr)")
            let report = try await sandbox.report(port: port)
            #expect(report.mode == "tls")
            #expect(report.startTLS == "not-applicable")
            #expect(report.negotiatedVersion == "TLSv1.3")
            #expect(report.offer != nil)
            expectAuthenticatedAfterTLS(report, mechanism: "PLAIN")
            #expect(report.messages.map(\.subject) == ["swaks implicit TLS"])
            #expect(sandbox.store.all.map(\.subject) == ["swaks implicit TLS"])
        }
    }

    @Test(arguments: [SecurityMode.startTLS, .implicitTLS])
    func curlSubmission(mode: SecurityMode) async throws {
        try await TestSandbox.with([.any(.smtp, mode)]) { sandbox in
            let port = sandbox.port(0)
            let subject = "curl \(mode.rawValue)"
            let url = mode == .startTLS ? "smtp://127.0.0.1:\(port)" : "smtps://127.0.0.1:\(port)"
            let result = await Tool.run(Tool.curl, [
                "-sS", "--max-time", "10", "--ssl-reqd", "--cacert", sandbox.caFile, url,
                "-u", "\(TestSandbox.user):\(sandbox.password)", "--mail-from", Self.from, "--mail-rcpt", Self.to,
                "-T", "-",
            ], input: Self.message(subject: subject))
            #expect(result.status == 0, "curl: \(result.stderr)")
            let report = try await sandbox.report(port: port)
            #expect(report.startTLS == (mode == .startTLS ? "used" : "not-applicable"))
            #expect(report.negotiatedVersion == "TLSv1.3")
            expectAuthenticatedAfterTLS(report, mechanism: "PLAIN")
            #expect(report.messages.map(\.subject) == [subject])
            let stored = try #require(sandbox.store.all.first)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: sandbox.store.path(of: stored.id)))
            #expect(String(decoding: bytes, as: UTF8.self) == Self.message(subject: subject))
        }
    }

    // MARK: IMAP and POP3 with curl

    @Test(arguments: [SecurityMode.startTLS, .implicitTLS])
    func curlIMAPListsAndFetches(mode: SecurityMode) async throws {
        try await TestSandbox.with([.any(.imap, mode)]) { sandbox in
            let port = sandbox.port(0)
            try seed(sandbox, subject: "first")
            let second = try seed(sandbox, subject: "second for curl")
            let base = (mode == .startTLS ? "imap" : "imaps") + "://127.0.0.1:\(port)"
            let common = ["-sS", "--max-time", "10", "--ssl-reqd", "--cacert", sandbox.caFile,
                          "-u", "\(TestSandbox.user):\(sandbox.password)"]
            let list = await Tool.run(Tool.curl, common + ["\(base)/"])
            #expect(list.status == 0, "curl: \(list.stderr)")
            #expect(list.stdout.contains("INBOX"))
            let search = await Tool.run(Tool.curl, common + ["\(base)/INBOX", "-X", "SEARCH ALL"])
            #expect(search.status == 0, "curl: \(search.stderr)")
            #expect(search.stdout.contains("* SEARCH 1 2"))
            let fetch = await Tool.run(Tool.curl, common + ["\(base)/INBOX;UID=\(second.uid)"])
            #expect(fetch.status == 0, "curl: \(fetch.stderr)")
            #expect(fetch.stdout == Self.message(subject: "second for curl"))
            let reports = await sandbox.waitForReports(3, port: port)
            for report in reports {
                #expect(report.startTLS == (mode == .startTLS ? "used" : "not-applicable"), "\(report.summary)")
                #expect(report.negotiatedVersion != nil)
                #expect(report.protocol == "imap")
                expectAuthenticatedAfterTLS(report, mechanism: "PLAIN")
            }
            #expect(sandbox.store.all.count == 2, "fetching deletes nothing")
        }
    }

    @Test(arguments: [SecurityMode.startTLS, .implicitTLS])
    func curlPOP3ListsAndRetrieves(mode: SecurityMode) async throws {
        try await TestSandbox.with([.any(.pop3, mode)]) { sandbox in
            let port = sandbox.port(0)
            let first = try seed(sandbox, subject: "first for pop")
            let second = try seed(sandbox, subject: "second")
            let base = (mode == .startTLS ? "pop3" : "pop3s") + "://127.0.0.1:\(port)"
            let common = ["-sS", "--max-time", "10", "--ssl-reqd", "--cacert", sandbox.caFile,
                          "-u", "\(TestSandbox.user):\(sandbox.password)"]
            let list = await Tool.run(Tool.curl, common + ["\(base)/"])
            #expect(list.status == 0, "curl: \(list.stderr)")
            #expect(list.stdout == "1 \(first.size)\r\n2 \(second.size)\r\n", "\(list.stdout)")
            let retrieve = await Tool.run(Tool.curl, common + ["\(base)/1"])
            #expect(retrieve.status == 0, "curl: \(retrieve.stderr)")
            #expect(retrieve.stdout == Self.message(subject: "first for pop"))
            let reports = await sandbox.waitForReports(2, port: port)
            for report in reports {
                #expect(report.startTLS == (mode == .startTLS ? "used" : "not-applicable"), "\(report.summary)")
                #expect(report.protocol == "pop3")
                expectAuthenticatedAfterTLS(report, mechanism: "PLAIN")
            }
            #expect(sandbox.store.all.count == 2)
        }
    }

    // MARK: Python's clients

    /// What sandbox_client.py printed.
    struct PythonResult {
        let values: [String: Any]

        subscript(key: String) -> Any? { values[key] }

        var messageBytes: [UInt8]? {
            (values["message"] as? String).flatMap { Data(base64Encoded: $0) }.map(Array.init)
        }
    }

    func python(_ mode: String, _ sandbox: TestSandbox, port: Int, subject: String = "python smtplib",
                sourceLocation: SourceLocation = #_sourceLocation) async throws -> PythonResult {
        let result = await Tool.python("sandbox_client.py", [mode, "127.0.0.1", String(port), sandbox.caFile,
                                                             TestSandbox.user, sandbox.password, subject])
        #expect(result.status == 0, "python \(mode): \(result.stderr)", sourceLocation: sourceLocation)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        return PythonResult(values: try #require(object as? [String: Any], sourceLocation: sourceLocation))
    }

    @Test func pythonSMTPLibSTARTTLSLoginSendmail() async throws {
        try await TestSandbox.with([.any(.smtp, .startTLS)]) { sandbox in
            let port = sandbox.port(0)
            let result = try await python("smtp-starttls", sandbox, port: port, subject: "from smtplib")
            #expect(result["starttls"] as? Int == 220)
            #expect((result["login"] as? [Any])?.first as? Int == 235)
            let report = try await sandbox.report(port: port)
            #expect(report.startTLS == "used")
            #expect(report.negotiatedVersion == "TLSv1.3")
            #expect(report.offer?.serverName == nil, "smtplib sends no SNI for an IP address")
            expectAuthenticatedAfterTLS(report, mechanism: "PLAIN")
            #expect(report.messages.map(\.subject) == ["from smtplib"])
            // The line starting with a dot was dot-stuffed by smtplib and unstuffed by the sandbox.
            let stored = try #require(sandbox.store.mailbox().first)
            let sent = try #require((result["sent"] as? String).flatMap { Data(base64Encoded: $0) })
            #expect(stored.data == Array(sent))
            #expect(String(decoding: stored.data, as: UTF8.self).contains("\r\n.A line that starts with a dot.\r\n"))
        }
    }

    @Test(arguments: [("imap-ssl", SecurityMode.implicitTLS), ("imap-starttls", .startTLS)])
    func pythonIMAPLibFetchesAndDeletes(mode: String, transport: SecurityMode) async throws {
        try await TestSandbox.with([.any(.imap, transport)]) { sandbox in
            let port = sandbox.port(0)
            let doomed = try seed(sandbox, subject: "to be deleted over IMAP")
            let kept = try seed(sandbox, subject: "kept")
            let expected = try #require(sandbox.store.mailbox().first { $0.id == doomed.id })
            let result = try await python(mode, sandbox, port: port)
            #expect(result["login"] as? String == "OK")
            let select = try #require(result["select"] as? [Any])
            #expect(select.first as? String == "OK" && select.last as? Int == 2, "\(select)")
            #expect(result["fetch"] as? String == "OK")
            #expect(result.messageBytes == expected.data)
            #expect(result["store"] as? String == "OK")
            let expunge = try #require(result["expunge"] as? [Any])
            #expect(expunge.first as? String == "OK" && expunge.last as? [String] == ["1"], "\(expunge)")
            let report = try await sandbox.report(port: port)
            #expect(report.startTLS == (transport == .startTLS ? "used" : "not-applicable"))
            #expect(report.negotiatedVersion == "TLSv1.3")
            expectAuthenticatedAfterTLS(report, mechanism: "LOGIN")
            // The deletion reached the store and the files.
            #expect(sandbox.store.all.map(\.id) == [kept.id])
            #expect(!FileManager.default.fileExists(atPath: sandbox.store.path(of: doomed.id)))
            let listing = await Tool.mailtls(["sandbox", "messages", "--state-dir", sandbox.stateDirectory.path,
                                              "--json"])
            #expect(listing.status == 0, "\(listing.stderr)")
            #expect(listing.stdout.contains(kept.id) && !listing.stdout.contains(doomed.id), "\(listing.stdout)")
        }
    }

    @Test(arguments: [("pop3-ssl", SecurityMode.implicitTLS), ("pop3-stls", .startTLS)])
    func pythonPOPLibRetrievesAndDeletes(mode: String, transport: SecurityMode) async throws {
        try await TestSandbox.with([.any(.pop3, transport)]) { sandbox in
            let port = sandbox.port(0)
            let doomed = try seed(sandbox, subject: "to be deleted over POP3")
            let kept = try seed(sandbox, subject: "kept")
            let expected = try #require(sandbox.store.mailbox().first { $0.id == doomed.id })
            let result = try await python(mode, sandbox, port: port)
            #expect(result["pass"] as? String == "+OK Logged in")
            #expect(result["list"] as? [String] == ["1 \(doomed.size)", "2 \(kept.size)"])
            #expect(result.messageBytes == expected.data)
            let report = try await sandbox.report(port: port)
            #expect(report.startTLS == (transport == .startTLS ? "used" : "not-applicable"))
            #expect(report.negotiatedVersion == "TLSv1.3")
            expectAuthenticatedAfterTLS(report, mechanism: "USER")
            #expect(sandbox.store.all.map(\.id) == [kept.id])
            #expect(!FileManager.default.fileExists(atPath: sandbox.store.path(of: doomed.id)))
            let listing = await Tool.mailtls(["sandbox", "messages", "--state-dir", sandbox.stateDirectory.path])
            #expect(listing.status == 0, "\(listing.stderr)")
            #expect(listing.stdout.contains("\"kept\"") && !listing.stdout.contains("to be deleted"),
                    "\(listing.stdout)")
        }
    }
}
