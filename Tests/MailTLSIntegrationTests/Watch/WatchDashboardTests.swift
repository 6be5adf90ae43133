import Foundation
import Testing

/// The monitor's dashboard and `/metrics`, as a browser and Prometheus see them: a real headless Chromium (Debian's
/// `chromium`) loads the pages, `promtool check metrics` (Debian's `prometheus`) reads the metrics, curl tries the
/// token. Screenshots go to .build/test-artifacts/watch/.
@Suite(.serialized, .timeLimit(.minutes(3))) struct WatchDashboardTests {
    static let artifacts = Lab.packageRoot.appendingPathComponent(".build/test-artifacts/watch")

    /// Starts a monitor over four lab servers, alerting at the first failure, and waits for its first round.
    static func startMonitor(_ workspace: WatchWorkspace, extraHTTP: String = "") async throws -> (LiveProcess, Int) {
        let lab = try Lab.get()
        try workspace.write("""
            defaults:
              ca_file: \(lab.caFile)
              jitter: 0%
              failures_before_alert: 1
            targets:
              - { host: \(lab.serverName), name: good, addresses: [\(lab["LAB_GOOD"])], ports: [465, 587, 993] }
              - { host: \(lab.serverName), name: legacy, addresses: [\(lab["LAB_LEGACY_TLS"])], ports: [587] }
              - { host: \(lab.serverName), name: expired, addresses: [\(lab["LAB_EXPIRED"])], ports: [587, 993] }
              - { host: \(lab.serverName), name: self-signed, addresses: [\(lab["LAB_SELF_SIGNED"])], ports: [465] }
            http:
              listen: 127.0.0.1:0
            \(extraHTTP)
            """)
        let monitor = try LiveProcess(ProcessRunner.mailtlsBinary, ["watch", "--config", workspace.configPath, "--lang", "en"])
        guard let line = await monitor.waitForLine(timeout: 30, where: { $0.contains("dashboard at http://127.0.0.1:") }),
              let range = line.range(of: "http://127.0.0.1:"),
              let port = Int(line[range.upperBound...].prefix { $0.isNumber }) else {
            monitor.stop()
            throw LabError(message: "no dashboard line: \(monitor.stdout)\(monitor.stderr)")
        }
        for name in ["good", "legacy", "expired", "self-signed"] {
            _ = await monitor.waitForLine(timeout: 30) { $0.hasPrefix("\(name): ") }
        }
        return (monitor, port)
    }

    static func chromium(_ arguments: [String]) async -> ProcessRunner.Result {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("mailtls-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        return await Tool.run("/usr/bin/chromium", ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                                    "--user-data-dir=\(profile.path)", "--window-size=1280,900"] + arguments,
                              timeout: 60)
    }

    @Test func aBrowserSeesTheWorstFirstInBothLanguages() async throws {
        let workspace = try WatchWorkspace("watch-dashboard")
        defer { workspace.remove() }
        let (monitor, port) = try await Self.startMonitor(workspace)
        defer { monitor.stop() }
        let base = "http://127.0.0.1:\(port)"

        let english = await Self.chromium(["--dump-dom", "\(base)/?lang=en"])
        #expect(english.status == 0, "\(english.stderr)")
        let dom = english.stdout
        #expect(dom.contains("<html lang=\"en\">"))
        // The expired target is first and marked critical; the good one is last and fine.
        let rows = dom.components(separatedBy: "<tr class=\"").dropFirst().map { $0.prefix(80) }
        #expect(rows.first?.hasPrefix("critical\" data-target=\"expired\"") == true, "\(rows)")
        #expect(rows.last?.hasPrefix("ok\" data-target=\"good\"") == true, "\(rows)")
        #expect(dom.contains("certificate-expired"))
        #expect(dom.contains("<svg id=\"timeline\""))
        // The language switch leads to the Japanese page, which links back.
        #expect(dom.contains("id=\"language\" href=\"/?lang=ja\""))
        let japanese = await Self.chromium(["--dump-dom", "\(base)/?lang=ja"])
        #expect(japanese.stdout.contains("<html lang=\"ja\">"))
        #expect(japanese.stdout.contains("メールサーバー"))
        #expect(japanese.stdout.contains("id=\"language\" href=\"/?lang=en\""))

        let target = await Self.chromium(["--dump-dom", "\(base)/target/expired?lang=en"])
        #expect(target.stdout.contains("<h1>expired</h1>"))
        #expect(target.stdout.contains("expired 36 days ago") || target.stdout.contains("days ago"), "\(target.stdout.prefix(3000))")
        let finding = await Self.chromium(["--dump-dom", "\(base)/finding/certificate-expired?lang=ja"])
        #expect(finding.stdout.contains("<h2>対処</h2>"))

        try FileManager.default.createDirectory(at: Self.artifacts, withIntermediateDirectories: true)
        for (name, path) in [("overview-en", "/?lang=en"), ("overview-ja", "/?lang=ja"), ("target-expired", "/target/expired?lang=en")] {
            let file = Self.artifacts.appendingPathComponent("\(name).png")
            try? FileManager.default.removeItem(at: file)
            let shot = await Self.chromium(["--screenshot=\(file.path)", "\(base)\(path)"])
            #expect(shot.status == 0, "\(shot.stderr)")
            let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
            #expect(size > 10_000, "\(name).png is \(size) bytes")
        }
    }

    @Test func metricsPassPromtoolAndTheTokenIsRequiredWhenSet() async throws {
        let workspace = try WatchWorkspace("watch-metrics")
        defer { workspace.remove() }
        let tokenFile = workspace.directory.appendingPathComponent("token")
        let token = UUID().uuidString
        try Data(token.utf8).write(to: tokenFile)
        let (monitor, port) = try await Self.startMonitor(workspace, extraHTTP: "  token_file: \(tokenFile.path)")
        defer { monitor.stop() }
        let base = "http://127.0.0.1:\(port)"

        let refused = await Tool.run(Tool.curl, ["-s", "-o", "/dev/null", "-w", "%{http_code}", "\(base)/metrics"])
        #expect(refused.stdout == "401")
        let wrong = await Tool.run(Tool.curl, ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H",
                                               "Authorization: Bearer not-\(token)", "\(base)/"])
        #expect(wrong.stdout == "401")
        let basic = await Tool.run(Tool.curl, ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-u", "admin:\(token)", "\(base)/"])
        #expect(basic.stdout == "200")

        let metrics = await Tool.run(Tool.curl, ["-s", "-H", "Authorization: Bearer \(token)", "\(base)/metrics"])
        #expect(metrics.status == 0)
        #expect(metrics.stdout.contains("mailtls_cert_not_after_timestamp_seconds{target=\"expired\""))
        #expect(metrics.stdout.contains("mailtls_alert_firing{target=\"expired\""))
        let file = workspace.directory.appendingPathComponent("metrics.txt")
        try Data(metrics.stdout.utf8).write(to: file)
        let promtool = await Tool.run("/bin/sh", ["-c", "promtool check metrics < \(file.path)"])
        #expect(promtool.status == 0, "\(promtool.stdout)\(promtool.stderr)")

        monitor.stop()
        #expect(await monitor.waitForExit(timeout: 20) == 0, "\(monitor.stderr)")
    }

    /// The example rules load in Prometheus, and the rules and the Grafana dashboard ask only for series mailtls
    /// serves (a renamed metric would leave them silently empty).
    @Test func theExampleRulesAndDashboardUseTheServedMetrics() async throws {
        let rules = Lab.packageRoot.appendingPathComponent("docs/watch-prometheus-rules.yml").path
        let checked = await Tool.run("/usr/bin/promtool", ["check", "rules", rules])
        #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
        let served: Set<String> = ["mailtls_watch_targets", "mailtls_probe_success", "mailtls_probe_timestamp_seconds",
                                   "mailtls_tls_encrypted", "mailtls_starttls_offered", "mailtls_tls_version_info",
                                   "mailtls_cert_not_after_timestamp_seconds", "mailtls_cert_not_before_timestamp_seconds",
                                   "mailtls_cert_verified", "mailtls_alert_firing", "mailtls_dane_valid",
                                   "mailtls_mta_sts_mode_info"]
        let source = try String(contentsOfFile: Lab.packageRoot.appendingPathComponent("Sources/MailTLSWatchWeb/WatchMetrics.swift").path,
                                encoding: .utf8)
        for name in served { #expect(source.contains("\"\(name)\""), "\(name) is not served") }
        let dashboard = try Data(contentsOf: Lab.packageRoot.appendingPathComponent("docs/watch-grafana-dashboard.json"))
        _ = try JSONSerialization.jsonObject(with: dashboard)
        for file in [String(decoding: dashboard, as: UTF8.self), try String(contentsOfFile: rules, encoding: .utf8)] {
            let used = Set(file.matches(of: /mailtls_[a-z_]+/).map { String($0.output) })
            #expect(used.subtracting(served).isEmpty, "unknown series: \(used.subtracting(served))")
            #expect(!used.isEmpty)
        }
    }
}

/// `mailtls check --format html`: the terminal report as one standalone page, read by a real browser.
@Suite(.timeLimit(.minutes(2))) struct CheckHTMLTests {
    @Test func theCheckAsAPageABrowserReads() async throws {
        let lab = try Lab.get()
        let workspace = try WatchWorkspace("check-html")
        defer { workspace.remove() }
        for language in ["en", "ja"] {
            let result = await Tool.mailtls(["check", lab["LAB_EXPIRED"], "--ports", "587,993", "--ca-file", lab.caFile,
                                             "--servername", lab.serverName, "--format", "html", "--lang", language])
            #expect(result.status == 2, "\(result.stderr)")
            #expect(result.stdout.hasPrefix("<!DOCTYPE html>"))
            #expect(!result.stdout.contains("<script"), "no script")
            #expect(!result.stdout.contains("http://") && !result.stdout.contains("https://"), "nothing loaded from elsewhere")
            let file = workspace.directory.appendingPathComponent("check-\(language).html")
            try Data(result.stdout.utf8).write(to: file)
            let dom = await WatchDashboardTests.chromium(["--dump-dom", "file://\(file.path)"])
            #expect(dom.stdout.contains("<html lang=\"\(language)\">"))
            #expect(dom.stdout.contains("certificate-expired"))
            #expect(dom.stdout.contains(language == "ja" ? "対処" : "Fix"))
            #expect(dom.stdout.contains("<tr class=\"critical\">"))
        }
        let both = await Tool.mailtls(["check", lab["LAB_GOOD"], "--json", "--format", "html"])
        #expect(both.status == 3)
    }

    /// `--deep --format html`: every suite the port accepts is on the page too (the lab's server with static RSA).
    @Test func theDeepScanIsOnThePage() async throws {
        let lab = try Lab.get()
        let result = await Tool.mailtls(["check", lab["LAB_WEAK"], "--ports", "465", "--ca-file", lab.caFile,
                                         "--servername", lab.serverName, "--deep", "--format", "html", "--lang", "en"],
                                        timeout: 120)
        #expect(result.stdout.contains("<pre id=\"deep\">"), "\(result.stdout.prefix(2000))\(result.stderr)")
        #expect(result.stdout.contains("TLS_RSA_WITH_AES_128_GCM_SHA256") || result.stdout.contains("AES128-GCM-SHA256"))
        #expect(result.stdout.contains("cipher-no-forward-secrecy"))
        #expect(result.stdout.contains("<pre id=\"software\">"))
    }

    /// `mailtls domain --format html`: the MX table, DANE, MTA-STS and TLS-RPT, and the findings, on one page.
    @Test func theDomainAsAPageABrowserReads() async throws {
        let internet = try Internet.get()
        let workspace = try WatchWorkspace("domain-html")
        defer { workspace.remove() }
        for language in ["en", "ja"] {
            let result = await Tool.mailtls(["domain", "dane-bad.mailtls.test", "--format", "html", "--lang", language]
                                             + internet.options + ["--timeout", "10"])
            #expect(result.status == 2, "\(result.stderr)")
            #expect(result.stdout.hasPrefix("<!DOCTYPE html>") && !result.stdout.contains("<script"))
            let file = workspace.directory.appendingPathComponent("domain-\(language).html")
            try Data(result.stdout.utf8).write(to: file)
            let dom = await WatchDashboardTests.chromium(["--dump-dom", "file://\(file.path)"])
            #expect(dom.stdout.contains("<table id=\"mx\">"))
            #expect(dom.stdout.contains("tlsa-invalid"))
            #expect(dom.stdout.contains("<tr class=\"critical\">"))
            #expect(dom.stdout.contains(language == "ja" ? "対処" : "Fix"))
        }
        let both = await Tool.mailtls(["domain", "good.mailtls.test", "--json", "--format", "text"])
        #expect(both.status == 3 && both.stderr.contains("--json"), "\(both.stderr)")
    }
}
