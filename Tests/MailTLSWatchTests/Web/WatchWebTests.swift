import Foundation
import MailTLSCheck
import MailTLSCore
import MailTLSReport
import Testing

@testable import MailTLSWatch
@testable import MailTLSWatchWeb

@Suite struct WatchWebTests {
    typealias F = WatchFixtures

    /// The series follow blackbox_exporter and ssl_exporter: bounded labels, the certificate's dates as timestamps
    /// even when it does not verify, one series per accepted version, firing alerts by condition.
    @Test func metricsHaveBoundedLabelsAndTheCertificateDates() {
        var expired = FleetSummaryTests.memory("mx", notAfterDays: -3, alert: (.critical, .firing))
        expired.snapshot.certificate?.trusted = false
        let text = String(decoding: WatchMetrics.exposition([expired, FleetSummaryTests.memory("imap", port: 993)], targets: 2),
                          as: UTF8.self)
        let labels = #"target="mx",address="192.0.2.1",port="587",protocol="smtp""#
        #expect(text.contains("mailtls_watch_targets 2"))
        #expect(text.contains("mailtls_probe_success{\(labels)} 1"))
        #expect(text.contains("mailtls_cert_verified{\(labels)} 0"))
        let notAfter = F.start.addingTimeInterval(-3 * 86400).timeIntervalSince1970
        #expect(text.contains("mailtls_cert_not_after_timestamp_seconds{\(labels)} \(Int(notAfter))\n"), "\(text)")
        #expect(text.contains("mailtls_tls_version_info{\(labels),version=\"TLSv1.3\"} 1"))
        #expect(text.contains("mailtls_alert_firing{\(labels),condition=\"certificate-expired\",severity=\"critical\"} 1"))
        #expect(text.contains("# HELP mailtls_cert_not_after_timestamp_seconds"))
        #expect(!text.contains("mx-587"), "no fingerprint in a label")
    }

    /// A target named with markup and terminal escapes is text on the page, never markup.
    /// A label value with a quote, a backslash or a line feed stays one sample line.
    @Test func labelValuesAreEscaped() {
        var memory = FleetSummaryTests.memory("mx\"1\\\n")
        memory.snapshot.key.target = "mx\"1\\\n"
        let text = String(decoding: WatchMetrics.exposition([memory], targets: 1), as: UTF8.self)
        #expect(text.contains(#"mailtls_probe_success{target="mx\"1\\\n",address="192.0.2.1",port="587",protocol="smtp"} 1"#), "\(text)")
    }

    @Test func aHostileNameIsTextOnThePage() {
        var memory = FleetSummaryTests.memory("<script>alert(1)</script>\u{1B}[2J", alert: (.critical, .firing))
        memory.snapshot.certificate?.issuer = "CN=\"><img src=x>"
        let pages = WatchPages(language: .en, now: F.start)
        let overview = pages.overview(FleetSummary(memories: [memory]))
        #expect(!overview.contains("<script>"))
        #expect(overview.contains("&lt;script&gt;alert(1)&lt;/script&gt;\\x1B[2J"))
        let history = WatchHistory(target: memory.snapshot.key.target, events: [], notices: [], latest: [memory.snapshot])
        let target = pages.target(memory.snapshot.key.target, memories: [memory], history: history)
        #expect(!target.contains("<img"))
        #expect(target.contains("&lt;img src=x&gt;"))
    }

    @Test func pagesSpeakTheChosenLanguageAndLinkTheOther() {
        let fleet = FleetSummary(memories: [FleetSummaryTests.memory("mx", alert: (.critical, .firing))])
        let japanese = WatchPages(language: .ja, now: F.start).overview(fleet)
        #expect(japanese.contains("<html lang=\"ja\">"))
        #expect(japanese.contains("メールサーバー"))
        #expect(japanese.contains("id=\"language\" href=\"/?lang=en\""))
        #expect(japanese.contains("<tr class=\"critical\" data-target=\"mx\">"))
        let english = WatchPages(language: .en, now: F.start).overview(fleet)
        #expect(english.contains("Mail servers") && !english.contains("メールサーバー"))
    }

    @Test func aFindingPageExplainsAndFixes() throws {
        let page = try #require(WatchPages(language: .en, now: F.start).finding("starttls-not-supported", catalog: .check, port: 587))
        #expect(page.contains("STARTTLS"))
        #expect(page.contains("<h2>Fix</h2>"))
        #expect(WatchPages(language: .en).finding("no-such-finding", catalog: .check, port: nil) == nil)
    }

    @Test func theTokenComesAsBearerOrAsTheBasicPassword() {
        typealias Gate = DashboardToken
        #expect(Gate.offered("Bearer abc") == "abc")
        #expect(Gate.offered("Basic " + Data("admin:s3cret:with:colons".utf8).base64EncodedString()) == "s3cret:with:colons")
        #expect(Gate.offered("Basic !!!") == nil)
        #expect(Gate.offered("Digest x") == nil)
        #expect(Gate.same("0123456789abcdef", "0123456789abcdef"))
        #expect(!Gate.same("0123456789abcdeX", "0123456789abcdef"))
    }

    @Test func listeningBeyondLoopbackNeedsAToken() throws {
        #expect(throws: (any Error).self) {
            try WatchConfigurationReader.parse("targets: [{ host: a.example }]\nhttp: { listen: 0.0.0.0:9465 }\n")
        }
        let lan = try WatchConfigurationReader.parse(
            "targets: [{ host: a.example }]\nhttp: { listen: \"[::]:9465\", token_file: /etc/mailtls/token }\n")
        #expect(lan.http == .init(host: "::", port: 9465, tokenFile: "/etc/mailtls/token"))
        #expect(try WatchConfigurationReader.parse("targets: [{ host: a.example }]\nhttp: { listen: off }\n").http == nil)
        #expect(try WatchConfigurationReader.parse("targets: [{ host: a.example }]\n").http == .init())
    }
}
