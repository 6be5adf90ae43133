import Foundation
import MailTLSCheck
import MailTLSCore

/// The report a person reads at a glance: a row per port, certificate details, then findings by severity with fixes.
public struct TerminalReport: Sendable {
    public var language: Language
    public var color: Bool
    public var showTranscripts: Bool

    public init(language: Language, color: Bool, showTranscripts: Bool = false) {
        self.language = language
        self.color = color
        self.showTranscripts = showTranscripts
    }

    public func render(_ report: CheckReport) -> String {
        var out = ""
        let seconds = String(format: "%.2f", report.durationMilliseconds / 1000)
        out += bold(UIText.header(language, ["host": report.host, "address": report.address,
                                             "name": report.checkedName, "seconds": seconds])) + "\n\n"
        out += portTable(report.ports, findings: report.findings)
        out += certificateSection(report.ports)
        out += capabilitySection(report.ports, loginProbe: report.loginProbe)
        if showTranscripts { out += transcriptSection(report.ports) }
        out += deepSection(report.ports)
        out += identificationSection(report.ports)
        out += findingsSection(report.findings, software: report.software(of:), providers: report.providers(of:))
        return out
    }

    func portTable(_ ports: [PortObservation], findings: [Finding]) -> String {
        let headers = [UIText.port, UIText.proto, UIText.state, UIText.security, UIText.tls, UIText.versions,
                       UIText.cipher, UIText.certificate, UIText.daysLeft].map { $0(language) }
        var rows: [[String]] = []
        var severities: [Severity?] = []
        for port in ports {
            let versions = port.versions.accepted.map { $0.rawValue.replacingOccurrences(of: "TLSv", with: "") }
            rows.append([
                String(port.spec.port), port.spec.mailProtocol.displayName, UIText.state(port.state, language),
                UIText.security(port, language), port.handshake?.version?.rawValue ?? "-",
                versions.isEmpty ? "-" : versions.joined(separator: " "),
                port.handshake?.cipherSuite.map { $0.openSSLName ?? $0.ianaName } ?? "-",
                UIText.certificateStatus(port.certificate, language),
                port.certificate.map { String($0.daysLeft) } ?? "-",
            ])
            severities.append(findings.filter { $0.ports.contains(port.spec.port) }.map(\.severity).max())
        }
        var widths = headers.map(\.displayWidth)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.displayWidth) }
        }
        var out = dim(zip(headers, widths).map { $0.padded(to: $1) }.joined(separator: "  ")) + "\n"
        for (row, severity) in zip(rows, severities) {
            let line = zip(row, widths).map { $0.padded(to: $1) }.joined(separator: "  ")
            out += paint(line, severity) + "\n"
        }
        return out + "\n"
    }

    func certificateSection(_ ports: [PortObservation]) -> String {
        var groups: [(ports: [Int], report: CertificateReport)] = []
        for port in ports {
            guard let report = port.certificate else { continue }
            if let index = groups.firstIndex(where: { $0.report == report }) {
                groups[index].ports.append(port.spec.port)
            } else {
                groups.append(([port.spec.port], report))
            }
        }
        var out = ""
        for group in groups {
            let report = group.report
            let leaf = report.leaf
            out += bold(UIText.certificateDetails(language, ["ports": group.ports.map(String.init)
                    .joined(separator: ", ")])) + "\n"
            out += "  \(UIText.subject(language)): \(leaf.subject)\n"
            out += "  \(UIText.names(language)): \(leaf.subjectAlternativeNames.joined(separator: ", "))\n"
            out += "  \(UIText.issuer(language)): \(leaf.issuer)\n"
            out += "  \(UIText.validUntil(language)): \(ISO8601.format(leaf.notAfter)) (\(report.daysLeft))\n"
            out += "  \(UIText.key(language)): \(leaf.keyType)\(leaf.keyBits.map { " \($0)" } ?? ""), "
                + "\(leaf.signatureAlgorithm)\n"
            out += "  \(UIText.chain(language)): " + report.chain.map { summary in
                summary.subject
            }.joined(separator: " <- ") + "\n\n"
        }
        return out
    }

    func capabilitySection(_ ports: [PortObservation], loginProbe loginProbeMethod: LoginProbeMethod?) -> String {
        let open = ports.filter { $0.capabilitiesBeforeTLS != nil || $0.capabilitiesAfterTLS != nil }
        guard !open.isEmpty else { return "" }
        var out = bold(UIText.capabilities(language)) + "\n"
        if let method = loginProbeMethod {
            out += "  " + dim(UIText.loginProbeMethod(method, language)) + "\n"
        }
        for port in open {
            let before = port.authBeforeTLS.map { $0.isEmpty ? UIText.none(language) : $0.joined(separator: " ") }
            let after = port.authAfterTLS.map { $0.isEmpty ? UIText.none(language) : $0.joined(separator: " ") }
            var parts: [String] = []
            if let before { parts.append("AUTH \(UIText.beforeTLS(language)): \(before)") }
            if let after { parts.append("AUTH \(UIText.afterTLS(language)): \(after)") }
            out += "  \(String(port.spec.port).padded(to: 5)) \(parts.joined(separator: "; "))\n"
        }
        return out + "\n"
    }

    /// `--deep`: every suite each version accepts, ports with the same answers together; weak suites marked.
    func deepSection(_ ports: [PortObservation]) -> String {
        let scanned = ports.compactMap(\.deep)
        guard !scanned.isEmpty else { return "" }
        let handshakes = scanned.map(\.handshakes).reduce(0, +)
        let seconds = String(format: "%.1f", scanned.map(\.milliseconds).reduce(0, +) / 1000)
        var out = bold(LocalizedText(en: "Cipher suites accepted (--deep: {count} handshakes, {seconds} s)",
                                     ja: "受け付ける暗号スイート（--deep: ハンドシェイク {count} 回、{seconds} 秒）")(
            language, ["count": String(handshakes), "seconds": seconds])) + "\n"
        var groups: [(ports: [Int], result: DeepScanResult)] = []
        for result in scanned {
            if let index = groups.firstIndex(where: { $0.result.answersAlike(result) }) {
                groups[index].ports.append(result.port)
            } else {
                groups.append(([result.port], result))
            }
        }
        for group in groups {
            out += "  " + bold(group.ports.map(String.init).joined(separator: ", ")) + "\n"
            for version in group.result.versions {
                let order: String
                switch version.serverOrder {
                case true?: order = LocalizedText(en: "server's order", ja: "サーバーの優先順")(language)
                case false?: order = LocalizedText(en: "client's order", ja: "クライアントの優先順")(language)
                case nil: order = ""
                }
                let shown = order.isEmpty ? "" : (language == .ja ? "（\(order)）" : " (\(order))")
                out += "    " + version.version.rawValue + shown + "\n"
                for suite in version.accepted {
                    let name = suite.ianaName + (suite.openSSLName.map { $0 == suite.ianaName ? "" : " (\($0))" } ?? "")
                    if let weakness = suite.weakness {
                        let severity: Severity = weakness == .broken ? .critical : .warning
                        out += "      " + paint(name + "  " + Self.weaknessLabel(weakness, language), severity) + "\n"
                    } else {
                        out += "      " + name + "\n"
                    }
                }
            }
            if !group.result.groups.isEmpty {
                out += "    " + LocalizedText(en: "TLS 1.3 groups: {groups}", ja: "TLS 1.3 の鍵交換グループ: {groups}")(
                    language, ["groups": group.result.groups.map(ClientHelloBuilder.groupName).joined(separator: ", ")])
                    + "\n"
            }
            if !group.result.dhGroups.isEmpty {
                let weakest = group.result.dhGroups[0].bits
                let line = LocalizedText(en: "DHE groups: {groups}", ja: "DHE の鍵交換グループ: {groups}")(
                    language, ["groups": group.result.dhGroups.map { DHGroupText.describe($0, language) }
                        .joined(separator: language == .ja ? "。" : "; ")])
                out += "    " + (weakest < 2048 ? paint(line, weakest < 1024 ? .critical : .warning) : line) + "\n"
            }
            out += "    " + Self.propertiesLine(group.result, language) + "\n"
            out += "    " + Self.profileLine(group.result, language) + "\n"
            if !group.result.refused.isEmpty {
                out += "    " + dim(LocalizedText(en: "refused: {versions}", ja: "拒否: {versions}")(
                    language, ["versions": group.result.refused.map(\.rawValue).joined(separator: ", ")])) + "\n"
            }
            if let problem = group.result.problem {
                out += "    " + dim(LocalizedText(en: "scan stopped early: {problem}", ja: "調査を途中で終えました: {problem}")(
                    language, ["problem": problem])) + "\n"
            }
        }
        return out + "\n"
    }

    /// The handshake's other properties in one line: SSL 2.0/3.0, fallback signal, renegotiation, compression, OCSP.
    static func propertiesLine(_ result: DeepScanResult, _ language: Language) -> String {
        func yesNo(_ value: Bool?) -> String {
            switch value {
            case true?: LocalizedText(en: "yes", ja: "あり")(language)
            case false?: LocalizedText(en: "no", ja: "なし")(language)
            case nil: "-"
            }
        }
        let items: [(String, Bool?)] = [
            ("SSLv2", result.sslv2), ("SSLv3", result.sslv3), ("TLS_FALLBACK_SCSV", result.fallbackSCSV),
            (LocalizedText(en: "secure renegotiation", ja: "安全な再ネゴシエーション")(language), result.secureRenegotiation),
            (LocalizedText(en: "compression", ja: "圧縮")(language), result.compression),
            (LocalizedText(en: "OCSP stapling", ja: "OCSP ステープリング")(language), result.ocspStapling),
        ]
        return items.map { "\($0.0): \(yesNo($0.1))" }.joined(separator: language == .ja ? "、" : ", ")
    }

    /// "Mozilla profiles: modern no (TLSv1.2), intermediate no (TLS_RSA_...), old yes".
    static func profileLine(_ result: DeepScanResult, _ language: Language) -> String {
        let parts = MozillaProfile.allCases.map { profile -> String in
            let departures = profile.departures(of: result)
            if departures.meets {
                return profile.rawValue + " " + LocalizedText(en: "met", ja: "適合")(language)
            }
            let shown = departures.versions.map(\.rawValue) + departures.dhGroups + departures.suites.prefix(3)
                + (departures.suites.count > 3 ? ["+\(departures.suites.count - 3)"] : [])
            let open = language == .ja ? "（" : " ("
            let close = language == .ja ? "）" : ")"
            return profile.rawValue + " " + LocalizedText(en: "not met", ja: "不適合")(language) + open
                + shown.joined(separator: ", ") + close
        }
        return LocalizedText(en: "Mozilla profiles: {profiles}", ja: "Mozilla のプロファイル: {profiles}")(
            language, ["profiles": parts.joined(separator: language == .ja ? "、" : "; ")])
    }

    static func weaknessLabel(_ weakness: CipherSuite.Weakness, _ language: Language) -> String {
        switch weakness {
        case .broken: LocalizedText(en: "broken", ja: "危険")(language)
        case .anonymous: LocalizedText(en: "anonymous", ja: "匿名")(language)
        case .sweet32: LocalizedText(en: "SWEET32", ja: "SWEET32")(language)
        case .noForwardSecrecy: LocalizedText(en: "no forward secrecy", ja: "前方秘匿性なし")(language)
        }
    }

    /// The software and provider behind the open ports, grouped, each with how it was known.
    func identificationSection(_ ports: [PortObservation]) -> String {
        var groups: [(ports: [Int], line: String)] = []
        for port in ports where port.state == .open {
            let line = port.identification.map { IdentificationText.line($0, language) }
                ?? LocalizedText(en: "not identified: nothing in the conversation names it (--server-software sets it)",
                                 ja: "特定できません。やり取りの中に名前がありません（--server-software で指定できます）")(language)
            if let index = groups.firstIndex(where: { $0.line == line }) {
                groups[index].ports.append(port.spec.port)
            } else {
                groups.append(([port.spec.port], line))
            }
        }
        guard !groups.isEmpty else { return "" }
        let labels = groups.map { $0.ports.map(String.init).joined(separator: ", ") }
        let width = labels.map(\.displayWidth).max() ?? 0
        var out = bold(IdentificationText.heading(language)) + "\n"
        for (label, group) in zip(labels, groups) {
            out += "  " + label.padded(to: width) + "  " + group.line + "\n"
        }
        return out + "\n"
    }

    func transcriptSection(_ ports: [PortObservation]) -> String {
        var out = ""
        for port in ports where !port.transcript.isEmpty {
            out += bold("Transcript \(port.spec.port)/\(port.spec.mailProtocol.rawValue)") + "\n"
            for line in port.transcript {
                out += dim(String(format: "%7.1f ms ", line.elapsedMilliseconds)) + "\(line.direction.rawValue): "
                    + line.text + "\n"
            }
            out += "\n"
        }
        return out
    }

    func findingsSection(_ findings: [Finding], software: (Finding) -> Set<ServerSoftware> = { _ in [] },
                         providers: (Finding) -> Set<HostedProvider> = { _ in [] }) -> String {
        style.findingsSection(Self.renderedFindings(findings, software: software, providers: providers,
                                                    language: language), language: language)
    }

    /// The findings in words, for the terminal and the HTML page alike.
    static func renderedFindings(_ findings: [Finding], software: (Finding) -> Set<ServerSoftware>,
                                 providers: (Finding) -> Set<HostedProvider>, language: Language) -> [RenderedFinding] {
        findings.map { finding in
            RenderedFinding(severity: finding.severity, id: finding.id.rawValue,
                            places: finding.ports.map(String.init).joined(separator: ","),
                            message: FindingCatalog.message(for: finding, in: language),
                            evidence: CheckEvidenceText.render(finding.evidence, language),
                            fix: FindingCatalog.fix(for: finding, in: language, software: software(finding),
                                                    providers: providers(finding)))
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
