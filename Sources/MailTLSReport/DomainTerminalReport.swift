import Foundation
import MailTLSCheck
import MailTLSDNS
import MailTLSDomain
import MailTLSDomainCheck

/// `mailtls domain` for a person: a row per MX address, then DANE, MTA-STS and TLS-RPT, then findings with fixes.
public struct DomainTerminalReport: Sendable {
    public var language: Language
    public var color: Bool

    public init(language: Language, color: Bool) {
        self.language = language
        self.color = color
    }

    public func render(_ report: DomainReport) -> String {
        let observation = report.observation
        var out = bold(DomainText.header(language, [
            "domain": report.domain, "seconds": String(format: "%.2f", report.durationMilliseconds / 1000),
        ])) + "\n\n"
        out += bold(DomainText.mxHeader(language, ["status": DomainText.dnssec(observation.mx.status, language)]))
            + "\n"
        out += mxTable(observation, findings: report.findings)
        out += daneSection(observation)
        out += stsSection(observation)
        out += tlsrptSection(observation)
        out += findingsSection(report)
        return out
    }

    func mxTable(_ observation: DomainObservation, findings: [DomainFinding]) -> String {
        let headers = Self.mxHeaders(language)
        let (rows, severities) = Self.mxRows(observation, findings: findings, language: language)
        guard !rows.isEmpty else { return DomainText.noMX(language) + "\n\n" }
        var widths = headers.map(\.displayWidth)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.displayWidth) }
        }
        var out = "  " + dim(zip(headers, widths).map { $0.padded(to: $1) }.joined(separator: "  ")) + "\n"
        for (row, severity) in zip(rows, severities) {
            out += "  " + paint(zip(row, widths).map { $0.padded(to: $1) }.joined(separator: "  "), severity) + "\n"
        }
        return out + "\n"
    }

    static func mxHeaders(_ language: Language) -> [String] {
        [DomainText.preference, DomainText.host, DomainText.address, DomainText.starttls, UIText.tls,
         UIText.cipher, UIText.certificate, UIText.daysLeft, DomainText.dane, DomainText.mtaSTS].map { $0(language) }
    }

    /// A row per MX address (or per host without one) and the worst severity of the findings about it.
    static func mxRows(_ observation: DomainObservation, findings: [DomainFinding], language: Language)
        -> (rows: [[String]], severities: [Severity?]) {
        var rows: [[String]] = []
        var severities: [Severity?] = []
        for host in observation.hosts {
            if host.addresses.isEmpty {
                rows.append([String(host.preference), host.name, host.addressError.map { DomainEvidenceText.address($0, language) } ?? "-", "-", "-", "-", "-", "-",
                             "-", DomainText.listed(host.listedInSTSPolicy, language)])
                severities.append(.critical)
            }
            for address in host.addresses {
                let port = address.port
                let starttls: String
                switch port.record.startTLS {
                case .accepted: starttls = DomainText.yesNo(true, language)
                case .notOffered, .refused: starttls = DomainText.yesNo(false, language)
                case .notApplicable: starttls = UIText.state(port.state, language)
                }
                rows.append([
                    String(host.preference), host.name, address.address, starttls,
                    port.handshake?.version?.rawValue ?? "-",
                    port.handshake?.cipherSuite.map { $0.openSSLName ?? $0.ianaName } ?? "-",
                    UIText.certificateStatus(port.certificate, language),
                    port.certificate.map { String($0.daysLeft) } ?? "-",
                    DomainText.dane(address.dane, language),
                    DomainText.listed(host.listedInSTSPolicy, language),
                ])
                let label = "\(host.name) (\(address.address))"
                severities.append(findings.filter { $0.subjects.contains(label) || $0.subjects.contains(host.name) }
                    .map(\.severity).max())
            }
        }
        return (rows, severities)
    }

    func daneSection(_ observation: DomainObservation) -> String {
        var out = ""
        for host in observation.hosts {
            guard let tlsa = host.tlsa else { continue }
            let status = tlsa.records.isEmpty ? DomainText.noRecord(language) : DomainText.dnssec(tlsa.status, language)
            out += bold(DomainText.tlsa(language, ["name": tlsa.name, "status": status])) + "\n"
            for record in tlsa.records {
                out += "  \(record.presentation)\n"
            }
        }
        return out.isEmpty ? "" : out + "\n"
    }

    func stsSection(_ observation: DomainObservation) -> String {
        let sts = observation.sts
        var out = bold(DomainText.stsRecord(language)) + ": "
        out += sts.records.isEmpty ? DomainText.noRecord(language) : sts.records.joined(separator: " | ")
        out += "\n"
        guard !sts.records.isEmpty || sts.policyServed else { return out + "\n" }
        out += bold(DomainText.stsPolicy(language)) + ": \(sts.policyURL)\n"
        if let failure = sts.fetchFailure {
            out += "  " + DomainText.fetchFailure(failure, language) + "\n"
        } else if let response = sts.response {
            out += "  HTTP \(response.status), \(response.contentType ?? "-"), \(response.body.count) bytes\n"
        }
        if let policy = sts.policy {
            out += "  " + DomainText.policySummary(language, [
                "mode": policy.mode.rawValue, "maxAge": String(policy.maxAge),
                "patterns": policy.mxPatterns.joined(separator: ", "),
            ]) + "\n"
            let meaning: LocalizedText
            switch policy.mode {
            case .enforce: meaning = DomainText.enforceMeaning
            case .testing: meaning = DomainText.testingMeaning
            case .none: meaning = DomainText.noneMeaning
            }
            out += "  " + DomainText.modeMeaning(language, ["meaning": meaning(language)]) + "\n"
        }
        return out + "\n"
    }

    func tlsrptSection(_ observation: DomainObservation) -> String {
        let records = observation.tlsrpt.records
        return bold(DomainText.tlsrptRecord(language)) + ": "
            + (records.isEmpty ? DomainText.noRecord(language) : records.joined(separator: " | ")) + "\n\n"
    }

    func findingsSection(_ report: DomainReport) -> String {
        style.findingsSection(Self.renderedFindings(report, language: language), language: language)
    }

    /// The findings in words, for the terminal and the HTML page alike.
    static func renderedFindings(_ report: DomainReport, language: Language) -> [RenderedFinding] {
        report.findings.map { finding in
            RenderedFinding(severity: finding.severity, id: finding.id.rawValue,
                            places: finding.subjects.joined(separator: ", "),
                            message: DomainFindingCatalog.message(for: finding, domain: report.domain, in: language),
                            evidence: DomainEvidenceText.render(finding.evidence, language),
                            fix: DomainFindingCatalog.fix(for: finding, domain: report.domain, in: language))
        }
    }

    // MARK: Colour

    private var style: TerminalStyle { TerminalStyle(color: color) }
    private func bold(_ text: String) -> String { style.bold(text) }
    private func dim(_ text: String) -> String { style.dim(text) }
    private func paint(_ text: String, _ severity: Severity?, ok: Bool = false) -> String {
        style.paint(text, severity, ok: ok)
    }
}
