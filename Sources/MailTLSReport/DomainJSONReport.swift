import Foundation
import MailTLSCheck
import MailTLSDNS
import MailTLSDomain
import MailTLSDomainCheck

/// `mailtls domain --json`: a stable, versioned document. See docs/json-schema.md and
/// docs/domain-report.schema.json.
public enum DomainJSONReport {
    public static let schemaVersion = "1.0"

    public struct Document: Codable, Sendable {
        public var schemaVersion: String
        public var tool: JSONReport.Tool
        public var domain: String
        public var startedAt: String
        public var durationMs: Int
        public var exitCode: Int
        public var mx: MX
        public var mtaSTS: MTASTS
        public var tlsRPT: TLSRPT
        public var findings: [FindingEntry]
    }

    public struct MX: Codable, Sendable {
        public var dnssec: String
        public var implicit: Bool
        public var nullMX: Bool
        public var hosts: [Host]
    }

    public struct Host: Codable, Sendable {
        public var name: String
        public var preference: Int
        public var addressDNSSEC: String?
        public var addressError: String?
        public var tlsa: TLSA?
        public var listedInSTSPolicy: Bool?
        public var addresses: [Address]
    }

    public struct TLSA: Codable, Sendable {
        public var name: String
        public var dnssec: String
        public var records: [String]
        public var error: String?
    }

    public struct Address: Codable, Sendable {
        public var address: String
        public var port: JSONReport.Port
        public var dane: String
        public var daneDetail: String?
    }

    public struct MTASTS: Codable, Sendable {
        public var records: [String]
        public var id: String?
        public var policyURL: String
        public var httpStatus: Int?
        public var contentType: String?
        public var fetchError: String?
        public var mode: String?
        public var maxAge: Int?
        public var mx: [String]?
        public var problems: [String]
    }

    public struct TLSRPT: Codable, Sendable {
        public var records: [String]
        public var rua: [String]?
        public var problem: String?
    }

    public struct FindingEntry: Codable, Sendable {
        public var id: String
        public var severity: String
        public var subjects: [String]
        public var evidence: String
        public var message: String
        public var fix: String
    }

    public static func document(_ report: DomainReport, language: Language, toolVersion: String) -> Document {
        let observation = report.observation
        let sts = observation.sts
        return Document(
            schemaVersion: schemaVersion, tool: JSONReport.Tool(name: "mailtls", version: toolVersion),
            domain: report.domain, startedAt: ISO8601.format(report.startedAt),
            durationMs: Int(report.durationMilliseconds.rounded()), exitCode: Int(report.exitCode),
            mx: MX(dnssec: observation.mx.status.label, implicit: observation.mx.isImplicit,
                   nullMX: observation.mx.isNullMX, hosts: observation.hosts.map(host)),
            mtaSTS: MTASTS(
                records: sts.records, id: sts.record?.id, policyURL: sts.policyURL, httpStatus: sts.response?.status,
                contentType: sts.response?.contentType,
                fetchError: sts.fetchFailure.map { DomainText.fetchFailure($0, .en) },
                mode: sts.policy?.mode.rawValue, maxAge: sts.policy?.maxAge, mx: sts.policy?.mxPatterns,
                problems: sts.policyProblems.map { "\($0)" } + (sts.recordProblem.map { ["record: \($0)"] } ?? [])),
            tlsRPT: TLSRPT(records: observation.tlsrpt.records, rua: observation.tlsrpt.record?.reportURIs,
                           problem: observation.tlsrpt.problem.map { "\($0)" }),
            findings: report.findings.map { finding in
                FindingEntry(id: finding.id.rawValue, severity: finding.severity.rawValue, subjects: finding.subjects,
                             evidence: finding.evidence.english,
                             message: DomainFindingCatalog.message(for: finding, domain: report.domain, in: language),
                             fix: DomainFindingCatalog.fix(for: finding, domain: report.domain, in: language))
            })
    }

    public static func render(_ report: DomainReport, language: Language, toolVersion: String) -> String {
        JSONReport.pretty(document(report, language: language, toolVersion: toolVersion))
    }

    static func host(_ host: MXHostObservation) -> Host {
        Host(name: host.name, preference: Int(host.preference), addressDNSSEC: host.addressStatus?.label,
             addressError: host.addressError?.english,
             tlsa: host.tlsa.map { tlsa in
                 TLSA(name: tlsa.name, dnssec: tlsa.status.label, records: tlsa.records.map(\.presentation),
                      error: tlsa.error?.evidence)
             },
             listedInSTSPolicy: host.listedInSTSPolicy,
             addresses: host.addresses.map { address in
                 let (verdict, detail) = dane(address.dane)
                 return Address(address: address.address, port: JSONReport.port(address.port, language: .en), dane: verdict,
                                daneDetail: detail)
             })
    }

    static func dane(_ verdict: DANEVerdict) -> (String, String?) {
        switch verdict {
        case .noRecords: ("none", nil)
        case .unusable(let reason): ("unusable", reason.rawValue)
        case .bogus(let reason): ("bogus", reason)
        case .valid(let record): ("valid", "\(record.usage) \(record.selector) \(record.matchingType)")
        case .mismatch(let detail): ("mismatch", detail.english)
        case .noTLS: ("no-tls", nil)
        }
    }
}
