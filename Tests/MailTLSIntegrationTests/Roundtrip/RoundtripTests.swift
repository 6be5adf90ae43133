import Foundation
import Testing

/// `mailtls roundtrip` on the lab's MAILBOX instance: real Postfix submission, Dovecot LMTP delivery, Dovecot IMAP
/// and POP3, with the real Received headers. A plaintext hop, a message that never arrives, a bounce, a wrong
/// password and an untrusted certificate are each a named case of the lab (Tests/Lab/lab.sh: PLAIN HOP, BOUNCE).
@Suite(.serialized) struct RoundtripTests {
    static let address = "alice@mailbox.mailtls.test"

    func roundtrip(_ extra: [String], outgoing: String = "127.0.0.20:587", incoming: String = "127.0.0.20:993",
                   passwordFile: String? = nil, language: String = "C") async throws -> (ProcessRunner.Result, [String: Any]) {
        let lab = try Lab.get()
        let arguments = ["roundtrip", RoundtripTests.address, "--outgoing", outgoing, "--incoming", incoming,
                         "--user", lab["LAB_USER"], "--password-file", passwordFile ?? lab["LAB_PASSWORD_FILE"],
                         "--ca-file", lab.caFile, "--servername", lab["LAB_MAILBOX_SERVERNAME"], "--json"] + extra
        let result = await Tool.mailtls(arguments, environment: ["LANG": language, "LC_ALL": language], timeout: 120)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
                                    "\(result.stdout) \(result.stderr)")
        return (result, document)
    }

    /// Files in the lab mailbox's Maildir that hold `text`.
    static func stored(_ text: String) throws -> [String] {
        let maildir = try Lab.get()["LAB_MAILBOX_MAILDIR"]
        var found: [String] = []
        for folder in ["new", "cur"] {
            let directory = "\(maildir)/\(folder)"
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
                if let data = FileManager.default.contents(atPath: "\(directory)/\(name)"),
                   String(decoding: data, as: UTF8.self).contains(text) {
                    found.append(name)
                }
            }
        }
        return found
    }

    /// Submission (STARTTLS and SSL/TLS), then IMAP and POP3 (SSL/TLS and STARTTLS): found by its token, every hop
    /// read from the real headers, and deleted.
    @Test(arguments: [("127.0.0.20:587", "127.0.0.20:993"), ("127.0.0.20:465", "127.0.0.20:995"),
                      ("127.0.0.20:587", "127.0.0.20:143"), ("127.0.0.20:465", "127.0.0.20:110")])
    func sendsFindsReadsTheWayAndDeletes(outgoing: String, incoming: String) async throws {
        let (result, document) = try await roundtrip(["--wait", "30"], outgoing: outgoing, incoming: incoming)
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        let validation = await Tool.validate(json: result.stdout, schema: "roundtrip-report.schema.json")
        #expect(validation.status == 0, "schema: \(validation.stderr)")
        let sent = try #require(document["sent"] as? [String: Any])
        #expect(sent["result"] as? String == "accepted")
        #expect(sent["tlsVersion"] as? String == "TLSv1.3")
        let read = try #require(document["read"] as? [String: Any])
        #expect(read["result"] as? String == "arrived")
        #expect((read["deliverySeconds"] as? Double ?? 99) < 30)
        if incoming.hasSuffix(":993") || incoming.hasSuffix(":143") {
            #expect(read["idle"] as? Bool == true || (read["deliverySeconds"] as? Double ?? 99) < 10)
        }
        let hops = try #require(document["hops"] as? [[String: Any]])
        // Postfix's submission hop (ESMTPSA over TLS 1.3), then Dovecot's LMTP delivery.
        #expect(hops.count == 2, "\(hops)")
        #expect(hops.first?["encryption"] as? String == "encrypted")
        #expect(hops.first?["tlsVersion"] as? String == "TLSv1.3")
        #expect((hops.first?["with"] as? String)?.uppercased() == "ESMTPSA")
        #expect(hops.last?["encryption"] as? String == "local")
        #expect((document["findings"] as? [Any])?.isEmpty == true)
        #expect(document["deletion"] as? String == "deleted")
        let token = try #require(document["token"] as? String)
        #expect(try RoundtripTests.stored(token).isEmpty, "the test message is gone from the mailbox")
    }

    /// PLAIN HOP: the lab hands the message from its submission Postfix to the MAILBOX instance's port 25 without
    /// TLS; the report names that hop unencrypted (inside one machine here: a loopback address).
    @Test func aPlaintextHopIsReportedUnencrypted() async throws {
        let (result, document) = try await roundtrip(["--to", "alice@plainhop.mailtls.test", "--wait", "30"])
        let hops = try #require(document["hops"] as? [[String: Any]], "\(result.stdout)")
        #expect(hops.map { $0["encryption"] as? String } == ["encrypted", "unencrypted", "local"], "\(hops)")
        #expect(hops[1]["by"] as? String == "mailbox.mailtls.test")
        let findings = try #require(document["findings"] as? [[String: Any]])
        #expect(findings.count == 1)
        #expect(findings.first?["hop"] as? Int == 2)
        #expect(findings.first?["severity"] as? String == "info")
        #expect((findings.first?["fix"] as? String)?.contains("smtp_tls_security_level") == true)
        #expect(result.status == 0, "a hop inside one machine is worth knowing, not a failure")
    }

    /// Accepted at submission, dropped on the way (the lab discards @mailtls.test): not found, no report.
    @Test func aMessageThatNeverArrivesIsDiagnosed() async throws {
        let (result, document) = try await roundtrip(["--to", "nobody@mailtls.test", "--read-as",
                                                      try Lab.get()["LAB_USER"], "--read-password-file",
                                                      try Lab.get()["LAB_PASSWORD_FILE"], "--wait", "3"])
        #expect(result.status == 2)
        let read = try #require(document["read"] as? [String: Any])
        #expect(read["result"] as? String == "not-delivered", "\(read)")
        #expect((document["hops"] as? [Any])?.isEmpty == true)
    }

    /// FOLDER: delivered, but filed in another folder (as a filter or spam check files it): found there, named,
    /// and deleted from there.
    @Test func aMessageInAnotherFolderIsFoundThere() async throws {
        let (result, document) = try await roundtrip(["--to", "alice+Junk@mailbox.mailtls.test", "--wait", "3"])
        #expect(result.status == 2)
        let read = try #require(document["read"] as? [String: Any], "\(result.stdout)")
        #expect(read["result"] as? String == "in-other-folder", "\(read)")
        #expect(read["folder"] as? String == "Junk")
        #expect(document["deletion"] as? String == "deleted")
        let token = try #require(document["token"] as? String)
        let maildir = try Lab.get()["LAB_MAILBOX_MAILDIR"]
        var left: [String] = []
        for folder in ["new", "cur"] {
            let directory = "\(maildir)/.Junk/\(folder)"
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
                if let data = FileManager.default.contents(atPath: "\(directory)/\(name)"),
                   String(decoding: data, as: UTF8.self).contains(token) { left.append(name) }
            }
        }
        #expect(left.isEmpty, "the test message is gone from Junk too")
    }

    /// BOUNCE: accepted, refused one hop later; the failure report comes back to the sender and is recognised as
    /// soon as it arrives (the wait does not run out).
    @Test(arguments: ["127.0.0.20:993", "127.0.0.20:995"])
    func aBounceIsDiagnosed(incoming: String) async throws {
        let token: String
        do {
            let (result, document) = try await roundtrip(["--to", "someone@bounce.mailtls.test", "--wait", "60"],
                                                         incoming: incoming)
            #expect(result.status == 2)
            #expect(result.seconds < 30, "stopped when the report came, not at the end of the wait")
            let read = try #require(document["read"] as? [String: Any], "\(result.stdout)")
            #expect(read["result"] as? String == "bounced", "\(read)")
            #expect((read["message"] as? String)?.contains("Undelivered Mail Returned to Sender") == true)
            token = try #require(document["token"] as? String)
        }
        // The report stays for the user to read; the test removes it.
        _ = try await LabMailbox.messages(marker: token)
    }

    /// A wrong password: the submission server refuses the login, and nothing is sent.
    @Test func aWrongPasswordSendsNothing() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("wrong-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: file.path, contents: Data("not-the-password\n".utf8),
                                       attributes: [.posixPermissions: 0o600])
        defer { try? FileManager.default.removeItem(at: file) }
        let (result, document) = try await roundtrip([], passwordFile: file.path)
        #expect(result.status == 2)
        let sent = try #require(document["sent"] as? [String: Any])
        #expect(sent["result"] as? String == "login-refused", "\(sent)")
        #expect((sent["reply"] as? String)?.hasPrefix("535") == true)
        #expect(document["read"] == nil)
        let token = try #require(document["token"] as? String)
        try await Task.sleep(for: .seconds(1))
        #expect(try RoundtripTests.stored(token).isEmpty)
    }

    /// A submission server whose certificate fails (the lab's self-signed one) never sees the password.
    @Test func anUntrustedCertificateGetsNoPassword() async throws {
        let lab = try Lab.get()
        let (result, document) = try await roundtrip([], outgoing: "\(lab["LAB_SELF_SIGNED"]):587")
        #expect(result.status == 2)
        let sent = try #require(document["sent"] as? [String: Any])
        #expect(sent["result"] as? String == "certificate-rejected", "\(sent)")
    }

    /// The text report in both languages: the hops, the verdict, the deletion.
    @Test(arguments: [("C", "every hop was encrypted"), ("ja_JP.UTF-8", "すべての中継で暗号化されていました")])
    func theReportSpeaksTheReadersLanguage(language: String, verdict: String) async throws {
        let lab = try Lab.get()
        let result = await Tool.mailtls(
            ["roundtrip", RoundtripTests.address, "--outgoing", "127.0.0.20:587", "--incoming", "127.0.0.20:993",
             "--user", lab["LAB_USER"], "--password-file", lab["LAB_PASSWORD_FILE"], "--ca-file", lab.caFile,
             "--servername", lab["LAB_MAILBOX_SERVERNAME"], "--no-color"],
            environment: ["LANG": language, "LC_ALL": language], timeout: 120)
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains(verdict), "\(result.stdout)")
        #expect(result.stdout.contains("1. ") && result.stdout.contains("2. "))
    }

    /// Without --outgoing and --incoming the settings are what `mailtls setup` finds (here the SRV records of the
    /// small internet's srv.mailtls.test): the round trip uses them; the lab accepts mail for that domain and
    /// discards it, which the report names as accepted and never delivered.
    @Test func withoutSettingsItUsesWhatSetupFinds() async throws {
        let lab = try Lab.get()
        let internet = try Internet.get()
        let result = await Tool.mailtls(
            ["roundtrip", "alice@srv.mailtls.test", "--user", lab["LAB_USER"], "--password-file",
             lab["LAB_PASSWORD_FILE"], "--ca-file", lab.caFile, "--json", "--wait", "2", "--timeout", "10"]
                + internet.options, environment: ["LANG": "C", "LC_ALL": "C"], timeout: 120)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
                                    "\(result.stdout) \(result.stderr)")
        let outgoing = try #require(document["outgoing"] as? [String: Any])
        #expect(outgoing["host"] as? String == "mail.mailtls.test", "\(outgoing)")
        let incoming = try #require(document["incoming"] as? [String: Any])
        #expect(incoming["host"] as? String == "mail.mailtls.test", "\(incoming)")
        let sent = try #require(document["sent"] as? [String: Any])
        #expect(sent["result"] as? String == "accepted", "\(sent)")
        // The lab takes mail for the mailtls.test domains and discards it: accepted, never delivered.
        let read = try #require(document["read"] as? [String: Any])
        #expect(read["result"] as? String == "not-delivered", "\(read)")
        #expect(result.status == 2)
    }
}
