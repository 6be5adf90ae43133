import Foundation
import TestSupport
import Testing

/// Help and command-line errors, run as a user runs them: every command's `--help` in Japanese follows the glossary
/// (no English sentence, no forbidden term, full-width punctuation) and fits a terminal; in English it has no
/// Japanese; ArgumentParser's own errors and our validation errors come in the reader's language.
@Suite struct CommandLineHelpTests {
    static let commands: [[String]] = [
        [], ["demo"], ["check"], ["setup"], ["diagnose"], ["domain"], ["sandbox"], ["sandbox", "serve"],
        ["sandbox", "report"], ["sandbox", "messages"], ["relay"], ["relay", "run"], ["relay", "init"],
        ["relay", "test"], ["relay", "queue"], ["relay", "status"], ["roundtrip"],
    ]

    static var binary: String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("mailtls").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return Glossary.packageRoot.appendingPathComponent(".build/debug/mailtls").path
    }

    func mailtls(_ arguments: [String], lang: String) async -> Subprocess.Result {
        await Subprocess.run(CommandLineHelpTests.binary, arguments, environment: ["LANG": lang], timeout: 30)
    }

    /// The description part of each help line: option names, placeholders and the usage line are the command's
    /// syntax, the same in both languages.
    static func descriptions(_ help: String) -> [String] {
        help.components(separatedBy: "\n").compactMap { row in
            // The default subcommand's mark takes eight columns.
            let line = row.replacingOccurrences(of: "（既定）", with: String(repeating: " ", count: 8))
            if line.hasPrefix("使い方: ") || line.hasPrefix("USAGE: ") { return nil }
            guard line.hasPrefix("  "), !line.hasPrefix("   ") else { return line }
            // A name row: the description from column 26 on, or on the next line when the name is longer.
            let characters = Array(line)
            var column = 0
            for (index, character) in characters.enumerated() {
                if column == 26 {
                    return characters[index - 1] == " " ? String(characters[index...]) : nil
                }
                // A sentence, not a name: "  サブコマンドごとの説明は…".
                if character.isJapaneseGlyph { return line }
                column += 1
            }
            return nil
        }
    }

    @Test(arguments: commands)
    func japaneseHelpFollowsTheGlossary(command: [String]) async throws {
        let result = await mailtls(command + ["--help"], lang: "ja_JP.UTF-8")
        #expect(result.status == 0, "\(result.stderr)")
        let help = result.stdout
        #expect(help.contains("概要: ") || command == ["demo"] || help.contains("使い方: "))
        #expect(help.contains("オプション:"))
        #expect(!help.contains("OPTIONS:") && !help.contains("Show help information."))
        let glossary = try Glossary.shared()
        // Lines joined as one text: a term kept in English (MAIL FROM) may be wrapped across two lines.
        // Defaults and value lists are the command's values, not words of the text.
        let prose = CommandLineHelpTests.descriptions(help).map { $0.trimmingCharacters(in: .whitespaces) }
            .joined(separator: " ")
            .replacingOccurrences(of: "（(既定値|値): [^）]*）", with: "", options: .regularExpression)
        let problems = glossary.problems(inJapanese: prose)
        #expect(problems.isEmpty, "mailtls \(command.joined(separator: " ")) --help:\n\(problems.joined(separator: "\n"))")
        for line in help.components(separatedBy: "\n") {
            let width = line.reduce(0) { $0 + ($1.isJapaneseGlyph ? 2 : 1) }
            #expect(width <= 80, "wider than 80 columns: \(line)")
        }
    }

    @Test(arguments: commands)
    func englishHelpHasNoJapanese(command: [String]) async {
        let result = await mailtls(command + ["--help"], lang: "C")
        #expect(result.status == 0)
        #expect(result.stdout.contains("OPTIONS:"))
        #expect(!result.stdout.contains { $0.isJapaneseGlyph }, "\(result.stdout)")
    }

    /// `--lang` chooses the help's language over `LANG`.
    @Test func langOptionChoosesTheHelpsLanguage() async {
        let japanese = await mailtls(["check", "--lang", "ja", "--help"], lang: "C")
        #expect(japanese.stdout.contains("検査するポートをコンマ区切りで指定します"))
        let english = await mailtls(["check", "--help", "--lang=en"], lang: "ja_JP.UTF-8")
        #expect(english.stdout.contains("Comma-separated ports to check"))
    }

    @Test(arguments: [
        (["check", "mail.example.test", "--bogus"], "オプション --bogus はありません。", "Unknown option '--bogus'"),
        (["check"], "引数 <host> が必要です。", "Missing expected argument '<host>'"),
        (["check", "mail.example.test", "--warn-days"], "--warn-days <warn-days> の値がありません。",
         "Missing value for '--warn-days <warn-days>'"),
        (["check", "mail.example.test", "--warn-days", "soon"], "--warn-days <warn-days> の値「soon」は使えません。",
         "The value 'soon' is invalid for '--warn-days <warn-days>'"),
        (["check", "mail.example.test", "--login-probe", "maybe"], "使える値: cancel, failed-login, off",
         "The value 'maybe' is invalid for '--login-probe"),
        (["check", "a.example.test", "b.example.test"], "余分な引数「b.example.test」があります。",
         "Unexpected argument 'b.example.test'"),
        (["check", "mail.example.test", "--warn-days=-1"], "--warn-days には 0 以上を指定してください。",
         "--warn-days must be 0 or more."),
        (["diagnose", "--host", "mail.example.test", "--port", "2500", "--security", "ssl"],
         "ポート 2500 は標準のメール用ポートではありません。", "Port 2500 is not a standard mail port"),
        (["sandbox", "--cert", "/tmp/x.pem"], "--cert と --key は一緒に指定してください。", "--cert and --key go together."),
    ])
    func errorsComeInTheReadersLanguage(arguments: [String], japanese: String, english: String) async throws {
        let ja = await mailtls(arguments, lang: "ja_JP.UTF-8")
        #expect(ja.status == 3)
        #expect(ja.stderr.contains(japanese), "\(ja.stderr)")
        #expect(ja.stderr.contains("使い方は mailtls --help を参照してください。"))
        // What the user typed is quoted in 「」 (the glossary's rule) and is theirs, not a word of ours.
        let ours = ja.stderr.replacingOccurrences(of: "「[^」]*」", with: "「X0」", options: .regularExpression)
        let problems = try Glossary.shared().problems(inJapanese: ours)
        #expect(problems.isEmpty, "\(ja.stderr)\n\(problems.joined(separator: "\n"))")
        let en = await mailtls(arguments, lang: "C")
        #expect(en.status == 3)
        #expect(en.stderr.contains(english), "\(en.stderr)")
        #expect(!en.stderr.contains { $0.isJapaneseGlyph })
    }
}
