import MailTLSCheck
import MailTLSReport
import Testing

@testable import MailTLSDomainCheck

@Suite struct DomainCheckRegistryTests {
    @Test func everyFindingIsProducibleByAStandardCheck() {
        let producible = Set(DomainCheckRegistry.standard.flatMap(\.producibleFindings))
        #expect(producible == Set(DomainFindingID.allCases))
    }

    @Test(arguments: DomainFindingID.allCases)
    func everyFindingHasTextInBothLanguages(id: DomainFindingID) {
        let finding = DomainFinding(id, .warning, subject: "mx.example.test", evidence: .data("evidence"))
        for language in Language.allCases {
            let message = DomainFindingCatalog.message(for: finding, domain: "example.test", in: language)
            let fix = DomainFindingCatalog.fix(for: finding, domain: "example.test", in: language)
            #expect(!message.isEmpty && !fix.isEmpty)
            #expect(!message.contains("{") && !fix.contains("{"), "\(id) \(language): \(message) / \(fix)")
        }
        let english = DomainFindingCatalog.message(for: finding, domain: "example.test", in: .en)
        let japanese = DomainFindingCatalog.message(for: finding, domain: "example.test", in: .ja)
        #expect(english != japanese)
    }
}
