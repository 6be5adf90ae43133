import Foundation
import MailTLSCheck
import MailTLSCore

/// `mailtls check --format html`: the same report as the terminal's, as one standalone page (the dashboard's styles,
/// no script, no outside resource), in the reader's language. Every value from a server is escaped.
public struct CheckHTMLReport: Sendable {
    public let language: Language

    public init(language: Language) {
        self.language = language
    }

    func h(_ text: String) -> String { MarkupText.escaped(PeerText.escaped(text)) }

    public func render(_ report: CheckReport) -> String {
        let seconds = String(format: "%.2f", report.durationMilliseconds / 1000)
        let header = UIText.header(language, ["host": report.host, "address": report.address,
                                              "name": report.checkedName, "seconds": seconds])
        var body = "<h1>\(h(header))</h1>\n"
        let headers = [UIText.port, UIText.proto, UIText.state, UIText.security, UIText.tls, UIText.versions,
                       UIText.cipher, UIText.certificate, UIText.daysLeft].map { MarkupText.escaped($0(language)) }
        body += "<table id=\"ports\"><thead><tr>" + headers.map { "<th>\($0)</th>" }.joined() + "</tr></thead><tbody>\n"
        for port in report.ports {
            let severity = report.findings.filter { $0.ports.contains(port.spec.port) }.map(\.severity).max()
            let cells = [
                String(port.spec.port), port.spec.mailProtocol.displayName, UIText.state(port.state, language),
                UIText.security(port, language), port.handshake?.version?.rawValue ?? "-",
                port.versions.accepted.map(\.rawValue).joined(separator: " "),
                port.handshake?.cipherSuite.map { $0.openSSLName ?? $0.ianaName } ?? "-",
                UIText.certificateStatus(port.certificate, language),
                port.certificate.map { String($0.daysLeft) } ?? "-",
            ]
            body += "<tr class=\"\(Self.rowClass(severity))\">" + cells.map { "<td>\(h($0.isEmpty ? "-" : $0))</td>" }.joined()
                + "</tr>\n"
        }
        body += "</tbody></table>\n"
        var seen: [CertificateReport] = []
        for port in report.ports {
            guard let certificate = port.certificate, !seen.contains(certificate) else { continue }
            seen.append(certificate)
            let ports = report.ports.filter { $0.certificate == certificate }.map { String($0.spec.port) }.joined(separator: ", ")
            body += "<h2>\(h(UIText.certificateDetails(language, ["ports": ports])))</h2>\n<dl>"
            body += "<dt>\(h(UIText.subject(language)))</dt><dd>\(h(certificate.leaf.subject))</dd>"
            body += "<dt>\(h(UIText.names(language)))</dt><dd>\(h(certificate.leaf.subjectAlternativeNames.joined(separator: ", ")))</dd>"
            body += "<dt>\(h(UIText.issuer(language)))</dt><dd>\(h(certificate.leaf.issuer))</dd>"
            body += "<dt>\(h(UIText.validUntil(language)))</dt><dd>\(h(ISO8601.format(certificate.leaf.notAfter))) (\(certificate.daysLeft))</dd>"
            body += "</dl>\n"
        }
        // The sections the terminal writes as text (capabilities, every suite of --deep, the server software), as it
        // writes them.
        let terminal = TerminalReport(language: language, color: false)
        for (id, section) in [("capabilities", terminal.capabilitySection(report.ports, loginProbe: report.loginProbe)),
                              ("deep", terminal.deepSection(report.ports)),
                              ("software", terminal.identificationSection(report.ports))]
        where !section.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            body += "<pre id=\"\(id)\">\(h(section))</pre>\n"
        }
        body += HTMLPage.findings(TerminalReport.renderedFindings(report.findings, software: report.software(of:),
                                                                 providers: report.providers(of:), language: language),
                                  language: language)
        return HTMLPage.document(title: "mailtls check \(h(report.host))", language: language, nav: "", body: body,
                                 footer: MarkupText.escaped(ISO8601.format(report.startedAt)))
    }

    static func rowClass(_ severity: Severity?) -> String {
        switch severity {
        case .critical: "critical"
        case .warning: "warning"
        case .info, nil: "ok"
        }
    }
}

/// One HTML document as mailtls writes them (the dashboard's pages, `check --format html`): UTF-8, the styles in the
/// page, nothing loaded from elsewhere.
public enum HTMLPage {
    /// The findings, worst first, each with its explanation, evidence and fix (the terminal report's section).
    static func findings(_ findings: [RenderedFinding], language: Language) -> String {
        func h(_ text: String) -> String { MarkupText.escaped(PeerText.escaped(text)) }
        let counts = ["critical": String(findings.filter { $0.severity == .critical }.count),
                      "warning": String(findings.filter { $0.severity == .warning }.count),
                      "info": String(findings.filter { $0.severity == .info }.count)]
        var body = "<h2>\(h(UIText.findingsHeader(language, counts)))</h2>\n"
        guard !findings.isEmpty else { return body + "<p>\(h(UIText.noFindings(language)))</p>\n" }
        body += "<ul id=\"findings\">\n"
        for finding in findings.sorted(by: { ($0.severity, $1.id) > ($1.severity, $0.id) }) {
            var item = "<li class=\"\(CheckHTMLReport.rowClass(finding.severity))\"><span class=\"badge\">"
            item += "\(h(UIText.severity(finding.severity, language)))</span> <strong>\(h(finding.id))</strong> (\(h(finding.places)))"
            item += "<p>\(h(finding.message))</p><p>\(h(UIText.evidence(language))): \(h(finding.evidence))</p>"
            item += "<p>\(h(UIText.fix(language))): \(h(finding.fix))</p></li>\n"
            body += item
        }
        return body + "</ul>\n"
    }

    public static func document(title: String, language: Language, nav: String, body: String, footer: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="\(language.rawValue)">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title)</title>
        <style>\(style)</style>
        </head>
        <body>
        <nav>\(nav.isEmpty ? "<a>mailtls</a>" : nav)</nav>
        <main>
        \(body)</main>
        <footer>\(footer)</footer>
        </body>
        </html>

        """
    }

    static let style = """
        body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
        nav{background:#234;padding:8px 16px}nav a{color:#fff;margin-right:16px;text-decoration:none}
        main{padding:8px 16px}table{border-collapse:collapse;width:100%;background:#fff}
        th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #ddd;vertical-align:top}
        tr.critical td:first-child,li.critical{border-left:6px solid #c0392b}tr.warning td:first-child,li.warning{border-left:6px solid #e67e22}
        tr.failing td:first-child{border-left:6px solid #f1c40f}tr.ok td:first-child,li.ok{border-left:6px solid #27ae60}
        tr.critical .badge,li.critical .badge{background:#c0392b;color:#fff}tr.warning .badge,li.warning .badge{background:#e67e22;color:#fff}
        li{list-style:none;padding:4px 8px;margin:6px 0;background:#fff}dt{font-weight:bold}dd{margin:0 0 6px 16px}
        pre{background:#fff;padding:8px;white-space:pre-wrap}
        .badge{padding:1px 6px;border-radius:3px;background:#eee}.bad{color:#c0392b}.where{color:#777;font-size:12px}
        svg text{font-size:12px}svg .days{fill:#555}svg line.now{stroke:#234;stroke-dasharray:4}
        g.expired rect{fill:#c0392b}g.soon rect{fill:#e67e22}g.near rect{fill:#f1c40f}g.fine rect{fill:#27ae60}
        footer{color:#777;padding:8px 16px;font-size:12px}
        """
}
