import Foundation
import MailTLSCheck
import MailTLSCore
import MailTLSEngine
import MailTLSRelay
import MailTLSWeb
import TestSupport
import Testing

@testable import MailTLSReport

/// The relay's problems, as `relay run`, `relay queue`, `relay status` and `relay test` word them: English is the
/// problem's own description (the logs, JSON and failure notices keep it), Japanese is made from the same value.
@Suite struct RelayProblemTextTests {
    static let reply = "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled"
    static let notAfter = Date(timeIntervalSince1970: 1_767_225_600)

    /// One of every credential problem, with data like the relay's.
    static let credentialSamples: [CredentialError] = [
        .environmentVariableNotSet(name: "MAILTLS_UPSTREAM_PASSWORD"),
        .fileMissing(path: "/etc/mailtls/password"),
        .fileReadableByOthers(path: "/etc/mailtls/password"),
        .fileUnreadable(path: "/etc/mailtls/password"),
        .fileEmpty(path: "/etc/mailtls/password"),
        .refreshTokenNotSaved(path: "/etc/mailtls/refresh-token"),
        .noCertificatesInCAFile(path: "/etc/mailtls/token-ca.pem"),
        .tokenRefused(reason: "invalid_client: AADSTS7000215: Invalid client secret provided."),
        .tokenReplyUnusable,
        .tokenEndpointUnreachable(.timeout(seconds: 30)),
        .tokenReplyTooLarge,
    ]

    /// One of every problem (every credential problem among them), with data like the relay's.
    static let samples: [RelayProblem] = [
        .noUpstreamConfigured,
        .unresolvable(host: "smtp.example.com"),
        .noAddress,
        .connectFailed(address: "127.0.0.9", error: .connectionRefused),
        .greetingRefused(reply: "421 4.3.2 Service not available"),
        .ehloRefused(reply: "502 5.5.2 Error: command not recognized"),
        .startTLSNotOffered,
        .startTLSRefused(reply: "454 4.7.0 TLS not available due to local problem"),
        .tlsVersionRefused(minimum: .tls12, error: .closedByPeer(during: "TLS handshake")),
        .tlsFailed(error: .readTimeout(seconds: 60, during: "TLS handshake")),
        .certificateRefused(.selfSigned(subject: "CN=mail.mailtls.test")),
        .certificateRefused(.nameMismatch(checkedName: "smtp.example.com", names: ["mail.example.net"])),
        .certificateRefused(.expired(notAfter: notAfter, daysAgo: 3)),
        .noCertificate,
        .noAuthenticationAfterTLS,
        .plainAndLoginNotOffered(offered: ["CRAM-MD5"]),
        .xoauth2NotOffered(offered: ["PLAIN", "LOGIN"]),
        .authLoginRefused(reply: reply),
        .userNameRefused(reply: reply),
        .loginRefused(reply: reply),
        .noTokenSource,
        .tokenRefused(reply: "535 5.7.3 Authentication unsuccessful"),
        .dialogueFailed(error: .closedByPeer(during: "greeting")),
        .dialogueFailed(error: .oversizedInput(.lineLongerThan(bytes: 4096))),
        .spooledMessageUnreadable,
        .spooledMessageTruncated,
        .spooledContentMissing,
        .upstreamReply("450 4.2.1 Mailbox busy, try again later"),
        .legacy("127.0.0.9: connection refused"),
    ] + credentialSamples.map(RelayProblem.credential)

    /// Where a problem's sample is: a new case does not compile here until it has one.
    static func sampleName(_ problem: RelayProblem) -> String {
        switch problem {
        case .noUpstreamConfigured: "noUpstreamConfigured"
        case .unresolvable: "unresolvable"
        case .noAddress: "noAddress"
        case .connectFailed: "connectFailed"
        case .greetingRefused: "greetingRefused"
        case .ehloRefused: "ehloRefused"
        case .startTLSNotOffered: "startTLSNotOffered"
        case .startTLSRefused: "startTLSRefused"
        case .tlsVersionRefused: "tlsVersionRefused"
        case .tlsFailed: "tlsFailed"
        case .certificateRefused: "certificateRefused"
        case .noCertificate: "noCertificate"
        case .noAuthenticationAfterTLS: "noAuthenticationAfterTLS"
        case .plainAndLoginNotOffered: "plainAndLoginNotOffered"
        case .xoauth2NotOffered: "xoauth2NotOffered"
        case .authLoginRefused: "authLoginRefused"
        case .userNameRefused: "userNameRefused"
        case .loginRefused: "loginRefused"
        case .noTokenSource: "noTokenSource"
        case .tokenRefused: "tokenRefused"
        case .dialogueFailed: "dialogueFailed"
        case .spooledMessageUnreadable: "spooledMessageUnreadable"
        case .spooledMessageTruncated: "spooledMessageTruncated"
        case .spooledContentMissing: "spooledContentMissing"
        case .upstreamReply: "upstreamReply"
        case .legacy: "legacy"
        case .credential(let error):
            switch error {
            case .environmentVariableNotSet: "credential.environmentVariableNotSet"
            case .fileMissing: "credential.fileMissing"
            case .fileReadableByOthers: "credential.fileReadableByOthers"
            case .fileUnreadable: "credential.fileUnreadable"
            case .fileEmpty: "credential.fileEmpty"
            case .refreshTokenNotSaved: "credential.refreshTokenNotSaved"
            case .noCertificatesInCAFile: "credential.noCertificatesInCAFile"
            case .tokenRefused: "credential.tokenRefused"
            case .tokenReplyUnusable: "credential.tokenReplyUnusable"
            case .tokenEndpointUnreachable: "credential.tokenEndpointUnreachable"
            case .tokenReplyTooLarge: "credential.tokenReplyTooLarge"
            }
        }
    }

    @Test func everyCaseHasASample() {
        let names = Set(Self.samples.map(Self.sampleName))
        #expect(names.count == 26 + 11, "\(names.sorted())")
    }

    /// English is the description, word for word: what logs, JSON and failure notices say.
    @Test(arguments: samples)
    func englishIsTheDescription(problem: RelayProblem) {
        #expect(RelayProblemText.render(problem, .en) == problem.description)
    }

    /// Japanese differs from English, except for an earlier relay's text (pure data, shown as it is).
    @Test(arguments: samples)
    func japaneseIsItsOwn(problem: RelayProblem) {
        let japanese = RelayProblemText.render(problem, .ja)
        if case .legacy(let text) = problem {
            #expect(japanese == text)
        } else {
            #expect(japanese != RelayProblemText.render(problem, .en))
            #expect(japanese.contains { $0.isJapaneseGlyph }, "\(japanese)")
        }
    }

    @Test func wordsInJapanese() {
        let expected: [(RelayProblem, String)] = [
            (.connectFailed(address: "127.0.0.9", error: .connectionRefused), "127.0.0.9: 接続拒否"),
            (.startTLSNotOffered,
             "プロバイダーのサーバーが STARTTLS を提供していません。中継サーバーは暗号化なしでは送りません"),
            (.certificateRefused(.selfSigned(subject: "CN=mail.mailtls.test")), "証明書の問題: 自己署名証明書: CN=mail.mailtls.test"),
            (.credential(.fileReadableByOthers(path: "/etc/mailtls/password")),
             "ファイル「/etc/mailtls/password」は他のユーザーも読めます。chmod 600 /etc/mailtls/password を実行してください"),
            (.loginRefused(reply: "535 5.7.8 Error"),
             "プロバイダーのサーバーがログインを拒否しました（サーバーの応答: \"535 5.7.8 Error\"）"),
            (.tlsVersionRefused(minimum: .tls12, error: .connectionRefused),
             "プロバイダーのサーバーは TLS 1.2 以上を提供していません（接続拒否）"),
            (.upstreamReply("450 4.2.1 busy"), "サーバーの応答: \"450 4.2.1 busy\""),
            (.legacy("450 4.2.1 busy"), "サーバーの応答: \"450 4.2.1 busy\""),
            (.legacy("127.0.0.9: connection refused"), "127.0.0.9: connection refused"),
        ]
        for (problem, japanese) in expected {
            #expect(RelayProblemText.render(problem, .ja) == japanese)
        }
        #expect(RelayProblemText.render(.tlsVersionRefused(minimum: .tls12, error: .connectionRefused), .en)
                == "the upstream offers no TLS 1.2 or later (connection refused)")
    }

    /// What a server or a token endpoint said reaches the terminal escaped and quoted, in either language.
    /// What `relay run` says when SIGTERM closes its listeners, in both languages.
    @Test func theStoppingLine() throws {
        let english = RelayText(language: .en, color: false)
        let japanese = RelayText(language: .ja, color: false)
        #expect(english.stoppedAcceptingLine(open: 0, grace: .seconds(30)) == "stopping: new connections are no longer accepted")
        #expect(english.stoppedAcceptingLine(open: 1, grace: .seconds(30))
            == "stopping: new connections are no longer accepted; 1 open connection gets up to 30 s to finish")
        #expect(english.stoppedAcceptingLine(open: 3, grace: .seconds(30)).hasSuffix("; 3 open connections get up to 30 s to finish"))
        let line = japanese.stoppedAcceptingLine(open: 2, grace: .seconds(30))
        #expect(line == "停止中: 新しい接続は受け付けません。接続中の 2 件が終わるのを最大 30 秒待ちます")
        #expect(try Glossary.shared().problems(inJapanese: line).isEmpty)
    }

    @Test func peerWordsAreQuotedAndEscaped() {
        let hostile = "550 5.7.1 \u{1B}[31mred\u{1B}[0m"
        for problem in [RelayProblem.loginRefused(reply: hostile), .upstreamReply(hostile), .legacy(hostile),
                        .credential(.tokenRefused(reason: hostile)), .xoauth2NotOffered(offered: [hostile])] {
            for language in Language.allCases {
                let text = RelayProblemText.render(problem, language)
                #expect(!text.contains("\u{1B}"), "\(problem) \(language)")
            }
            #expect(RelayProblemText.render(problem, .ja).contains("\"550 5.7.1 \\x1B[31mred\\x1B[0m"), "\(problem)")
        }
    }
}
