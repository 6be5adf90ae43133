import Foundation
import Testing

/// The faults a monitor exists for, on real servers: a port that served the lab's good Postfix starts serving an
/// expired certificate, no STARTTLS, or TLS 1.0 (the switch proxy changes the backend, as an admin's mistake would).
/// Each raises exactly one alert, by webhook and by e-mail to a real mailbox, after three failing probes in a row (the
/// default), and resolves after two passing ones. `mailtls watch --once` is one probe, as cron runs it.
@Suite(.serialized, .timeLimit(.minutes(4))) struct WatchAlertTests {
    struct Fault: Sendable, CustomStringConvertible {
        var name: String
        var backend: String
        var backendPort: Int
        var condition: String
        var description: String { name }
    }

    static let faults = [
        Fault(name: "expired", backend: "LAB_EXPIRED", backendPort: 587, condition: "certificate-expired"),
        // The lab's Postfix without STARTTLS listens on 25 only; behind the proxy it is the same port to the monitor.
        Fault(name: "starttls-removed", backend: "LAB_NO_STARTTLS", backendPort: 25, condition: "starttls-not-supported"),
        Fault(name: "tls10", backend: "LAB_LEGACY_TLS", backendPort: 587, condition: "tls-version-deprecated"),
    ]

    @Test(arguments: faults)
    func aFaultRaisesOneAlertAndResolvesWhenFixed(fault: Fault) async throws {
        let lab = try Lab.get()
        let workspace = try WatchWorkspace("watch-\(fault.name)")
        defer { workspace.remove() }
        let proxy = try await SwitchProxy(backend: (lab["LAB_GOOD"], 587))
        defer { proxy.stop() }
        let webhook = try await WebhookReceiver()
        defer { webhook.stop() }
        try workspace.write("""
            defaults:
              ca_file: \(lab.caFile)
            targets:
              - host: \(lab["LAB_SERVERNAME"])
                name: \(workspace.name)
                addresses: [127.0.0.1]
                ports: ["\(proxy.port):smtp:starttls"]
            alerts:
              - webhook: \(webhook.url)
            \(try workspace.emailRoute())
            """)

        // Healthy: nothing to say.
        for _ in 0..<2 {
            let healthy = await workspace.once()
            #expect(healthy.status == 0, "\(healthy.stdout)\(healthy.stderr)")
        }
        try proxy.switchTo(lab[fault.backend], fault.backendPort)
        var statuses: [Int32] = []
        for _ in 0..<4 {
            let broken = await workspace.once()
            #expect(broken.stdout.contains(fault.condition), "\(broken.stdout)\(broken.stderr)")
            statuses.append(broken.status)
        }
        #expect(statuses.allSatisfy { $0 == 1 || $0 == 2 }, "a fault is a warning or critical: \(statuses)")
        #expect(try webhook.notices().map(\.kind) == ["firing"], "one alert, on the third failing probe")
        #expect(try webhook.notices().first?.condition == fault.condition)

        try proxy.switchTo(lab["LAB_GOOD"], 587)
        for _ in 0..<3 {
            let fixed = await workspace.once()
            #expect(fixed.status == 0, "\(fixed.stdout)\(fixed.stderr)")
        }
        let notices = try webhook.notices()
        #expect(notices.map(\.kind) == ["firing", "resolved"], "resolved on the second passing probe, once")
        #expect(notices.allSatisfy { $0.condition == fault.condition && $0.target == workspace.name })

        // The same two by e-mail: the subject names the target, the body the finding and its fix.
        let mails = try await LabMailbox.waitFor(2, marker: workspace.name).map { String(decoding: $0, as: UTF8.self) }
        #expect(mails.count == 2)
        #expect(mails.contains { $0.contains("Subject: [ALERT] \(workspace.name)") })
        #expect(mails.contains { $0.contains("Subject: [RESOLVED] \(workspace.name)") })
        #expect(mails.allSatisfy { $0.contains("using TLSv1.3") || $0.contains("using TLSv1.2") },
                "the alert mail left over verified TLS: \(mails.first?.prefix(800) ?? "")")

        // History: the change in, the change out, and both notices.
        let history = await Tool.mailtls(["watch", "history", workspace.name, "--config", workspace.configPath, "--json"])
        #expect(history.status == 0, "\(history.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [String: Any])
        let notified = (document["notices"] as? [[String: Any]])?.compactMap { $0["kind"] as? String }
        #expect(notified == ["resolved", "firing"], "newest first")
        let events = (document["events"] as? [[String: Any]]) ?? []
        #expect(events.contains { $0["kind"] as? String == "finding-appeared" && $0["after"] as? String == fault.condition })
        #expect(events.contains { $0["kind"] as? String == "finding-cleared" && $0["before"] as? String == fault.condition })
    }

    /// A certificate that crosses an expiry threshold is one notice, however many probes see it: a 12-day
    /// certificate with 2 days left has crossed the default "3 days" (and no day threshold over a third of its
    /// lifetime), and the notice is critical (3 days or less).
    @Test func anExpiryThresholdIsOneNotice() async throws {
        let workspace = try WatchWorkspace("watch-expiry")
        defer { workspace.remove() }
        let lab = try Lab.get()
        let peer = try await ProviderCodeDiagnosisTests.ProviderPeer.start(validity: (from: -10, to: 2))
        defer { peer.stop() }
        let webhook = try await WebhookReceiver()
        defer { webhook.stop() }
        try workspace.write("""
            defaults:
              ca_file: \(lab.caFile)
            targets:
              - host: \(ProviderCodeDiagnosisTests.address)
                name: \(workspace.name)
                ports: ["\(peer.port):smtp:starttls"]
            alerts:
              - webhook: \(webhook.url)
            """)
        for _ in 0..<3 {
            let result = await workspace.once()
            #expect(result.stdout.contains("certificate 1 days") || result.stdout.contains("certificate 2 days"),
                    "\(result.stdout)\(result.stderr)")
        }
        let notices = try webhook.notices()
        #expect(notices.map(\.kind) == ["expiry"], "one notice, not one per probe")
        #expect(notices.first?.condition == "certificate-expiry-3d")
    }
}
