import Foundation
import MailTLSCore
import MailTLSEngine
import Testing

@testable import MailTLSCheck
@testable import MailTLSReport

@Suite struct FindingCatalogTests {
    /// Every finding reads in both languages with every placeholder filled.
    @Test(arguments: FindingID.allCases)
    func bothLanguagesAndNoLeftoverPlaceholders(id: FindingID) {
        let finding = Finding(id, .warning, port: 587, evidence: .data("evidence text"),
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
        let finding = Finding(.wrongModePlaintextOnTLSPort, .critical, port: 465, evidence: .data("220 x"))
        #expect(FindingCatalog.message(for: finding, in: .ja).contains("SSL/TLS"))
        let cleartext = Finding(.cleartextAuthAllowed, .critical, port: 110, evidence: .cleartextLogin(.exchange("-ERR")))
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

/// Check evidence is typed: each language is made from the same value, and the data inside stays as it was.
@Suite struct CheckEvidenceTextTests {
    static let notAfter = Date(timeIntervalSince1970: 1_796_947_200)  // 2026-12-11T00:00:00Z

    @Test(arguments: [
        (Evidence.failure(.connectionRefused), "connection refused", "接続拒否"),
        (.failure(.connectTimeout(seconds: 1)), "no answer to TCP connect within 1 s", "1 秒以内に TCP 接続の応答なし"),
        (.certificate(.expiringSoon(daysLeft: 12, notAfter: notAfter)), "12 days left (notAfter 2026-12-11T00:00:00Z)",
         "残り 12 日（notAfter 2026-12-11T00:00:00Z）"),
        (.certificate(.nameMismatch(checkedName: "mail.example.com", names: ["other.example.com"])),
         "mail.example.com not in [other.example.com]", "mail.example.com は証明書の名前 [other.example.com] に含まれていません"),
        (.fact(.keywordNotInCapabilities("STLS")), "no STLS in the capabilities", "機能一覧に STLS なし"),
        (.fact(.acceptedVersions([.tls10, .tls11])), "accepts TLSv1.0, TLSv1.1", "受け付けるバージョン: TLS 1.0, TLS 1.1"),
        (.fact(.mailBeforeSTARTTLS(reply: "\"250 2.1.0 Ok\"")), "MAIL FROM before STARTTLS: \"250 2.1.0 Ok\"",
         "STARTTLS 前の MAIL FROM: \"250 2.1.0 Ok\""),
        (.failure(.tlsHandshakeFailed(reason: .connectionReset, alert: nil)),
         "TLS handshake failed: connection reset by the server", "TLS ハンドシェイク失敗: サーバーが接続をリセット"),
        (.failure(.oversizedInput(.lineLongerThan(bytes: 8192))), "the server sent too much: a line longer than 8192 bytes",
         "サーバーからの受信データが上限超過: 8192 バイトを超える行"),
        (.certificate(.weakKey(CertificateWeakness(index: 0, .key(type: "RSA", bits: 1024)))), "leaf: RSA 1024 bits",
         "サーバー証明書: RSA 1024 ビット"),
        (.cleartextLogin(.loginCommandNotDisabled), "no LOGINDISABLED before STARTTLS",
         "STARTTLS 前の機能一覧に LOGINDISABLED なし"),
        (.cleartextLogin(.offeredBeforeTLS(advertised: "SASL PLAIN", keyword: "STLS")), "SASL PLAIN before STLS",
         "STLS 前に SASL PLAIN を提示"),
        (.fact(.greetingSeconds(3)), "3 s", "3 秒"),
        (.data("\"421 4.7.0 busy\""), "\"421 4.7.0 busy\"", "\"421 4.7.0 busy\""),
        (.perPlace([PlacedEvidence(place: "143", evidence: .fact(.noGreeting)),
                    PlacedEvidence(place: "110", evidence: .data("-ERR x"))]), "143: no greeting; 110: -ERR x",
         "143: 挨拶なし; 110: -ERR x"),
    ])
    func bothLanguagesFromOneValue(evidence: Evidence, english: String, japanese: String) {
        #expect(evidence.english == english)
        #expect(CheckEvidenceText.render(evidence, .en) == english)
        #expect(CheckEvidenceText.render(evidence, .ja) == japanese)
    }

    /// watch rebuilds a finding from its stored evidence alone, without the check's parameters: the words it names
    /// come from the evidence's values, never from its English sentence (which once read "ポート 587 のサーバーは
    /// no STARTTLS in the capabilities を提供していません").
    @Test(arguments: [
        (FindingID.starttlsNotSupported, Evidence.fact(.keywordNotInCapabilities("STLS")),
         "ポート 110 のサーバーは STLS を提供していません。"),
        (.tlsVersionDeprecated, .fact(.acceptedVersions([.tls10, .tls11])), "TLS 1.0, TLS 1.1 をまだ受け付けています"),
        (.tlsVersionModernMissing, .fact(.bestVersion(.tls11)), "TLS 1.1 より新しいバージョン"),
        (.starttlsInjection, .fact(.injectedAfterGoAhead(count: 24, preview: "RSET")), "24 バイトのデータ"),
        (.greetingSlow, .fact(.greetingSeconds(12)), "12 秒かかりました"),
        (.certificateExpiringSoon,
         .perPlace([PlacedEvidence(place: "110", evidence: .certificate(.expiringSoon(daysLeft: 5, notAfter: Date(timeIntervalSince1970: 1_767_225_600)))),
                    PlacedEvidence(place: "143", evidence: .certificate(.expiringSoon(daysLeft: 6, notAfter: Date(timeIntervalSince1970: 1_767_312_000))))]),
         "あと 5 (110), 6 (143) 日"),
    ])
    func aFindingRebuiltFromItsEvidenceReadsAsTheChecks(id: FindingID, evidence: Evidence, japanese: String) {
        let finding = Finding(id, .warning, port: 110, evidence: evidence)
        let message = FindingCatalog.message(for: finding, in: .ja)
        #expect(message.contains(japanese), "\(message)")
        #expect(!message.contains(evidence.english), "\(message)")
    }
}
