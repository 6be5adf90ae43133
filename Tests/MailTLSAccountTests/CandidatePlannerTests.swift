import MailTLSCore
import MailTLSDNS
import MailTLSSetup
import Testing

@testable import MailTLSAccount

@Suite struct CandidatePlannerTests {
    @Test func srvRecordsBecomeCandidatesByPriorityAndADotMeansNotOffered() {
        let answers: [String: [SRVRecord]] = [
            "_submissions._tcp": [SRVRecord(priority: 10, weight: 1, port: 465, target: "backup.example.test."),
                                  SRVRecord(priority: 0, weight: 1, port: 465, target: "mail.example.test.")],
            "_imap._tcp": [SRVRecord(priority: 0, weight: 0, port: 0, target: ".")],
            "_imaps._tcp": [SRVRecord(priority: 0, weight: 1, port: 993, target: "MAIL.example.test.")],
        ]
        let candidates = CandidatePlanner.candidates(fromSRV: answers, domain: "example.test")
        #expect(candidates.map(\.setting.hostname) == ["mail.example.test", "backup.example.test", "mail.example.test"])
        #expect(candidates.map(\.setting.port) == [465, 465, 993])
        #expect(candidates.map(\.setting.socketType) == [.implicitTLS, .implicitTLS, .implicitTLS])
        #expect(candidates.map(\.setting.kind) == [.smtp, .smtp, .imap])
        #expect(candidates.allSatisfy { $0.source == .srv })
        #expect(candidates[2].origin == "_imaps._tcp.example.test")
    }

    @Test func guessesFollowThunderbirdsOrderForTheMissingKindsOnly() {
        let smtp = CandidatePlanner.guesses(for: "example.test", kinds: [.smtp])
        #expect(smtp.map(\.origin) == ["smtp.example.test:465", "smtp.example.test:587", "mail.example.test:465",
                                       "mail.example.test:587", "example.test:465", "example.test:587"])
        let incoming = CandidatePlanner.guesses(for: "example.test", kinds: [.imap, .pop3])
        #expect(incoming.first?.origin == "imap.example.test:993")
        #expect(incoming.contains { $0.origin == "pop.example.test:995" })
        #expect(!incoming.contains { $0.setting.kind == .smtp })
        #expect(incoming.allSatisfy { $0.setting.socketType != .plaintext })
    }

    @Test(arguments: [
        ([MXRecord(preference: 10, exchange: "mx1.mail.provider.test.")], "example.test", "mail.provider.test"),
        ([MXRecord(preference: 20, exchange: "b.provider.test"), MXRecord(preference: 5, exchange: "a.host.test")],
         "example.test", "host.test"),
        ([MXRecord(preference: 10, exchange: "mail.example.test.")], "example.test", nil),
        ([MXRecord(preference: 0, exchange: ".")], "example.test", nil),
        ([MXRecord(preference: 10, exchange: "localhost.")], "example.test", nil),
    ] as [([MXRecord], String, String?)])
    func theMXDomain(records: [MXRecord], domain: String, expected: String?) {
        #expect(CandidatePlanner.mxDomain(of: records, addressDomain: domain) == expected)
    }
}

@Suite struct RecommendationBuilderTests {
    func verified(_ kind: MailProtocol, _ host: String, _ port: Int, _ socketType: SecurityMode, _ source: DiscoverySource,
                  works: Bool = true, mechanisms: [String] = ["PLAIN", "LOGIN"]) -> VerifiedCandidate {
        VerifiedCandidate(
            candidate: Candidate(setting: ServerSetting(kind: kind, hostname: host, port: port, socketType: socketType,
                                                        authentication: [.passwordEncrypted], username: "%EMAILLOCALPART%"),
                                 source: source, origin: "test"),
            observation: nil, failure: works ? nil : .transport(.refused), mechanisms: mechanisms)
    }

    @Test func theBestSourceWinsThenSSLTLSThenTheSourcesOrder() {
        let recommendation = RecommendationBuilder.build(address: "user@example.test", verified: [
            verified(.smtp, "guess.example.test", 465, .implicitTLS, .guess),
            verified(.smtp, "srv.example.test", 587, .startTLS, .srv),
            verified(.smtp, "srv.example.test", 465, .implicitTLS, .srv),
            verified(.smtp, "auto.example.test", 587, .startTLS, .autoconfig),
            verified(.imap, "auto.example.test", 993, .implicitTLS, .autoconfig, works: false),
            verified(.imap, "srv.example.test", 143, .startTLS, .srv),
            verified(.pop3, "auto.example.test", 995, .implicitTLS, .autoconfig),
        ])
        #expect(recommendation.outgoing?.hostname == "auto.example.test", "autoconfig wins over SRV and guesses")
        #expect(recommendation.outgoing?.authentication == [.passwordEncrypted], "published authentication is kept")
        #expect(recommendation.outgoing?.username == "%EMAILLOCALPART%")
        #expect(recommendation.incoming?.kind == .imap, "IMAP before POP3, even from a lesser source")
        #expect(recommendation.incoming?.hostname == "srv.example.test")
        #expect(recommendation.incoming?.authentication == [.passwordCleartext], "SRV: from the server's AUTH")
        #expect(recommendation.incomingAlternative?.kind == .pop3)
        #expect(recommendation.deviceProfile?.withoutSTARTTLS?.port == 465)
        #expect(recommendation.deviceProfile?.withoutSTARTTLS?.hostname == "srv.example.test")
    }

    @Test func nothingWorkingMeansNothingRecommended() {
        let recommendation = RecommendationBuilder.build(address: "user@example.test", verified: [
            verified(.smtp, "mail.example.test", 587, .startTLS, .guess, works: false),
        ])
        #expect(recommendation.incoming == nil && recommendation.outgoing == nil)
        #expect(recommendation.deviceProfile == nil)
    }

    @Test func legacyTLSOnTheSubmissionServerIsReported() {
        let candidates = [verified(.smtp, "mail.example.test", 587, .startTLS, .srv)]
        let legacy = RecommendationBuilder.build(address: "a@example.test", verified: candidates,
                                                 outgoingVersions: [.tls10, .tls11, .tls12, .tls13])
        #expect(legacy.deviceProfile?.legacyTLSAccepted == true)
        #expect(legacy.deviceProfile?.oldestTLSVersion == "TLSv1.0")
        #expect(legacy.deviceProfile?.withoutSTARTTLS == nil)
        let modern = RecommendationBuilder.build(address: "a@example.test", verified: candidates,
                                                 outgoingVersions: [.tls12, .tls13])
        #expect(modern.deviceProfile?.legacyTLSAccepted == false)
    }

    @Test(arguments: [
        (["PLAIN", "LOGIN"], [AuthenticationKind.passwordCleartext]),
        (["CRAM-MD5"], [.passwordEncrypted]),
        (["XOAUTH2", "OAUTHBEARER"], [.oauth2]),
        (["PLAIN", "XOAUTH2"], [.passwordCleartext, .oauth2]),
        ([], [.passwordCleartext]),
    ])
    func authenticationFromMechanisms(mechanisms: [String], expected: [AuthenticationKind]) {
        #expect(RecommendationBuilder.authentication(from: mechanisms) == expected)
    }
}

/// A published file cannot make `setup` probe any number of hosts.
@Suite struct CandidateLimitTests {
    @Test func aFileListingSixtyServersYieldsThreePerKind() {
        let incoming = (0..<60).map {
            ServerSetting(kind: $0.isMultiple(of: 2) ? .imap : .pop3, hostname: "h\($0).example.test", port: 993,
                          socketType: .implicitTLS)
        }
        let outgoing = (0..<60).map {
            ServerSetting(kind: .smtp, hostname: "s\($0).example.test", port: 465, socketType: .implicitTLS)
        }
        let config = ProviderConfig(id: "example.test", domains: ["example.test"], displayName: nil,
                                    incoming: incoming, outgoing: outgoing)
        let candidates = CandidatePlanner.candidates(from: config, source: .autoconfig, origin: "test")
        #expect(candidates.count == 3 * CandidatePlanner.maximumPerKind)
        #expect(candidates.filter { $0.setting.kind == .imap }.map(\.setting.hostname)
            == ["h0.example.test", "h2.example.test", "h4.example.test"], "the file's order, first ones kept")
    }

    @Test func manySRVRecordsAreCappedToo() {
        let records = (0..<40).map { SRVRecord(priority: UInt16($0), weight: 0, port: 993, target: "i\($0).example.test.") }
        let candidates = CandidatePlanner.candidates(fromSRV: ["_imaps._tcp": records], domain: "example.test")
        #expect(candidates.count == CandidatePlanner.maximumPerKind)
    }
}
