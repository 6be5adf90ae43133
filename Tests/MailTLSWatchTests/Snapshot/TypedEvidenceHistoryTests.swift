import Foundation
import MailTLSCheck
import MailTLSDomainCheck
import Testing

@testable import MailTLSWatch

/// History and alert states keep evidence typed, and rows written before it was typed still read.
@Suite struct TypedEvidenceHistoryTests {
    @Test func typedEvidenceSurvivesTheStore() throws {
        let fact = PortSnapshot.FindingFact(id: .starttlsNotSupported, severity: .critical,
                                            evidence: .fact(.keywordNotInCapabilities("STARTTLS")))
        let decoded = try JSONDecoder().decode(PortSnapshot.FindingFact.self, from: JSONEncoder().encode(fact))
        #expect(decoded == fact)
        let condition = AlertCondition(id: "dane-required", severity: .critical,
                                       evidence: .domain(.dane(.nameMissing("mx.example.test"))), catalog: .domain)
        #expect(try JSONDecoder().decode(AlertCondition.self, from: JSONEncoder().encode(condition)) == condition)
    }

    @Test func rowsWrittenBeforeTypedEvidenceReadAsTheirWords() throws {
        let oldFact = Data(#"{"id":"starttls-not-supported","severity":"critical","evidence":"no STARTTLS in the capabilities","parameters":{}}"#.utf8)
        let fact = try JSONDecoder().decode(PortSnapshot.FindingFact.self, from: oldFact)
        #expect(fact.evidence == .data("no STARTTLS in the capabilities"))
        let oldDomain = Data(#"{"id":"tlsa-invalid","severity":"critical","subject":"mx (192.0.2.1)","evidence":"3 1 1 ab","parameters":{}}"#.utf8)
        #expect(try JSONDecoder().decode(PortSnapshot.DomainFindingFact.self, from: oldDomain).evidence == .data("3 1 1 ab"))
        let oldCondition = Data(#"{"id":"certificate-expired","severity":"critical","evidence":"notAfter 2027-01-01","catalog":"check"}"#.utf8)
        let condition = try JSONDecoder().decode(AlertCondition.self, from: oldCondition)
        #expect(condition.evidence == .text("notAfter 2027-01-01"))
        #expect(condition.software == nil)
    }
}
