import Foundation
import MailTLSReport

/// What `relay init` and `watch init` do with their template: print it for `-`, else write it (creating the
/// directory), never over an existing file without `--force`.
enum TemplateFile {
    /// Returns false when the template was printed rather than written.
    static func write(_ text: String, to path: String, force: Bool, _ language: Language) throws -> Bool {
        if path == "-" {
            print(text, terminator: "")
            return false
        }
        if FileManager.default.fileExists(atPath: path) && !force {
            throw UserFacingFailure(message: exists(path, language))
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        } catch {
            throw UserFacingFailure(message: unwritable(path, language))
        }
        return true
    }

    static func exists(_ path: String, _ language: Language) -> String {
        language == .ja ? "「\(path.peerSafe)」は既にあります。上書きするには --force を、別の場所には --output を指定してください。"
            : "\(path.peerSafe) already exists. Use --force to replace it, or --output for another place."
    }

    static func unwritable(_ path: String, _ language: Language) -> String {
        language == .ja ? "「\(path.peerSafe)」に書き込めません。パスと権限を確かめてください（/etc/mailtls には root 権限が必要です）。"
            : "Cannot write \(path.peerSafe). Check the path and permissions (/etc/mailtls needs root)."
    }
}
