import Foundation
import MailTLSSetup
import Testing

@testable import MailTLSAccount

/// `mailtls setup` against the loopback internet: every kind of source, each verified by a real connection to the
/// lab's Postfix and Dovecot.
@Suite struct SetupDiscoveryTests {
    func discover(_ address: String, guess: Bool = true) async throws -> DiscoveryReport {
        let internet = try Internet.get()
        let request = DiscoveryRequest(address: address, resolver: internet.resolver, caFile: internet.caFile,
                                       timeouts: .init(connect: 2, read: 10, greeting: 10, overall: 40),
                                       httpTimeout: 5, guess: guess)
        return try await AccountDiscovery().run(request)
    }

    func outcome(_ report: DiscoveryReport, _ source: DiscoverySource) -> SourceOutcome.Result? {
        report.sources.first { $0.source == source }?.result
    }

    @Test func autoconfigWinsOverSRV() async throws {
        let report = try await discover("alice@autoconf.mailtls.test")
        #expect(outcome(report, .autoconfig) == .found(3))
        #expect(outcome(report, .srv) == .found(1), "the SRV record is there, and loses")
        let recommendation = report.recommendation
        #expect(recommendation.incoming == ServerSetting(kind: .imap, hostname: "mail.mailtls.test", port: 993,
                                                         socketType: .implicitTLS, authentication: [.passwordCleartext],
                                                         username: "%EMAILADDRESS%"))
        #expect(recommendation.incomingAlternative?.kind == .pop3)
        #expect(recommendation.incomingAlternative?.port == 995)
        #expect(recommendation.outgoing?.port == 465)
        #expect(recommendation.outgoing?.socketType == .implicitTLS)
        #expect(report.verified.filter(\.works).allSatisfy { $0.candidate.source != .guess })
        #expect(!report.sources.contains { $0.source == .guess }, "nothing is guessed when published settings work")
        #expect(report.exitCode == 0)
    }

    @Test func theWellKnownURLWhenThereIsNoAutoconfigHost() async throws {
        let report = try await discover("alice@wellknown.mailtls.test")
        guard case .notPublished? = outcome(report, .autoconfig) else {
            Issue.record("\(report.sources)")
            return
        }
        #expect(outcome(report, .wellKnown) == .found(3))
        #expect(report.recommendation.incoming?.port == 143)
        #expect(report.recommendation.incoming?.socketType == .startTLS)
        #expect(report.recommendation.outgoing?.port == 587)
        #expect(report.recommendation.outgoing?.socketType == .startTLS)
    }

    @Test func srvRecordsWinOverGuessingAndADotIsNotOffered() async throws {
        let report = try await discover("alice@srv.mailtls.test")
        guard case .found(let count)? = outcome(report, .srv) else {
            Issue.record("\(report.sources)")
            return
        }
        #expect(count == 4)
        let tried = report.verified.map { "\($0.candidate.setting.hostname):\($0.candidate.setting.port)" }
        #expect(!tried.contains { $0.hasSuffix(":143") || $0.hasSuffix(":110") }, "\".\" targets are not tried")
        #expect(report.recommendation.incoming?.port == 993)
        #expect(report.recommendation.outgoing?.port == 465, "SSL/TLS before STARTTLS (RFC 8314)")
        #expect(report.recommendation.outgoing?.authentication == [.passwordCleartext])
        #expect(report.recommendation.incomingAlternative?.port == 995)
    }

    @Test func guessingWhenNothingIsPublished() async throws {
        let report = try await discover("alice@guess.mailtls.test")
        #expect(report.verified.allSatisfy { $0.candidate.source == .guess })
        let mismatch = report.verified.first { $0.candidate.setting.hostname == "mail.guess.mailtls.test" }
        guard case .certificate(.nameMismatch(_, let names))? = mismatch?.failure else {
            Issue.record("mail.guess.mailtls.test: \(String(describing: mismatch?.failure))")
            return
        }
        #expect(names == ["mail.mailtls.test"])
        #expect(report.recommendation.incoming?.hostname == "mail.mailtls.test", "guessed on the MX host's domain")
        #expect(report.recommendation.incoming?.port == 993)
        #expect(report.recommendation.outgoing?.hostname == "mail.mailtls.test")
        #expect(report.recommendation.deviceProfile?.withoutSTARTTLS?.port == 465)
        #expect(report.recommendation.deviceProfile?.legacyTLSAccepted == false)
        #expect(report.recommendation.deviceProfile?.oldestTLSVersion == "TLSv1.2")
    }

    @Test func aPublishedSettingThatDoesNotWorkIsNotRecommended() async throws {
        let report = try await discover("alice@badconfig.mailtls.test")
        let broken = try #require(report.verified.first { $0.candidate.setting.hostname == "imap.badconfig.mailtls.test" })
        #expect(broken.candidate.source == .autoconfig)
        #expect(broken.failure == .transport(.refused))
        #expect(report.recommendation.incoming?.hostname == "mail.mailtls.test")
        #expect(report.recommendation.outgoing?.hostname == "mail.mailtls.test")
        #expect(report.recommendation.outgoing?.port == 465)
    }

    @Test func withoutGuessingNothingMayBeFound() async throws {
        let report = try await discover("alice@guess.mailtls.test", guess: false)
        #expect(report.recommendation.incoming == nil && report.recommendation.outgoing == nil)
        #expect(report.exitCode == 2)
    }

    @Test func aBadAddress() async throws {
        await #expect(throws: DiscoveryInputError.badAddress("not-an-address")) {
            _ = try await discover("not-an-address")
        }
    }
}
