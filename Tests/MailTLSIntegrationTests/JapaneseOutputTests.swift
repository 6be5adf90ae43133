import Foundation
import MailTLSAccount
import MailTLSCheck
import MailTLSDomainCheck
import TestSupport
import Testing

/// Every command run on the lab's zoo and the small internet, as a Japanese admin runs it, and its whole output
/// scanned: no Swift debug text, no English sentence outside the server's own quoted words and the lab's data, no
/// term the glossary forbids, no half-width punctuation against Japanese. The same runs in English have no Japanese.
/// Serialized: dozens of runs at once would load the machine under the suites that measure a peer's timing.
@Suite(.serialized) struct JapaneseOutputTests {
    /// Debug shapes that mean a value reached the user through String(describing:).
    static let debugShapes = [#"[a-z][A-Za-z]+\([a-z][A-Za-z]*: "#, #"Optional\("#, "Error Domain=", #"\bnil\b"#,
                              "NIOSSL", "BoringSSL", "Swift."]

    /// Words that are the lab's own data, not the report's: its certificates' organisation and CA names, and the
    /// names in the certificate the sandbox makes.
    static let labData = ["mailtls test lab", "mailtls Test Intermediate CA", "mailtls Test Root CA",
                          "mailtls test CA", "mailtls Test CA", "mailtls sandbox (not for production)",
                          "mailtls sandbox test CA", "localhost"]

    /// Stable identifiers shown beside the text for scripts and searches (`certificate-expired`): the same in
    /// every language, like option names.
    static let identifiers: [String] = (FindingID.allCases.map(\.rawValue) + DomainFindingID.allCases.map(\.rawValue)
        + DiagnosisCause.allCases.map(\.rawValue) + ["hop-without-tls"]).sorted { $0.count > $1.count }

    static var runs: [[String]] {
        let lab = try? Lab.get()
        guard let lab else { return [] }
        var runs: [[String]] = [["demo"]]
        for key in ["LAB_GOOD", "LAB_EXPIRED", "LAB_WRONG_NAME", "LAB_SELF_SIGNED", "LAB_LEGACY_TLS", "LAB_AUTH_CLEAR",
                    "LAB_REFUSED", "LAB_CLEARTEXT_LOGIN", "LAB_INCOMPLETE_CHAIN", "LAB_WEAK", "LAB_NO_STARTTLS"] {
            runs.append(["check", lab[key], "--ca-file", lab.caFile, "--servername", lab.serverName,
                         "--connect-timeout", "1"])
        }
        // The configuration change per server (`--fix`) where there are findings a setting fixes, and where none.
        for key in ["LAB_GOOD", "LAB_LEGACY_TLS", "LAB_AUTH_CLEAR", "LAB_CLEARTEXT_LOGIN", "LAB_WEAK"] {
            runs.append(["check", lab[key], "--ca-file", lab.caFile, "--servername", lab.serverName,
                         "--connect-timeout", "1", "--fix"])
        }
        runs.append(["check", lab["LAB_LEGACY_TLS"], "--ca-file", lab.caFile, "--servername", lab.serverName,
                     "--connect-timeout", "1", "--fix", "--server-software", "exim"])
        // Every suite each TLS port accepts (`--deep`), on the server with static-RSA suites.
        runs.append(["check", lab["LAB_WEAK"], "--ca-file", lab.caFile, "--servername", lab.serverName,
                     "--connect-timeout", "1", "--deep"])
        let password = ["--user", lab["LAB_USER"], "--password-file", lab["LAB_PASSWORD_FILE"], "--ca-file", lab.caFile]
        runs += [
            ["diagnose", "--host", lab["LAB_SELF_SIGNED"], "--port", "465", "--security", "ssl"] + password,
            ["diagnose", "--host", lab["LAB_EXPIRED"], "--port", "993", "--security", "ssl"] + password,
            ["diagnose", "--host", lab["LAB_GOOD"], "--port", "465", "--security", "starttls"] + password,
            ["diagnose", "--host", lab["LAB_GOOD"], "--port", "587", "--security", "ssl"] + password,
            ["diagnose", "--host", lab["LAB_REFUSED"], "--port", "587", "--security", "starttls"] + password,
            // NO_STARTTLS listens on 25 only (587 there would be "refused" again).
            ["diagnose", "--host", lab["LAB_NO_STARTTLS"], "--port", "25", "--security", "starttls"] + password,
            ["diagnose", "--host", lab["LAB_GOOD"], "--port", "587", "--security", "starttls",
             "--client-max-tls", "1.0"] + password,
        ]
        return runs
    }

    static var internetRuns: [[String]] {
        ["good", "nostarttls", "nostarttls-mx", "dane-bad", "dane-pkix", "sts-type", "sts-mismatch", "sts-cert",
         "sts-404", "sts-badpolicy", "nullmx", "nomx", "expired-mx", "badrpt", "escapes", "no-such-domain"]
            .map { ["domain", "\($0).mailtls.test"] }
            + [["domain", "bogus.test"]]
            + ["srv", "autoconf", "wellknown", "guess", "badconfig"].map { ["setup", "alice@\($0).mailtls.test"] }
            + [["setup", "alice@guess.mailtls.test", "--no-guess"],
               ["diagnose", "--host", "mail.mailtls.test", "--port", "587", "--security", "starttls"]]
    }

    func run(_ arguments: [String], language: String) async throws -> ProcessRunner.Result {
        var arguments = arguments
        if ["domain", "setup"].contains(arguments.first) || arguments.contains("mail.mailtls.test") {
            arguments += try Internet.get().options + ["--timeout", "10"]
        }
        return await Tool.mailtls(arguments + ["--no-color"], environment: ["LANG": language, "LC_ALL": language],
                                  timeout: 120)
    }

    /// The output without what is not the report's own words: the server's quoted words, the lab's data, values
    /// the user typed (in 「」), and the lines that are settings or data tables by design.
    static func ownWords(_ output: String) -> String {
        var text = output
        for data in labData + identifiers { text = text.replacingOccurrences(of: data, with: "X0") }
        // Measured version names are shown as measured (the glossary: TLSv1.2 as a value, TLS 1.2 in a sentence).
        text = text.replacingOccurrences(of: #"\b(TLSv1(\.[0-3])?|SSLv3)\b"#, with: "X0", options: .regularExpression)
        text = text.replacingOccurrences(of: #""[^"\n]*""#, with: "X0", options: .regularExpression)
        text = text.replacingOccurrences(of: "「[^」\n]*」", with: "「X0」", options: .regularExpression)
        return text.split(separator: "\n").filter { line in
            // Lines without Japanese are tables, names, numbers and the server's words by themselves.
            line.contains { $0.isJapaneseGlyph }
        }.joined(separator: "\n")
    }

    @Test(arguments: runs + internetRuns)
    func japaneseOutputIsJapanese(arguments: [String]) async throws {
        let result = try await run(arguments, language: "ja_JP.UTF-8")
        let output = result.stdout + result.stderr
        #expect(result.status >= 0 && result.status <= 3, "\(output)")
        #expect(output.contains { $0.isJapaneseGlyph }, "no Japanese at all: \(output)")
        for shape in JapaneseOutputTests.debugShapes {
            #expect(output.range(of: shape, options: .regularExpression) == nil, "debug text \(shape): \(output)")
        }
        let glossary = try Glossary.shared()
        for line in JapaneseOutputTests.ownWords(output).split(separator: "\n") {
            let problems = glossary.problems(inJapanese: String(line))
            #expect(problems.isEmpty, "mailtls \(arguments.joined(separator: " "))\n\(line)\n\(problems)")
        }
    }

    @Test(arguments: runs + internetRuns)
    func englishOutputHasNoJapanese(arguments: [String]) async throws {
        let result = try await run(arguments, language: "C")
        let output = result.stdout + result.stderr
        #expect(!output.contains { $0.isJapaneseGlyph }, "\(output)")
        for shape in JapaneseOutputTests.debugShapes {
            #expect(output.range(of: shape, options: .regularExpression) == nil, "debug text \(shape): \(output)")
        }
    }

    /// `mailtls watch`: its template, its configuration check, a round with alerts (one failing probe alerts here) and
    /// a target's history, in Japanese and free of Japanese in English.
    @Test func watchSpeaksTheReadersLanguage() async throws {
        let lab = try Lab.get()
        let workspace = try WatchWorkspace("watch-language")
        defer { workspace.remove() }
        try workspace.write("""
            defaults:
              ca_file: \(lab.caFile)
              failures_before_alert: 1
            targets:
            \(["LAB_GOOD", "LAB_EXPIRED", "LAB_LEGACY_TLS", "LAB_NO_STARTTLS", "LAB_SELF_SIGNED"].map { key in
                "  - { host: \(lab.serverName), name: \(key.lowercased()), addresses: [\(lab[key])], ports: [25, 587, 993] }"
            }.joined(separator: "\n"))
            """)
        let runs: [[String]] = [
            ["watch", "init", "--output", "-"],
            ["watch", "--check-config", "--config", workspace.configPath],
            ["watch", "--once", "--config", workspace.configPath],
            ["watch", "history", "lab_expired", "--config", workspace.configPath],
            ["watch", "history", "nope", "--config", workspace.configPath],
        ]
        let glossary = try Glossary.shared()
        for arguments in runs {
            let ja = await Tool.mailtls(arguments, environment: ["LANG": "ja_JP.UTF-8", "LC_ALL": "ja_JP.UTF-8"])
            let output = ja.stdout + ja.stderr
            #expect(output.contains { $0.isJapaneseGlyph }, "no Japanese at all: \(output)")
            for line in JapaneseOutputTests.ownWords(output).split(separator: "\n") {
                let problems = glossary.problems(inJapanese: String(line))
                #expect(problems.isEmpty, "mailtls \(arguments.joined(separator: " "))\n\(line)\n\(problems)")
            }
            let en = await Tool.mailtls(arguments, environment: ["LANG": "C", "LC_ALL": "C"])
            #expect(!(en.stdout + en.stderr).contains { $0.isJapaneseGlyph }, "\(en.stdout)\(en.stderr)")
        }
    }

    /// `relay test` straight to an upstream that works, and to each kind of upstream that must be refused: nothing
    /// listens, a self-signed certificate, no STARTTLS, a refused password.
    static let upstreams: [(name: String, host: String, port: Int, serverName: String, password: String?)] = {
        guard let lab = try? Lab.get() else { return [] }
        return [
            ("good", lab["LAB_MAILBOX"], 587, lab["LAB_MAILBOX_SERVERNAME"], nil),
            ("refused", lab["LAB_REFUSED"], 587, lab.serverName, nil),
            ("self-signed", lab["LAB_SELF_SIGNED"], 587, lab.serverName, nil),
            ("no-starttls", lab["LAB_NO_STARTTLS"], 25, lab.serverName, nil),
            ("wrong-password", lab["LAB_AUTH_FAILURES"], 587, lab["LAB_AUTH_FAILURES_SERVERNAME"], "not-the-password"),
        ]
    }()

    @Test(arguments: upstreams.map(\.name))
    func relayTestSpeaksTheReadersLanguage(upstream name: String) async throws {
        let lab = try Lab.get()
        let upstream = try #require(JapaneseOutputTests.upstreams.first { $0.name == name })
        let directory = try TestRelay.makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        if let password = upstream.password {
            FileManager.default.createFile(atPath: directory.appendingPathComponent("password").path,
                                           contents: Data(password.utf8), attributes: [.posixPermissions: 0o600])
        }
        let config = directory.appendingPathComponent("relay.yaml").path
        try Data("""
            listen: [{ address: 127.0.0.1, port: 0 }]
            spool: { directory: \(directory.path)/spool }
            upstream:
              host: \(upstream.host)
              port: \(upstream.port)
              ca_file: \(lab.caFile)
              server_name: \(upstream.serverName)
              auth: { mechanism: plain, user: \(lab["LAB_USER"]), password_file: \(directory.path)/password }

            """.utf8).write(to: URL(fileURLWithPath: config))
        let arguments = ["relay", "test", "--config", config, "--to", "alice@mailbox.mailtls.test", "--no-color"]
        let ja = await Tool.mailtls(arguments, environment: ["LANG": "ja_JP.UTF-8", "LC_ALL": "ja_JP.UTF-8"],
                                    timeout: 90)
        #expect(ja.stdout.contains { $0.isJapaneseGlyph }, "\(ja.stdout)")
        let output = ja.stdout + ja.stderr
        #expect(ja.status == (name == "good" ? 0 : 2), "\(output)")
        let glossary = try Glossary.shared()
        for line in JapaneseOutputTests.ownWords(output).split(separator: "\n") {
            let problems = glossary.problems(inJapanese: String(line))
            #expect(problems.isEmpty, "relay test (\(name))\n\(line)\n\(problems)")
        }
        for shape in JapaneseOutputTests.debugShapes {
            #expect(output.range(of: shape, options: .regularExpression) == nil, "debug text \(shape): \(output)")
        }
        let en = await Tool.mailtls(arguments, environment: ["LANG": "C", "LC_ALL": "C"], timeout: 90)
        #expect(!(en.stdout + en.stderr).contains { $0.isJapaneseGlyph }, "\(en.stdout)")
    }

    /// `roundtrip` on the lab's MAILBOX instance in both languages: a clean trip, a plaintext hop, a message that
    /// never arrives, a bounce, and a refused password.
    @Test(arguments: [["--wait", "30"], ["--to", "alice@plainhop.mailtls.test", "--wait", "30"],
                      ["--to", "nobody@mailtls.test", "--wait", "2"],
                      ["--to", "someone@bounce.mailtls.test", "--wait", "60"], ["--wrong-password"]])
    func roundtripSpeaksTheReadersLanguage(extra: [String]) async throws {
        let lab = try Lab.get()
        var passwordFile = lab["LAB_PASSWORD_FILE"]
        var extra = extra
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        if extra == ["--wrong-password"] {
            passwordFile = directory.appendingPathComponent("password").path
            FileManager.default.createFile(atPath: passwordFile, contents: Data("wrong\n".utf8),
                                           attributes: [.posixPermissions: 0o600])
            extra = []
        }
        let arguments = ["roundtrip", "alice@mailbox.mailtls.test", "--outgoing", "127.0.0.20:587", "--incoming",
                         "127.0.0.20:993", "--user", lab["LAB_USER"], "--password-file", passwordFile,
                         "--read-as", lab["LAB_USER"], "--read-password-file", lab["LAB_PASSWORD_FILE"],
                         "--ca-file", lab.caFile, "--servername", lab["LAB_MAILBOX_SERVERNAME"], "--no-color"] + extra
        for language in ["ja_JP.UTF-8", "C"] {
            let result = await Tool.mailtls(arguments, environment: ["LANG": language, "LC_ALL": language],
                                            timeout: 90)
            let output = result.stdout + result.stderr
            #expect((0...2).contains(result.status), "\(output)")
            for shape in JapaneseOutputTests.debugShapes {
                #expect(output.range(of: shape, options: .regularExpression) == nil, "debug text \(shape): \(output)")
            }
            if language == "C" {
                #expect(!output.contains { $0.isJapaneseGlyph }, "\(output)")
                continue
            }
            #expect(output.contains { $0.isJapaneseGlyph }, "\(output)")
            let glossary = try Glossary.shared()
            for line in JapaneseOutputTests.ownWords(output).split(separator: "\n") {
                let problems = glossary.problems(inJapanese: String(line))
                #expect(problems.isEmpty, "roundtrip \(extra)\n\(line)\n\(problems)")
            }
        }
        // A bounce report stays in the mailbox for its reader; the test takes it away.
        if extra.contains("someone@bounce.mailtls.test") { _ = try await LabMailbox.messages(marker: "bounce.mailtls.test") }
    }
}
