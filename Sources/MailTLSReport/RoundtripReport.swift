import Foundation
import MailTLSAccount
import MailTLSCheck
import MailTLSCore
import MailTLSEngine

/// `mailtls roundtrip` for a person: how the message went out, how long it took to arrive, each hop and whether it
/// was encrypted, what became of the message; a hop without TLS is a finding with its fix.
public struct RoundtripTerminalReport: Sendable {
    let settings: TranscriptReportSettings
    var language: Language { settings.language }

    public init(language: Language, color: Bool, showTranscript: Bool = false) {
        settings = TranscriptReportSettings(language: language, color: color, showTranscript: showTranscript)
    }

    func t(_ en: String, _ ja: String) -> String { language == .ja ? ja : en }

    public func render(_ result: RoundtripResult) -> String {
        let request = result.request
        var out = settings.style.bold("mailtls roundtrip \(request.address)"
            + (request.recipient == request.address ? "" : " → \(request.recipient)")) + "\n\n"
        out += "  " + t("Sent      ", "送信      ") + endpoint(request.outgoing) + "\n"
        out += "      " + RoundtripText.send(result.send, language)
        if let seconds = result.sendSeconds { out += t("  (\(format(seconds)) s)", "（\(format(seconds)) 秒）") }
        out += "\n"
        if result.readFailure != nil || { if case .accepted = result.send { true } else { false } }() {
            out += "  " + t("Read back ", "受信確認  ") + endpoint(request.incoming)
                + (result.usedIdle ? " (IMAP IDLE)" : "") + "\n"
            if let failure = result.readFailure {
                out += "      " + settings.style.red(RoundtripText.readFailure(failure, language)) + "\n"
            } else if let delivery = result.deliverySeconds, let total = result.totalSeconds {
                out += "      " + settings.style.green(t("arrived \(format(delivery)) s after it was accepted (\(format(total)) s in all)",
                                          "受け付けから \(format(delivery)) 秒で到着（全体で \(format(total)) 秒）")) + "\n"
            } else if let missing = result.missing {
                out += "      " + settings.style.red(RoundtripText.missing(missing, wait: request.wait, language: language)) + "\n"
            }
        }
        if !result.hops.isEmpty {
            out += "\n" + settings.style.bold(t("The message's way (Received headers, first hop first)",
                                 "メールの経路（Received ヘッダー、最初の中継から順に）")) + "\n"
            for (index, hop) in result.hops.enumerated() {
                let from = hop.from.map { PeerText.escaped($0) } ?? "?"
                let by = hop.by.map { PeerText.escaped($0) } ?? "?"
                let address = hop.fromAddress.map { " [\($0)]" } ?? ""
                let with = hop.with.map { PeerText.escaped($0) } ?? "-"
                let verdict = RoundtripText.encryption(hop, language)
                let painted = hop.encryption == .unencrypted ? settings.style.red(verdict)
                    : hop.encryption == .encrypted ? settings.style.green(verdict) : verdict
                out += "  \(index + 1). \(from)\(address) → \(by)  \(with)\n"
                out += "     \(painted)\n"
            }
            for line in result.authenticationResults.prefix(5) {
                out += settings.style.dim("  Authentication-Results: " + PeerText.escaped(line.prefix(300))) + "\n"
            }
        }
        if result.deletion != .notFound {
            out += "\n  " + RoundtripText.deletion(result.deletion, language) + "\n"
        }
        if !result.findings.isEmpty {
            out += "\n" + settings.style.bold(t("Findings", "問題点")) + "\n"
            for finding in result.findings {
                let label = finding.withinHost ? t("info", "情報") : t("warning", "警告")
                out += "  [\(label)] hop-without-tls (\(finding.index + 1))\n"
                out += "    " + RoundtripText.findingMessage(finding, language) + "\n"
                out += "    " + t("Fix: ", "対処: ") + RoundtripText.findingFix(finding, language) + "\n"
            }
        }
        out += "\n" + RoundtripText.verdict(result, language) + "\n"
        out += settings.transcript(result.transcript)
        return out
    }

    func endpoint(_ endpoint: RoundtripEndpoint) -> String {
        "\(endpoint.host):\(endpoint.port) \(endpoint.security.deviceLabel) (\(endpoint.mailProtocol.displayName))"
    }

    func format(_ seconds: Double) -> String { String(format: "%.2f", seconds) }

}

/// The round trip's sentences in both languages.
public enum RoundtripText {
    static func t(_ language: Language, _ en: String, _ ja: String) -> String { language == .ja ? ja : en }

    public static func send(_ send: RoundtripSend, _ language: Language) -> String {
        switch send {
        case .accepted(let reply, let version):
            return t(language, "accepted over \(version ?? "TLS"): ", "\(version ?? "TLS") で受け付けられました: ")
                + ServerQuote.render(reply, language)
        case .refused(let step, let reply):
            let quoted = ServerQuote.render(reply, language)
            if step == "authenticate" {
                return t(language, "the server refused the login: \(quoted); nothing was sent",
                         "サーバーがログインを拒否しました: \(quoted)。メールは送っていません")
            }
            return t(language, "the server refused the message (\(step)): \(quoted)",
                     "サーバーがメールを拒否しました（\(step)）: \(quoted)")
        case .certificateRejected(let problem):
            let why = problem.map { CertificateProblemText.render($0, language) } ?? t(language, "no certificate", "証明書なし")
            return t(language, "the server's certificate was not accepted (\(why)); the password was not sent",
                     "サーバーの証明書を受け入れられません（\(why)）。パスワードは送っていません")
        case .noTLS:
            return t(language, "the server offers no STARTTLS; the password was not sent",
                     "サーバーが STARTTLS を提供していません。パスワードは送っていません")
        case .failed(let error):
            return t(language, "failed: ", "失敗: ") + EngineErrorText.render(error, language)
        case .interrupted:
            return t(language, "the conversation ended before a reply", "応答の前に接続が終了しました")
        case .notReached(let error):
            return UIText.inputError(error, language)
        case .mailboxUnreadable:
            return t(language, "not sent: the mailbox could not be read (below)",
                     "送信していません。受信するメールボックスを読めないためです（下記）")
        }
    }

    public static func readFailure(_ failure: RoundtripReadFailure, _ language: Language) -> String {
        switch failure {
        case .certificateRejected(let problem):
            let why = problem.map { CertificateProblemText.render($0, language) } ?? t(language, "no certificate", "証明書なし")
            return t(language, "the mailbox server's certificate was not accepted (\(why)); the password was not sent",
                     "受信サーバーの証明書を受け入れられません（\(why)）。パスワードは送っていません")
        case .noTLS:
            return t(language, "the mailbox server offers no STARTTLS; the password was not sent",
                     "受信サーバーが STARTTLS を提供していません。パスワードは送っていません")
        case .loginRefused(let reply):
            return t(language, "the mailbox server refused the login: ", "受信サーバーがログインを拒否しました: ")
                + ServerQuote.render(reply, language)
        case .refused(let command, let reply):
            return t(language, "the mailbox server refused \(command): ", "受信サーバーが \(command) を拒否しました: ")
                + ServerQuote.render(reply, language)
        case .failed(let error):
            return t(language, "reading the mailbox failed: ", "メールボックスを読めません: ")
                + EngineErrorText.render(error, language)
        case .notReached(let error):
            return UIText.inputError(error, language)
        }
    }

    public static func missing(_ missing: RoundtripMissing, wait: Double, language: Language) -> String {
        let seconds = String(Int(wait))
        switch missing {
        case .inFolder(let folder):
            return t(language, "not in the inbox after \(seconds) s, but in the folder \"\(PeerText.escaped(folder))\": a filter or the spam check moved it",
                     "\(seconds) 秒待っても受信トレイになく、フォルダー「\(PeerText.escaped(folder))」にありました。フィルターか迷惑メールの判定で移動された可能性があります")
        case .bounced(let subject, _):
            return t(language, "not delivered: a delivery failure report came back (Subject \"\(subject)\"); the server accepted the message and failed to deliver it later",
                     "配送されませんでした。配送失敗の通知（件名 \"\(subject)\"）が届いています。サーバーはメールを受け付けた後で配送に失敗しています")
        case .notDelivered:
            return t(language, "accepted at submission, but not in the mailbox after \(seconds) s, in no other folder, and no failure report came back: the server may still be delivering it, or it may have been dropped or sent elsewhere",
                     "送信時には受け付けられましたが、\(seconds) 秒待ってもメールボックスにも他のフォルダーにもなく、配送失敗の通知もありません。配送が遅れているか、破棄されたか、別の宛先へ送られた可能性があります")
        }
    }

    public static func encryption(_ hop: ReceivedHop, _ language: Language) -> String {
        switch hop.encryption {
        case .encrypted:
            return t(language, "encrypted", "暗号化あり")
                + (hop.tlsVersion.map { t(language, " (\($0))", "（\($0)）") } ?? "")
        case .unencrypted:
            return hop.isWithinHost ? t(language, "NOT encrypted (within this machine)", "暗号化なし（同じマシンの中）")
                : t(language, "NOT encrypted", "暗号化なし")
        case .local: return t(language, "local delivery", "サーバー内の配送")
        case .unknown: return t(language, "not stated", "記載なし")
        }
    }

    public static func deletion(_ deletion: RoundtripDeletion, _ language: Language) -> String {
        switch deletion {
        case .deleted: t(language, "The test message was deleted.", "テストメールは削除しました。")
        case .flaggedDeleted:
            t(language, "The test message is marked deleted; it goes at the next expunge (the server has no UIDPLUS, and a plain EXPUNGE would also remove your other deleted messages).",
              "テストメールには削除の印を付けました。次の抹消で消えます（サーバーが UIDPLUS に対応していないため、他の削除済みメールまで消さないよう抹消はしていません）。")
        case .kept: t(language, "The test message was kept (--keep).", "テストメールは残しました（--keep）。")
        case .failed: t(language, "The test message could not be deleted; delete it by hand.",
                        "テストメールを削除できませんでした。手動で削除してください。")
        case .notFound: ""
        }
    }

    public static func findingMessage(_ finding: RoundtripFinding, _ language: Language) -> String {
        let from = PeerText.escaped(finding.hop.from ?? "?")
        let by = PeerText.escaped(finding.hop.by ?? "?")
        if finding.withinHost {
            return t(language, "\(from) handed the message to \(by) without TLS, inside one machine (a loopback address): not readable on the network.",
                     "\(from) から \(by) へ、TLS なしで渡されました。同じマシンの中（ループバックアドレス）のため、ネットワーク上では読まれません。")
        }
        return t(language, "\(from) handed the message to \(by) without TLS: anyone on that network path could read it.",
                 "\(from) から \(by) へ、TLS なしで渡されました。その経路上で盗聴されるおそれがあります。")
    }

    public static func findingFix(_ finding: RoundtripFinding, _ language: Language) -> String {
        let from = PeerText.escaped(finding.hop.from ?? "?")
        let by = PeerText.escaped(finding.hop.by ?? "?")
        return t(language, "on \(by) (which wrote this header), offer STARTTLS (Postfix: smtpd_tls_security_level = may; Exim: tls_advertise_hosts = *); on \(from), use it for outgoing mail (Postfix: smtp_tls_security_level = may, or encrypt for this destination; Exim: hosts_require_tls on the smtp transport).",
                 "\(by)（このヘッダーを書いたサーバー）で STARTTLS を提供し（Postfix: smtpd_tls_security_level = may、Exim: tls_advertise_hosts = *）、\(from) では送信に STARTTLS を使うよう設定してください（Postfix: smtp_tls_security_level = may、またはこの宛先について encrypt、Exim: smtp トランスポートの hosts_require_tls）。")
    }

    public static func verdict(_ result: RoundtripResult, _ language: Language) -> String {
        switch result.exitCode {
        case 0 where !result.findings.isEmpty:
            return t(language, "Sending and receiving work; every hop over the network was encrypted (a hop inside one machine was not).",
                     "送信と受信は正しく動作し、ネットワーク上の中継はすべて暗号化されていました（同じマシンの中の中継は暗号化されていません）。")
        case 0: return t(language, "Sending and receiving work, and every hop was encrypted.",
                         "送信と受信は正しく動作し、すべての中継で暗号化されていました。")
        case 1: return t(language, "Sending and receiving work, but a hop of the way was not encrypted.",
                         "送信と受信は動作しますが、経路の一部で暗号化されていませんでした。")
        default: return t(language, "The round trip did not complete.", "送受信の確認は完了しませんでした。")
        }
    }
}

/// `mailtls roundtrip --json`: schema in docs/roundtrip-report.schema.json. The password never appears.
public enum RoundtripJSONReport {
    public static let schemaVersion = "1.0"

    struct Document: Encodable {
        var schemaVersion: String
        var tool: JSONReport.Tool
        var address: String
        var recipient: String
        var token: String
        var outgoing: RoundtripEndpoint
        var incoming: RoundtripEndpoint
        var sent: Sent
        var read: Read?
        var hops: [Hop]
        var authenticationResults: [String]
        var deletion: String
        var findings: [Finding]
        var exitCode: Int
    }

    struct Sent: Encodable {
        var result: String
        var reply: String?
        var tlsVersion: String?
        var seconds: Double?
        var message: String
    }

    struct Read: Encodable {
        var result: String
        var idle: Bool
        var deliverySeconds: Double?
        var totalSeconds: Double?
        var folder: String?
        var message: String?
    }

    struct Hop: Encodable {
        var from: String?
        var fromAddress: String?
        var by: String?
        var with: String?
        var encryption: String
        var tlsVersion: String?
        var cipher: String?
        var date: String?
        var header: String
    }

    struct Finding: Encodable {
        var id = "hop-without-tls"
        var severity: String
        var hop: Int
        var message: String
        var fix: String
    }

    public static func render(_ result: RoundtripResult, language: Language, toolVersion: String) -> String {
        let request = result.request
        let sentResult: String
        var reply: String?
        var version: String?
        switch result.send {
        case .accepted(let text, let tls): sentResult = "accepted"; reply = text; version = tls
        case .refused(let step, let text): sentResult = step == "authenticate" ? "login-refused" : "refused"; reply = text
        case .certificateRejected: sentResult = "certificate-rejected"
        case .noTLS: sentResult = "no-tls"
        case .failed: sentResult = "failed"
        case .notReached, .interrupted: sentResult = "not-reached"
        case .mailboxUnreadable: sentResult = "not-sent"
        }
        var read: Read?
        if let failure = result.readFailure {
            read = Read(result: "failed", idle: result.usedIdle, message: RoundtripText.readFailure(failure, language))
        } else if case .accepted = result.send {
            if result.arrived {
                read = Read(result: "arrived", idle: result.usedIdle, deliverySeconds: result.deliverySeconds,
                            totalSeconds: result.totalSeconds)
            } else if let missing = result.missing {
                var folder: String?
                let kind: String
                switch missing {
                case .inFolder(let name): kind = "in-other-folder"; folder = name
                case .bounced: kind = "bounced"
                case .notDelivered: kind = "not-delivered"
                }
                read = Read(result: kind, idle: result.usedIdle, folder: folder,
                            message: RoundtripText.missing(missing, wait: request.wait, language: language))
            }
        }
        let document = Document(
            schemaVersion: schemaVersion, tool: .init(name: "mailtls", version: toolVersion), address: request.address,
            recipient: request.recipient, token: result.token, outgoing: request.outgoing, incoming: request.incoming,
            sent: Sent(result: sentResult, reply: reply, tlsVersion: version, seconds: result.sendSeconds,
                       message: RoundtripText.send(result.send, language)),
            read: read,
            hops: result.hops.map { hop in
                Hop(from: hop.from, fromAddress: hop.fromAddress, by: hop.by, with: hop.with,
                    encryption: hop.encryption.rawValue, tlsVersion: hop.tlsVersion, cipher: hop.cipher,
                    date: hop.date.map(ISO8601.format), header: hop.raw)
            },
            authenticationResults: result.authenticationResults, deletion: result.deletion.rawValue,
            findings: result.findings.map { finding in
                Finding(severity: finding.withinHost ? "info" : "warning", hop: finding.index + 1,
                        message: RoundtripText.findingMessage(finding, language),
                        fix: RoundtripText.findingFix(finding, language))
            },
            exitCode: Int(result.exitCode))
        return JSONReport.pretty(document)
    }
}
