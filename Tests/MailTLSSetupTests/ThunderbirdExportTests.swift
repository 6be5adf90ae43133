import Testing

@testable import MailTLSSetup

@Suite struct ThunderbirdExportTests {
    static let imap = ServerSetting(kind: .imap, hostname: "imap.example.com", port: 993, socketType: .implicitTLS,
                                    authentication: [.passwordCleartext, .passwordEncrypted])
    static let pop3 = ServerSetting(kind: .pop3, hostname: "pop.example.com", port: 995, socketType: .implicitTLS,
                                    username: "%EMAILLOCALPART%")
    static let submission = ServerSetting(kind: .smtp, hostname: "smtp.example.com", port: 587,
                                          socketType: .startTLS, authentication: [.passwordCleartext])

    static let recommendations: [AccountRecommendation] = [
        AccountRecommendation(address: "taro@example.com", displayName: "Taro Yamada", incoming: imap,
                              incomingAlternative: pop3, outgoing: submission),
        AccountRecommendation(address: "hanako@Example.COM", displayName: "", incoming: pop3, outgoing: submission),
        AccountRecommendation(address: "a@example.com", displayName: #"<Evil & "Co"> 'x'"#,
                              incoming: ServerSetting(kind: .imap, hostname: "imap.example.com", port: 143,
                                                      socketType: .startTLS, authentication: [.oauth2, .none],
                                                      username: "user&<name>\"%EMAILDOMAIN%\""),
                              outgoing: ServerSetting(kind: .smtp, hostname: "192.0.2.25", port: 25,
                                                      socketType: .plaintext, authentication: [.clientIPAddress],
                                                      username: "")),
        AccountRecommendation(address: "scanner@example.com", displayName: "MFP",
                              outgoing: ServerSetting(kind: .smtp, hostname: "smtp.example.com", port: 465,
                                                      socketType: .implicitTLS)),
    ]

    /// What the parser reads back is what was exported: the same servers in the same order.
    @Test(arguments: recommendations)
    func roundTripsThroughTheParser(recommendation: AccountRecommendation) throws {
        let text = ThunderbirdExport.configXML(for: recommendation)
        let parsed = try AutoconfigParser.parse(Array(text.utf8)).get()
        let domain = recommendation.address.split(separator: "@").last.map { $0.lowercased() } ?? ""
        #expect(parsed.skipped.isEmpty)
        #expect(parsed.config.id == domain)
        #expect(parsed.config.domains == [domain])
        #expect(parsed.config.displayName == (recommendation.displayName.isEmpty ? domain : recommendation.displayName))
        let incoming = [recommendation.incoming, recommendation.incomingAlternative].compactMap { $0 }
        #expect(parsed.config.incoming == incoming)
        #expect(parsed.config.outgoing == [recommendation.outgoing].compactMap { $0 })
    }

    @Test func writesTheFileFormatThunderbirdExpects() {
        let text = ThunderbirdExport.configXML(for: Self.recommendations[0])
        #expect(text.hasPrefix(#"<?xml version="1.0" encoding="UTF-8"?>"#))
        #expect(text.contains(#"<clientConfig version="1.1">"#))
        #expect(text.contains(#"<emailProvider id="example.com">"#))
        #expect(text.contains("<domain>example.com</domain>"))
        #expect(text.contains("<displayName>Taro Yamada</displayName>"))
        #expect(text.contains(#"<incomingServer type="imap">"#) && text.contains(#"<incomingServer type="pop3">"#))
        #expect(text.contains(#"<outgoingServer type="smtp">"#))
        #expect(text.contains("<socketType>SSL</socketType>") && text.contains("<socketType>STARTTLS</socketType>"))
        #expect(text.contains("<authentication>password-cleartext</authentication>\n"
                              + "      <authentication>password-encrypted</authentication>"))
        let imapAt = text.range(of: "imap.example.com")?.lowerBound
        let popAt = text.range(of: "pop.example.com")?.lowerBound
        let smtpAt = text.range(of: "smtp.example.com")?.lowerBound
        #expect(imapAt != nil && popAt != nil && smtpAt != nil)
        if let imapAt, let popAt, let smtpAt { #expect(imapAt < popAt && popAt < smtpAt) }
    }

    @Test func keepsUsernamePlaceholders() {
        let text = ThunderbirdExport.configXML(for: Self.recommendations[0])
        #expect(text.contains("<username>%EMAILADDRESS%</username>"))
        #expect(text.contains("<username>%EMAILLOCALPART%</username>"))
        #expect(!text.contains("taro@"))
    }

    @Test func escapesEveryValue() {
        let text = ThunderbirdExport.configXML(for: Self.recommendations[2])
        #expect(text.contains("<displayName>&lt;Evil &amp; &quot;Co&quot;&gt; &#39;x&#39;</displayName>"))
        #expect(text.contains("<username>user&amp;&lt;name&gt;&quot;%EMAILDOMAIN%&quot;</username>"))
        #expect(!text.contains("<Evil"))
    }

    @Test func controlCharactersCannotBreakTheDocument() throws {
        var recommendation = Self.recommendations[0]
        recommendation.displayName = "Bell\u{07} and NUL\u{00}"
        let text = ThunderbirdExport.configXML(for: recommendation)
        let parsed = try AutoconfigParser.parse(Array(text.utf8)).get()
        #expect(parsed.config.displayName == "Bell\u{FFFD} and NUL\u{FFFD}")
    }

    @Test func omitsAnEmptyUsername() {
        let text = ThunderbirdExport.configXML(for: Self.recommendations[2])
        let outgoing = text.components(separatedBy: "<outgoingServer").last ?? ""
        #expect(!outgoing.contains("<username>"))
    }
}
