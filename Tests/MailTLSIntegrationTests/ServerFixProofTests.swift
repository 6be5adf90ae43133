import Foundation
import Testing

/// The misconfigured real servers of Tests/Lab/fixlab.sh: Postfix (127.0.0.40), Dovecot (127.0.0.41) and Debian's
/// Exim 4.96 in a chroot (127.0.0.42), started once per test process, each in the state its admin left it.
struct FixLab: Sendable {
    let environment: [String: String]
    static let script = Lab.packageRoot.appendingPathComponent("Tests/Lab/fixlab.sh").path

    static let shared: Result<FixLab, LabError> = {
        do { _ = try Lab.get() } catch { return .failure(error as? LabError ?? LabError(message: "\(error)")) }
        return Lab.up(script: "fixlab.sh", timeout: 600, directoryVariable: "MAILTLS_FIXLAB_STATE",
                      defaultDirectory: "/tmp/mailtls-fixlab", environmentFile: "fixlab.env")
            .map(FixLab.init(environment:))
    }()

    static func get() throws -> FixLab { try shared.get() }

    subscript(key: String) -> String { environment[key] ?? "" }

    /// Runs a script against one server as fixlab.sh maps it (its configuration where the script expects /etc/...).
    func run(_ server: String, script text: String) -> ProcessRunner.Result {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("fix-\(server)-\(UUID().uuidString).sh")
        try? text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        return ProcessRunner.run("/bin/bash", [Self.script, "run", server, file.path], timeout: 120)
    }
}

/// `mailtls check --fix` proven on real servers: each misconfigured server gets mailtls's own snippet applied
/// verbatim, reloads, and the next check finds the findings gone, every port still serving TLS 1.2 or later, no new
/// finding, and a real client still logging in after STARTTLS.
@Suite(.serialized) struct ServerFixProofTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var server: String
        var addressKey: String
        var ports: String
        var software: String
        /// The findings the misconfiguration produces, each fixed by a setting.
        var misconfigured: Set<String>
        var testDescription: String { server }
    }

    static let cases = [
        Case(server: "postfix", addressKey: "FIXLAB_POSTFIX", ports: "25,465,587", software: "postfix",
             misconfigured: ["tls-version-deprecated", "cleartext-auth-allowed", "starttls-optional",
                             "cipher-no-forward-secrecy"]),
        Case(server: "dovecot", addressKey: "FIXLAB_DOVECOT", ports: "143,993,110,995", software: "dovecot",
             misconfigured: ["tls-version-deprecated", "cleartext-auth-allowed", "cipher-no-forward-secrecy"]),
        Case(server: "exim", addressKey: "FIXLAB_EXIM", ports: "25,465,587", software: "exim",
             misconfigured: ["tls-version-deprecated", "cleartext-auth-allowed", "starttls-optional",
                             "cipher-no-forward-secrecy"]),
    ]

    struct Checked {
        var findings: [String: Set<Int>]
        var ports: [[String: Any]]
        var software: [Int: String]
    }

    func check(_ address: String, ports: String, extra: [String] = []) throws -> (ProcessRunner.Result, [String: Any]) {
        let lab = try Lab.get()
        let result = ProcessRunner.run(ProcessRunner.mailtlsBinary, [
            "check", address, "--servername", lab.serverName, "--ca-file", lab.caFile, "--ports", ports,
            "--connect-timeout", "2", "--json", "--deep",
        ] + extra, environment: ["LANG": "C"], timeout: 120)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
                                    "\(result.stderr)")
        return (result, document)
    }

    func checked(_ address: String, ports: String) throws -> Checked {
        let (_, document) = try check(address, ports: ports)
        var findings: [String: Set<Int>] = [:]
        for finding in document["findings"] as? [[String: Any]] ?? [] {
            findings[finding["id"] as? String ?? "", default: []].formUnion(finding["ports"] as? [Int] ?? [])
        }
        let portList = document["ports"] as? [[String: Any]] ?? []
        var software: [Int: String] = [:]
        for port in portList {
            if let name = port["software"] as? String { software[port["port"] as? Int ?? 0] = name }
        }
        return Checked(findings: findings, ports: portList, software: software)
    }

    @Test(arguments: cases)
    func theSnippetFixesTheRealServer(_ testCase: Case) throws {
        try prove(testCase, on: try FixLab.get())
    }

    /// Debian's split configuration (`dc_use_split_config='true'`), where update-exim4.conf reads conf.d only and
    /// never exim4.conf.localmacros: the same snippet finds the file that counts. The lab is restarted in that
    /// layout and back in the default one afterwards.
    @Test func theEximSnippetFixesASplitConfiguration() throws {
        let fixlab = try FixLab.get()
        func up(_ layout: String) -> ProcessRunner.Result {
            ProcessRunner.run("/bin/bash", [FixLab.script, "up"], environment: ["MAILTLS_FIXLAB_EXIM": layout],
                              timeout: 600)
        }
        let split = up("split")
        #expect(split.status == 0, "\(split.stderr)")
        defer { _ = up("template") }
        let state = ProcessInfo.processInfo.environment["MAILTLS_FIXLAB_STATE"] ?? "/tmp/mailtls-fixlab"
        let layout = try String(contentsOfFile: state + "/exim/etc/exim4/update-exim4.conf.conf", encoding: .utf8)
        #expect(layout.contains("dc_use_split_config='true'"))
        try prove(Self.cases[2], on: fixlab)
    }

    func prove(_ testCase: Case, on fixlab: FixLab) throws {
        let address = fixlab[testCase.addressKey]
        // The deep scan too: each misconfigured server also accepts static-RSA suites, and their fix is proven with
        // the rest.
        let before = try checked(address, ports: testCase.ports)
        #expect(testCase.misconfigured.isSubset(of: Set(before.findings.keys)),
                "the misconfiguration shows: \(before.findings)")
        #expect(Set(before.software.values) == [testCase.software], "identified: \(before.software)")

        // The snippet, as mailtls prints it for this server.
        let (_, fixDocument) = try check(address, ports: testCase.ports, extra: ["--fix"])
        let servers = try #require(fixDocument["servers"] as? [[String: Any]])
        let server = try #require(servers.first {
            ($0["identification"] as? [String: Any])?["software"] as? String == testCase.software
        })
        let fixes = Set(server["findings"] as? [String] ?? [])
        #expect(testCase.misconfigured.isSubset(of: fixes), "the snippet covers \(fixes)")
        let script = server["script"] as? [String] ?? []
        let checks = server["check"] as? [String] ?? []
        let reloads = server["reload"] as? [String] ?? []

        // Applied verbatim: the script and its checks, then the reload (Exim's is systemctl's, which a chroot has
        // not: fixlab.sh sends the daemon the same SIGHUP).
        var text = "set -e\n" + (script + checks).joined(separator: "\n") + "\n"
        if testCase.server != "exim" { text += reloads.joined(separator: "\n") + "\n" }
        let applied = fixlab.run(testCase.server, script: text)
        #expect(applied.status == 0, "snippet failed:\n\(text)\n\(applied.stdout)\n\(applied.stderr)")
        if testCase.server == "exim" {
            #expect(reloads == ["systemctl reload exim4"])
            let reloaded = ProcessRunner.run("/bin/bash", [FixLab.script, "reload", "exim"], timeout: 60)
            #expect(reloaded.status == 0, "\(reloaded.stderr)")
        }

        // The next check: those findings gone, nothing new, every port still open with TLS 1.2 or later.
        let after = try waitForReload(address, ports: testCase.ports, gone: testCase.misconfigured)
        #expect(testCase.misconfigured.isDisjoint(with: Set(after.findings.keys)), "still there: \(after.findings)")
        for (id, ports) in after.findings {
            #expect(before.findings[id].map { ports.isSubset(of: $0) } ?? false, "new after the fix: \(id) \(ports)")
        }
        for port in after.ports {
            #expect(port["state"] as? String == "open", "\(port["port"] ?? "") \(port["state"] ?? "")")
            // The deep scan agrees with the version scan: TLS 1.2 is there on every port, even when the server
            // turned some of the scan's connections away ("421 too many connections", Exim's stock limit of 20).
            let deepVersions = ((port["deep"] as? [String: Any])?["versions"] as? [[String: Any]] ?? [])
                .compactMap { $0["version"] as? String }
            #expect(deepVersions.contains("TLSv1.2"), "\(port["port"] ?? ""): deep scan found \(deepVersions)")
            let tls = port["tls"] as? [String: Any]
            #expect((tls?["acceptedVersions"] as? [String])?.contains("TLSv1.2") == true, "\(port["port"] ?? "")")
            #expect((tls?["acceptedVersions"] as? [String])?.contains("TLSv1") == false)
        }
        #expect(after.software == before.software)
        try realClientStillLogsIn(testCase, address: address)
    }

    /// A reload takes effect within a moment; the check runs again until the findings are gone or 20 s pass.
    func waitForReload(_ address: String, ports: String, gone: Set<String>) throws -> Checked {
        let deadline = Date().addingTimeInterval(20)
        while true {
            let result = try checked(address, ports: ports)
            if gone.isDisjoint(with: Set(result.findings.keys)) || Date() > deadline { return result }
            Thread.sleep(forTimeInterval: 0.5)
        }
    }

    /// The server still does its job: the lab user logs in after STARTTLS, with a real client.
    func realClientStillLogsIn(_ testCase: Case, address: String) throws {
        let lab = try Lab.get()
        let password = try String(contentsOfFile: lab["LAB_PASSWORD_FILE"], encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let script: String
        if testCase.server == "dovecot" {
            script = """
                import imaplib, ssl, sys
                host, user, password, ca, name = sys.argv[1:6]
                context = ssl.create_default_context(cafile=ca)
                context.check_hostname = False  # reached by address; the chain is still verified
                imap = imaplib.IMAP4(host, 143)
                imap.starttls(ssl_context=context)
                print(imap.login(user, password)[0])
                imap.logout()
                """
        } else {
            script = """
                import smtplib, ssl, sys
                host, user, password, ca, name = sys.argv[1:6]
                context = ssl.create_default_context(cafile=ca)
                context.check_hostname = False  # reached by address; the chain is still verified
                smtp = smtplib.SMTP(host, 587, timeout=20)
                smtp.starttls(context=context)
                print(smtp.login(user, password)[0])
                smtp.quit()
                """
        }
        let result = ProcessRunner.run("/usr/bin/python3", ["-c", script, address, lab["LAB_USER"], password,
                                                            lab.caFile, lab.serverName], timeout: 60)
        #expect(result.status == 0, "\(testCase.server): login after STARTTLS: \(result.stdout) \(result.stderr)")
        #expect(["OK", "235"].contains(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)),
                "\(result.stdout)")
    }
}
