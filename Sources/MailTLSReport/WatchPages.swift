import Foundation
import MailTLSCheck
import MailTLSCore
import MailTLSDomainCheck
import MailTLSWatch

/// The dashboard of `mailtls watch` as HTML pages, in English and Japanese: the fleet worst first with an expiry
/// timeline, a target's ports and history, a finding's explanation and fix. Everything is in the page (styles, an SVG
/// chart, no script, no CDN), so it works offline; every value from a server or the configuration is escaped.
public struct WatchPages: Sendable {
    public let language: Language
    public let now: Date
    /// Query string items every link keeps (the language; the token when the dashboard needs one).
    public let linkQuery: String

    public init(language: Language, now: Date = Date(), linkQuery: String = "") {
        self.language = language
        self.now = now
        self.linkQuery = linkQuery
    }

    func t(_ en: String, _ ja: String) -> String { MarkupText.escaped(language == .ja ? ja : en) }
    func h(_ text: String) -> String { MarkupText.escaped(PeerText.escaped(text)) }

    func link(_ path: String, language chosen: Language? = nil) -> String {
        var items = linkQuery.isEmpty ? [] : [linkQuery]
        items.append("lang=\((chosen ?? language).rawValue)")
        return MarkupText.escaped(path + "?" + items.joined(separator: "&"))
    }

    func findingLink(_ condition: AlertCondition) -> String {
        let path = "/finding/\(Self.pathComponent(condition.id))"
        return condition.catalog == .check ? link(path) : link(path).replacingOccurrences(of: "?", with: "?catalog=\(condition.catalog.rawValue)&amp;")
    }

    static func pathComponent(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }

    // MARK: Pages

    public func overview(_ fleet: FleetSummary) -> String {
        let alerting = fleet.targets.filter { if case .alerting = $0.status { true } else { false } }.count
        var body = "<h1>\(t("Mail servers", "メールサーバー"))</h1>\n"
        body += "<p class=\"summary\">\(t("\(fleet.targets.count) targets, \(alerting) alerting", "対象 \(fleet.targets.count) 件、通知中 \(alerting) 件"))</p>\n"
        body += "<table id=\"fleet\">\n<thead><tr><th>\(t("Target", "対象"))</th><th>\(t("Status", "状態"))</th>"
            + "<th>\(t("Certificate", "証明書"))</th><th>\(t("Problems", "問題"))</th><th>\(t("Checked", "確認日時"))</th></tr></thead>\n<tbody>\n"
        for target in fleet.targets {
            let problems = target.alerts.map { alert in
                "<a href=\"\(findingLink(alert.condition))\">\(h(alert.condition.id))</a>"
                    + " <span class=\"where\">\(h(String(alert.key.port)))</span>"
            }.joined(separator: ", ")
            body += "<tr class=\"\(statusClass(target.status))\" data-target=\"\(h(target.name))\">"
                + "<td><a href=\"\(link("/target/\(Self.pathComponent(target.name))"))\">\(h(target.name))</a></td>"
                + "<td><span class=\"badge\">\(statusText(target.status))</span></td>"
                + "<td>\(target.firstExpiry.map(daysLeftText) ?? "-")</td>"
                + "<td>\(problems.isEmpty ? "-" : problems)</td>"
                + "<td>\(dateText(target.lastChecked))</td></tr>\n"
        }
        body += "</tbody></table>\n"
        body += "<h2>\(t("Certificate expiry", "証明書の有効期限"))</h2>\n" + timeline(fleet.certificates)
        return page(title: "mailtls watch", path: "/", body: body)
    }

    public func target(_ name: String, memories: [PortMemory], history: WatchHistory) -> String {
        var body = "<p><a href=\"\(link("/"))\">\(t("All targets", "すべての対象"))</a></p>\n<h1>\(h(name))</h1>\n"
        body += "<table id=\"ports\"><thead><tr><th>\(t("Port", "ポート"))</th><th>\(t("State", "状態"))</th>"
            + "<th>\(t("Security", "暗号化"))</th><th>TLS</th><th>\(t("Certificate", "証明書"))</th>"
            + "<th>\(t("Problems", "問題"))</th></tr></thead><tbody>\n"
        for memory in memories.sorted(by: { $0.snapshot.key < $1.snapshot.key }) {
            let snapshot = memory.snapshot
            let certificate = snapshot.certificate.map { facts in
                daysLeftText(facts.notAfter) + (facts.verified ? "" : " <span class=\"bad\">\(t("not verified", "検証失敗"))</span>")
                    + "<br><span class=\"where\">\(h(facts.issuer))</span>"
            } ?? "-"
            let problems = memory.alertStates.map { state in
                "<a href=\"\(findingLink(state.condition))\">\(h(state.condition.id))</a>"
                    + " (\(UIText.severity(state.condition.severity, language)))"
            }.joined(separator: "<br>")
            if snapshot.key.port == 0 {
                body += "<tr class=\"\(memory.alertStates.contains { $0.phase == .firing } ? "alerting" : "ok")\">"
                    + "<td>\(h(snapshot.key.address))</td><td colspan=\"4\">\(snapshot.accountSettings.map(h) ?? "MTA-STS " + h(snapshot.sts?.mode ?? "-"))</td>"
                    + "<td>\(problems.isEmpty ? "-" : problems)</td></tr>\n"
                continue
            }
            body += "<tr class=\"\(memory.alertStates.contains { $0.phase == .firing } ? "alerting" : "ok")\">"
                + "<td>\(h(snapshot.key.address)):\(snapshot.key.port) \(snapshot.mailProtocol.rawValue.uppercased())</td>"
                + "<td>\(MarkupText.escaped(UIText.state(snapshot.state, language)))</td>"
                + "<td>\(MarkupText.escaped(snapshot.state == .open ? UIText.security(snapshot.security, language) : "-"))</td>"
                + "<td>\(snapshot.versions.map(\.rawValue).joined(separator: ", "))</td>"
                + "<td>\(certificate)</td><td>\(problems.isEmpty ? "-" : problems)</td></tr>\n"
        }
        body += "</tbody></table>\n<h2>\(t("History", "履歴"))</h2>\n"
        let text = WatchText(language: language)
        var entries: [(Date, String)] = history.events.map { event in
            (event.at, "<span class=\"\(event.isRegression ? "bad" : "")\">\(h(event.key.description)): \(MarkupText.escaped(text.eventText(event)))</span>")
        }
        entries += history.notices.map { ($0.at, "<strong>\(MarkupText.escaped(text.words($0).title))</strong>") }
        if entries.isEmpty {
            body += "<p>\(t("No change since the first check.", "最初の確認以来、変化はありません。"))</p>\n"
        } else {
            body += "<ul id=\"history\">\n" + entries.sorted { $0.0 > $1.0 }
                .map { "<li><time>\(dateText($0.0))</time> \($0.1)</li>" }.joined(separator: "\n") + "\n</ul>\n"
        }
        return page(title: h(name), path: "/target/\(Self.pathComponent(name))", body: body)
    }

    /// A finding's explanation and fix, as `mailtls check` gives them.
    public func finding(_ id: String, catalog: AlertCondition.Catalog, port: Int?) -> String? {
        var body = "<p><a href=\"\(link("/"))\">\(t("All targets", "すべての対象"))</a></p>\n<h1>\(h(id))</h1>\n"
        let text = WatchText(language: language)
        let condition = AlertCondition(id: id, severity: .warning, evidence: .text(""), catalog: catalog)
        let known = switch catalog {
        case .check: FindingID(rawValue: id) != nil
        case .domain: DomainFindingID(rawValue: id) != nil
        case .watch: AlertCondition.ownConditions.union([ChangeEvent.Kind.stsPolicyChangedWithoutNewID.rawValue]).contains(id)
        }
        guard known else { return nil }
        let key = PortKey(target: "", address: "", port: port ?? 0)
        body += "<p>\(MarkupText.escaped(text.explanation(condition, key: key)))</p>\n"
        if let fix = text.fix(condition, key: key) {
            body += "<h2>\(t("Fix", "対処"))</h2>\n<p>\(MarkupText.escaped(fix))</p>\n"
        }
        return page(title: h(id), path: "/finding/\(Self.pathComponent(id))", body: body)
    }

    // MARK: Parts

    /// Every certificate on a time line from 30 days ago to 120 days ahead, expired ones at the left edge in red.
    func timeline(_ certificates: [FleetSummary.Certificate]) -> String {
        guard !certificates.isEmpty else { return "<p>\(t("No certificate seen yet.", "まだ証明書を確認していません。"))</p>\n" }
        let shown = certificates.prefix(200)
        let width = 900.0, row = 22.0, left = 260.0, right = 50.0
        let start = now.addingTimeInterval(-30 * 86400), end = now.addingTimeInterval(120 * 86400)
        func x(_ date: Date) -> Double {
            let clamped = min(max(date, start), end)
            return left + (width - left - right) * clamped.timeIntervalSince(start) / end.timeIntervalSince(start)
        }
        let height = Double(shown.count) * row + 30
        var svg = "<svg id=\"timeline\" role=\"img\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"100%\">\n"
        svg += "<line x1=\"\(x(now))\" y1=\"0\" x2=\"\(x(now))\" y2=\"\(height - 20)\" class=\"now\"/>"
            + "<text x=\"\(x(now) + 3)\" y=\"\(height - 6)\" class=\"axis\">\(t("today", "今日"))</text>\n"
        for (index, certificate) in shown.enumerated() {
            let y = Double(index) * row + 4
            let days = Int((certificate.notAfter.timeIntervalSince(now) / 86400).rounded(.down))
            let style = days < 0 ? "expired" : days <= 7 ? "soon" : days <= 21 ? "near" : "fine"
            let label = certificate.places.first.map { "\($0.target) :\($0.port)" } ?? certificate.subject
            let more = certificate.places.count > 1 ? " +\(certificate.places.count - 1)" : ""
            svg += "<g class=\"\(style)\"><text x=\"0\" y=\"\(y + 14)\">\(h(label + more))</text>"
                + "<rect x=\"\(left)\" y=\"\(y + 3)\" width=\"\(max(2, x(certificate.notAfter) - left))\" height=\"14\"/>"
                + "<text x=\"\(x(certificate.notAfter) + 4)\" y=\"\(y + 14)\" class=\"days\">\(days)</text></g>\n"
        }
        svg += "</svg>\n"
        if certificates.count > shown.count {
            svg += "<p>\(t("The first 200 of \(certificates.count) certificates.", "\(certificates.count) 件の証明書のうち、期限の近い 200 件です。"))</p>\n"
        }
        return svg
    }

    func statusClass(_ status: FleetSummary.Status) -> String {
        switch status {
        case .alerting(.critical): "critical"
        case .alerting: "warning"
        case .failing: "failing"
        case .ok: "ok"
        }
    }

    func statusText(_ status: FleetSummary.Status) -> String {
        switch status {
        case .alerting(let severity): MarkupText.escaped(UIText.severity(severity, language))
        case .failing: t("failing", "失敗中")
        case .ok: "OK"
        }
    }

    func daysLeftText(_ notAfter: Date) -> String {
        let days = Int((notAfter.timeIntervalSince(now) / 86400).rounded(.down))
        if days < 0 { return "<span class=\"bad\">\(t("expired \(-days) days ago", "\(-days) 日前に期限切れ"))</span>" }
        return t("\(days) days left", "残り \(days) 日")
    }

    func dateText(_ date: Date) -> String {
        date == .distantPast ? "-" : MarkupText.escaped(ISO8601.format(date))
    }

    func page(title: String, path: String, body: String) -> String {
        let other: Language = language == .ja ? .en : .ja
        let nav = "<a href=\"\(link("/"))\">mailtls watch</a> <a id=\"language\" href=\"\(link(path, language: other))\">\(other == .ja ? "日本語" : "English")</a>"
        return HTMLPage.document(title: title, language: language, nav: nav, body: body,
                                 footer: "\(t("Updated", "更新")) \(dateText(now))")
    }
}
