import Foundation
import MailTLSCheck
import MailTLSCore
import MailTLSEngine
import MailTLSRelay
import MailTLSReport
import NIOCore

/// `mailtls relay test`: a test message through the whole path. With the relay running, it goes in like a device's
/// (to the first listener) and the command follows it to the upstream's answer; otherwise it goes straight to the
/// upstream with the relay's settings, step by step (connect, TLS, certificate, login, delivery).
struct RelayTester {
    let configuration: RelayConfiguration
    let language: Language
    let color: Bool

    private func t(_ english: String, _ japanese: String) -> String { language == .ja ? japanese : english }

    func message(from sender: String, to recipient: String) -> [UInt8] {
        let id = UUID().uuidString.lowercased()
        let lines = [
            "From: <\(sender)>", "To: <\(recipient)>", "Subject: mailtls relay test",
            "Date: \(RelayText.clock(Date().timeIntervalSince1970))".replacingOccurrences(of: "Z", with: " +0000"),
            "Message-ID: <\(id)@\(configuration.hostname)>", "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit", "",
            "This test message went through mailtls relay at \(configuration.hostname).",
            "このメールは \(configuration.hostname) の mailtls relay を経由したテストメールです。", "",
        ]
        return Array(lines.joined(separator: "\r\n").utf8)
    }

    /// Through the running relay: submit, then wait for the delivery events of the queued message.
    func throughRunningRelay(from sender: String, to recipient: String, wait: Double) async -> Bool {
        guard let listener = configuration.listeners.first else { return false }
        let host = listener.address == "0.0.0.0" ? "127.0.0.1" : listener.address == "::" ? "::1" : listener.address
        guard let address = try? SocketAddress(ipAddress: host, port: listener.port) else { return false }
        var plan = SubmissionDialogue.Plan(mode: listener.mode == .tls ? .implicitTLS : .startTLS,
                                           upgrade: listener.mode != .plain, clientName: "mailtls-relay-test",
                                           from: sender, recipients: [recipient], message: message(from: sender, to: recipient))
        if configuration.devices.requireLogin, let file = configuration.devices.accountsFile,
           let accounts = try? RelayConfiguration.SecretSource.file(file).read(),
           let first = accounts.split(separator: "\n").first(where: { !$0.hasPrefix("#") && $0.contains(":") }),
           let colon = first.firstIndex(of: ":") {
            plan.user = String(first[..<colon])
            plan.password = String(first[first.index(after: colon)...])
            // The relay's own certificate, on this machine: the password does not leave it.
            plan.sendDespiteRejectedCertificate = true
        }
        let engine = ConnectionEngine(timeouts: .init(connect: 5, read: 60, greeting: 30, overall: 300))
        let conversation = await engine.converse(SubmissionDialogue(plan: plan), address: address,
                                                 serverName: configuration.hostname)
        guard case .delivered(let reply) = conversation.record.stop else {
            Console.line(t("The relay did not take the test message: ", "中継サーバーはテストメールを受け付けませんでした: ")
                         + describe(conversation.record.stop, conversation.error))
            return false
        }
        let queued = reply.statusLine.components(separatedBy: "queued as ").last?.trimmingCharacters(in: .whitespaces) ?? ""
        Console.line(t("The relay took the test message (\(reply.statusLine)); waiting for the upstream...",
                       "中継サーバーがテストメールを受け付けました（\(reply.statusLine)）。プロバイダーの応答を待っています。"))
        let log = DeliveryLog(path: configuration.stateDirectory.appendingPathComponent("deliveries.jsonl"))
        let text = RelayText(language: language, color: color)
        let deadline = Date().addingTimeInterval(wait)
        while Date() < deadline {
            if let event = log.entries().last(where: { $0.id == queued }) {
                Console.line(text.deliveryLine(event))
                return event.kind == .delivered
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
        Console.line(t("No delivery attempt within \(Int(wait)) s: see mailtls relay status.",
                       "\(Int(wait)) 秒以内に配送の試行がありませんでした。mailtls relay status を確かめてください。"))
        return false
    }

    func describe(_ stop: SubmissionDialogue.Record.Stop, _ error: EngineError?) -> String {
        switch stop {
        case .refused(_, let response): return response.statusLine.peerSafe
        case .noTLSForPassword: return t("no STARTTLS for the login", "認証のための STARTTLS がありません")
        case .untrustedCertificate(let reason): return reason
        case .interrupted: return error?.summary ?? t("the connection ended", "接続が切れました")
        case .delivered(let response): return response.statusLine.peerSafe
        }
    }

    /// Straight to each upstream with the relay's settings.
    func straightUpstream(from sender: String, to recipient: String) async -> Bool {
        let engine = ConnectionEngine(timeouts: .init(connect: 10, read: 60, greeting: 60, overall: 600))
        let content = MessageFraming.dotStuffed(message(from: sender, to: recipient)).dropLast(3)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mailtls-relay-test-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: path.path, contents: Data(content),
                                             attributes: [.posixPermissions: 0o600]) else { return false }
        defer { try? FileManager.default.removeItem(at: path) }
        Console.line(t("The relay is not running: testing the upstream directly with its settings.",
                       "中継サーバーは動作していません。設定を使ってプロバイダーに直接送信して確かめます。"))
        var succeeded = false
        for upstream in configuration.upstreams {
            let anchors: TrustAnchors
            do {
                anchors = try TrustAnchors(caFile: upstream.caFile)
            } catch {
                Console.line("\(upstream.label): ca_file \(upstream.caFile ?? ""): " + t("unreadable", "読めません"))
                continue
            }
            let login = UpstreamLogin(upstream.authentication)
            var connection: UpstreamConnection
            do {
                connection = try await UpstreamConnection.open(upstream, clientName: configuration.hostname,
                                                               engine: engine, anchors: anchors, login: login)
            } catch {
                let explanation = UpstreamReplyCatalog.explain(reply: error.serverReply,
                                                               problemKind: (error.kind ?? .protocolError).rawValue)
                Console.line("\(upstream.label): " + RelayProblemText.render(error, language) + "\n  "
                             + explanation.meaning(language)
                             + "\n  " + explanation.fix(language))
                continue
            }
            let comma = t(", ", "、")
            Console.line("\(upstream.label): " + t("connected", "接続") + comma
                         + "\(connection.handshake?.version?.rawValue ?? "?") \(connection.handshake?.cipherSuite?.ianaName ?? "")"
                         + comma + t("certificate verified", "証明書の検証に成功") + comma
                         + (connection.mechanism.map { "AUTH \($0) " + t("ok", "成功") } ?? t("no login", "認証なし")))
            let record = SpoolRecord(
                id: "TEST", from: sender, recipients: [.init(address: recipient)], arrival: Date().timeIntervalSince1970,
                clientAddress: "localhost", receivedOverTLS: true, authenticatedUser: nil, size: content.count,
                eightBit: true, subject: "mailtls relay test", isNotice: false, attempts: 0, nextAttempt: 0,
                lastProblem: nil, lastUpstream: nil)
            let descriptor = open(path.path, O_RDONLY)
            defer { if descriptor >= 0 { close(descriptor) } }
            do {
                let result = try await connection.deliver(record, content: descriptor)
                for (address, outcome) in result.recipients {
                    Console.line("  \(address): \(ServerQuote.render(outcome.reply, language))")
                    if outcome.verdict == .delivered {
                        succeeded = true
                    } else {
                        let explanation = UpstreamReplyCatalog.explain(reply: outcome.reply)
                        Console.line("  " + explanation.meaning(language) + "\n  " + explanation.fix(language))
                    }
                }
            } catch {
                Console.line("  " + RelayProblemText.render(error, language))
            }
            await connection.close()
            if succeeded { break }
        }
        return succeeded
    }
}
