import Foundation
import MailTLSSetup
import Testing

@testable import MailTLSReport

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite struct SettingsSheetTests {
    static let imap = ServerSetting(kind: .imap, hostname: "imap.example.com", port: 993, socketType: .implicitTLS,
                                    authentication: [.passwordCleartext], username: "%EMAILLOCALPART%")
    static let pop3 = ServerSetting(kind: .pop3, hostname: "pop.example.com", port: 995, socketType: .implicitTLS)
    static let submission = ServerSetting(kind: .smtp, hostname: "smtp.example.com", port: 587,
                                          socketType: .startTLS)
    static let implicitSubmission = ServerSetting(kind: .smtp, hostname: "smtp.example.com", port: 465,
                                                  socketType: .implicitTLS)

    static func recommendation(displayName: String = "Taro Yamada", alternative: ServerSetting? = pop3,
                               device: DeviceProfile? = DeviceProfile(withoutSTARTTLS: implicitSubmission,
                                                                      oldestTLSVersion: "TLS 1.2",
                                                                      legacyTLSAccepted: false))
        -> AccountRecommendation {
        AccountRecommendation(address: "taro@example.com", displayName: displayName, incoming: imap,
                              incomingAlternative: alternative, outgoing: submission, deviceProfile: device)
    }

    /// The page read as XML: the elements in document order, the text of each `h2` heading, and each `tr` row as
    /// "label|value".
    final class PageOutline: NSObject, XMLParserDelegate {
        var elements: [String] = []
        var attributes: [String: [String: String]] = [:]
        var rows: [String] = []
        var headings: [String] = []
        var allText = ""
        private var current = ""
        private var capturing: String?

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
            elements.append(elementName)
            if attributes[elementName] == nil { attributes[elementName] = attributeDict }
            if elementName == "tr" || elementName == "h2" {
                capturing = elementName
                current = ""
            } else if capturing == "tr" && elementName == "td" {
                current += "|"
            }
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
                    qualifiedName qName: String?) {
            guard elementName == capturing else { return }
            if elementName == "tr" { rows.append(current) } else { headings.append(current) }
            capturing = nil
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            allText += string
            if capturing != nil { current += string }
        }
    }

    /// Parses the page as XML (after its HTML5 doctype) and fails the test if it is not well-formed.
    static func outline(_ page: String) throws -> PageOutline {
        let doctype = "<!DOCTYPE html>\n"
        #expect(page.hasPrefix(doctype))
        let parser = XMLParser(data: Data(page.dropFirst(doctype.count).utf8))
        let outline = PageOutline()
        parser.delegate = outline
        let finished = parser.parse()
        #expect(finished && parser.parserError == nil, "not well-formed: \(String(describing: parser.parserError))")
        return outline
    }

    @Test(arguments: Language.allCases)
    func pageIsWellFormedAndSelfContained(language: Language) throws {
        let page = SettingsSheet.render(Self.recommendation(), language: language, generatedAt: "2026-04-01T09:00:00Z",
                                        notes: ["Verified by a real login."])
        let outline = try Self.outline(page)
        #expect(outline.elements.first == "html")
        #expect(outline.attributes["html"]?["lang"] == language.rawValue)
        #expect(outline.attributes["meta"]?["charset"] == "utf-8")
        #expect(outline.elements.contains("style") && outline.elements.contains("title"))
        #expect(!outline.elements.contains("script") && !outline.elements.contains("link"))
        #expect(!outline.elements.contains("img") && !outline.elements.contains("input"))
        #expect(!page.contains("http://") && !page.contains("https://"))
        #expect(page.contains("@media print"))
        // Every tag is closed: XMLParser above refuses unbalanced tags; count them as well, for a parser that does not.
        for tag in ["section", "table", "tr", "th", "td", "h2", "p", "ul", "li", "code"] {
            func count(_ piece: String) -> Int { page.components(separatedBy: piece).count - 1 }
            #expect(count("<\(tag)>") + count("<\(tag) ") == count("</\(tag)>"), "\(tag) in \(language)")
        }
    }

    @Test func japanesePageUsesTheGuideTerms() throws {
        let page = SettingsSheet.render(Self.recommendation(), language: .ja, generatedAt: "2026-04-01 09:00",
                                        notes: ["実際のログインで確認済み。"])
        let outline = try Self.outline(page)
        for term in ["受信サーバー", "送信サーバー", "サーバー名", "ポート", "暗号化方式", "認証方式", "ユーザー名",
                     "パスワード", "複合機", "RFC 8314"] {
            #expect(outline.allText.contains(term), "\(term)")
        }
        #expect(outline.rows.contains("暗号化方式|SSL/TLS"))
        #expect(outline.rows.contains("暗号化方式|STARTTLS"))
        #expect(outline.headings.contains("受信サーバー（IMAP）"))
        #expect(outline.headings.contains("受信サーバー（別の方法: POP3）"))
        #expect(outline.headings.contains("送信サーバー（SMTP）"))
        for english in ["Incoming", "Outgoing", "Hostname", "Port", "Encryption", "Username", "Password", "password",
                        "relay", "Notes", "Made by"] {
            #expect(!outline.allText.contains(english), "untranslated: \(english)")
        }
    }

    @Test func englishPageHasNoJapanese() throws {
        let page = SettingsSheet.render(Self.recommendation(), language: .en, generatedAt: "2026-04-01 09:00",
                                        notes: ["note"])
        let outline = try Self.outline(page)
        let japanese = outline.allText.unicodeScalars.filter {
            (0x3000...0x9FFF).contains($0.value) || (0xFF00...0xFFEF).contains($0.value)
        }
        #expect(japanese.isEmpty, "untranslated: \(String(String.UnicodeScalarView(japanese)))")
        #expect(outline.headings.contains("Incoming server (IMAP)"))
        #expect(outline.headings.contains("Outgoing server (SMTP)"))
        #expect(outline.rows.contains("Hostname|imap.example.com"))
        #expect(outline.rows.contains("Port|993"))
        #expect(outline.rows.contains("Encryption|SSL/TLS"))
        #expect(outline.rows.contains("Authentication|Normal password"))
        #expect(outline.rows.contains("Username|taro"), "placeholder resolved for the address")
        #expect(outline.rows.contains("Username|taro@example.com"))
    }

    /// The password row names where the password goes and never holds one.
    @Test(arguments: Language.allCases)
    func noPasswordIsPrinted(language: Language) throws {
        let page = SettingsSheet.render(Self.recommendation(), language: language, generatedAt: "x")
        let outline = try Self.outline(page)
        let label = SettingsSheet.Text.password(language)
        let passwordRows = outline.rows.filter { $0.hasPrefix(label + "|") }
        #expect(passwordRows.count == 4, "incoming, alternative, outgoing and the device table")
        #expect(passwordRows.allSatisfy { $0 == label + "|" + SettingsSheet.Text.accountPassword(language) })
    }

    @Test(arguments: Language.allCases)
    func hostileValuesAreEscaped(language: Language) throws {
        let name = #"<script>alert("x")</script> & 'co' {address}"#
        let note = "<b>bold</b> & \"quoted\""
        let time = "<i>now</i>"
        let page = SettingsSheet.render(Self.recommendation(displayName: name), language: language, generatedAt: time,
                                        notes: [note])
        #expect(!page.contains("<script") && !page.contains("<b>") && !page.contains("<i>"))
        #expect(page.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39; {address}"))
        let outline = try Self.outline(page)
        #expect(outline.allText.contains(name))
        #expect(outline.allText.contains(note))
        #expect(outline.allText.contains(time))
    }

    @Test(arguments: Language.allCases)
    func deviceSectionExplainsTheRelay(language: Language) throws {
        let refusingPage = SettingsSheet.render(Self.recommendation(), language: language, generatedAt: "x")
        let refusing = try Self.outline(refusingPage)
        let implicitTLS = SettingsSheet.Text.withoutSTARTTLS(language, ["port": "465", "security": "SSL/TLS"])
        #expect(refusing.headings.contains(SettingsSheet.Text.deviceHeading(language)))
        #expect(refusing.allText.contains(implicitTLS))
        #expect(refusing.rows.filter { $0.hasSuffix("|465") }.count == 1)
        #expect(refusing.allText.contains(SettingsSheet.Text.legacyNeedsRelay(language)))
        #expect(refusing.allText.contains("TLS 1.2"))

        let accepting = DeviceProfile(withoutSTARTTLS: nil, oldestTLSVersion: nil, legacyTLSAccepted: true)
        let page = SettingsSheet.render(Self.recommendation(device: accepting), language: language, generatedAt: "x")
        let outline = try Self.outline(page)
        #expect(!outline.allText.contains(SettingsSheet.Text.legacyNeedsRelay(language)))
        #expect(outline.allText.contains(SettingsSheet.Text.legacyAccepted(language)))
        #expect(outline.allText.contains(SettingsSheet.Text.noImplicitTLS(language)))
        #expect(!outline.rows.contains { $0.hasSuffix("|465") })
    }

    @Test func optionalSectionsAppearOnlyWhenThereIsSomethingToSay() throws {
        let bare = try Self.outline(SettingsSheet.render(Self.recommendation(alternative: nil, device: nil),
                                                         language: .en, generatedAt: "x"))
        #expect(bare.headings == ["Incoming server (IMAP)", "Outgoing server (SMTP)"])
        #expect(!bare.elements.contains("ul"))

        let empty = AccountRecommendation(address: "taro@example.com", displayName: "")
        let none = try Self.outline(SettingsSheet.render(empty, language: .en, generatedAt: "x"))
        #expect(none.allText.contains(SettingsSheet.Text.noIncoming(.en)))
        #expect(none.allText.contains(SettingsSheet.Text.noOutgoing(.en)))
        #expect(!none.rows.contains { $0.hasPrefix("Hostname|") })
    }

    @Test(arguments: Language.allCases)
    func whyLineCitesRFC8314AndFooterTheTime(language: Language) throws {
        let page = SettingsSheet.render(Self.recommendation(), language: language,
                                        generatedAt: "2026-04-01T09:00:00Z", notes: ["first", "second"])
        let outline = try Self.outline(page)
        #expect(outline.allText.contains("RFC 8314"))
        #expect(outline.allText.contains("2026-04-01T09:00:00Z"))
        #expect(outline.elements.filter { $0 == "li" }.count == 2)
        #expect(outline.headings.last == SettingsSheet.Text.notes(language))
    }
}
