import Foundation
import MailTLSCheck
import MailTLSEngine

/// ANSI colours for the terminal reports, or none: one place for every renderer.
public struct TerminalStyle: Sendable {
    public var color: Bool

    public init(color: Bool) {
        self.color = color
    }

    /// Red for critical, yellow for warnings, cyan for notes, green for "all good".
    public func paint(_ text: String, _ severity: Severity?, ok: Bool = false) -> String {
        guard color else { return text }
        if ok { return green(text) }
        switch severity {
        case .critical?: return red(text)
        case .warning?: return "\u{1B}[33m\(text)\u{1B}[0m"
        case .info?: return "\u{1B}[36m\(text)\u{1B}[0m"
        case nil: return text
        }
    }

    public func bold(_ text: String) -> String { color ? "\u{1B}[1m\(text)\u{1B}[0m" : text }
    public func dim(_ text: String) -> String { color ? "\u{1B}[2m\(text)\u{1B}[0m" : text }
    public func green(_ text: String) -> String { color ? "\u{1B}[32m\(text)\u{1B}[0m" : text }
    public func red(_ text: String) -> String { color ? "\u{1B}[31m\(text)\u{1B}[0m" : text }
}

/// One finding as the terminal shows it, whatever command found it.
struct RenderedFinding {
    var severity: Severity
    var id: String
    /// Where it was seen: ports, MX hosts.
    var places: String
    var message: String
    var evidence: String
    var fix: String
}

extension TerminalStyle {
    /// The findings block every report ends with: counts, then each finding with its explanation and fix.
    func findingsSection(_ findings: [RenderedFinding], language: Language) -> String {
        let counts = Dictionary(grouping: findings, by: \.severity).mapValues(\.count)
        var out = bold(UIText.findingsHeader(language, [
            "critical": String(counts[.critical] ?? 0), "warning": String(counts[.warning] ?? 0),
            "info": String(counts[.info] ?? 0),
        ])) + "\n"
        if findings.isEmpty {
            return out + paint("  " + UIText.noFindings(language), nil, ok: true) + "\n"
        }
        for finding in findings {
            let label = "[\(UIText.severity(finding.severity, language))]"
            out += "  " + paint(label, finding.severity) + " " + bold(finding.id) + dim(" (\(finding.places))") + "\n"
            out += "    " + finding.message + "\n"
            out += "    " + dim("\(UIText.evidence(language)): \(finding.evidence)") + "\n"
            out += "    \(UIText.fix(language)): " + finding.fix + "\n"
        }
        return out
    }
}

/// What the step-by-step reports (diagnose, roundtrip) are asked for: the language, colour, and whether the
/// transcript follows.
struct TranscriptReportSettings: Sendable {
    var language: Language
    var style: TerminalStyle
    var showTranscript: Bool

    init(language: Language, color: Bool, showTranscript: Bool) {
        self.language = language
        style = TerminalStyle(color: color)
        self.showTranscript = showTranscript
    }

    /// The dialogue, one line each with its time since connect, when it was asked for (credentials already hidden).
    func transcript(_ lines: [TranscriptLine]) -> String {
        guard showTranscript else { return "" }
        return lines.map {
            style.dim(String(format: "%7.1f ms ", $0.elapsedMilliseconds)) + "\($0.direction.rawValue): " + $0.text + "\n"
        }.joined()
    }
}
