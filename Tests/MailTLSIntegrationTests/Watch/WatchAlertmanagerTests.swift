import Foundation
import Testing

/// A real Prometheus Alertmanager (Debian's `prometheus-alertmanager`) as an alert route: the firing alert arrives
/// with the port's labels and stays active while it fires (sent again at every probe), and ends when it resolves.
@Suite(.serialized, .timeLimit(.minutes(3))) struct WatchAlertmanagerTests {
    @Test func alertmanagerHearsTheAlertAndItsEnd() async throws {
        let lab = try Lab.get()
        let workspace = try WatchWorkspace("watch-am")
        defer { workspace.remove() }
        let port = RelayFaultTests.freePort()
        let amConfig = workspace.directory.appendingPathComponent("alertmanager.yml")
        try Data("route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n".utf8).write(to: amConfig)
        let storage = workspace.directory.appendingPathComponent("am-data")
        let alertmanager = try LiveProcess("/usr/bin/prometheus-alertmanager", [
            "--config.file=\(amConfig.path)", "--storage.path=\(storage.path)",
            "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address=",
        ])
        defer { alertmanager.stop() }
        let base = "http://127.0.0.1:\(port)"
        var ready = false
        for _ in 0..<100 where !ready {
            ready = await Tool.run(Tool.curl, ["-sf", "\(base)/-/ready"]).status == 0
            if !ready { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(ready, "\(alertmanager.stderr)")

        let proxy = try await SwitchProxy(backend: (lab["LAB_EXPIRED"], 587))
        defer { proxy.stop() }
        try workspace.write("""
            defaults:
              ca_file: \(lab.caFile)
              failures_before_alert: 1
              successes_before_resolve: 1
            targets:
              - { host: \(lab.serverName), name: \(workspace.name), addresses: [127.0.0.1], ports: ["\(proxy.port):smtp:starttls"] }
            alerts:
              - alertmanager: \(base)
            http: { listen: off }
            """)
        func alerts() async throws -> [[String: Any]] {
            let listed = await Tool.run(Tool.curl, ["-sf", "\(base)/api/v2/alerts?active=true&silenced=false&inhibited=false"])
            let all = (try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]]) ?? []
            return all.filter { (($0["labels"] as? [String: String])?["target"]) == workspace.name }
        }

        #expect(await workspace.once().status == 2)
        let firing = try await alerts()
        #expect(firing.count == 1, "\(firing)")
        let labels = (firing.first?["labels"] as? [String: String]) ?? [:]
        #expect(labels["alertname"] == "certificate-expired")
        #expect(labels["severity"] == "critical" && labels["port"] == String(proxy.port) && labels["source"] == "mailtls-watch")
        #expect(((firing.first?["annotations"] as? [String: String])?["summary"] ?? "").contains("certificate-expired"))

        // Still failing: sent again, still one active alert.
        #expect(await workspace.once().status == 2)
        #expect(try await alerts().count == 1)

        try proxy.switchTo(lab["LAB_GOOD"], 587)
        #expect(await workspace.once().status == 0)
        #expect(try await alerts().isEmpty, "resolved: its end is now")
    }
}
