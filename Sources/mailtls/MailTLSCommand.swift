import ArgumentParser
import Foundation
import MailTLSReport

/// `mailtls`: checks, sets up, tests and troubleshoots encrypted e-mail.
@main
struct MailTLSCommand: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "mailtls",
        abstract: "Check, set up, test and troubleshoot encrypted e-mail (SMTP, IMAP, POP3 over STARTTLS and TLS).",
        version: version,
        subcommands: [DemoCommand.self, CheckCommand.self, SetupCommand.self, DiagnoseCommand.self, DomainCommand.self,
                      SandboxCommand.self, RelayCommand.self],
        defaultSubcommand: DemoCommand.self)

    /// Exit codes follow Nagios plugins: 3 means "could not check", also for bad input.
    static let unknownExitCode: Int32 = 3

    static func main() async {
        let language = OutputOptions.languageHint(arguments: CommandLine.arguments)
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
            FileHandle.standardError.write(Data(("mailtls: " + failure.message + "\n").utf8))
            Foundation.exit(unknownExitCode)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                // --help and --version print and exit 0.
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            let text = message(for: error)
            let hint = language == .ja ? "使い方は mailtls --help を参照してください。" : "See mailtls --help."
            FileHandle.standardError.write(Data(("mailtls: \(text)\n\(hint)\n").utf8))
            Foundation.exit(unknownExitCode)
        }
    }
}

/// An error already explained in the user's language; printed as one line, exit 3.
struct UserFacingFailure: Error {
    let message: String
}
