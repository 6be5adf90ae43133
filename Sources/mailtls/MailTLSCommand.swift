import ArgumentParser
import Foundation
import MailTLSReport

/// `mailtls`: checks, sets up, tests and troubleshoots encrypted e-mail.
@main
struct MailTLSCommand: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "mailtls",
        abstract: .en(
            "Check, set up, test and troubleshoot encrypted e-mail (SMTP, IMAP, POP3 over STARTTLS and TLS).",
            ja: "暗号化されたメール（SMTP、IMAP、POP3 の STARTTLS と SSL/TLS）を検査し、設定し、試験し、問題を解決します。"),
        version: version,
        subcommands: [DemoCommand.self, CheckCommand.self, SetupCommand.self, DiagnoseCommand.self, DomainCommand.self,
                      SandboxCommand.self, RelayCommand.self, WatchCommand.self, RoundtripCommand.self],
        defaultSubcommand: DemoCommand.self)

    /// Exit codes follow Nagios plugins: 3 means "could not check", also for bad input.
    static let unknownExitCode: Int32 = 3

    static func main() async {
        let language = CommandLineText.language
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch let failure as UserFacingFailure {
            Console.error("mailtls: " + failure.message)
            Foundation.exit(unknownExitCode)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                // --help and --version print and exit 0; the help in the reader's language.
                let full = fullMessage(for: error)
                if full.contains("USAGE:") {
                    print(CommandLineText.helpMessage(arguments: CommandLine.arguments,
                                                      terminalColumns: terminalColumns()))
                } else {
                    print(full)
                }
                Foundation.exit(0)
            }
            let text = CommandLineText.parseError(message(for: error))
            let hint = language == .ja ? "使い方は mailtls --help を参照してください。" : "See mailtls --help."
            Console.error("mailtls: \(text)\n\(hint)")
            Foundation.exit(unknownExitCode)
        }
    }
}

/// The terminal's width for the help, when standard output is a terminal.
private func terminalColumns() -> Int? {
    var size = winsize()
    guard isatty(STDOUT_FILENO) == 1, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 20 else {
        return nil
    }
    return Int(size.ws_col)
}

/// An error already explained in the user's language; printed as one line, exit 3.
struct UserFacingFailure: Error {
    let message: String
}
