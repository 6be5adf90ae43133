import ArgumentParser
import Logging
import ServiceLifecycle
import Foundation
import MailTLSCheck
import MailTLSCore
import MailTLSEngine
import MailTLSReport
import MailTLSSandbox
import NIOConcurrencyHelpers
import NIOCore

/// `mailtls demo`: the built-in sandbox on loopback with a deliberately mixed configuration, checked by
/// `mailtls check`, then visited by a built-in client that behaves like an old printer. No network needed.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: .en("See mailtls work with no network: a sandbox on loopback, a full check of it, and a client report.",
                ja: "ネットワークなしで mailtls の動作を確認します。ループバックでサンドボックスを起動し、それを検査して、クライアントの報告を表示します。"))

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let language = output.language
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("mailtls-demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: state) }
        let password = UUID().uuidString
        let ports = [
            SandboxPort(port: 0, mailProtocol: .smtp, mode: .startTLS),  // still allows TLS 1.0
            SandboxPort(port: 0, mailProtocol: .smtp, mode: .implicitTLS, minimumTLS: .tls12),
            SandboxPort(port: 0, mailProtocol: .smtp, mode: .startTLS, minimumTLS: .tls12, advertiseSTARTTLS: false),
            SandboxPort(port: 0, mailProtocol: .imap, mode: .startTLS, minimumTLS: .tls12),
            SandboxPort(port: 0, mailProtocol: .imap, mode: .implicitTLS, minimumTLS: .tls12),
            SandboxPort(port: 0, mailProtocol: .pop3, mode: .startTLS, minimumTLS: .tls12),
            SandboxPort(port: 0, mailProtocol: .pop3, mode: .implicitTLS, minimumTLS: .tls12),
        ]
        let collected = NIOLockedValueBox<[ConnectionReport]>([])
        let configuration = SandboxConfiguration(listenAddress: "127.0.0.1", ports: ports, stateDirectory: state,
                                                 hostnames: ["localhost"], accounts: ["demo": password])
        // The sandbox runs as a service beside the demo; when the demo ends, the group shuts the sandbox down
        // gracefully (every connection's report written), and Ctrl-C does the same at any point.
        let (started, starting) = AsyncStream.makeStream(of: SandboxServer.self)
        let sandbox = SandboxService(configuration, shutdownGrace: .seconds(1),
                                     onReport: { report in collected.withLockedValue { $0.append(report) } },
                                     onStart: { server in
                                         starting.yield(server)
                                         starting.finish()
                                     })
        let demo = ClosureService {
            guard let server = await started.first(where: { _ in true }) else { return }
            try await self.show(server, password: password, collected: collected, language: language)
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: sandbox), .init(service: demo, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigint, .sigterm], logger: Logger.silent))
        do {
            try await group.run()
        } catch let error as SandboxError {
            throw UserFacingFailure(message: SandboxMessages.error(error, language))
        }
    }

    /// The demo itself, against the running sandbox.
    private func show(_ server: SandboxServer, password: String, collected: NIOLockedValueBox<[ConnectionReport]>,
                      language: Language) async throws {
        let ja = language == .ja
        let bound = server.ports
        let text = SandboxText(language: language, color: output.useColor)

        Console.line(heading(ja ? "1. サンドボックスを起動しました（127.0.0.1、空いているポート）" : "1. The sandbox is running on 127.0.0.1 (free ports)"))
        for port in bound {
            Console.line("   \(port.port)  \(port.mailProtocol.displayName)  "
                + (port.mode == .implicitTLS ? "SSL/TLS" : (port.advertiseSTARTTLS ? "STARTTLS" : (ja ? "STARTTLS なし" : "no STARTTLS")))
                + "  \(port.versionRange)")
        }
        Console.line(ja ? "   この設定には、わざと問題を混ぜています。TLS 1.0 を許可するポートと、STARTTLS のない送信用ポートがあります。"
            : "   Deliberately mixed: one port still allows TLS 1.0, one submission port has no STARTTLS.")
        Console.line("")

        Console.line(heading(ja ? "2. mailtls check の結果" : "2. What mailtls check says about it"))
        let specs = bound.map { PortSpec(port: $0.port, mailProtocol: $0.mailProtocol, mode: $0.mode, isExplicit: true) }
        var request = CheckRequest(host: "127.0.0.1", serverName: "localhost", ports: specs,
                                   caFile: server.authority.caPEMPath,
                                   timeouts: .init(connect: 2, read: 5, greeting: 10, overall: 30))
        request.prober.silenceBeforeTLSAttempt = 1
        let report: CheckReport
        do {
            report = try await ServerChecker().run(request)
        } catch {
            throw UserFacingFailure(message: UIText.inputError(error, language))
        }
        if output.json {
            Console.line(JSONReport.render(report, language: language, toolVersion: MailTLSCommand.version))
        } else {
            Console.line(TerminalReport(language: language, color: output.useColor).render(report))
        }

        Console.line(heading(ja ? "3. 古い複合機を模した組み込みクライアントの接続結果" : "3. A built-in client that behaves like an old printer"))
        Console.line(ja ? "   このクライアントは TLS 1.0 までしか使えず、STARTTLS のないポートではパスワードを暗号化せずに送ります。"
            : "   It speaks TLS 1.0 at most, and on the port without STARTTLS it sends its password unencrypted.")
        collected.withLockedValue { $0 = [] }
        let engine = ConnectionEngine(timeouts: .init(connect: 2, read: 5, greeting: 10, overall: 30))
        let message = Array("""
            From: printer@demo.test\r
            To: office@demo.test\r
            Subject: Scanned document\r
            \r
            A scan from the demo printer.\r

            """.utf8)
        for (port, tls, allowPlaintext) in [(bound[0], TLSClientSettings.only(.tls10), false),
                                            (bound[2], TLSClientSettings(), true)] {
            let address = try SocketAddress(ipAddress: "127.0.0.1", port: port.port)
            let plan = SubmissionDialogue.Plan(mode: .startTLS, clientName: "old-printer", user: "demo",
                                               password: password, allowPlaintextAuthentication: allowPlaintext,
                                               from: "printer@demo.test", recipients: ["office@demo.test"],
                                               message: message)
            _ = await engine.converse(SubmissionDialogue(plan: plan), address: address, tls: tls,
                                      serverName: "localhost")
        }
        let reports = await waitForReports(collected, count: 2)
        for report in reports { Console.line("   " + text.liveLine(report)) }
        Console.line("")
        Console.line(text.devices(DeviceSummary.summarise(reports)))
        Console.line(ja ? "自分の機器を試すには、mailtls sandbox --listen <この PC の LAN アドレス> を実行してください（README の「複合機・スキャナーのテスト」を参照）。"
            : "To test your own device: mailtls sandbox --listen <this machine's LAN address> (see \"Test your printer or scanner\" in the README)")
    }

    private func heading(_ text: String) -> String {
        output.useColor ? "\u{1B}[1m\(text)\u{1B}[0m" : text
    }

    private func waitForReports(_ box: NIOLockedValueBox<[ConnectionReport]>, count: Int) async -> [ConnectionReport] {
        for _ in 0..<100 {
            let reports = box.withLockedValue { $0 }
            if reports.count >= count { return reports.sorted { $0.serverPort < $1.serverPort } }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return box.withLockedValue { $0 }
    }
}
