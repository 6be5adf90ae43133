import Foundation
import MailTLSCheck
import MailTLSCore
import MailTLSDomainCheck

/// Which port of which address of which target: the key everything the monitor remembers is filed under.
public struct PortKey: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var target: String
    public var address: String
    public var port: Int

    public init(target: String, address: String, port: Int) {
        self.target = target
        self.address = address
        self.port = port
    }

    /// `mx1 [192.0.2.1]:25`, the form logs and alerts use.
    public var description: String {
        address.contains(":") ? "\(target) [\(address)]:\(port)" : "\(target) \(address):\(port)"
    }

    public static func < (lhs: PortKey, rhs: PortKey) -> Bool {
        (lhs.target, lhs.address, lhs.port) < (rhs.target, rhs.address, rhs.port)
    }
}

/// What the monitor keeps of one probe of one port: the facts that matter over time, and the findings judged from
/// them by the check's own rules. The certificate's dates are kept even when it is expired or untrusted, which is
/// exactly when they matter.
public struct PortSnapshot: Sendable, Equatable, Codable {
    public var key: PortKey
    public var checkedAt: Date
    public var mailProtocol: MailProtocol
    public var state: PortState
    public var security: ObservedSecurity
    public var versions: [TLSVersion]
    public var cipher: String?
    public var certificate: CertificateFacts?
    /// The software the check recognised, so a fix is given in its terms.
    public var software: ServerSoftware?
    /// The findings on this port, ordered by id.
    public var findings: [FindingFact]
    /// A domain target's findings about this MX address (or, on the domain's own entry, about the domain).
    public var domainFindings: [DomainFindingFact] = []
    /// A domain target's MX address: the DANE verdict (`valid`, `mismatch`, `no-records`, `unusable`, `bogus`,
    /// `no-tls`).
    public var dane: String?
    /// A domain target's own entry: the MTA-STS policy as published.
    public var sts: STSFacts?
    /// An address target's own entry: the settings found and verified (`IMAP host:993 SSL/TLS; SMTP host:465 ...`).
    public var accountSettings: String?
    /// An address target's own entry: what could not be found or verified (`incoming`, `outgoing`).
    public var accountMissing: [String] = []

    public struct DomainFindingFact: Sendable, Equatable, Codable, Hashable {
        public var id: DomainFindingID
        public var severity: Severity
        public var subject: String
        var storedEvidence: StoredEvidence<DomainEvidence>
        public var parameters: [String: String]

        public var evidence: DomainEvidence { storedEvidence.value(orData: { .data($0) }) }

        public init(_ finding: DomainFinding, subject: String) {
            id = finding.id
            severity = finding.severity
            self.subject = subject
            storedEvidence = StoredEvidence(finding.evidence)
            parameters = finding.parameters
        }

        public func finding() -> DomainFinding {
            DomainFinding(id, severity, subject: subject, evidence: evidence, parameters: parameters)
        }

        enum CodingKeys: String, CodingKey {
            case id, severity, subject, parameters
            case storedEvidence = "evidence"
        }
    }

    /// What a sender reads before trusting the MX set: the TXT record's id and the policy file.
    public struct STSFacts: Sendable, Equatable, Codable {
        public var id: String?
        public var mode: String?
        public var mx: [String]
        /// SHA-256 of the policy file as served, to see a change made without a new id.
        public var policyDigest: String?
    }

    public struct CertificateFacts: Sendable, Equatable, Codable {
        public var sha256Fingerprint: String
        public var subject: String
        public var issuer: String
        public var notBefore: Date
        public var notAfter: Date
        public var keyType: String
        public var keyBits: Int?
        public var trusted: Bool
        public var hostnameMatches: Bool

        public var verified: Bool { trusted && hostnameMatches }

        public init(sha256Fingerprint: String, subject: String, issuer: String, notBefore: Date, notAfter: Date,
                    keyType: String, keyBits: Int?, trusted: Bool, hostnameMatches: Bool) {
            self.sha256Fingerprint = sha256Fingerprint
            self.subject = subject
            self.issuer = issuer
            self.notBefore = notBefore
            self.notAfter = notAfter
            self.keyType = keyType
            self.keyBits = keyBits
            self.trusted = trusted
            self.hostnameMatches = hostnameMatches
        }

        init(_ report: CertificateReport) {
            self.init(sha256Fingerprint: report.leaf.sha256Fingerprint, subject: report.leaf.subject,
                      issuer: report.leaf.issuer, notBefore: report.leaf.notBefore, notAfter: report.leaf.notAfter,
                      keyType: report.leaf.keyType, keyBits: report.leaf.keyBits, trusted: report.isTrusted,
                      hostnameMatches: report.hostnameMatches)
        }
    }

    public struct FindingFact: Sendable, Equatable, Codable, Hashable {
        public var id: FindingID
        public var severity: Severity
        var storedEvidence: StoredEvidence<Evidence>
        public var parameters: [String: String]

        public var evidence: Evidence { storedEvidence.value(orData: { .data($0) }) }

        public init(id: FindingID, severity: Severity, evidence: Evidence, parameters: [String: String] = [:]) {
            self.id = id
            self.severity = severity
            storedEvidence = StoredEvidence(evidence)
            self.parameters = parameters
        }

        /// The check's finding again, for the catalogue's text.
        public func finding(port: Int) -> Finding {
            Finding(id, severity, port: port, evidence: evidence, parameters: parameters)
        }

        enum CodingKeys: String, CodingKey {
            case id, severity, parameters
            case storedEvidence = "evidence"
        }
    }

    public init(key: PortKey, checkedAt: Date, mailProtocol: MailProtocol, state: PortState,
                security: ObservedSecurity, versions: [TLSVersion], cipher: String?,
                certificate: CertificateFacts?, software: ServerSoftware? = nil, findings: [FindingFact]) {
        self.key = key
        self.checkedAt = checkedAt
        self.mailProtocol = mailProtocol
        self.state = state
        self.security = security
        self.versions = versions
        self.cipher = cipher
        self.certificate = certificate
        self.software = software
        self.findings = findings
    }

    /// The facts of one port of a check report, with the report's findings on that port.
    public init(target: String, report: CheckReport, observation: PortObservation) {
        let port = observation.spec.port
        key = PortKey(target: target, address: report.address, port: port)
        checkedAt = report.startedAt
        mailProtocol = observation.spec.mailProtocol
        state = observation.state
        security = observation.security
        versions = observation.versions.accepted.sorted()
        cipher = observation.handshake?.cipherSuite?.ianaName
        certificate = observation.certificate.map(CertificateFacts.init)
        software = observation.software
        findings = report.findings.filter { $0.ports.contains(port) }
            .map { FindingFact(id: $0.id, severity: $0.severity, evidence: $0.evidence, parameters: $0.parameters) }
            .sorted { $0.id.rawValue < $1.id.rawValue }
    }

    /// The facts of an MX address `mailtls domain` probed; its findings are the domain's (added by the caller).
    public init(key: PortKey, observation: PortObservation, analysedAt: Date) {
        self.key = key
        checkedAt = analysedAt
        mailProtocol = observation.spec.mailProtocol
        state = observation.state
        security = observation.security
        versions = observation.handshake?.version.map { [$0] } ?? []
        cipher = observation.handshake?.cipherSuite?.ianaName
        certificate = observation.certificate.map(CertificateFacts.init)
        software = observation.software
        findings = []
    }

    /// Whether two snapshots say the same thing (the time they were taken aside): history keeps one row per change.
    public func sameFacts(as other: PortSnapshot) -> Bool {
        var mine = self
        mine.checkedAt = other.checkedAt
        return mine == other
    }
}
