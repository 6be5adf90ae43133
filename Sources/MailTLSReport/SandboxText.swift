import Foundation
import MailTLSSandbox
import MailTLSSessions

/// How the sandbox talks: a live line per connection, the device summaries of `mailtls sandbox report`, and the
/// list of captured messages, in English and Japanese.
public struct SandboxText: Sendable {
    public var language: Language
    public var color: Bool

    public init(language: Language, color: Bool) {
        self.language = language
        self.color = color
    }

    /// One line per finished connection.
    public func liveLine(_ report: ConnectionReport) -> String {
        var parts: [String] = []
        let time = report.startedAt.split(separator: "T").last.map { String($0.prefix(8)) } ?? report.startedAt
        parts.append("\(time) \(report.clientAddress):\(report.clientPort) -> \(report.serverPort)/\(report.protocol)")
        switch report.startTLS {
        case "used": parts.append("STARTTLS")
        case "not-used" where report.mode == "starttls": parts.append(t("no STARTTLS", "STARTTLS なし"))
        case "asked-without-advertisement": parts.append(t("asked for STARTTLS (not offered)", "STARTTLS を要求（提供なし）"))
        default: parts.append("SSL/TLS")
        }
        if let version = report.negotiatedVersion {
            parts.append("\(version) \(report.negotiatedCipher ?? "")")
        } else if let error = report.handshakeError {
            parts.append(t("handshake failed: ", "ハンドシェイク失敗: ") + error)
        }
        if let offer = report.offer {
            parts.append(t("offered ", "提示 ") + (offer.maximumVersion.map { "<= \($0)" } ?? offer.versions.joined(separator: ",")))
        }
        for auth in report.authentications {
            parts.append("AUTH \(auth.mechanism) \(auth.succeeded ? t("ok", "成功") : t("failed", "失敗"))"
                + (auth.beforeTLS ? t(" BEFORE TLS", "（TLS 前）") : ""))
        }
        for message in report.messages {
            parts.append(t("mail", "メール") + " \"\(message.subject ?? "")\" \(message.size) B")
        }
        var line = parts.joined(separator: "  ")
        var warnings: [String] = []
        if report.credentialsBeforeTLS { warnings.append(t("password sent unencrypted", "パスワードを暗号化せず送信")) }
        if report.certificateValidation == .doesNotValidate {
            warnings.append(t("accepted a bad certificate (\(report.portTest))", "拒否すべき証明書を受け入れ（\(report.portTest)）"))
        }
        if report.certificateValidation == .validates {
            warnings.append(t("refused the certificate: validates", "証明書を拒否（検証あり）"))
        }
        if !warnings.isEmpty { line += "  [" + warnings.joined(separator: "; ") + "]" }
        let refusals = report.problems.filter(\.isRefusal).map { ConnectionProblemText.render($0, language) }
        if !refusals.isEmpty {
            line += "  " + paint(t("refused: ", "拒否: ") + refusals.joined(separator: "; "), critical: true)
        }
        let others = report.problems.filter { !$0.isRefusal }.map { ConnectionProblemText.render($0, language) }
        if !others.isEmpty { line += "  (" + others.joined(separator: "; ") + ")" }
        return line
    }

    /// `mailtls sandbox report`: one block per device.
    public func devices(_ summaries: [DeviceSummary]) -> String {
        guard !summaries.isEmpty else {
            return t("No client has connected yet. Point a device at the sandbox, then run this again.",
                     "まだどのクライアントも接続していません。機器の送信サーバーにサンドボックスを設定してから、もう一度実行してください。") + "\n"
        }
        var out = ""
        for device in summaries {
            out += bold(t("Device \(device.address)", "機器 \(device.address)")) + "  "
                + t("\(device.connections) connections, ports \(device.ports.map(String.init).joined(separator: ", "))",
                    "接続 \(device.connections) 回、ポート \(device.ports.map(String.init).joined(separator: ", "))") + "\n"
            out += "  " + t("TLS versions offered", "提示した TLS バージョン") + ": "
                + (device.offeredVersions.isEmpty ? "-" : device.offeredVersions.joined(separator: ", ")) + "\n"
            out += "  " + t("negotiated", "合意したバージョン") + ": "
                + (device.negotiatedVersions.isEmpty ? "-" : device.negotiatedVersions.joined(separator: ", "))
                + (device.negotiatedCipherSuites.isEmpty ? "" : " (\(device.negotiatedCipherSuites.joined(separator: ", ")))")
                + "\n"
            let suites = device.offeredCipherSuites
            out += "  " + t("cipher suites offered", "提示した暗号スイート") + " (\(suites.count)): "
                + suites.prefix(8).joined(separator: ", ") + (suites.count > 8 ? ", ..." : "") + "\n"
            if !device.serverNames.isEmpty {
                out += "  SNI: \(device.serverNames.joined(separator: ", "))\n"
            }
            out += "  STARTTLS: " + (device.usedSTARTTLS ? t("used", "使用") : t("not used", "未使用"))
                + "   SSL/TLS: " + (device.usedImplicitTLS ? t("used", "使用") : t("not used", "未使用")) + "\n"
            out += "  " + t("certificate validation", "証明書の検証") + ": " + validation(device.certificateValidation) + "\n"
            out += "  " + t("password sent before TLS", "TLS 前のパスワード送信") + ": "
                + (device.credentialsInClear ? paint(t("YES", "あり"), critical: true) : t("no", "なし")) + "\n"
            if !device.authenticationMechanisms.isEmpty {
                out += "  " + t("authentication", "認証方式") + ": " + device.authenticationMechanisms.joined(separator: ", ") + "\n"
            }
            out += "  " + t("messages sent", "送信メール数") + ": \(device.messagesSent)\n"
            for advice in device.advice {
                out += "  - " + self.advice(advice, device) + "\n"
            }
            if let recommendation = device.recommendedSubmission {
                out += "  " + bold(t("Settings to use", "推奨設定")) + ": " + recommended(recommendation) + "\n"
            }
            out += "\n"
        }
        return out
    }

    func validation(_ value: ConnectionReport.Validation) -> String {
        switch value {
        case .validates: return t("yes (refused a bad certificate)", "あり（名前違いや期限切れの証明書を拒否）")
        case .doesNotValidate: return paint(t("NO (accepted a wrong-name or expired certificate)",
                                              "なし（名前違いや期限切れの証明書を受け入れました）"), critical: true)
        case .unknown: return t("not tested (use a port with cert=wrong-name or cert=expired)",
                                "未確認（cert=wrong-name か cert=expired のポートで試してください）")
        }
    }

    func recommended(_ value: String) -> String {
        switch value {
        case "465 SSL/TLS": return t("SMTP port 465, security \"SSL/TLS\"", "SMTP ポート 465、暗号化方式「SSL/TLS」")
        case "587 STARTTLS": return t("SMTP port 587, security \"STARTTLS\"", "SMTP ポート 587、暗号化方式「STARTTLS」")
        default: return t("a local relay that accepts this device's TLS version and uses TLS 1.2 or later upstream",
                          "この機器の TLS バージョンを受け付け、プロバイダーのサーバーへは TLS 1.2 以上で転送する、ローカルの中継サーバー")
        }
    }

    func advice(_ advice: DeviceSummary.Advice, _ device: DeviceSummary) -> String {
        switch advice {
        case .credentialsInClear:
            return paint(t("The device sent its password unencrypted. Set its security to \"SSL/TLS\" (465, 993, 995) or \"STARTTLS\" (587, 143, 110), never \"none\".",
                           "この機器はパスワードを暗号化せずに送りました。暗号化方式を「SSL/TLS」（465、993、995）か「STARTTLS」（587、143、110）に設定してください。「なし」は使わないでください。"), critical: true)
        case .doesNotValidateCertificates:
            return paint(t("The device accepted a certificate it should have refused: anyone on the network path could pose as your mail server. Turn on certificate verification if the device has it; otherwise keep it on a trusted network or behind a local relay.",
                           "この機器は、本来拒否すべき証明書を受け入れました。このままでは、通信経路上の第三者がメールサーバーになりすますことができます。機器に証明書を検証する設定があれば有効にしてください。なければ、信頼できるネットワーク内か、ローカルの中継サーバーの内側だけで使ってください。"), critical: true)
        case .tlsTooOld:
            return paint(t("The device offers at most \(device.maximumVersion ?? "?"). It cannot reach a server that requires TLS 1.2 (Microsoft 365, Gmail and most providers): update its firmware, or send through a local relay.",
                           "この機器が対応する TLS は \(device.maximumVersion ?? "?") までです。TLS 1.2 を必須とするサーバー（Microsoft 365、Gmail など多くのプロバイダー）には接続できません。ファームウェアを更新するか、ローカルの中継サーバーを経由して送信してください。"), critical: true)
        case .skipsSTARTTLS:
            return t("The device sent commands without using the STARTTLS it was offered: choose \"STARTTLS\" in its settings, or port 465 with \"SSL/TLS\".",
                     "この機器は、提供された STARTTLS を使わずにコマンドを送りました。機器の設定で暗号化方式に「STARTTLS」を選ぶか、ポート 465 と「SSL/TLS」を使ってください。")
        case .noTLS:
            return t("The device never completed a TLS handshake with the sandbox.",
                     "この機器は、サンドボックスとの TLS ハンドシェイクを一度も完了しませんでした。")
        case .importSandboxCA:
            return t("The device refused the sandbox's test CA (unknown CA): import ca.pem or ca.der from the state directory into the device to go on testing.",
                     "この機器は、サンドボックスのテスト用の認証局を拒否しました（不明な認証局）。テストを続けるには、状態ディレクトリの ca.pem か ca.der を機器にインポートしてください。")
        case .validatesCertificates:
            return t("The device checks certificates: it needs a certificate from a CA it trusts.",
                     "この機器は証明書を検証しています。サーバーには、この機器が信頼する認証局の証明書が必要です。")
        }
    }

    /// `mailtls sandbox messages`.
    public func messages(_ entries: [MessageStore.Entry], store: MessageStore) -> String {
        guard !entries.isEmpty else { return t("No messages captured yet.", "サンドボックスはまだメールを受信していません。") + "\n" }
        var out = ""
        for entry in entries {
            let date = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: entry.receivedAt))
            out += "\(entry.uid)  \(date)  \(entry.clientAddress)  \(entry.mailFrom) -> \(entry.recipients.joined(separator: ", "))"
                + "  \"\(entry.subject ?? "")\"  \(entry.size) B  \(entry.overTLS ? "TLS" : t("no TLS", "暗号化なし"))\n"
            out += "   \(store.path(of: entry.id))\n"
        }
        return out
    }

    private func t(_ english: String, _ japanese: String) -> String {
        language == .ja ? japanese : english
    }

    private func bold(_ text: String) -> String { color ? "\u{1B}[1m\(text)\u{1B}[0m" : text }
    private func paint(_ text: String, critical: Bool) -> String {
        color && critical ? "\u{1B}[31m\(text)\u{1B}[0m" : text
    }
}
