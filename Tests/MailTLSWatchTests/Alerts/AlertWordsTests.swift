import Foundation
import MailTLSCheck
import MailTLSCore
import Testing

@testable import MailTLSReport
@testable import MailTLSWatch

/// An alert reads as the finding that raised it did: the condition keeps the finding's own values (which DANE or
/// MTA-STS case, a DH group's bits), and the words come from the same catalogue entry.
@Suite struct AlertWordsTests {
    let key = PortKey(target: "mail.example.test", address: "192.0.2.1", port: 25)

    @Test(arguments: Language.allCases)
    func aWeakDHGroupNamesItsBits(language: Language) {
        let condition = AlertCondition(id: "dh-weak", severity: .warning, evidence: .check(.data("DH 1024 rfc2409-2")),
                                       parameters: ["bits": "1024", "groups": "DH 1024 rfc2409-2"])
        let words = WatchText(language: language).explanation(condition, key: key)
        #expect(words.contains("1024") && !words.contains("{bits}"), "\(words)")
        let finding = Finding(.dhWeak, .warning, port: 25, evidence: .data("DH 1024 rfc2409-2"),
                              parameters: ["bits": "1024", "groups": "DH 1024 rfc2409-2"])
        #expect(words == FindingCatalog.message(for: finding, in: language))
    }

    /// tlsa-unusable has three cases; the alert names the one the domain check found.
    @Test func aDomainFindingsCaseSurvivesInTheAlert() {
        let condition = AlertCondition(id: "tlsa-unusable", severity: .warning,
                                       evidence: .domain(.data("_25._tcp.mx.example.test")), catalog: .domain,
                                       parameters: ["reason": "mx-insecure"])
        let words = WatchText(language: .en).explanation(condition, key: PortKey(target: "example.test", address: "mx.example.test/192.0.2.1", port: 25))
        #expect(words.contains("is not DNSSEC-signed, so senders never look for them"), "\(words)")
    }

    /// The tracker hands the finding's values to the condition it raises.
    @Test func theTrackerKeepsTheFindingsValues() {
        let snapshot = WatchFixtures.snapshot(findings: [
            PortSnapshot.FindingFact(id: .dhWeak, severity: .warning, evidence: .data("DH 1024 rfc2409-2"),
                                     parameters: ["bits": "1024", "groups": "DH 1024 rfc2409-2"]),
        ])
        let conditions = AlertTracker.conditions(of: snapshot, minimum: .warning, ignore: [], wasOpenBefore: true,
                                                 bestVersionSeen: nil)
        #expect(conditions.map(\.parameters) == [["bits": "1024", "groups": "DH 1024 rfc2409-2"]])
    }

    /// Alert states keep the values; states written before they were kept read with none.
    @Test func theValuesAreStored() throws {
        let condition = AlertCondition(id: "dh-weak", severity: .warning, evidence: .check(.data("DH 1024")),
                                       parameters: ["bits": "1024"])
        let decoded = try JSONDecoder().decode(AlertCondition.self, from: JSONEncoder().encode(condition))
        #expect(decoded == condition && decoded.parameters == ["bits": "1024"])
        let old = Data(#"{"id":"dh-weak","severity":"warning","evidence":"DH 1024","catalog":"check"}"#.utf8)
        #expect(try JSONDecoder().decode(AlertCondition.self, from: old).parameters.isEmpty)
    }
}
