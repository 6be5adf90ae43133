import Testing

@testable import MailTLSCore

/// Software told from behaviour where the greeting hides it, providers told by their published host names, and the
/// evidence kept for the report.
@Suite struct ServerIdentificationTests {
    static func record(greeting: String, capabilities: [String] = [], goAhead: String? = nil) -> DialogueRecord {
        var record = DialogueRecord()
        record.greeting = MailResponse(outcome: .positive, code: "220", lines: [greeting])
        record.capabilitiesBeforeTLS = capabilities
        if let goAhead {
            record.startTLS = .accepted
            record.startTLSGoAhead = MailResponse(outcome: .positive, code: "220", lines: [goAhead])
        }
        return record
    }

    /// Debian's Exim 4.96 with `smtp_banner` set to hide its name still announces PRDR and says "TLS go ahead".
    @Test func eximBehindAHiddenBannerIsLikely() throws {
        let record = Self.record(greeting: "220 mx.example.com ESMTP",
                                 capabilities: ["SIZE 52428800", "8BITMIME", "PIPELINING", "PRDR", "STARTTLS", "HELP"],
                                 goAhead: "220 TLS go ahead")
        let identification = try #require(ServerIdentification.identify(protocol: .smtp, record: record))
        #expect(identification.software == .exim)
        #expect(identification.confidence == .likely)
        #expect(identification.evidence == [.capability("PRDR"), .startTLSReply("\"220 TLS go ahead\"")])
    }

    @Test func exchangeByItsOwnCapabilities() throws {
        let record = Self.record(greeting: "220 mail.contoso.example",
                                 capabilities: ["SIZE 37748736", "PIPELINING", "DSN", "STARTTLS", "X-ANONYMOUSTLS",
                                                "AUTH NTLM", "X-EXPS GSSAPI NTLM", "8BITMIME", "XRDST"])
        let identification = try #require(ServerIdentification.identify(protocol: .smtp, record: record))
        #expect(identification.software == .exchange)
        #expect(identification.evidence == [.capability("X-ANONYMOUSTLS"), .capability("XRDST"), .capability("X-EXPS")])
    }

    /// Postfix and Sendmail both say "Ready to start TLS"; traits of two programs at once name neither.
    @Test(arguments: [
        (["PIPELINING", "SIZE 10240000", "VRFY", "ETRN", "STARTTLS"], "220 2.0.0 Ready to start TLS"),
        (["PRDR", "X-ANONYMOUSTLS"], "220 2.0.0 Ready to start TLS"),
    ])
    func sharedOrConflictingTraitsNameNothing(capabilities: [String], goAhead: String) {
        let record = Self.record(greeting: "220 mx.example.com ESMTP", capabilities: capabilities, goAhead: goAhead)
        #expect(ServerIdentification.identify(protocol: .smtp, record: record) == nil)
    }

    @Test func aNamedGreetingWinsAndKeepsAgreeingTraits() throws {
        let record = Self.record(greeting: "220 mx.example.com ESMTP Exim 4.96", capabilities: ["PRDR"])
        let identification = try #require(ServerIdentification.identify(protocol: .smtp, record: record))
        #expect(identification.software == .exim && identification.confidence == .named)
        #expect(identification.evidence == [.greetingNames("Exim"), .capability("PRDR")])
    }

    @Test func dovecotIMAPByLoginReferrals() throws {
        var record = DialogueRecord()
        record.greeting = MailResponse(outcome: .positive, lines: ["* OK IMAP server ready"])
        record.capabilitiesBeforeTLS = ["IMAP4rev1", "SASL-IR", "LOGIN-REFERRALS", "ID", "ENABLE", "IDLE", "STARTTLS"]
        let identification = try #require(ServerIdentification.identify(protocol: .imap, record: record))
        #expect(identification.software == .dovecot && identification.confidence == .likely)
    }

    @Test func pop3ImplementationNamesTheSoftware() throws {
        var record = DialogueRecord()
        record.greeting = MailResponse(outcome: .positive, lines: ["+OK pop.example.com server ready"])
        record.capabilitiesBeforeTLS = ["TOP", "UIDL", "IMPLEMENTATION Cyrus POP3 3.2.6", "STLS"]
        let identification = try #require(ServerIdentification.identify(protocol: .pop3, record: record))
        #expect(identification.software == .cyrus && identification.confidence == .named)
        #expect(identification.evidence == [.implementationNames("\"Cyrus POP3 3.2.6\"")])
    }

    @Test(arguments: [
        ("smtp.office365.com", HostedProvider.microsoft365), ("outlook.office365.com.", .microsoft365),
        ("contoso-com.mail.protection.outlook.com", .microsoft365), ("smtp.gmail.com", .google),
        ("imap.mail.yahoo.co.jp", .yahooJapan), ("smtp.ocn.ne.jp", .ocn), ("SMTP.BIGLOBE.NE.JP", .biglobe),
        ("mail.nifty.com", .nifty), ("sv1234.xserver.jp", .xserver), ("example.sakura.ne.jp", .sakura),
    ])
    func providersByTheirPublishedHostNames(host: String, provider: HostedProvider) {
        #expect(HostedProvider.identify(hostName: host)?.provider == provider)
    }

    @Test(arguments: ["notgmail.com", "gmail.com.evil.example", "office365.com.example", "mail.example.com", ""])
    func otherNamesAreNoProvider(host: String) {
        #expect(HostedProvider.identify(hostName: host) == nil)
    }

    @Test func aProviderHostWithANamedGreeting() throws {
        let record = Self.record(greeting: "220 TYAPR01CA0001.outlook.office365.com Microsoft ESMTP MAIL Service ready")
        let identification = try #require(ServerIdentification.identify(
            protocol: .smtp, record: record, hostNames: ["smtp.office365.com"]))
        #expect(identification.software == .exchange && identification.provider == .microsoft365)
        #expect(identification.evidence == [.hostName("smtp.office365.com"), .greetingNames("Microsoft Exchange")])
    }

    @Test func aProviderWhoseSoftwareIsNotShown() throws {
        let record = Self.record(greeting: "220 smtp.ocn.ne.jp ESMTP")
        let identification = try #require(ServerIdentification.identify(
            protocol: .smtp, record: record, hostNames: ["smtp.ocn.ne.jp", "smtp.ocn.ne.jp"]))
        #expect(identification.software == nil && identification.provider == .ocn)
        #expect(identification.confidence == .named)
    }

    /// A hostile server's endless capability list and go-ahead are read only as far as the bounds.
    @Test func hostileCapabilitiesAreBounded() {
        let flood = Array(repeating: String(repeating: "A", count: 10_000), count: 10_000) + ["PRDR"]
        let record = Self.record(greeting: "220 x", capabilities: flood,
                                 goAhead: "220 " + String(repeating: "x", count: 100_000) + " TLS go ahead")
        #expect(ServerIdentification.identify(protocol: .smtp, record: record) == nil)
    }
}
