import Foundation
import MailTLSCheck
import MailTLSCore

/// `mailtls check --fix` on a terminal: per server, what was identified, which findings the snippet addresses, the
/// lines to run, then the commands that check and reload; or the same as JSON (docs/fix-report.schema.json).
public struct ServerFixReport: Sendable {
    public var language: Language
    public var color: Bool

    public init(language: Language, color: Bool) {
        self.language = language
        self.color = color
    }

    private func t(_ en: String, _ ja: String, _ values: [String: String] = [:]) -> String {
        LocalizedText(en: en, ja: ja)(language, values)
    }

    public func render(_ plan: ServerFixPlan, report: CheckReport) -> String {
        let style = TerminalStyle(color: color)
        var out = style.bold(t("mailtls check --fix {host} ({address}): a configuration change per server",
                               "mailtls check --fix {host}（{address}）: サーバーごとの設定変更",
                               ["host": report.host, "address": report.address])) + "\n\n"
        if plan.servers.allSatisfy({ $0.findings.isEmpty }) {
            out += t("Nothing to change in a server's configuration", "サーバーの設定で変更すべき点はありません")
            let others = Set(plan.servers.flatMap(\.otherFindings))
            if !others.isEmpty {
                out += t(" (the other findings are fixed outside it: see mailtls check).",
                         "（ほかの問題点は設定以外で直します。mailtls check を参照してください）。")
            } else {
                out += language == .ja ? "。" : "."
            }
            return out + "\n"
        }
        for server in plan.servers where !server.findings.isEmpty {
            let name = server.identification.map { IdentificationText.line($0, language) }
                ?? t("software not identified", "ソフトウェアを特定できません")
            out += style.bold(t("Ports {ports}: {name}", "ポート {ports}: {name}",
                                ["ports": server.ports.map(String.init).joined(separator: ", "), "name": name])) + "\n"
            out += "  " + t("Fixes", "対処する問題点") + ": " + server.findings.map(\.rawValue).joined(separator: ", ") + "\n"
            if !server.otherFindings.isEmpty {
                out += "  " + t("Not a setting (see mailtls check)", "設定以外で対処（mailtls check を参照）") + ": "
                    + server.otherFindings.map(\.rawValue).joined(separator: ", ") + "\n"
            }
            for note in server.notes { out += "  " + style.dim(note) + "\n" }
            if !server.script.isEmpty {
                out += "\n" + server.script.joined(separator: "\n") + "\n"
            }
            if !server.check.isEmpty || !server.reload.isEmpty {
                out += "\n" + "# " + t("check the configuration, then reload", "設定を確認してから再読み込みします") + "\n"
                out += (server.check + server.reload).joined(separator: "\n") + "\n"
            }
            out += "\n"
        }
        return out
    }

    public struct Document: Codable, Sendable {
        public var schemaVersion: String
        public var tool: JSONReport.Tool
        public var host: String
        public var address: String
        public var servers: [Server]
    }

    public struct Server: Codable, Sendable {
        public var ports: [Int]
        public var identification: JSONReport.Identification?
        public var findings: [String]
        public var otherFindings: [String]
        public var shell: String?
        public var script: [String]
        public var check: [String]
        public var reload: [String]
        public var notes: [String]
    }

    public static let schemaVersion = "1.0"

    public func json(_ plan: ServerFixPlan, report: CheckReport, toolVersion: String) -> String {
        JSONReport.pretty(Document(
            schemaVersion: Self.schemaVersion, tool: JSONReport.Tool(name: "mailtls", version: toolVersion),
            host: report.host, address: report.address,
            servers: plan.servers.map { server in
                Server(ports: server.ports,
                       identification: server.identification.map { JSONReport.Identification($0, language: language) },
                       findings: server.findings.map(\.rawValue), otherFindings: server.otherFindings.map(\.rawValue),
                       shell: server.shell, script: server.script, check: server.check, reload: server.reload,
                       notes: server.notes)
            }))
    }
}
