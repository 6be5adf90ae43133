import Foundation

/// docs/glossary-ja.md, read as the test needs it: per concept the words to use and the variants not to use,
/// and the words kept in English.
public struct Glossary: Sendable {
    public struct Row: Sendable {
        public var preferred: [String]
        public var forbidden: [String]
    }

    public var rows: [Row]
    /// Single words kept in English (`STARTTLS`, `Postfix`, ...).
    public var englishWords: Set<String>
    /// Kept-in-English terms with spaces or punctuation (`Let's Encrypt`, `MAIL FROM`), longest first.
    public var englishPhrases: [String]

    /// The package root: two directories above this file's directory (Tests/TestSupport).
    public static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private static let loaded: Result<Glossary, GlossaryError> = {
        let url = packageRoot.appendingPathComponent("docs/glossary-ja.md")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            return .failure(GlossaryError(message: "cannot read \(url.path)"))
        }
        return Result { try Glossary(markdown: text) }.mapError {
            $0 as? GlossaryError ?? GlossaryError(message: "\($0)")
        }
    }()

    public static func shared() throws -> Glossary { try loaded.get() }

    public struct GlossaryError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public init(markdown: String) throws {
        var rows: [Row] = []
        var english: [String] = []
        var section = ""
        var preferredColumn: Int?
        var forbiddenColumn: Int?
        for line in markdown.components(separatedBy: "\n") {
            if line.hasPrefix("## ") {
                section = String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces)
                preferredColumn = nil
                forbiddenColumn = nil
                continue
            }
            guard line.hasPrefix("|"), !line.hasPrefix("| ---") else { continue }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
            if section == "用語" {
                if let preferred = cells.firstIndex(of: "使う語"), let forbidden = cells.firstIndex(of: "使わない語") {
                    preferredColumn = preferred
                    forbiddenColumn = forbidden
                } else if let preferred = preferredColumn, let forbidden = forbiddenColumn,
                    cells.count > max(preferred, forbidden)
                {
                    rows.append(
                        Row(
                            preferred: Glossary.quoted(cells[preferred]),
                            forbidden: Glossary.quoted(cells[forbidden])))
                }
            } else if section == "英語のまま書く語", cells.count >= 2, cells[0] != "分類" {
                english += Glossary.quoted(cells[1])
            }
        }
        guard !rows.isEmpty, !english.isEmpty else {
            throw GlossaryError(message: "docs/glossary-ja.md: no terms table or no English words")
        }
        self.rows = rows
        englishWords = Set(english.filter { !$0.contains(where: { " /'".contains($0) }) })
        englishPhrases = english.filter { $0.contains(where: { " /'".contains($0) }) }.sorted { $0.count > $1.count }
    }

    static func quoted(_ cell: String) -> [String] {
        cell.components(separatedBy: "`").enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
            .filter { !$0.isEmpty }
    }

    // MARK: Checks

    /// The rules for a Japanese sentence; `{name}`, `$1` and U+FFFC (an interpolation) are placeholders.
    public func problems(inJapanese raw: String) -> [String] {
        let text = Glossary.placeholdersMarked(raw)
        // "…" marks data quoted verbatim (the server's words, an error's name): not words of the sentence.
        let words = text.replacingOccurrences(of: #""[^"\n]*""#, with: "X0", options: .regularExpression)
        return forbiddenVariants(in: text).map { "forbidden: \($0)" }
            + strayEnglish(in: words).map { "english: \($0)" }
            + halfWidthPunctuation(in: text).map { "punctuation: \($0)" }
    }

    /// Forbidden variants outside settings (`key = value`) and options (`--name`); a variant that is part of its
    /// row's preferred term (サーバ in サーバー) does not count. ASCII variants must stand as words.
    public func forbiddenVariants(in text: String) -> [String] {
        let prose = Glossary.withoutSettingsAndOptions(text)
        var found: [String] = []
        for row in rows {
            for variant in row.forbidden {
                for range in prose.ranges(of: variant) {
                    if variant.first!.isASCIIWordCharacter, let before = prose[..<range.lowerBound].last,
                        before.isASCIIWordCharacter || "-_./=>".contains(before)
                    {
                        continue
                    }
                    if variant.last!.isASCIIWordCharacter, let after = prose[range.upperBound...].first,
                        after.isASCIIWordCharacter
                    {
                        continue
                    }
                    let covered = row.preferred.contains { preferred in
                        prose.ranges(of: preferred).contains {
                            $0.lowerBound <= range.lowerBound && range.upperBound <= $0.upperBound
                        }
                    }
                    if !covered { found.append("\(variant) in \(Glossary.context(prose, range))") }
                }
            }
        }
        return found
    }

    /// Words of letters that are neither kept-in-English terms nor technical tokens (anything with a digit, `_`,
    /// `=`, `/`, `.`, `@`, `<`, `>`, `|`, `*`, `:` inside or a leading `-`: commands, options, settings, names, versions,
    /// `PORT:PROTOCOL:MODE`).
    public func strayEnglish(in text: String) -> [String] {
        var rest = Glossary.withoutSettingsAndOptions(text)
        for phrase in englishPhrases {
            rest = rest.replacingOccurrences(of: phrase, with: " ")
        }
        let tokens = rest.split { !($0.isASCII && $0.isLetter || $0.isASCII && $0.isPunctuationOrDigit) }
        var found: [String] = []
        for token in tokens {
            let word = token.trimmingCharacters(in: CharacterSet(charactersIn: "()[]\"'.,;:!?"))
            guard !word.isEmpty, word.contains(where: \.isLetter) else { continue }
            if word.contains(where: { $0.isNumber || "_=/.@<>|*$#~+\\:`{}".contains($0) }) || word.hasPrefix("-") {
                continue
            }
            if !englishWords.contains(word) { found.append(word) }
        }
        return found
    }

    /// Half-width ( ) , . touching a Japanese character.
    public func halfWidthPunctuation(in text: String) -> [String] {
        let characters = Array(text)
        var found: [String] = []
        for (index, character) in characters.enumerated() where "(),.".contains(character) {
            let before = index > 0 ? characters[index - 1] : " "
            let after = index + 1 < characters.count ? characters[index + 1] : " "
            // A lone " ." is data (the DNS root in "MX 0 ."), not a full stop.
            let touches =
                character == "."
                ? before.isJapaneseGlyph || (after.isJapaneseGlyph && !before.isWhitespace)
                : before.isJapaneseGlyph || after.isJapaneseGlyph
            if touches {
                found.append(
                    "'\(character)' in …\(String(characters[max(0, index - 8)..<min(characters.count, index + 9)]))…")
            }
        }
        return found
    }

    /// Placeholders (`{name}`, `$1`, an interpolation's U+FFFC) become `X0`: a value, neither Japanese nor a word.
    public static func placeholdersMarked(_ text: String) -> String {
        text.replacingOccurrences(of: #"\{[A-Za-z]+\}|\$[0-9]|\x{FFFC}"#, with: "X0", options: .regularExpression)
    }

    /// The text without settings (`key = value`, `key=value`) and options with their value (`--name value`).
    public static func withoutSettingsAndOptions(_ text: String) -> String {
        text.replacingOccurrences(of: #"[A-Za-z0-9_]+ ?= ?>?=?[^\s、。）」]*"#, with: " ", options: .regularExpression)
            .replacingOccurrences(of: #"--[a-z][a-z-]*( [a-z0-9][a-z0-9-]*)?"#, with: " ", options: .regularExpression)
    }

    static func context(_ text: String, _ range: Range<String.Index>) -> String {
        let start = text.index(range.lowerBound, offsetBy: -8, limitedBy: text.startIndex) ?? text.startIndex
        let end = text.index(range.upperBound, offsetBy: 8, limitedBy: text.endIndex) ?? text.endIndex
        return "…\(text[start..<end])…"
    }
}

extension Character {
    /// Kana, kanji, the long vowel mark and the full-width punctuation of Japanese text.
    public var isJapaneseGlyph: Bool {
        unicodeScalars.contains { scalar in
            let value = scalar.value
            return (0x3000...0x30FF).contains(value) || (0x4E00...0x9FFF).contains(value)
                || (0xFF00...0xFF60).contains(value)
        }
    }

    public var isASCIIWordCharacter: Bool { isASCII && (isLetter || isNumber) }

    public var isPunctuationOrDigit: Bool { isASCII && !isWhitespace && !isLetter }
}
