import Foundation
import MailTLSCore
import MailTLSRelay
import MailTLSSandbox

/// How the relay talks, in English and Japanese: its start banner, a live line per device connection and per
/// delivery attempt, the queue, the status, its errors and the failure notices it sends.
public struct RelayText: Sendable {
    public var language: Language
    public var color: Bool

    public init(language: Language, color: Bool) {
        self.language = language
        self.color = color
    }

    private func t(_ english: String, _ japanese: String) -> String {
        language == .ja ? japanese : english
    }

    private func bold(_ text: String) -> String { color ? "\u{1B}[1m\(text)\u{1B}[0m" : text }
    private func red(_ text: String) -> String { color ? "\u{1B}[31m\(text)\u{1B}[0m" : text }

    public static func clock(_ time: Double) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss'Z'"
        return formatter.string(from: Date(timeIntervalSince1970: time))
    }

    public static func duration(_ seconds: Double) -> String {
        let value = max(0, Int(seconds))
        if value < 120 { return "\(value) s" }
        if value < 7200 { return "\(value / 60) min" }
        if value < 172_800 { return "\(value / 3600) h" }
        return "\(value / 86400) d"
    }

    // MARK: Start

    public func banner(_ runtime: RelayRuntime, endpoints: [ListenerEndpoint]) -> String {
        let configuration = runtime.configuration
        var lines: [String] = []
        lines.append(bold(t("mailtls relay: devices' mail goes through \(configuration.upstreams.map(\.label).joined(separator: ", "))",
                            "mailtls relay: 機器のメールを \(configuration.upstreams.map(\.label).joined(separator: "、")) へ中継します")))
        for endpoint in endpoints {
            let mode: String
            switch (endpoint.port.mode, endpoint.port.advertiseSTARTTLS, endpoint.policy.requireTLS) {
            case (.implicitTLS, _, _): mode = "SSL/TLS"
            case (_, false, _): mode = red(t("no encryption", "暗号化なし"))
            case (_, true, true): mode = t("STARTTLS (required)", "STARTTLS（必須）")
            case (_, true, false): mode = t("STARTTLS (optional)", "STARTTLS（任意）")
            }
            let login = endpoint.policy.requireAuthentication ? t("login required", "認証必須")
                : endpoint.policy.offerAuthentication ? t("login optional", "認証は任意") : t("no login", "認証なし")
            lines.append("  \(endpoint.address):\(endpoint.port.port)  \(mode)  >= \(endpoint.port.minimumTLS.rawValue)  \(login)")
        }
        lines.append(t("Clients allowed from: ", "接続を許可するネットワーク: ") + configuration.allowedNetworks.description)
        let rules = configuration.rules
        lines.append(t("Recipients: ", "宛先: ") + (rules.recipientDomains?.joined(separator: ", ")
            ?? t("any domain", "すべてのドメイン")))
        if let sender = rules.sender {
            lines.append(t("Sender: every message leaves as \(sender)", "送信者: すべてのメールを \(sender) として送ります")
                + (rules.rewriteFromHeader ? t(" (From header too)", "（From ヘッダーも書き換えます）") : ""))
        }
        for upstream in configuration.upstreams {
            lines.append(t("Upstream: ", "プロバイダー: ") + "\(upstream.label) "
                + upstream.mode.deviceLabel + " >= \(upstream.minimumTLS.rawValue), "
                + authentication(upstream.authentication))
        }
        lines.append(t("Spool: ", "保存先: ") + configuration.spool.directory
                     + t(" (\(runtime.spool.count) waiting)", "（待機中 \(runtime.spool.count) 通）"))
        if let ca = runtime.exportedCA {
            lines.append(t("Certificate made by mailtls; devices that validate import its CA: ",
                           "証明書は mailtls が作成しました。証明書を検証する機器には次の認証局をインポートします: ") + ca)
        }
        if !configuration.allowedNetworks.isLoopbackOnly && rules.recipientDomains == nil
            && !configuration.devices.requireLogin {
            lines.append(red(t("Warning: any client on \(configuration.allowedNetworks) may send to any address. Limit recipients (rules: recipient_domains) or require a login (devices: require_login).",
                               "注意: \(configuration.allowedNetworks) のどのクライアントも、任意の宛先に送信できます。宛先を制限する（rules: の recipient_domains）か、認証を必須にしてください（devices: の require_login）。")))
        }
        lines.append(t("One line per connection and per delivery follows. Stop with Ctrl-C (mail in progress is finished first).",
                       "接続と配送ごとに 1 行表示します。終了は Ctrl-C です（処理中のメールを終えてから停止します）。"))
        return lines.joined(separator: "\n")
    }

    func authentication(_ authentication: RelayConfiguration.Authentication) -> String {
        switch authentication {
        case .none: return t("no login", "認証なし")
        case .password(let mechanism, let user, _): return "AUTH \(mechanism.rawValue) \(user)"
        case .oauth2(let user, let settings):
            let grant: String
            switch settings.grant {
            case .clientCredentials: grant = "client_credentials"
            case .refreshToken: grant = "refresh_token"
            }
            return "XOAUTH2 \(user) (\(grant))"
        }
    }

    // MARK: Live lines

    /// A device connection: the sandbox's line (with what the relay's rules refused), plus what the relay cannot serve.
    public func connectionLine(_ report: ConnectionReport) -> String {
        var line = SandboxText(language: language, color: color).liveLine(report)
        if let unservable = unservable(report) { line += "\n    " + red(unservable) }
        return line
    }

    /// Shutdown has begun: the listeners are closed, and the device connections still open get `grace` to finish the
    /// message they are sending.
    public func stoppedAcceptingLine(open: Int, grace: Duration) -> String {
        let seconds = grace.components.seconds
        let stopping = t("stopping: new connections are no longer accepted", "停止中: 新しい接続は受け付けません")
        guard open > 0 else { return stopping }
        return stopping + t(open == 1 ? "; 1 open connection gets up to \(seconds) s to finish"
                                      : "; \(open) open connections get up to \(seconds) s to finish",
                            "。接続中の \(open) 件が終わるのを最大 \(seconds) 秒待ちます")
    }

    /// What BoringSSL cannot serve, when a failed handshake shows the device asked only for it: SSL 3.0 (or older),
    /// or RC4 suites only.
    func unservable(_ report: ConnectionReport) -> String? {
        guard report.negotiatedVersion == nil, report.handshakeError != nil || report.offer != nil,
              let offer = report.offer else { return nil }
        if offer.versions.isEmpty {
            return t("This device offers only SSL 3.0 (or older), which the relay cannot serve (its TLS library has no SSL 3.0). Use a plain listener (no encryption on the LAN) or update the device's firmware.",
                     "この機器は SSL 3.0 以前しか使えません。中継サーバーの TLS ライブラリーは SSL 3.0 に対応していないため、受け付けられません。暗号化なしの待ち受け（plain）を使うか、機器のファームウェアを更新してください。")
        }
        let suites = offer.cipherSuites.filter { !$0.contains("SCSV") && !$0.hasPrefix("GREASE") }
        if !suites.isEmpty && suites.allSatisfy({ $0.contains("RC4") || $0.contains("NULL") || $0.contains("EXPORT") }) {
            return t("This device offers only RC4 (or weaker) cipher suites, which the relay cannot serve. Use a plain listener or update the device's firmware.",
                     "この機器は RC4 などの弱い暗号スイートしか使えないため、中継サーバーは受け付けられません。暗号化なしの待ち受け（plain）を使うか、機器のファームウェアを更新してください。")
        }
        return nil
    }

    public func deliveryLine(_ event: DeliveryEvent) -> String {
        let time = RelayText.clock(event.time).split(separator: " ").last.map(String.init) ?? ""
        var parts = [time, event.id]
        switch event.kind {
        case .delivered:
            parts.append(t("delivered to ", "配送済み: ") + event.delivered.joined(separator: ", "))
        case .deferred:
            if !event.delivered.isEmpty { parts.append(t("delivered to ", "配送済み: ") + event.delivered.joined(separator: ", ")) }
            parts.append(t("waiting: ", "再送待ち: ") + event.deferred.joined(separator: ", "))
            if let next = event.nextAttempt {
                parts.append(t("next try in ", "次の再送まで ") + RelayText.duration(next - event.time))
            }
        case .failed:
            if !event.delivered.isEmpty { parts.append(t("delivered to ", "配送済み: ") + event.delivered.joined(separator: ", ")) }
            parts.append(red(t("FAILED: ", "配送失敗: ") + event.failed.joined(separator: ", ")))
        case .noticeQueued:
            parts.append(t("failure notice queued for ", "配送失敗の通知を作成しました。宛先: ") + event.deferred.joined(separator: ", "))
            return parts.joined(separator: "  ")
        }
        if let upstream = event.upstream { parts.append(t("via ", "経由 ") + upstream) }
        if let version = event.tlsVersion { parts.append("\(version) \(event.cipher ?? "")") }
        if let mechanism = event.mechanism { parts.append("AUTH \(mechanism)") }
        if event.reusedConnection { parts.append(t("(reused connection)", "（接続を再利用）")) }
        var line = parts.joined(separator: "  ")
        if event.kind != .delivered, let problem = RelayText.problem(of: event) {
            let explanation = UpstreamReplyCatalog.explain(reply: event.reply, problemKind: event.problemKind)
            line += "\n    " + RelayProblemText.render(problem, language) + "\n    " + explanation.meaning(language)
                + "\n    " + explanation.fix(language)
        }
        return line
    }

    /// What an attempt met: its problem, or, in a line an earlier relay wrote, its English text.
    static func problem(of event: DeliveryEvent) -> RelayProblem? {
        event.problem ?? event.reply.map(RelayProblem.legacy)
    }

    // MARK: Queue and status

    public func queue(_ records: [SpoolRecord], now: Double = Date().timeIntervalSince1970) -> String {
        guard !records.isEmpty else { return t("The queue is empty: every message has been delivered.",
                                               "待機中のメールはありません。すべて配送済みです。") + "\n" }
        var out = ""
        for record in records {
            out += bold(record.id) + "  " + RelayText.clock(record.arrival) + "  \(record.size) B  "
                + (record.from.isEmpty ? "<>" : record.from) + "\n"
            if let subject = record.subject { out += "  Subject: \(subject)\n" }
            for recipient in record.recipients {
                let state: String
                switch recipient.status {
                case .pending: state = t("waiting", "再送待ち")
                case .delivered: state = t("delivered", "配送済み")
                case .failed: state = red(t("failed", "失敗"))
                }
                out += "  -> \(recipient.address)  \(state)" + (recipient.reply.map { "  \($0)" } ?? "") + "\n"
            }
            out += "  " + t("attempts: \(record.attempts)", "試行回数: \(record.attempts)") + "  "
                + (record.nextAttempt <= now ? t("next: now", "次回: すぐ")
                    : t("next: in ", "次回: ") + RelayText.duration(record.nextAttempt - now) + t("", " 後")) + "\n"
            if let problem = record.lastProblem {
                let explanation = UpstreamReplyCatalog.explain(reply: problem.description,
                                                               problemKind: record.lastProblemKind)
                out += "  " + RelayProblemText.render(problem, language) + "\n  " + explanation.meaning(language)
                    + "\n  " + explanation.fix(language) + "\n"
            }
            out += "\n"
        }
        return out
    }

    public func status(_ status: RelayStatus, now: Double = Date().timeIntervalSince1970) -> String {
        var out = bold("mailtls relay") + "  " + (status.running ? t("running", "動作中") : red(t("not running", "停止中")))
            + "  " + status.spoolDirectory + "\n"
        let queue = status.queue
        out += t("Queue: \(queue.messages) messages (\(queue.deferred) waiting for a retry), \(queue.bytes) B",
                 "待機中のメール: \(queue.messages) 通（再送待ち \(queue.deferred) 通）、\(queue.bytes) B")
        if let oldest = queue.oldestArrival {
            out += t(", oldest \(RelayText.duration(now - oldest)) old", "、最も古いもので \(RelayText.duration(now - oldest)) 前")
        }
        out += "\n"
        for upstream in status.upstreams {
            out += t("Upstream ", "プロバイダー ") + bold(upstream.upstream) + ": "
            if let last = upstream.lastDelivery {
                out += t("last delivery \(RelayText.duration(now - last)) ago", "最後の配送は \(RelayText.duration(now - last)) 前")
                    + " (\(upstream.lastTLSVersion ?? "?") \(upstream.lastCipher ?? "")"
                    + (upstream.lastMechanism.map { ", AUTH \($0)" } ?? "") + ")"
                    + t(", \(upstream.deliveredRecently) recipients in 24 h", "、24 時間で \(upstream.deliveredRecently) 件") + "\n"
            } else {
                out += t("no delivery yet", "まだ配送していません") + "\n"
            }
            if let event = upstream.lastProblem {
                let explanation = UpstreamReplyCatalog.explain(reply: event.reply, problemKind: event.problemKind)
                out += "  " + red(t("last problem: ", "直近の問題: "))
                    + RelayProblemText.render(RelayText.problem(of: event) ?? .legacy(""), language) + "\n  "
                    + explanation.meaning(language) + "\n  " + explanation.fix(language) + "\n"
            }
        }
        if status.devices.isEmpty {
            out += t("No device has connected yet.", "まだ機器は接続していません。") + "\n"
        }
        for device in status.devices {
            out += t("Device ", "機器 ") + bold(device.address) + ": "
                + t("\(device.messagesSent) messages", "\(device.messagesSent) 通") + ", TLS "
                + (device.negotiatedVersions.isEmpty ? t("none", "なし") : device.negotiatedVersions.joined(separator: ", "))
                + (device.negotiatedCipherSuites.isEmpty ? "" : " (\(device.negotiatedCipherSuites.joined(separator: ", ")))")
                + (device.authenticationMechanisms.isEmpty ? "" : ", AUTH " + device.authenticationMechanisms.joined(separator: ", "))
                + "\n"
            if let maximum = device.maximumVersion, maximum < "1.2" || device.negotiatedVersions.allSatisfy({ $0 < "1.2" }) {
                out += "  " + t("needs the relay: it offers at most TLS \(maximum)",
                                "この機器は TLS \(maximum) までしか使えないため、中継サーバーが必要です") + "\n"
            } else if device.negotiatedVersions.isEmpty {
                out += "  " + t("needs the relay: it sends without TLS", "この機器は暗号化なしで送るため、中継サーバーが必要です") + "\n"
            }
        }
        return out
    }

    // MARK: Failure notices

    /// The human part of a failure notice: English, then Japanese, whoever reads it.
    public static func noticeWording(_ record: SpoolRecord, hostname: String) -> FailureNotice.Wording {
        var body = ""
        for language in [Language.en, .ja] {
            let text = RelayText(language: language, color: false)
            body += text.noticeText(record, hostname: hostname) + "\n"
        }
        return FailureNotice.Wording(subject: "Undelivered mail / " + "配送できなかったメール: " + (record.subject ?? record.id),
                                     body: body)
    }

    func noticeText(_ record: SpoolRecord, hostname: String) -> String {
        var lines = [
            t("This is the mailtls relay at \(hostname).", "\(hostname) の mailtls relay（中継サーバー）からのお知らせです。"),
            "",
            t("A message could not be delivered to these recipients:", "次の宛先にメールを配送できませんでした。"),
        ]
        for recipient in record.failedRecipients {
            lines.append("  \(recipient.address)")
            let reply = recipient.reply ?? ""
            lines.append("    " + t("The server answered: ", "サーバーの応答: ") + reply)
            let explanation = UpstreamReplyCatalog.explain(reply: reply)
            lines.append("    " + explanation.meaning(language))
            lines.append("    " + explanation.fix(language))
        }
        lines += [
            "",
            t("Message: ", "メール: ") + (record.subject.map { "\"\($0)\"" } ?? "-") + ", "
                + t("from ", "送信者 ") + (record.from.isEmpty ? "<>" : record.from) + ", "
                + t("handed to the relay \(RelayText.clock(record.arrival)) by \(record.clientAddress), \(record.attempts) attempts.",
                    "\(RelayText.clock(record.arrival)) に \(record.clientAddress) から受け付け、\(record.attempts) 回試行しました。"),
            "----",
        ]
        return lines.joined(separator: "\n")
    }
}
