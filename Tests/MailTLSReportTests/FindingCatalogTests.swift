import Foundation
import MailTLSCore
import Testing

@testable import MailTLSCheck
@testable import MailTLSReport

@Suite struct FindingCatalogTests {
    /// Every finding reads in both languages with every placeholder filled.
    @Test(arguments: FindingID.allCases)
    func bothLanguagesAndNoLeftoverPlaceholders(id: FindingID) {
        let finding = Finding(id, .warning, port: 587, evidence: "evidence text",
                              parameters: ["days": "3", "date": "2026-01-01T00:00:00Z", "bits": "1024",
                                           "groups": "DH 1024 rfc2409-2 DH_anon", "suites": "TLS_RSA_WITH_AES_128_CBC_SHA"])
        for language in Language.allCases {
            let message = FindingCatalog.message(for: finding, in: language)
            let fix = FindingCatalog.fix(for: finding, in: language)
            #expect(!message.isEmpty && !fix.isEmpty)
            // A placeholder is {name}; Exim's expansions (${if eq{$tls_in_cipher}{}{}{*}}) are settings, not one.
            let placeholder = #"\{[A-Za-z]+\}"#
            #expect(message.range(of: placeholder, options: .regularExpression) == nil
                    && fix.range(of: placeholder, options: .regularExpression) == nil, "\(id) \(language)")
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

@Suite struct EvidenceTextTests {
    @Test(arguments: [
        ("connection refused", "接続拒否"),
        ("no answer to TCP connect within 1 s", "1 秒以内に TCP 接続の応答なし"),
        ("12 days left (notAfter 2026-12-11T00:00:00Z)", "残り 12 日（notAfter 2026-12-11T00:00:00Z）"),
        ("mail.example.com not in [other.example.com]", "mail.example.com は証明書の名前 [other.example.com] に含まれていません"),
        ("no STLS in the capabilities", "機能一覧に STLS なし"),
        ("accepts TLSv1.0, TLSv1.1", "受け付けるバージョン: TLSv1.0, TLSv1.1"),
        ("MAIL FROM before STARTTLS: 250 2.1.0 Ok", "STARTTLS 前の MAIL FROM: 250 2.1.0 Ok"),
        ("TLS handshake failed: connection reset by the server", "TLS ハンドシェイク失敗: サーバーが接続をリセット"),
        ("leaf: RSA 1024 bits", "サーバー証明書: RSA 1024 ビット"),
        ("3 s", "3 秒"),
        ("421 4.7.0 busy", "421 4.7.0 busy"),
    ])
    func japaneseWordsAroundTheData(english: String, japanese: String) {
        #expect(EvidenceText.render(english, .ja) == japanese)
        #expect(EvidenceText.render(english, .en) == english)
    }
}
