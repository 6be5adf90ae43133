import Foundation
import Testing

/// `mailtls setup` and `mailtls diagnose` as a user runs them: exports validated by other programs, exit codes,
/// both languages, the password never on argv, never printed, never outside TLS on the wire.
@Suite struct AccountCommandLineTests {
    func mailtls(_ arguments: [String], language: String = "C", environment: [String: String] = [:]) async throws
        -> ProcessRunner.Result {
        let internet = try Internet.get()
        return await Tool.mailtls(arguments + internet.options + ["--timeout", "10"],
                                  environment: ["LANG": language, "LC_ALL": language].merging(environment) { $1 },
                                  timeout: 90)
    }

    func python(_ script: String, _ input: String) async -> ProcessRunner.Result {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString)")
        try? input.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        return await Tool.run("/usr/bin/env", ["python3", "-c", script, file.path])
    }

    /// Validates with Python's jsonschema against docs/account-report.schema.json.
    func validateAgainstSchema(_ json: String) async -> ProcessRunner.Result {
        await Tool.validate(json: json, schema: "account-report.schema.json")
    }

    @Test(arguments: [
        ["setup", "alice@srv.mailtls.test", "--json"],
        ["setup", "alice@guess.mailtls.test", "--json", "--no-guess"],
        ["diagnose", "--host", "mail.mailtls.test", "--port", "587", "--security", "ssl", "--json"],
        ["diagnose", "--host", "mail.mailtls.test", "--port", "465", "--security", "ssl", "--json",
         "--address", "alice@srv.mailtls.test"],
    ])
    func jsonMatchesTheSchema(arguments: [String]) async throws {
        let result = try await mailtls(arguments)
        #expect([0, 2].contains(result.status), "\(result.stderr)")
        let validation = await validateAgainstSchema(result.stdout)
        #expect(validation.status == 0, "schema: \(validation.stderr)\n\(result.stdout)")
    }

    @Test func thunderbirdExportIsWellFormedConfigV11() async throws {
        let result = try await mailtls(["setup", "alice@srv.mailtls.test", "--format", "thunderbird"])
        #expect(result.status == 0, "\(result.stderr)")
        let check = await python("""
            import sys, xml.etree.ElementTree as ET
            root = ET.parse(sys.argv[1]).getroot()
            assert root.tag == "clientConfig" and root.get("version") == "1.1", root.tag
            provider = root.find("emailProvider")
            assert provider.get("id") == "srv.mailtls.test"
            assert [d.text for d in provider.findall("domain")] == ["srv.mailtls.test"]
            incoming = provider.findall("incomingServer")
            assert [s.get("type") for s in incoming] == ["imap", "pop3"], [s.get("type") for s in incoming]
            imap = incoming[0]
            assert imap.findtext("hostname") == "mail.mailtls.test"
            assert imap.findtext("port") == "993" and imap.findtext("socketType") == "SSL"
            assert imap.findtext("username") == "%EMAILADDRESS%"
            smtp = provider.find("outgoingServer")
            assert smtp.get("type") == "smtp" and smtp.findtext("port") == "465", smtp.findtext("port")
            assert smtp.findtext("authentication") == "password-cleartext"
            print("ok")
            """, result.stdout)
        #expect(check.status == 0, "\(check.stderr)\n\(result.stdout)")
    }

    @Test func appleProfileParsesWithPlistlib() async throws {
        let result = try await mailtls(["setup", "alice@autoconf.mailtls.test", "--format", "mobileconfig"])
        #expect(result.status == 0, "\(result.stderr)")
        let check = await python("""
            import sys, plistlib
            profile = plistlib.load(open(sys.argv[1], "rb"))
            assert profile["PayloadType"] == "Configuration" and profile["PayloadVersion"] == 1
            mail = profile["PayloadContent"][0]
            assert mail["PayloadType"] == "com.apple.mail.managed"
            assert mail["EmailAccountType"] == "EmailTypeIMAP"
            assert mail["EmailAddress"] == "alice@autoconf.mailtls.test"
            assert mail["IncomingMailServerHostName"] == "mail.mailtls.test"
            assert mail["IncomingMailServerPortNumber"] == 993 and mail["IncomingMailServerUseSSL"] is True
            assert mail["IncomingMailServerUsername"] == "alice@autoconf.mailtls.test"
            assert mail["OutgoingMailServerPortNumber"] == 465 and mail["OutgoingMailServerUseSSL"] is True
            assert not any("Password" in key and key != "OutgoingPasswordSameAsIncomingPassword" for key in mail)
            print("ok")
            """, result.stdout)
        #expect(check.status == 0, "\(check.stderr)\n\(result.stdout)")
    }

    @Test func settingsSheetInJapanese() async throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("sheet-\(UUID().uuidString).html")
        defer { try? FileManager.default.removeItem(at: output) }
        let result = try await mailtls(["setup", "alice@autoconf.mailtls.test", "--format", "sheet", "--output",
                                        output.path], language: "ja_JP.UTF-8")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        let html = try String(contentsOf: output, encoding: .utf8)
        #expect(html.contains("lang=\"ja\""))
        #expect(html.contains("受信サーバー"))
        #expect(html.contains("mail.mailtls.test"))
        #expect(html.contains("SSL/TLS"))
        let parsed = await python("""
            import sys, html.parser
            class P(html.parser.HTMLParser):
                pass
            P().feed(open(sys.argv[1], encoding="utf-8").read())
            print("ok")
            """, html)
        #expect(parsed.status == 0)
    }

    @Test func setupReportAndJSON() async throws {
        let text = try await mailtls(["setup", "alice@guess.mailtls.test", "--no-color"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("Recommended settings"))
        #expect(text.stdout.contains("certificate is for mail.mailtls.test"))
        #expect(text.stdout.contains("SSL/TLS"))
        let japanese = try await mailtls(["setup", "alice@guess.mailtls.test", "--no-color"], language: "ja_JP.UTF-8")
        #expect(japanese.stdout.contains("推奨設定"))
        #expect(japanese.stdout.contains("受信サーバー"))
        let json = try await mailtls(["setup", "alice@srv.mailtls.test", "--json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(document["exitCode"] as? Int == 0)
        let sources = try #require(document["sources"] as? [[String: Any]])
        #expect(sources.contains { $0["source"] as? String == "srv" && $0["result"] as? String == "found" })
    }

    @Test(arguments: [
        (["setup", "not-an-address"], "is not an e-mail address"),
        (["diagnose", "--host", "mail.mailtls.test", "--port", "587", "--security", "starttls", "--user", "alice",
          "--password-file", "/nonexistent/password"], "Cannot read the password file"),
        (["diagnose", "--host", "mail.mailtls.test", "--port", "587", "--security", "starttls", "--user", "alice",
          "--password-env", "MAILTLS_TEST_UNSET_VARIABLE"], "is not set"),
        (["diagnose", "--host", "mail.mailtls.test", "--port", "587", "--security", "starttls", "--user", "alice"],
         "No terminal to ask for the password"),
    ])
    func badInputIsOneLineAndExit3(arguments: [String], message: String) async throws {
        let result = try await mailtls(arguments)
        #expect(result.status == 3, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }

    @Test func diagnoseNamesTheCauseInBothLanguagesAndExits2() async throws {
        let english = try await mailtls(["diagnose", "--host", "mail.mailtls.test", "--port", "587", "--security",
                                         "ssl", "--no-color"])
        #expect(english.status == 2)
        #expect(english.stdout.contains("wrong-mode-plaintext-on-tls-port"))
        #expect(english.stdout.contains("Set the security to \"STARTTLS\""))
        #expect(english.stdout.contains("Settings that work on this server"))
        let japanese = try await mailtls(["diagnose", "--host", "mail.mailtls.test", "--port", "587", "--security",
                                          "ssl", "--no-color"], language: "ja_JP.UTF-8")
        #expect(japanese.status == 2)
        #expect(japanese.stdout.contains("「STARTTLS」に変更"))
        #expect(japanese.stdout.contains("原因"))
    }

    /// When no standard setting works either, each one tried says why: a certificate for another name is the
    /// server's to fix, not a reason to try another network; a port with no answer may be this network's doing.
    @Test func eachStandardSettingTriedSaysWhyItDoesNotWork() async throws {
        let wrongName = try await mailtls(["diagnose", "--host", "wrongname-mx.mailtls.test", "--port", "587",
                                           "--security", "ssl", "--no-color"])
        #expect(wrongName.status == 2)
        #expect(wrongName.stdout.contains("None of the standard settings works either:"), "\(wrongName.stdout)")
        for tried in ["Port 465, SSL/TLS", "Port 587, STARTTLS"] {
            #expect(wrongName.stdout.contains("wrongname-mx.mailtls.test, \(tried): certificate is for wrong.example.test"),
                    "\(wrongName.stdout)")
        }
        #expect(!wrongName.stdout.contains("another network"), "\(wrongName.stdout)")
        let japanese = try await mailtls(["diagnose", "--host", "wrongname-mx.mailtls.test", "--port", "587",
                                          "--security", "ssl", "--no-color"], language: "ja_JP.UTF-8")
        #expect(japanese.stdout.contains("標準の設定も、どれも動作しません。"), "\(japanese.stdout)")
        #expect(japanese.stdout.contains("ポート 465, SSL/TLS: 証明書は wrong.example.test 用"), "\(japanese.stdout)")

        let json = try await mailtls(["diagnose", "--host", "wrongname-mx.mailtls.test", "--port", "587",
                                      "--security", "ssl", "--json"])
        let validation = await validateAgainstSchema(json.stdout)
        #expect(validation.status == 0, "schema: \(validation.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let tried = try #require(document["alternativesTried"] as? [[String: Any]])
        #expect(tried.contains { $0["failure"] as? String == "certificate is for wrong.example.test" && $0["works"] as? Bool == false })

        let blocked = try await mailtls(["diagnose", "--host", "127.0.0.14", "--port", "587", "--security", "starttls",
                                         "--no-color"])
        #expect(blocked.stdout.contains("127.0.0.14, Port 465, SSL/TLS: "), "\(blocked.stdout)")
        #expect(blocked.stdout.contains("may be blocked on this network"), "\(blocked.stdout)")
    }

    /// The password from an environment variable: never on argv, never in the output, and on the wire only inside
    /// TLS (a capture of the loopback traffic holds neither it nor its base64 forms).
    @Test func thePasswordCrossesOnlyInsideTLS() async throws {
        let lab = try Lab.get()
        let password = try String(contentsOfFile: lab["LAB_PASSWORD_FILE"], encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let capture = FileManager.default.temporaryDirectory.appendingPathComponent("diagnose-\(UUID().uuidString).pcap")
        defer { try? FileManager.default.removeItem(at: capture) }
        let tcpdump = try LiveProcess("/usr/bin/tcpdump", ["-i", "lo", "-n", "-U", "-s", "0", "-w", capture.path,
                                                           "tcp and host 127.0.0.1 and port 587"])
        // tcpdump says so on standard error once the capture runs.
        let listening = await tcpdump.waitForOutput(timeout: 30) { tcpdump.stderr.contains("listening on") ? true : nil }
        try #require(listening == true, "tcpdump did not start: \(tcpdump.stderr)")
        let result = try await mailtls(["diagnose", "--host", "mail.mailtls.test", "--port", "587", "--security",
                                        "starttls", "--user", "alice@mailtls.test", "--password-env",
                                        "MAILTLS_TEST_PASSWORD", "--address", "alice@mailtls.test", "--send-test",
                                        "--json"],
                                       environment: ["MAILTLS_TEST_PASSWORD": password])
        try await Task.sleep(for: .milliseconds(500))
        tcpdump.interrupt()
        _ = await tcpdump.waitForExit(timeout: 5)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(!result.stdout.contains(password) && !result.stderr.contains(password))
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(document["works"] as? Bool == true)
        let bytes = try Data(contentsOf: capture)
        #expect(bytes.count > 1000, "the capture saw the conversation")
        let forms = [password, Data("\0alice@mailtls.test\0\(password)".utf8).base64EncodedString(),
                     Data(password.utf8).base64EncodedString()]
        for form in forms {
            #expect(bytes.range(of: Data(form.utf8)) == nil, "found in the capture: \(form.prefix(6))…")
        }
        #expect(bytes.range(of: Data("STARTTLS".utf8)) != nil, "the plaintext part is visible, the rest is not")
    }
}
