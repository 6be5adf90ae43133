import MailTLSCheck

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
