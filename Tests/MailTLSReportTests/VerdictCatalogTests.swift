import Foundation
import MailTLSCheck
import MailTLSCore
import MailTLSDomainCheck
import Testing

@testable import MailTLSAccount
@testable import MailTLSReport

/// A verdict that several commands reach is worded once: check, domain and diagnose say the same sentence about
/// their own subject, and give the fix of the catalogue for their reader.
@Suite struct VerdictCatalogTests {
    static let expired = CertificateAssessment.Problem.expired(notAfter: Date(timeIntervalSince1970: 1_767_225_600), daysAgo: 3)

    @Test(arguments: Language.allCases)
    func checkDomainAndDiagnoseWordAnExpiredCertificateAlike(language: Language) {
        let check = FindingCatalog.message(for: Finding(.certificateExpired, .critical, port: 587, evidence: .certificate(Self.expired),
                                                        parameters: Self.expired.parameters), in: language)
        let domain = DomainFindingCatalog.message(for: DomainFinding(.certificateExpired, .critical, subject: "mx1.example.test",
                                                                     evidence: .certificate(Self.expired)),
                                                  domain: "example.test", in: language)
        let diagnosis = Diagnosis(
            request: DiagnosisRequest(host: "mail.example.test", port: 993, mailProtocol: .imap, security: .implicitTLS),
            address: nil, steps: [DiagnosisStep(.certificate, .failed, .certificateRefused(Self.expired))],
            cause: .certificateExpired, facts: .certificateRefused(Self.expired), parameters: [:], alternatives: [],
            discovered: nil, transcript: [], durationMilliseconds: 0)
        let values = DiagnosisTerminalReport.values(diagnosis, language)
        let diagnose = DiagnosisCatalog.message(.certificateExpired, language, values)
        let date = "2026-01-01"
        switch language {
        case .en:
            #expect(check.hasPrefix("The certificate on port 587 expired on \(date)"))
            #expect(domain.hasPrefix("The certificate of mx1.example.test expired on \(date)"))
            #expect(diagnose.hasPrefix("The server's certificate expired on \(date)"))
        case .ja:
            #expect(check.hasPrefix("ポート 587 の証明書は \(date)"))
            #expect(domain.hasPrefix("mx1.example.test の証明書は \(date)"))
            #expect(diagnose.hasPrefix("サーバーの証明書は \(date)"))
        }
        for text in [check, domain, diagnose] {
            #expect(!text.contains("{"), "\(text)")
        }
        // The reader decides the fix: the administrator's for check and domain, the device user's for diagnose.
        #expect(FindingCatalog.entry(.certificateExpired).fix == VerdictCatalog.fix(.certificateExpired, for: .serverAdministrator))
        #expect(DomainFindingCatalog.base(.certificateExpired).fix == VerdictCatalog.fix(.certificateExpired, for: .serverAdministrator))
        #expect(DiagnosisCatalog.entry(.certificateExpired).fix == VerdictCatalog.fix(.certificateExpired, for: .clientUser))
    }

    /// Every shared verdict has both readers' fixes and a statement that names its subject, in both languages, and
    /// each command that reaches it words it from here.
    @Test(arguments: VerdictCatalog.Verdict.allCases)
    func everySharedVerdictIsWordedHere(verdict: VerdictCatalog.Verdict) {
        for subject in [VerdictCatalog.Subject.checkedPort, .mxHost, .configuredServer] {
            let statement = VerdictCatalog.statement(verdict, about: subject)
            #expect(!statement.en.contains("{subject}") && !statement.en.contains("{Subject}"))
            #expect(!statement.ja.contains("{subject}"))
            #expect(statement.en.first?.isUppercase == true, "\(statement.en)")
            #expect(statement.en != statement.ja)
        }
        let server = VerdictCatalog.fix(verdict, for: .serverAdministrator)
        let client = VerdictCatalog.fix(verdict, for: .clientUser)
        #expect(server != client)
        let checkIDs = FindingID.allCases.filter { FindingCatalog.sharedVerdict($0) == verdict }
        #expect(!checkIDs.isEmpty, "check reaches every shared verdict")
        for id in checkIDs {
            #expect(FindingCatalog.entry(id).fix == server)
            #expect(FindingCatalog.entry(id).message.en.hasPrefix(VerdictCatalog.statement(verdict, about: .checkedPort).en))
        }
    }

    /// In Japanese a subject that ends in a Latin name is set apart from the particle after it.
    @Test func japaneseSpacingAfterALatinSubject() {
        #expect(VerdictCatalog.place("ポート {ports}", in: "{subject}は閉じています") == "ポート {ports} は閉じています")
        #expect(VerdictCatalog.place("サーバーの証明書", in: "{subject}は") == "サーバーの証明書は")
        #expect(VerdictCatalog.place("mx.example のポート 25", in: "{subject}から") == "mx.example のポート 25 から")
        #expect(VerdictCatalog.place("port 587", in: "{Subject} answered") == "Port 587 answered")
    }

    /// The server's words are escaped and quoted once, in either language.
    @Test func theServersWordsAreQuotedOnce() {
        let problem = TransportAssessment.Problem.plaintextOnTLSPort(greeting: "220 mx ESMTP\u{1B}[2J")
        #expect(TransportProblemText.render(problem, .en).hasSuffix(": \"220 mx ESMTP\\x1B[2J\""))
        #expect(TransportProblemText.render(problem, .ja).hasSuffix("サーバーの応答: \"220 mx ESMTP\\x1B[2J\""))
    }
}
