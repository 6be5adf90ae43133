import MailTLSAccount

/// Bad input to `setup` and `diagnose`, explained in one line with the fix.
public enum AccountErrorText {
    public static func discovery(_ error: DiscoveryInputError, _ language: Language) -> String {
        switch error {
        case .badAddress(let text):
            LocalizedText(
                en: "'{text}' is not an e-mail address. Give one such as user@example.com.",
                ja: "「{text}」はメールアドレスではありません。user@example.com の形式で指定してください。")(
                    language, ["text": text])
        case .resolver(let problem): UIText.resolverError(problem, language)
        case .caFile(let problem): UIText.caFileError(problem, language)
        }
    }

    public static func diagnosis(_ error: DiagnosisInputError, _ language: Language) -> String {
        switch error {
        case .badAddress(let text): discovery(.badAddress(text), language)
        case .resolver(let problem): UIText.resolverError(problem, language)
        case .caFile(let problem): UIText.caFileError(problem, language)
        }
    }

    public static func unreadablePasswordFile(_ path: String, _ language: Language) -> String {
        LocalizedText(
            en: "Cannot read the password file '{path}'. Give a readable file whose first line is the password.",
            ja: "パスワードファイル「{path}」を読めません。1 行目にパスワードを書いた、読み取り可能なファイルを指定してください。")(
                language, ["path": path])
    }

    public static func missingPasswordVariable(_ name: String, _ language: Language) -> String {
        LocalizedText(
            en: "The environment variable '{name}' is not set. Export it first, or use --password-file.",
            ja: "環境変数「{name}」が設定されていません。先に環境変数を設定するか、--password-file を使ってください。")(
                language, ["name": name])
    }

    public static func noTerminalForPassword(_ language: Language) -> String {
        LocalizedText(
            en: "No terminal to ask for the password. Give --password-file or --password-env.",
            ja: "パスワードを入力できるターミナルがありません。--password-file か --password-env を指定してください。")(language)
    }

    public static func passwordPrompt(_ language: Language) -> String {
        LocalizedText(en: "Password: ", ja: "パスワード: ")(language)
    }
}
