import Foundation
import Testing

/// The built `mailtls` binary, run as a user would: JSON against the documented schema, exit codes, languages,
/// and one clear line for bad input.
@Suite struct CommandLineTests {
    func mailtls(_ arguments: [String], environment: [String: String] = ["LANG": "C"]) -> ProcessRunner.Result {
        ProcessRunner.run(ProcessRunner.mailtlsBinary, arguments, environment: environment, timeout: 90)
    }

    func labArguments(_ addressKey: String, _ extra: [String] = []) throws -> [String] {
        let lab = try Lab.get()
        return ["check", lab[addressKey], "--ca-file", lab.caFile, "--servername", lab.serverName,
                "--connect-timeout", "1"] + extra
    }

    @Test(arguments: [("LAB_GOOD", Int32(0)), ("LAB_LEGACY_TLS", 1), ("LAB_EXPIRED", 2), ("LAB_REFUSED", 1)])
    func jsonMatchesTheSchemaAndExitCodesFollowNagios(addressKey: String, exitCode: Int32) async throws {
        let result = mailtls(try labArguments(addressKey, ["--json"]))
        let findings = result.stdout.components(separatedBy: "\"findings\"").dropFirst().first?.prefix(1500) ?? ""
        #expect(result.status == exitCode, "stderr: \(result.stderr) findings: \(findings)")
        let validation = await Tool.validate(json: result.stdout, schema: "check-report.schema.json")
        #expect(validation.status == 0, "schema: \(validation.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(document["schemaVersion"] as? String == "1.3")
        #expect(document["exitCode"] as? Int == Int(exitCode))
        let ports = try #require(document["ports"] as? [[String: Any]])
        #expect(ports.count == 8)
    }

    @Test func jsonCarriesTheIssueFields() throws {
        let result = mailtls(try labArguments("LAB_GOOD", ["--json", "--ports", "587"]))
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let port = try #require((document["ports"] as? [[String: Any]])?.first)
        #expect(port["port"] as? Int == 587)
        #expect(port["protocol"] as? String == "smtp")
        #expect(port["state"] as? String == "open")
        #expect(port["security"] as? String == "starttls-required")
        let tls = try #require(port["tls"] as? [String: Any])
        #expect(tls["version"] as? String == "TLSv1.3")
        #expect((tls["cipher"] as? String)?.hasPrefix("TLS_AES_") == true)
        #expect(tls["acceptedVersions"] as? [String] == ["TLSv1.2", "TLSv1.3"])
        let certificate = try #require(port["certificate"] as? [String: Any])
        #expect(certificate["subject"] as? String == "CN=mail.mailtls.test,O=mailtls test lab")
        #expect(certificate["sans"] as? [String] == ["mail.mailtls.test"])
        #expect(certificate["trusted"] as? Bool == true)
        #expect(certificate["hostnameMatches"] as? Bool == true)
        #expect(certificate["chainLength"] as? Int == 2)
        #expect((certificate["daysLeft"] as? Int ?? 0) > 300)
        #expect((port["capabilitiesAfterTLS"] as? [String])?.contains { $0.hasPrefix("AUTH") } == true)
        #expect(document["findings"] as? [Any] != nil)
        #expect(document["durationMs"] as? Int != nil)
    }

    @Test func terminalReportInJapanese() throws {
        let result = mailtls(try labArguments("LAB_SELF_SIGNED", ["--ports", "993", "--no-color"]),
                             environment: ["LANG": "ja_JP.UTF-8"])
        #expect(result.status == 2)
        #expect(result.stdout.contains("ポート"))
        #expect(result.stdout.contains("自己署名"))
        #expect(result.stdout.contains("certificate-self-signed"))
        #expect(!result.stdout.contains("\u{1B}["), "no colour with --no-color")
        let english = mailtls(try labArguments("LAB_SELF_SIGNED", ["--ports", "993", "--lang", "en"]),
                              environment: ["LANG": "ja_JP.UTF-8"])
        #expect(english.stdout.contains("self-signed"))
        #expect(!english.stdout.contains("ポート"))
    }

    /// The lab's Postfix and Dovecot are identified with their evidence, and `--server-software` replaces the
    /// judgement on the ports of its protocols only.
    @Test func identificationWithEvidenceAndTheUsersChoice() throws {
        func identifications(_ extra: [String]) throws -> [Int: [String: Any]] {
            let result = mailtls(try labArguments("LAB_GOOD", ["--json", "--ports", "587,993"] + extra))
            let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let ports = try #require(document["ports"] as? [[String: Any]])
            return Dictionary(uniqueKeysWithValues: ports.compactMap { port in
                (port["identification"] as? [String: Any]).map { (port["port"] as? Int ?? 0, $0) }
            })
        }
        let found = try identifications([])
        #expect(found[587]?["software"] as? String == "postfix" && found[587]?["confidence"] as? String == "named")
        #expect(found[993]?["software"] as? String == "dovecot")
        let evidence = try #require(found[993]?["evidence"] as? [[String: String]])
        #expect(evidence.contains { $0["kind"] == "capability" && $0["value"] == "LOGIN-REFERRALS" })
        let chosen = try identifications(["--server-software", "exim"])
        #expect(chosen[587]?["software"] as? String == "exim" && chosen[587]?["confidence"] as? String == "chosen")
        #expect(chosen[993]?["software"] as? String == "dovecot", "an MTA's name does not apply to IMAP")
    }

    /// `--fix` on the lab's AUTH_CLEAR Postfix: the JSON matches its schema and carries the postconf lines; the
    /// terminal form shows the same lines with the check and reload commands.
    @Test func fixSnippetForTheLabsPostfix() async throws {
        let result = mailtls(try labArguments("LAB_AUTH_CLEAR", ["--fix", "--json"]))
        #expect(result.status == 2, "\(result.stderr)")
        let validation = await Tool.validate(json: result.stdout, schema: "fix-report.schema.json")
        #expect(validation.status == 0, "schema: \(validation.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let server = try #require((document["servers"] as? [[String: Any]])?.first)
        #expect(server["findings"] as? [String] == ["starttls-not-supported", "cleartext-auth-allowed"])
        #expect((server["script"] as? [String])?.contains("postconf -e 'smtpd_tls_auth_only = yes'") == true)
        #expect(server["reload"] as? [String] == ["postfix reload"])
        let text = mailtls(try labArguments("LAB_AUTH_CLEAR", ["--fix", "--no-color"]))
        #expect(text.stdout.contains("\npostconf -e 'smtpd_tls_auth_only = yes'\n"))
        #expect(text.stdout.contains("\npostfix check\npostfix reload\n"))
    }

    @Test func customPortWithProtocolAndMode() throws {
        let result = mailtls(try labArguments("LAB_GOOD", ["--ports", "993:imap:tls", "--json"]))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\"security\" : \"implicit-tls\""))
    }

    @Test(arguments: [
        (["check", "no-such-host.invalid"], "Cannot resolve host"),
        (["check", "127.0.0.1", "--ports", "25,abc"], "Bad port"),
        (["check", "127.0.0.1", "--port", "2465:smtp"], "Bad port"),
        (["check", "127.0.0.1", "--ca-file", "/nonexistent/ca.pem"], "Cannot read the CA file"),
        (["check", "127.0.0.1", "--lang", "fr"], "--lang"),
        (["check"], "Missing expected argument"),
        (["check", "127.0.0.1", "--bogus"], "Unknown option"),
        (["check", "127.0.0.1", "--server-software", "qmail"], "--server-software"),
    ])
    func badInputIsOneClearLineAndExit3(arguments: [String], expected: String) {
        let result = mailtls(arguments)
        #expect(result.status == 3, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains(expected), "\(arguments): \(result.stderr)")
        #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Stack"), "no trace")
        #expect(result.stderr.split(separator: "\n").count <= 2)
        #expect(result.stdout.isEmpty)
    }

    @Test func badInputInJapanese() {
        let result = mailtls(["check", "no-such-host.invalid"], environment: ["LANG": "ja_JP.UTF-8"])
        #expect(result.status == 3)
        #expect(result.stderr.contains("名前解決"))
    }

    @Test func caFileWithoutCertificates() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("empty-\(UUID().uuidString).pem")
        try "not a certificate\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = mailtls(["check", "127.0.0.1", "--ca-file", file.path])
        #expect(result.status == 3)
        #expect(result.stderr.contains("contains no certificate"))
    }

    @Test func helpExitsZero() {
        let result = mailtls(["check", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("--servername"))
    }

    /// A reader that stops early (`mailtls demo | head -3`) costs the lines it did not read, not a crash report: the
    /// live lines are written unbuffered, and a closed pipe used to trap in Foundation's FileHandle.write.
    @Test func aReaderThatStopsEarlyIsNoCrash() {
        let script = "\"$0\" demo --lang ja | head -3; echo \"mailtls exit ${PIPESTATUS[0]}\" >&2"
        let result = ProcessRunner.run("/bin/bash", ["-c", script, ProcessRunner.mailtlsBinary],
                                       environment: ["LANG": "C"], timeout: 120)
        #expect(result.stdout.split(separator: "\n").count == 3)
        #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("crashed"), "\(result.stderr)")
        let status = result.stderr.split(separator: "\n").last { $0.hasPrefix("mailtls exit ") }
        #expect(status == "mailtls exit 0" || status == "mailtls exit 141", "\(result.stderr)")
    }
}
