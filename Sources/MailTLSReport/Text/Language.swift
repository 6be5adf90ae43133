import Foundation

/// The language of every user-facing message. `--lang` wins; otherwise `LC_ALL`, `LC_MESSAGES`, `LANG`.
public enum Language: String, Sendable, CaseIterable {
    case en
    case ja

    public static func fromEnvironment(_ environment: [String: String]) -> Language {
        for key in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let value = environment[key], !value.isEmpty {
                return value.lowercased().hasPrefix("ja") ? .ja : .en
            }
        }
        return .en
    }
}

/// A text in both languages with `{name}` placeholders.
public struct LocalizedText: Sendable, Equatable {
    public let en: String
    public let ja: String

    public init(en: String, ja: String) {
        self.en = en
        self.ja = ja
    }

    public func callAsFunction(_ language: Language, _ values: [String: String] = [:]) -> String {
        var text = language == .ja ? ja : en
        for (key, value) in values {
            text = text.replacingOccurrences(of: "{\(key)}", with: value)
        }
        return text
    }
}

extension String {
    /// Columns this text takes in a terminal: East Asian wide characters take two.
    var displayWidth: Int {
        unicodeScalars.reduce(0) { width, scalar in
            let value = scalar.value
            if value == 0x200B || (0x0300...0x036F).contains(value) { return width }
            let wide = (0x1100...0x115F).contains(value) || (0x2E80...0xA4CF).contains(value)
                || (0xAC00...0xD7A3).contains(value) || (0xF900...0xFAFF).contains(value)
                || (0xFE30...0xFE4F).contains(value) || (0xFF00...0xFF60).contains(value)
                || (0xFFE0...0xFFE6).contains(value) || (0x1F300...0x1FAFF).contains(value)
            return width + (wide ? 2 : 1)
        }
    }

    func padded(to width: Int) -> String {
        let missing = width - displayWidth
        return missing > 0 ? self + String(repeating: " ", count: missing) : self
    }
}
