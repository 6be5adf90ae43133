import MailTLSCore
import Testing

@testable import MailTLSCheck
@testable import MailTLSReport

@Suite struct FindingCatalogTests {
    /// Every finding reads in both languages with every placeholder filled.
    @Test(arguments: FindingID.allCases)
    func bothLanguagesAndNoLeftoverPlaceholders(id: FindingID) {
        let finding = Finding(id, .warning, port: 587, evidence: "evidence text",
                              parameters: ["days": "3", "date": "2026-01-01T00:00:00Z"])
        for language in Language.allCases {
            let message = FindingCatalog.message(for: finding, in: language)
            let fix = FindingCatalog.fix(for: finding, in: language)
            #expect(!message.isEmpty && !fix.isEmpty)
            #expect(!message.contains("{") && !fix.contains("{"), "\(id) \(language)")
            #expect(message.contains("587"), "\(id) \(language) names the port")
        }
        #expect(FindingCatalog.message(for: finding, in: .ja) != FindingCatalog.message(for: finding, in: .en))
    }

    @Test func japaneseUsesTheGuideTerms() {
        let finding = Finding(.wrongModePlaintextOnTLSPort, .critical, port: 465, evidence: "220 x")
        #expect(FindingCatalog.message(for: finding, in: .ja).contains("SSL/TLS"))
        let cleartext = Finding(.cleartextAuthAllowed, .critical, port: 110, evidence: "-ERR")
        #expect(FindingCatalog.fix(for: cleartext, in: .ja).contains("認証"))
    }

    @Test(arguments: [
        (["LANG": "ja_JP.UTF-8"], Language.ja),
        (["LANG": "en_US.UTF-8"], .en),
        (["LC_ALL": "ja_JP.UTF-8", "LANG": "en_US.UTF-8"], .ja),
        ([:], .en),
    ])
    func languageFromEnvironment(environment: [String: String], expected: Language) {
        #expect(Language.fromEnvironment(environment) == expected)
    }

    @Test func displayWidthCountsWideCharacters() {
        #expect("ポート".displayWidth == 6)
        #expect("ポート".padded(to: 8) == "ポート  ")
        #expect("PORT".displayWidth == 4)
    }
}
