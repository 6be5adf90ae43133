import ArgumentParser
import Foundation
import MailTLSCore
import MailTLSReport

/// Help, validation errors and ArgumentParser's own errors in the reader's language. The language is known before
/// ArgumentParser reads a single option (`--lang` on the command line, else `LANG`), so every help text and every
/// validation message is written once in both languages at the place that declares it, and chosen here.
enum CommandLineText {
    static let language: Language = OutputOptions.languageHint(arguments: CommandLine.arguments)

    /// The text in the language of this run.
    static func text(_ en: String, _ ja: String) -> String {
        language == .ja ? ja : en
    }

    // MARK: Help

    /// The help ArgumentParser would print for the command named on the command line, in the reader's language.
    static func helpMessage(arguments: [String], terminalColumns: Int?) -> String {
        let command = commandType(for: arguments)
        guard language == .ja else {
            return MailTLSCommand.helpMessage(for: command, columns: terminalColumns)
        }
        // Laid out without wrapping, then wrapped by display width: a Japanese character takes two columns, and a
        // Japanese sentence may break between characters, where ArgumentParser only breaks at spaces.
        let unwrapped = MailTLSCommand.helpMessage(for: command, columns: 100_000)
        return JapaneseHelpLayout.render(unwrapped, columns: min(terminalColumns ?? 80, 100))
    }

    /// The (sub)command the arguments name: `mailtls relay queue --help`, `mailtls help relay queue`.
    static func commandType(for arguments: [String]) -> ParsableCommand.Type {
        var current: ParsableCommand.Type = MailTLSCommand.self
        for argument in arguments.dropFirst() where !argument.hasPrefix("-") {
            if let next = current.configuration.subcommands.first(where: { $0._commandName == argument }) {
                current = next
            }
        }
        return current
    }

    // MARK: Errors

    /// ArgumentParser's message for a command line it cannot read, said in the reader's language. Its messages have a
    /// handful of fixed shapes; one that is not known here is quoted as ArgumentParser wrote it.
    static func parseError(_ message: String) -> String {
        guard language == .ja else { return message }
        return ParseErrorText.japanese(message)
    }
}

extension String {
    /// A command's abstract or discussion in the language of this run: `abstract: .en("…", ja: "…")`.
    static func en(_ english: String, ja japanese: String) -> String {
        CommandLineText.text(english, japanese)
    }
}

extension ArgumentHelp {
    /// An option's or argument's help in the language of this run: `@Option(help: .en("…", ja: "…"))`.
    static func en(_ english: String, ja japanese: String, valueName: String? = nil) -> ArgumentHelp {
        ArgumentHelp(CommandLineText.text(english, japanese), valueName: valueName)
    }
}

extension ValidationError {
    /// A validation error in the language of this run: `throw ValidationError.en("…", ja: "…")`.
    static func en(_ english: String, ja japanese: String) -> ValidationError {
        ValidationError(CommandLineText.text(english, japanese))
    }
}

/// ArgumentParser's fixed error shapes (Usage/UsageGenerator.swift), in Japanese.
enum ParseErrorText {
    static func japanese(_ message: String) -> String {
        let text = PeerText.escaped(message)
        if let (option, suggestion) = match(text, "Unknown option '", "'. Did you mean '", "'?") {
            return "オプション \(option) はありません。\(suggestion) の誤りではありませんか。"
        }
        if let (option) = match(text, "Unknown option '", "'") {
            return "オプション \(option) はありません。"
        }
        if let (option) = match(text, "Missing value for '", "'") {
            return "\(option) の値がありません。"
        }
        if let (argument) = match(text, "Missing expected argument '", "'") {
            return "引数 \(argument) が必要です。"
        }
        if let (list) = match(text, "Missing one of: ", "") {
            return "次のいずれかが必要です: \(list)"
        }
        if let (argument) = match(text, "Unexpected argument '", "'") {
            return "余分な引数「\(argument)」があります。"
        }
        if let range = text.range(of: " unexpected arguments: ") {
            return "余分な引数が \(text[..<range.lowerBound]) 個あります: \(text[range.upperBound...])"
        }
        if let (option, value) = match(text, "The option '", "' does not take any value, but '", "' was specified.") {
            return "\(option) は値を取りません（「\(value)」が指定されました）。"
        }
        if text.hasPrefix("Value to be set with ") {
            return "同じオプションが二度指定されています。"
        }
        if text.hasPrefix("The value '"), let invalid = invalidValue(text) {
            return invalid
        }
        // mailtls's own validation errors are already in Japanese (ValidationError.en(_:ja:)).
        if text.unicodeScalars.contains(where: { (0x3040...0x30FF).contains($0.value) }) { return text }
        return "コマンドラインを解釈できません。ArgumentParser の説明: \"\(text)\""
    }

    /// `The value 'x' is invalid for '--port <port>'` with an optional reason: the reason is ArgumentParser's list of
    /// values (`. Please provide one of 'a', 'b' and 'c'.`) or our own parser's words.
    static func invalidValue(_ text: String) -> String? {
        let body = text.dropFirst("The value '".count)
        guard let valueEnd = body.range(of: "' is invalid") else { return nil }
        let value = body[..<valueEnd.lowerBound]
        var rest = body[valueEnd.upperBound...]
        var target = ""
        if rest.hasPrefix(" for '"), let end = rest.dropFirst(6).firstIndex(of: "'") {
            target = String(rest[rest.index(rest.startIndex, offsetBy: 6)..<end])
            rest = rest[rest.index(after: end)...]
        }
        let values = rest.split(separator: "'", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 1 }.map(\.element)
        let subject = target.isEmpty ? "値" : "\(target) の値"
        var sentence = "\(subject)「\(value)」は使えません。"
        if rest.contains("Please provide one of"), !values.isEmpty {
            sentence += "使える値: \(values.joined(separator: ", "))"
        }
        return sentence
    }

    /// The parts of `text` between the given fixed pieces, when it has exactly that shape.
    static func match(_ text: String, _ prefix: String, _ suffix: String) -> String? {
        guard text.hasPrefix(prefix), text.hasSuffix(suffix), text.count >= prefix.count + suffix.count else {
            return nil
        }
        return String(text.dropFirst(prefix.count).dropLast(suffix.count))
    }

    static func match(_ text: String, _ prefix: String, _ middle: String, _ suffix: String) -> (String, String)? {
        guard let inner = match(text, prefix, suffix), let split = inner.range(of: middle) else { return nil }
        return (String(inner[..<split.lowerBound]), String(inner[split.upperBound...]))
    }
}

/// ArgumentParser's help layout with its own words in Japanese, wrapped by display width.
enum JapaneseHelpLayout {
    /// ArgumentParser's fixed words, whole lines or line starts, and what a Japanese reader sees instead.
    static let headings: [(String, String)] = [
        ("OVERVIEW: ", "概要: "), ("USAGE: ", "使い方: "), ("ARGUMENTS:", "引数:"), ("OPTIONS:", "オプション:"),
        ("SUBCOMMANDS:", "サブコマンド:"),
    ]
    static let phrases: [(String, String)] = [
        ("Show help information.", "このヘルプを表示します。"),
        ("Show the version.", "バージョンを表示します。"),
    ]
    /// Where ArgumentParser starts an option's description.
    static let descriptionColumn = 26

    static func render(_ help: String, columns: Int) -> String {
        var lines: [String] = []
        for raw in help.components(separatedBy: "\n") {
            var line = raw
            for (english, japanese) in headings where line.hasPrefix(english) {
                line = japanese + line.dropFirst(english.count)
            }
            for (english, japanese) in phrases {
                line = line.replacingOccurrences(of: english, with: japanese)
            }
            line = line.replacingOccurrences(
                of: #"^  See 'mailtls help (.*)<subcommand>' for detailed help\.$"#,
                with: "  サブコマンドごとの説明は mailtls $1<サブコマンド> --help で表示します。", options: .regularExpression)
            line = line.replacingOccurrences(of: #" \(values: ([^;)]*); default: ([^)]*)\)$"#,
                                             with: "（値: $1、既定値: $2）", options: .regularExpression)
            line = line.replacingOccurrences(of: #" \(values: ([^)]*)\)$"#, with: "（値: $1）",
                                             options: .regularExpression)
            line = line.replacingOccurrences(of: #" \(default: ([^)]*)\)$"#, with: "（既定値: $1）",
                                             options: .regularExpression)
            line = markingDefaultSubcommand(line)
            lines += wrap(line, columns: columns)
        }
        return lines.joined(separator: "\n")
    }

    /// `  demo (default)          See…`: the mark in Japanese, the description kept in its column.
    static func markingDefaultSubcommand(_ line: String) -> String {
        guard line.hasPrefix("  "), let mark = line.range(of: " (default)"),
              line[line.startIndex..<mark.lowerBound].dropFirst(2).allSatisfy({ $0.isLetter || $0 == "-" })
        else { return line }
        let name = line[..<mark.lowerBound] + "（既定）"
        let description = line[mark.upperBound...].drop { $0 == " " }
        let padding = max(1, descriptionColumn - width(name))
        return name + String(repeating: " ", count: padding) + description
    }

    /// One line wrapped to `columns` display columns; continuation lines keep the description's indentation.
    static func wrap(_ line: String, columns: Int) -> [String] {
        guard width(line) > columns else { return [line] }
        let leading = line.prefix { $0 == " " }.count
        let indent = leading == 2 && startsDescriptionAtItsColumn(line) ? descriptionColumn : leading
        var result: [String] = []
        var rest = Substring(line)
        while !rest.isEmpty {
            let limit = columns - (result.isEmpty ? 0 : indent)
            let (piece, remainder) = takeLine(rest, columns: limit)
            result.append(result.isEmpty ? piece : String(repeating: " ", count: indent) + piece)
            rest = remainder.drop { $0 == " " }
        }
        return result
    }

    /// An option or subcommand row: a name, at least one space, and the description from the description column on.
    static func startsDescriptionAtItsColumn(_ line: String) -> Bool {
        var used = 0
        var previous: [Character] = []
        for character in line {
            if used == descriptionColumn { return previous.last == " " && character != " " }
            used += width(character)
            previous.append(character)
            if used > descriptionColumn { return false }
        }
        return false
    }

    /// The longest start of `text` that fits `columns`, broken at a space or between Japanese characters, never
    /// before a closing mark nor after an opening one.
    static func takeLine(_ text: Substring, columns: Int) -> (String, Substring) {
        var used = 0
        var lastBreak: String.Index?
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            used += width(character)
            if used > columns { break }
            if next < text.endIndex, canBreak(between: character, and: text[next]) { lastBreak = next }
            index = next
        }
        if index == text.endIndex { return (String(text), "") }
        // Nowhere to break (one long token): cut where the columns end, at least one character in.
        let cut = lastBreak ?? (index > text.startIndex ? index : text.index(after: index))
        return (String(text[..<cut]).trimmingTrailingSpaces, text[cut...])
    }

    /// Marks a line may not start with, and marks it may not end with.
    static let closing: Set<Character> = ["、", "。", "，", "．", "）", "」", "』", "】", "・", "ー", "：", ":", ",", ".", ")"]
    static let opening: Set<Character> = ["（", "「", "『", "【", "("]

    static func canBreak(between before: Character, and after: Character) -> Bool {
        if after == " " || before == " " { return before != " " || after != " " }
        if closing.contains(after) { return false }
        if opening.contains(before) { return false }
        return isWide(before) || isWide(after)
    }

    static func width(_ text: some StringProtocol) -> Int {
        text.reduce(0) { $0 + width($1) }
    }

    static func width(_ character: Character) -> Int {
        isWide(character) ? 2 : 1
    }

    /// East Asian wide and full-width characters (the ranges a Japanese text uses).
    static func isWide(_ character: Character) -> Bool {
        guard let scalar = character.unicodeScalars.first?.value else { return false }
        return (0x1100...0x115F).contains(scalar) || (0x2E80...0xA4CF).contains(scalar)
            || (0xAC00...0xD7A3).contains(scalar) || (0xF900...0xFAFF).contains(scalar)
            || (0xFE30...0xFE4F).contains(scalar) || (0xFF00...0xFF60).contains(scalar)
            || (0xFFE0...0xFFE6).contains(scalar)
    }
}

private extension String {
    var trimmingTrailingSpaces: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
