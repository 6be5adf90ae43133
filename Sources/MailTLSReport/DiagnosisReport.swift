import Foundation
import MailTLSAccount
import MailTLSCheck
import MailTLSCore
import MailTLSSetup

/// `mailtls diagnose` for a person: each step with its evidence, the cause and the fix, then what works instead.
public struct DiagnosisTerminalReport: Sendable {
    let settings: TranscriptReportSettings
    var language: Language { settings.language }

    public init(language: Language, color: Bool, showTranscript: Bool = false) {
        settings = TranscriptReportSettings(language: language, color: color, showTranscript: showTranscript)
    }

    public func render(_ diagnosis: Diagnosis) -> String {
        let request = diagnosis.request
        var out = settings.style.bold(AccountText.diagnoseHeader(language, [
            "host": request.host, "port": String(request.port), "protocol": request.mailProtocol.displayName,
            "security": request.security.deviceLabel,
        ])) + "\n\n"
        for step in diagnosis.steps {
            let status = "[\(AccountText.status(step.status, language))]".padded(to: 10)
            let painted = step.status == .failed ? settings.style.red(status) : (step.status == .passed ? settings.style.green(status) : settings.style.dim(status))
            out += "  \(painted) \(AccountText.step(step.kind, language))\n"
            out += settings.style.dim("      \(StepEvidenceText.render(step.facts, language))") + "\n"
        }
        if let fate = AccountText.passwordFate(diagnosis.password, language) {
            let sent = diagnosis.password == .sentDespiteCertificate || diagnosis.password == .sentWithoutTLS
            out += "\n  " + (sent ? settings.style.red(fate) : fate) + "\n"
        }
        out += "\n"
        if let cause = diagnosis.cause {
            let values = DiagnosisTerminalReport.values(diagnosis, language)
            let id = language == .ja ? "（\(cause.rawValue)）" : " (\(cause.rawValue))"
            out += settings.style.bold("\(AccountText.cause(language))\(id)") + "\n"
            out += "  " + DiagnosisCatalog.message(cause, language, values) + "\n"
            out += settings.style.bold(AccountText.fix(language)) + "\n"
            out += "  " + DiagnosisCatalog.fix(cause, language, values) + "\n\n"
            let working = diagnosis.alternatives.filter(\.works)
            if !diagnosis.alternatives.isEmpty {
                out += settings.style.bold(AccountText.working(language)) + "\n"
                if working.isEmpty {
                    // Each setting tried, with why it does not work: the certificate or the mode says more than
                    // "not from here".
                    out += "  " + AccountText.noneWorking(language) + "\n"
                    for tried in diagnosis.alternatives {
                        out += "    \(Self.setting(tried.candidate.setting, language)): "
                            + (tried.failure.map { AccountText.failure($0, language) } ?? "") + "\n"
                    }
                    if diagnosis.alternatives.contains(where: \.mayBeBlockedOnThisNetwork) {
                        out += "  " + AccountText.maybeBlockedHere(language) + "\n"
                    }
                }
                for alternative in working {
                    out += settings.style.green("  " + Self.setting(alternative.candidate.setting, language)) + "\n"
                }
                out += "\n"
            }
        } else {
            out += settings.style.green(AccountText.verdictOK(language)) + "\n\n"
        }
        if let discovered = diagnosis.discovered, let address = diagnosis.address {
            out += settings.style.bold(AccountText.discoveredForAddress(language, ["address": address])) + "\n"
            for (title, setting) in [(AccountText.incoming(language), discovered.incoming),
                                     (AccountText.outgoing(language), discovered.outgoing)] {
                guard let setting else { continue }
                out += "  \(title): \(Self.setting(setting, language))\n"
            }
            out += "\n"
        }
        out += settings.transcript(diagnosis.transcript)
        return out
    }

    /// A server setting in one line: `mail.example.com, Port 465, SSL/TLS`.
    static func setting(_ setting: ServerSetting, _ language: Language) -> String {
        "\(setting.hostname), \(AccountText.port(language)) \(setting.port), \(setting.socketType.deviceLabel)"
    }

    static func values(_ diagnosis: Diagnosis, _ language: Language) -> [String: String] {
        var values = diagnosis.parameters
        values["host"] = values["host"] ?? diagnosis.request.host
        values["port"] = String(diagnosis.request.port)
        values["evidence"] = diagnosis.facts.map { StepEvidenceText.render($0, language) } ?? ""
        values["keyword"] = diagnosis.request.mailProtocol.startTLSKeyword
        if case .certificateRefused(let problem)? = diagnosis.facts {
            values.merge(problem.parameters) { _, problems in problems }
        }
        values["clientVersion"] = values["clientVersion"] ?? "?"
        for key in ["date", "days", "name", "names", "issuer"] where values[key] == nil { values[key] = "?" }
        return values
    }

    // MARK: Colour

}

/// `mailtls diagnose --json`. The password never appears; the transcript hides every credential.
public enum DiagnosisJSONReport {
    public static let schemaVersion = "2.1"

    public struct Document: Codable, Sendable {
        public var schemaVersion: String
        public var tool: JSONReport.Tool
        public var host: String
        public var port: Int
        public var `protocol`: String
        public var security: String
        public var user: String?
        /// What became of the password (`withheld-untrusted-certificate`, `sent-over-verified-tls`, ...).
        public var password: String
        public var works: Bool
        public var exitCode: Int
        public var durationMs: Int
        public var steps: [Step]
        public var cause: String?
        public var evidence: String?
        public var message: String?
        public var fix: String?
        public var alternatives: [ServerSetting]
        /// Every standard setting tried besides the one entered, with why it does not work (added in 2.1).
        public var alternativesTried: [TriedSetting]
        public var discovered: AccountRecommendation?
    }

    public struct TriedSetting: Codable, Sendable {
        public var setting: ServerSetting
        public var works: Bool
        public var failure: String?
    }

    public struct Step: Codable, Sendable {
        public var step: String
        public var status: String
        public var evidence: String
    }

    public static func render(_ diagnosis: Diagnosis, language: Language, toolVersion: String) -> String {
        let request = diagnosis.request
        let values = DiagnosisTerminalReport.values(diagnosis, language)
        let document = Document(
            schemaVersion: schemaVersion, tool: .init(name: "mailtls", version: toolVersion), host: request.host,
            port: request.port, protocol: request.mailProtocol.rawValue, security: request.security.optionName,
            user: request.user, password: diagnosis.password.rawValue, works: diagnosis.cause == nil,
            exitCode: Int(diagnosis.exitCode),
            durationMs: Int(diagnosis.durationMilliseconds.rounded()),
            steps: diagnosis.steps.map { Step(step: $0.kind.rawValue, status: $0.status.rawValue, evidence: $0.evidence) },
            cause: diagnosis.cause?.rawValue, evidence: diagnosis.cause == nil ? nil : diagnosis.evidence,
            message: diagnosis.cause.map { DiagnosisCatalog.message($0, language, values) },
            fix: diagnosis.cause.map { DiagnosisCatalog.fix($0, language, values) },
            alternatives: diagnosis.alternatives.filter(\.works).map(\.candidate.setting),
            alternativesTried: diagnosis.alternatives.map {
                TriedSetting(setting: $0.candidate.setting, works: $0.works, failure: $0.failure.map { AccountText.failure($0, .en) })
            },
            discovered: diagnosis.discovered)
        return JSONReport.pretty(document)
    }
}
