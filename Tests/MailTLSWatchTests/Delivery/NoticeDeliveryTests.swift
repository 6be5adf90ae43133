import Foundation
import MailTLSCheck
import MailTLSCore
import Testing

@testable import MailTLSWatch

@Suite struct NoticeDeliveryTests {
    typealias F = WatchFixtures
    static let notice = AlertNotice(kind: .firing, key: F.key,
                                    condition: AlertCondition(id: "certificate-expired", severity: .critical,
                                                              evidence: .text("<@channel> & friends")),
                                    at: F.start, since: F.start.addingTimeInterval(-7200))

    let delivery = NoticeDelivery(routes: [], language: "en") { notice in
        NoticeWords(title: "[ALERT] \(notice.key): \(notice.condition.id)", body: "evidence \(notice.condition.evidence.english)")
    }

    @Test func theWebhookDocumentHasTheFactsAndTheWords() throws {
        let document = try #require(try JSONSerialization.jsonObject(with: delivery.webhookDocument([Self.notice])) as? [String: Any])
        #expect(document["source"] as? String == "mailtls watch")
        #expect(document["language"] as? String == "en")
        let item = try #require((document["notices"] as? [[String: Any]])?.first)
        #expect(item["kind"] as? String == "firing")
        #expect(item["target"] as? String == "mx")
        #expect(item["address"] as? String == "192.0.2.1")
        #expect(item["port"] as? Int == 587)
        #expect(item["condition"] as? String == "certificate-expired")
        #expect(item["severity"] as? String == "critical")
        #expect(item["since"] as? String == ISO8601.format(F.start.addingTimeInterval(-7200)))
        #expect(item["title"] as? String == "[ALERT] mx 192.0.2.1:587: certificate-expired")
    }

    /// Slack reads <...> as links and mentions: a server's text cannot ping a channel.
    @Test func slackTextCannotMentionOrLink() throws {
        let document = try #require(try JSONSerialization.jsonObject(with: delivery.slackDocument([Self.notice])) as? [String: String])
        let text = try #require(document["text"])
        #expect(text.contains("&lt;@channel&gt; &amp; friends"))
        #expect(!text.contains("<@channel>"))
    }

    /// Only the routes whose severity the notice reaches get it.
    @Test func aRouteGetsOnlyWhatReachesItsSeverity() async {
        // A webhook on a port nothing listens on (loopback, port 1): a failure is reported, not thrown.
        let routes = [WatchConfiguration.AlertRoute(channel: .webhook(URL(string: "http://127.0.0.1:1/hook")!),
                                                    minimumSeverity: .critical)]
        var warning = Self.notice
        warning.condition.severity = .warning
        let quiet = NoticeDelivery(routes: routes, language: "en") { _ in NoticeWords(title: "", body: "") }
        #expect(await quiet.deliver([warning]).isEmpty, "nothing was due on the critical route")
        let failures = await quiet.deliver([Self.notice])
        #expect(failures.map(\.url) == ["http://127.0.0.1:1/hook"])
    }
}
