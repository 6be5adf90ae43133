import Foundation
import MailTLSCore
import MailTLSSessions
import TestSupport
import Testing

@testable import MailTLSReport
@testable import MailTLSSandbox

/// What a device connection was refused or cut short for, as the sandbox's and the relay's live lines say it: English
/// is the problem's own words, Japanese is made from the same value, and peer text stays escaped in both.
@Suite struct ConnectionProblemTextTests {
    static let every: [ConnectionProblem] = [
        .lineTooLong(limit: 4096), .commandTooLong, .tooManyErrors, .tlsHandshakeWithoutSTARTTLS,
        .pipelinedAfterSTARTTLS(bytes: 23), .plaintextWhereTLSExpected(sample: "{sample}"), .idleTimeout,
        .sessionDeadline(seconds: 3), .tooManyConnections, .clientNetworkNotAllowed, .mailWithoutTLS,
        .mailWithoutLogin, .senderNotAllowed(address: "{address}"), .recipientDomainNotAllowed(address: "{address}"),
        // The store's own words are data in a Japanese line: placeholders here.
        .messageRefused(reply: "{reply}"), .messageNotStored(reason: .lowDiskSpace(freeBytes: 4096)),
        .messageNotStored(reason: .tooLarge), .messageNotStored(reason: .writerClosed),
        .messageNotStored(reason: .systemError("{words}")), .messageNotStored(reason: .unknown),
    ]

    @Test(arguments: every)
    func japaneseIsItsOwnAndFollowsTheGlossary(problem: ConnectionProblem) throws {
        #expect(ConnectionProblemText.render(problem, .en) == problem.description)
        let japanese = ConnectionProblemText.render(problem, .ja)
        #expect(japanese != problem.description)
        #expect(japanese.contains { $0.isJapaneseGlyph }, "\(japanese)")
        #expect(try Glossary.shared().problems(inJapanese: Glossary.placeholdersMarked(japanese)).isEmpty, "\(japanese)")
    }

    @Test func peerTextStaysEscaped() {
        for problem in [ConnectionProblem.recipientDomainNotAllowed(address: "x\u{1B}]0;pwned\u{07}@evil.test"),
                        .legacy("\u{1B}[31mred"), .plaintextWhereTLSExpected(sample: "\u{9B}2J")] {
            for language in Language.allCases {
                let text = ConnectionProblemText.render(problem, language)
                #expect(!text.unicodeScalars.contains { PeerText.isUnsafe($0) }, "\(problem) \(language)")
            }
        }
    }

    /// The live line: refusals marked as such, the rest in brackets, each in the reader's language.
    @Test func theLiveLineSaysWhatWasRefused() {
        var report = ConnectionReport(
            startedAt: "2026-12-07T09:00:00Z", durationMs: 12, clientAddress: "192.0.2.1", clientPort: 40000,
            serverPort: 2525, protocol: "smtp", mode: "starttls", portTest: "standard", allowedVersions: "x",
            offer: nil, negotiatedVersion: nil, negotiatedCipher: nil, handshakeError: nil, startTLS: "not-used",
            commandsBeforeTLS: ["EHLO"], credentialsBeforeTLS: false, authentications: [], messages: [],
            certificateValidation: .unknown,
            problems: [.recipientDomainNotAllowed(address: "c@evil.test"), .idleTimeout])
        let english = SandboxText(language: .en, color: false).liveLine(report)
        #expect(english.hasSuffix("  refused: recipient domain not allowed: c@evil.test  (idle timeout)"), "\(english)")
        let japanese = SandboxText(language: .ja, color: false).liveLine(report)
        #expect(japanese.hasSuffix("  拒否: 許可されていない宛先ドメイン: c@evil.test  (無通信のため切断)"), "\(japanese)")
        #expect(RelayText(language: .ja, color: false).connectionLine(report) == japanese)
        report.problems = []
        #expect(!SandboxText(language: .en, color: false).liveLine(report).contains("refused"))
    }
}
