import Foundation
import Testing

/// `mailtls watch init | --check-config | --once | history` and the running monitor, as a user meets them.
@Suite(.serialized, .timeLimit(.minutes(3))) struct WatchCommandLineTests {
    @Test func initWritesAConfigurationThatChecksInBothLanguages() async throws {
        let workspace = try WatchWorkspace("watch-init")
        defer { workspace.remove() }
        for language in ["en", "ja"] {
            let written = await Tool.mailtls(["watch", "init", "--output", workspace.configPath, "--lang", language, "--force"])
            #expect(written.status == 0, "\(written.stderr)")
            let checked = await Tool.mailtls(["watch", "--check-config", "--config", workspace.configPath, "--lang", language])
            #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
            #expect(checked.stdout.contains(language == "ja" ? "正しい設定です: 対象 2 件" : "is valid: 2 targets"))
        }
        let again = await Tool.mailtls(["watch", "init", "--output", workspace.configPath])
        #expect(again.status == 3 && again.stderr.contains("--force"), "\(again.stderr)")
    }

    /// A mistake is one line with the file, the line and the key, in the reader's language, and exit code 3.
    @Test func aMistakeIsOneLineWithItsLine() async throws {
        let workspace = try WatchWorkspace("watch-mistake")
        defer { workspace.remove() }
        try workspace.write("targets:\n  - host: mail.example.com\n    ports: [25, 588]\n")
        let english = await Tool.mailtls(["watch", "--check-config", "--config", workspace.configPath, "--lang", "en"])
        #expect(english.status == 3)
        #expect(english.stderr.contains("watch.yaml:3: targets[0].ports[1]: '588' is not a mail port"), "\(english.stderr)")
        #expect(english.stderr.split(separator: "\n").count == 1)
        let japanese = await Tool.mailtls(["watch", "--once", "--config", workspace.configPath, "--lang", "ja"])
        #expect(japanese.status == 3)
        #expect(japanese.stderr.contains("設定ファイルに誤りがあります"), "\(japanese.stderr)")
        let missing = await Tool.mailtls(["watch", "--config", workspace.directory.appendingPathComponent("none.yaml").path])
        #expect(missing.status == 3 && missing.stderr.contains("mailtls watch init"), "\(missing.stderr)")
    }

    /// `--once` checks every address of every target, prints the verdicts and exits the Nagios way; an unknown
    /// target for history is an error that lists the known ones.
    @Test func onceIsACronJobWithNagiosExitCodes() async throws {
        let lab = try Lab.get()
        let workspace = try WatchWorkspace("watch-once")
        defer { workspace.remove() }
        try workspace.write("""
            defaults:
              ca_file: \(lab.caFile)
            targets:
              - host: \(lab["LAB_SERVERNAME"])
                name: good
                addresses: [\(lab["LAB_GOOD"])]
                ports: [465, 587, 993, 995]
              - host: \(lab["LAB_SERVERNAME"])
                name: expired
                addresses: [\(lab["LAB_EXPIRED"])]
                ports: [587]
            """)
        let result = await workspace.once()
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("good: OK"))
        #expect(result.stdout.contains("expired: CRITICAL"))
        #expect(result.stdout.contains("[CRITICAL] certificate-expired"))

        let json = await workspace.once(["--json"])
        #expect(json.status == 2)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let targets = try #require(document["targets"] as? [[String: Any]])
        #expect(targets.compactMap { $0["verdict"] as? String } == ["ok", "critical"])
        let ports = try #require(targets.first?["ports"] as? [[String: Any]])
        #expect(ports.compactMap { $0["port"] as? Int } == [465, 587, 993, 995])
        #expect(ports.allSatisfy { ($0["certificate"] as? [String: Any])?["verified"] as? Bool == true })
        let validation = await Tool.validate(json: json.stdout, schema: "watch-report.schema.json")
        #expect(validation.status == 0, "\(validation.stderr)")

        let okOnly = try WatchWorkspace("watch-once-ok")
        defer { okOnly.remove() }
        try okOnly.write("""
            defaults: { ca_file: \(lab.caFile) }
            targets:
              - { host: \(lab["LAB_SERVERNAME"]), addresses: [\(lab["LAB_GOOD"])], ports: [993] }
            """)
        #expect(await okOnly.once().status == 0)

        let unknown = await Tool.mailtls(["watch", "history", "nope", "--config", workspace.configPath])
        #expect(unknown.status == 3 && unknown.stderr.contains("Targets: good, expired"), "\(unknown.stderr)")
        let history = await Tool.mailtls(["watch", "history", "expired", "--config", workspace.configPath, "--lang", "ja"])
        #expect(history.status == 0)
        #expect(history.stdout.contains("expired の履歴"), "\(history.stdout)")
        let validation2 = await Tool.validate(
            json: (await Tool.mailtls(["watch", "history", "expired", "--config", workspace.configPath, "--json"])).stdout,
            schema: "watch-report.schema.json")
        #expect(validation2.status == 0, "\(validation2.stderr)")
    }

    /// The monitor runs as a service: it probes what is due at once, reads its configuration again when the file
    /// changes or on SIGHUP (keeping the old one when the new one is wrong), and stops cleanly on SIGTERM.
    @Test func theMonitorReloadsAndStopsCleanly() async throws {
        let lab = try Lab.get()
        let workspace = try WatchWorkspace("watch-daemon")
        defer { workspace.remove() }
        let first = """
            defaults:
              ca_file: \(lab.caFile)
              jitter: 0%
            targets:
              - { host: \(lab["LAB_SERVERNAME"]), name: one, addresses: [\(lab["LAB_GOOD"])], ports: [587] }
            """
        try workspace.write(first)
        let monitor = try LiveProcess(ProcessRunner.mailtlsBinary, ["watch", "--config", workspace.configPath, "--lang", "en"])
        defer { monitor.stop() }
        #expect(await monitor.waitForLine(timeout: 30) { $0.hasPrefix("one: OK") } != nil, "\(monitor.stdout)\(monitor.stderr)")

        try await Task.sleep(for: .seconds(1.1))  // a new modification time
        try workspace.write(first + "\n  - { host: \(lab["LAB_SERVERNAME"]), name: two, addresses: [\(lab["LAB_EXPIRED"])], ports: [587] }\n")
        #expect(await monitor.waitForLine(timeout: 30) { $0.contains("configuration reloaded (2 targets)") } != nil,
                "\(monitor.stdout)\(monitor.stderr)")
        #expect(await monitor.waitForLine(timeout: 30) { $0.hasPrefix("two: CRITICAL") } != nil, "\(monitor.stdout)")

        try await Task.sleep(for: .seconds(1.1))
        try workspace.write("targets: [ { host: \n")
        let refusals = { monitor.stderr.components(separatedBy: "the previous one stays").count - 1 }
        #expect(await monitor.waitForOutput(timeout: 30) { refusals() >= 1 ? true : nil } == true, "\(monitor.stderr)")

        let before = refusals()
        monitor.signal(SIGHUP)
        #expect(await monitor.waitForOutput(timeout: 30) { refusals() > before ? true : nil } == true,
                "SIGHUP reads the file again: \(monitor.stderr)")

        monitor.stop()
        #expect(await monitor.waitForExit(timeout: 20) == 0, "\(monitor.stderr)")
    }
}
