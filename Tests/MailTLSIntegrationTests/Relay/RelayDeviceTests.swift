import Foundation
import MailTLSRelay
import MailTLSSandbox
import Testing

/// Old devices send through the relay to a real upstream (Postfix submission with Dovecot SASL, TLS 1.2+, certificate
/// verified), and what arrives in the mailbox is what they sent, byte for byte, under trace fields only.
@Suite(.timeLimit(.minutes(3))) struct RelayDeviceTests {
    static let recipient = "alice@mailbox.mailtls.test"

    static func config(_ directory: URL) throws -> String {
        TestRelay.standardListeners + "\nrules: { recipient_domains: [mailbox.mailtls.test] }\n"
            + (try TestRelay.labUpstream(directory))
    }

    /// Checks the arrival of one device message: delivered upstream over TLS 1.2+ with AUTH, intact in the mailbox,
    /// under the relay's Received line (and Postfix's and Dovecot's trace fields) only.
    static func expectArrival(_ device: DeviceResult, marker: String, relay: TestRelay,
                              sourceLocation: SourceLocation = #_sourceLocation) async throws {
        #expect(device.dataCode == 250, "\(device.data ?? [])", sourceLocation: sourceLocation)
        let id = try #require(device.queuedID, sourceLocation: sourceLocation)
        let event = await relay.waitForEvent(sourceLocation: sourceLocation) { $0.id == id && $0.kind == .delivered }
        #expect(event?.tlsVersion == "TLSv1.3" || event?.tlsVersion == "TLSv1.2", sourceLocation: sourceLocation)
        #expect(event?.mechanism == "PLAIN", sourceLocation: sourceLocation)
        let stored = try await LabMailbox.waitFor(1, marker: marker)
        #expect(stored.count == 1, sourceLocation: sourceLocation)
        let trace = LabMailbox.trace(of: try #require(stored.first, sourceLocation: sourceLocation),
                                     endingWith: device.sentBytes)
        let fields = try #require(trace, "the device's message is not intact in the mailbox", sourceLocation: sourceLocation)
        let names = fields.map { $0.prefix { $0 != ":" }.lowercased() }
        #expect(Set(names).isSubset(of: ["return-path", "delivered-to", "received"]), "\(fields)", sourceLocation: sourceLocation)
        #expect(fields.contains { $0.hasPrefix("Received: from [127.0.0.1] by relay.test (mailtls relay) with ESMTP") },
                "\(fields)", sourceLocation: sourceLocation)
    }

    @Test(arguments: [
        // An old MFP: TLS 1.0 and only CBC-SHA, 3DES and RC4 suites, over STARTTLS.
        (0, "starttls", "1.0", "AES128-SHA:AES256-SHA:DES-CBC3-SHA:RC4-SHA"),
        // TLS 1.1 on the implicit TLS port ("SSL/TLS").
        (1, "tls", "1.1", ""),
        // No TLS at all, on the port configured for that.
        (2, "plain", "any", ""),
    ])
    func oldDeviceReachesTheMailboxIntact(listener: Int, mode: String, tls: String, ciphers: String) async throws {
        try await TestRelay.with(Self.config) { relay in
            let marker = "relay-device-\(UUID().uuidString.prefix(8))"
            var arguments = ["send", "--port", String(relay.port(listener)), "--mode", mode, "--tls", tls,
                             "--ca", relay.caFile, "--to", Self.recipient, "--subject", marker, "--body-lines", "200"]
            if !ciphers.isEmpty { arguments += ["--ciphers", ciphers] }
            let device = try await DeviceResult.run(arguments)
            #expect(device.error == nil, "\(device.error ?? "")")
            // Python names TLS 1.0 "TLSv1".
            if tls != "any" { #expect(device.tls?.first == (tls == "1.0" ? "TLSv1" : "TLSv\(tls)")) }
            try await Self.expectArrival(device, marker: marker, relay: relay)
            // What the admin sees of the device: the version it used.
            let reports = await relay.waitForReports(1)
            #expect(reports.first?.negotiatedVersion == (tls == "any" ? nil : "TLSv\(tls)"))
        }
    }

    @Test func swaksAndCurlSendThroughIt() async throws {
        try await TestRelay.with(Self.config) { relay in
            let marker = "relay-swaks-\(UUID().uuidString.prefix(8))"
            let swaks = await Tool.run(Tool.swaks, ["--server", "127.0.0.1", "--port", String(relay.port(0)), "--tls",
                                                    "--to", Self.recipient, "--from", "scanner@device.test",
                                                    "--header", "Subject: \(marker) swaks"])
            #expect(swaks.status == 0, "\(swaks.stdout)")
            let file = relay.directory.appendingPathComponent("curl.eml")
            try Data("From: <scanner@device.test>\r\nSubject: \(marker) curl\r\n\r\ncurl body\r\n".utf8).write(to: file)
            let curl = await Tool.run(Tool.curl, ["--silent", "--show-error", "--ssl-reqd", "--cacert", relay.caFile,
                                                  "--resolve", "relay.test:\(relay.port(0)):127.0.0.1",
                                                  "smtp://relay.test:\(relay.port(0))", "--mail-from", "scanner@device.test",
                                                  "--mail-rcpt", Self.recipient, "--upload-file", file.path])
            #expect(curl.status == 0, "\(curl.stderr)")
            await relay.waitForEvent { $0.kind == .delivered && relay.deliveryEvents.filter { $0.kind == .delivered }.count >= 2 }
            let stored = try await LabMailbox.waitFor(2, marker: marker)
            #expect(stored.count == 2)
            #expect(stored.contains { String(decoding: $0, as: UTF8.self).contains("curl body") })
        }
    }

    /// One connection upstream carries several messages.
    @Test func upstreamConnectionIsReused() async throws {
        try await TestRelay.with(Self.config) { relay in
            let marker = "relay-reuse-\(UUID().uuidString.prefix(8))"
            for index in 0..<3 {
                let device = try await DeviceResult.run(["send", "--port", String(relay.port(2)), "--mode", "plain",
                                                         "--to", Self.recipient, "--subject", "\(marker) \(index)"])
                let id = try #require(device.queuedID)
                await relay.waitForEvent { $0.id == id && $0.kind == .delivered }
            }
            #expect(relay.deliveryEvents.filter(\.reusedConnection).count >= 1, "\(relay.deliveryEvents.map(\.reusedConnection))")
            #expect(try await LabMailbox.waitFor(3, marker: marker).count == 3)
        }
    }

    /// Devices with their own accounts, and the AUTH LOGIN habits of real devices.
    @Test func deviceLoginsAndTheirQuirks() async throws {
        try await TestRelay.with({ directory in
            FileManager.default.createFile(atPath: directory.appendingPathComponent("devices").path,
                                           contents: Data("# MFPs\nmfp1:Scan-2026\n".utf8),
                                           attributes: [.posixPermissions: 0o600])
            return TestRelay.standardListeners
                + "\ndevices: { require_login: true, accounts_file: \(directory.path)/devices }\n"
                + (try TestRelay.labUpstream(directory))
        }) { relay in
            let marker = "relay-login-\(UUID().uuidString.prefix(8))"
            let environment = ["DEVICE_PASSWORD": "Scan-2026"]
            // Konica Minolta / Veeam: the user name on the AUTH LOGIN line.
            let inline = try await DeviceResult.run(["send", "--port", String(relay.port(0)), "--ca", relay.caFile,
                                                     "--to", Self.recipient, "--subject", marker, "--user", "mfp1",
                                                     "--password-env", "DEVICE_PASSWORD", "--quirk", "inline-login"],
                                                    environment: environment)
            #expect(inline.auth?.first == .code(235))
            try await Self.expectArrival(inline, marker: marker, relay: relay)
            // Xerox: QUIT where the user name was expected gets the QUIT's answer, not an error.
            let xerox = try await DeviceResult.run(["send", "--port", String(relay.port(0)), "--ca", relay.caFile,
                                                    "--to", Self.recipient, "--user", "mfp1",
                                                    "--password-env", "DEVICE_PASSWORD", "--quirk", "quit-at-username"],
                                                   environment: environment)
            #expect(xerox.auth?.first == .code(334))
            #expect(xerox.quit?.first == .code(221))
            // Without a login, no mail.
            let anonymous = try await DeviceResult.run(["send", "--port", String(relay.port(0)), "--ca", relay.caFile,
                                                        "--to", Self.recipient])
            #expect(anonymous.mail?.first == .code(530))
            // A wrong password: refused.
            let wrong = try await DeviceResult.run(["send", "--port", String(relay.port(0)), "--ca", relay.caFile,
                                                    "--to", Self.recipient, "--user", "mfp1", "--password-env", "DEVICE_PASSWORD"],
                                                   environment: ["DEVICE_PASSWORD": "guess"])
            #expect(wrong.auth?.first == .code(535))
        }
    }

    /// With the sender pinned, every message leaves as the upstream account, whatever the device wrote.
    @Test func pinnedSenderAndFromHeader() async throws {
        try await TestRelay.with({ directory in
            TestRelay.standardListeners
                + "\nrules: { sender: alice@mailtls.test, rewrite_from_header: true }\n"
                + (try TestRelay.labUpstream(directory))
        }) { relay in
            let marker = "relay-pin-\(UUID().uuidString.prefix(8))"
            let device = try await DeviceResult.run(["send", "--port", String(relay.port(2)), "--mode", "plain",
                                                     "--from", "printer@local", "--to", Self.recipient, "--subject", marker])
            #expect(device.dataCode == 250)
            let stored = try #require(try await LabMailbox.waitFor(1, marker: marker).first)
            let text = String(decoding: stored, as: UTF8.self)
            #expect(text.contains("Return-Path: <alice@mailtls.test>"))
            #expect(text.contains("\r\nFrom: <alice@mailtls.test>\r\nX-Original-From: Scanner <printer@local>\r\n"))
        }
    }
}
