import Foundation
import MailTLSCheck
import MailTLSCore
import MailTLSDomainCheck

/// `mailtls domain --format html`: the terminal report as one standalone page (the dashboard's page shell): the MX
/// table, DANE, MTA-STS and TLS-RPT as the terminal shows them, and the findings with their fixes.
public struct DomainHTMLReport: Sendable {
    public let language: Language

    public init(language: Language) {
        self.language = language
    }

    func h(_ text: String) -> String { MarkupText.escaped(PeerText.escaped(text)) }

    public func render(_ report: DomainReport) -> String {
        let observation = report.observation
        let header = DomainText.header(language, ["domain": report.domain,
                                                  "seconds": String(format: "%.2f", report.durationMilliseconds / 1000)])
        var body = "<h1>\(h(header))</h1>\n"
        body += "<h2>\(h(DomainText.mxHeader(language, ["status": DomainText.dnssec(observation.mx.status, language)])))</h2>\n"
        let (rows, severities) = DomainTerminalReport.mxRows(observation, findings: report.findings, language: language)
        if rows.isEmpty {
            body += "<p>\(h(DomainText.noMX(language)))</p>\n"
        } else {
            body += "<table id=\"mx\"><thead><tr>" + DomainTerminalReport.mxHeaders(language).map { "<th>\(h($0))</th>" }.joined()
                + "</tr></thead><tbody>\n"
            for (row, severity) in zip(rows, severities) {
                body += "<tr class=\"\(CheckHTMLReport.rowClass(severity))\">" + row.map { "<td>\(h($0))</td>" }.joined() + "</tr>\n"
            }
            body += "</tbody></table>\n"
        }
        let text = DomainTerminalReport(language: language, color: false)
        let details = text.daneSection(observation) + text.stsSection(observation) + text.tlsrptSection(observation)
        body += "<pre id=\"details\">\(h(details))</pre>\n"
        body += HTMLPage.findings(DomainTerminalReport.renderedFindings(report, language: language), language: language)
        return HTMLPage.document(title: "mailtls domain \(h(report.domain))", language: language, nav: "", body: body,
                                 footer: MarkupText.escaped(ISO8601.format(report.startedAt)))
    }
}
