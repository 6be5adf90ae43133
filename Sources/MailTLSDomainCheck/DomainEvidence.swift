import MailTLSCheck
import MailTLSDNS
import MailTLSDomain
import MailTLSEngine
import MailTLSWeb

/// What shows a `mailtls domain` finding, as values: the records and the servers' words stay as they were, and
/// mailtls's own words are typed, so English and Japanese are made from the same value. `english` is what JSON and
/// the history carry.
public indirect enum DomainEvidence: Sendable, Hashable, Codable {
    /// Shown as it is in every language: a record, a reply, a policy line (`mode: testing`), addresses.
    case data(String)
    case failure(EngineError)
    case certificate(CertificateAssessment.Problem)
    /// Why a chain is not trusted, with the leaf's issuer.
    case trust(TrustFailure?, issuer: String)
    case web(HTTPSFetcher.Failure)
    /// The resolver's reason for a bogus answer.
    case dnssecBogus(reason: String)
    case address(MXAddressProblem)
    case stsRecord(record: String, STSRecord.Problem)
    case stsPolicy([STSPolicy.Problem])
    case tlsrptRecord(record: String, TLSRPTRecord.Problem)
    case dane(DANEMismatch)
    case fact(DomainFact)
    /// Evidence that differs between the subjects a merged finding concerns.
    case perPlace([PlacedDomainEvidence])

    public var english: String {
        switch self {
        case .data(let text): text
        case .failure(let error): error.summary
        case .certificate(let problem): problem.evidence
        case .trust(.selfSigned?, let issuer): "self-signed: \(issuer)"
        case .trust(let failure?, _): failure.evidence
        case .trust(nil, let issuer): "issuer \(issuer)"
        case .web(let failure): failure.evidence
        case .dnssecBogus(let reason): "\"\(reason)\""
        case .address(let problem): problem.english
        case .stsRecord(let record, let problem): "\(record) (\(problem.evidence))"
        case .stsPolicy(let problems): problems.map(\.evidence).joined(separator: "; ")
        case .tlsrptRecord(let record, let problem): "\(record) (\(problem.evidence))"
        case .dane(let mismatch): mismatch.english
        case .fact(let fact): fact.english
        case .perPlace(let entries): entries.map { "\($0.place): \($0.evidence.english)" }.joined(separator: "; ")
        }
    }

    /// The values a finding's words name that this evidence holds (a certificate's dates, names and issuer), over
    /// several MX hosts too, so that a finding rebuilt from its evidence alone (watch's history) reads as domain's did.
    public var parameters: [String: String] {
        switch self {
        case .certificate(let problem): problem.parameters
        case .trust(_, let issuer): ["issuer": issuer]
        case .perPlace(let entries): PlacedParameters.merged(entries.map { ($0.place, $0.evidence.parameters) })
        default: [:]
        }
    }
}

public struct PlacedDomainEvidence: Sendable, Hashable, Codable {
    public var place: String
    public var evidence: DomainEvidence

    public init(place: String, evidence: DomainEvidence) {
        self.place = place
        self.evidence = evidence
    }
}

/// Why an MX host has no address to probe.
public enum MXAddressProblem: Sendable, Hashable, Codable {
    case nameDoesNotExist
    case noAddressRecord
    case bogus(reason: String)
    case lookupFailed(DNSError)

    public var english: String {
        switch self {
        case .nameDoesNotExist: "NXDOMAIN"
        case .noAddressRecord: "no A or AAAA record"
        case .bogus(let reason): "DNSSEC bogus: \"\(reason)\""
        case .lookupFailed(let error): error.evidence
        }
    }
}

/// Usable TLSA records, none of which authenticates the server. - SeeAlso: RFC 7672 section 3
public enum DANEMismatch: Sendable, Hashable, Codable {
    /// A DANE-TA record matches the chain, but the certificate does not carry the MX host name.
    case nameMissing(String)
    /// No usable record matches; the leaf's `3 1 1` digest, for the admin to compare.
    case noRecordMatches(leafDigest: String)

    public var english: String {
        switch self {
        case .nameMissing(let name): "DANE-TA record matches, but the certificate does not name \(name)"
        case .noRecordMatches(let digest): "no usable TLSA record matches the presented chain (leaf: 3 1 1 \(digest))"
        }
    }
}

/// mailtls's own words about what `domain` saw.
public enum DomainFact: Sendable, Hashable, Codable {
    case noSTARTTLSInEHLO
    case handshakeFailed
    case days(Int)
    /// Some MX hosts have TLSA records, this one none.
    case tlsaElsewhere(protected: [String], missingAt: String)
    case noTLSA(at: String, zoneSigned: Bool)
    case noTXT(at: String)
    case policyWithoutTXT(policyURL: String, txtAt: String)
    /// A redirect where the policy should be: never followed.
    case redirect(status: Int, location: String?)
    case httpStatus(Int)

    public var english: String {
        switch self {
        case .noSTARTTLSInEHLO: "no STARTTLS in EHLO"
        case .handshakeFailed: "handshake failed"
        case .days(let days): "\(days) days"
        case .tlsaElsewhere(let protected, let name): "TLSA for \(protected.joined(separator: ", ")); none at \(name)"
        case .noTLSA(let name, let signed): signed ? "no TLSA at \(name)" : "no TLSA at \(name); the zone is not DNSSEC-signed"
        case .noTXT(let name): "no TXT at \(name)"
        case .policyWithoutTXT(let url, let name): "policy at \(url), no TXT at \(name)"
        case .redirect(let status, let location): "HTTP \(status) -> \(location ?? "?") (redirects are not followed)"
        case .httpStatus(let status): "HTTP \(status)"
        }
    }
}
