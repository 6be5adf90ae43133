import Foundation
import MailTLSAccount
import MailTLSSetup

/// `mailtls setup` for a person: the sources, every setting tried, then the recommendation with the device profile.
public struct SetupTerminalReport: Sendable {
    public var language: Language
    public var color: Bool

    public init(language: Language, color: Bool) {
        self.language = language
        self.color = color
    }

    public func render(_ report: DiscoveryReport) -> String {
        var out = bold(AccountText.setupHeader(language, [
            "address": report.address, "seconds": String(format: "%.2f", report.durationMilliseconds / 1000),
        ])) + "\n\n"
        out += bold(AccountText.sources(language)) + "\n"
        for source in report.sources {
            out += "  \(AccountText.source(source.source, language)): \(AccountText.outcome(source.result, language))\n"
            out += dim("    \(source.origin)") + "\n"
        }
        out += "\n" + bold(AccountText.tried(language)) + "\n"
        for verified in report.verified {
            let setting = verified.candidate.setting
            let verdict = verified.failure.map { AccountText.failure($0, language) } ?? AccountText.works(language)
            let line = "  \(setting.kind.rawValue.uppercased().padded(to: 5)) \(setting.hostname):\(setting.port) "
                + "\(setting.socketType.deviceLabel.padded(to: 8)) [\(AccountText.sourceTag(verified.candidate.source, language))] \(verdict)"
            out += (verified.works ? green(line) : dim(line)) + "\n"
        }
        out += "\n" + bold(AccountText.recommended(language)) + "\n"
        let recommendation = report.recommendation
        if recommendation.incoming == nil && recommendation.outgoing == nil {
            return out + "  " + AccountText.nothingFound(language) + "\n"
        }
        if let incoming = recommendation.incoming {
            out += section(AccountText.incoming(language) + " (\(incoming.kind.rawValue.uppercased()))", incoming,
                           address: report.address)
        }
        if let alternative = recommendation.incomingAlternative {
            out += section(AccountText.alternative(language) + " (\(alternative.kind.rawValue.uppercased()))",
                           alternative, address: report.address)
        }
        if let outgoing = recommendation.outgoing {
            out += section(AccountText.outgoing(language), outgoing, address: report.address)
        }
        if let profile = recommendation.deviceProfile {
            out += "  " + bold(AccountText.devices(language)) + "\n"
            if let implicit = profile.withoutSTARTTLS {
                out += "    " + AccountText.noSTARTTLSDevice(language, [
                    "host": implicit.hostname, "port": String(implicit.port),
                ]) + "\n"
            } else {
                out += "    " + AccountText.noImplicitTLS(language) + "\n"
            }
            if profile.legacyTLSAccepted {
                out += "    " + AccountText.legacyAccepted(language, ["version": profile.oldestTLSVersion ?? "?"]) + "\n"
            } else {
                out += "    " + AccountText.legacyRefused(language) + "\n"
            }
        }
        return out + "\n  " + dim(AccountText.why(language)) + "\n"
    }

    func section(_ title: String, _ setting: ServerSetting, address: String) -> String {
        var out = "  " + bold(title) + "\n"
        out += "    \(AccountText.host(language)): \(setting.hostname)\n"
        out += "    \(AccountText.port(language)): \(setting.port)\n"
        out += "    \(AccountText.security(language)): \(setting.socketType.deviceLabel)\n"
        out += "    \(AccountText.authentication(language)): "
            + AccountText.authentication(setting.authentication, language) + "\n"
        out += "    \(AccountText.username(language)): \(setting.resolvedUsername(for: address))\n"
        return out
    }

    // MARK: Colour

    private var style: TerminalStyle { TerminalStyle(color: color) }
    private func bold(_ text: String) -> String { style.bold(text) }
    private func dim(_ text: String) -> String { style.dim(text) }
    private func green(_ text: String) -> String { style.green(text) }
}

/// `mailtls setup --json`.
public enum SetupJSONReport {
    public static let schemaVersion = "1.0"

    public struct Document: Codable, Sendable {
        public var schemaVersion: String
        public var tool: JSONReport.Tool
        public var address: String
        public var domain: String
        public var durationMs: Int
        public var exitCode: Int
        public var sources: [Source]
        public var tried: [Tried]
        public var recommendation: AccountRecommendation
    }

    public struct Source: Codable, Sendable {
        public var source: String
        public var origin: String
        public var result: String
        public var detail: String?
        public var servers: Int?
    }

    public struct Tried: Codable, Sendable {
        public var source: String
        public var origin: String
        public var setting: ServerSetting
        public var works: Bool
        public var failure: String?
        public var tlsVersion: String?
        public var mechanisms: [String]
    }

    public static func render(_ report: DiscoveryReport, toolVersion: String) -> String {
        let document = Document(
            schemaVersion: schemaVersion, tool: .init(name: "mailtls", version: toolVersion),
            address: report.address, domain: report.domain,
            durationMs: Int(report.durationMilliseconds.rounded()), exitCode: Int(report.exitCode),
            sources: report.sources.map { source in
                switch source.result {
                case .found(let count):
                    Source(source: source.source.rawValue, origin: source.origin, result: "found", servers: count)
                case .notPublished(let detail):
                    Source(source: source.source.rawValue, origin: source.origin, result: "not-published",
                           detail: detail.english)
                case .failed(let detail):
                    Source(source: source.source.rawValue, origin: source.origin, result: "failed",
                           detail: detail.english)
                case .skipped(let detail):
                    Source(source: source.source.rawValue, origin: source.origin, result: "skipped",
                           detail: detail.english)
                }
            },
            tried: report.verified.map { verified in
                Tried(source: verified.candidate.source.rawValue, origin: verified.candidate.origin,
                      setting: verified.candidate.setting, works: verified.works,
                      failure: verified.failure.map { AccountText.failure($0, .en) },
                      tlsVersion: verified.observation?.handshake?.version?.rawValue, mechanisms: verified.mechanisms)
            },
            recommendation: report.recommendation)
        return JSONReport.pretty(document)
    }
}
