import MailTLSCore
import Foundation
import MailTLSCheck
import MailTLSDNS
import MailTLSDomain
import MailTLSWeb

/// Stable ids of `mailtls domain` findings. Where RFC 8460 names a result type, the id is that name, so a finding
/// here and a line in a TLS-RPT report speak the same words. Never rename: scripts match on them.
public enum DomainFindingID: String, Sendable, Codable, CaseIterable {
    // RFC 8460 result types
    case starttlsNotSupported = "starttls-not-supported"
    case certificateHostMismatch = "certificate-host-mismatch"
    case certificateExpired = "certificate-expired"
    case certificateNotTrusted = "certificate-not-trusted"
    case tlsaInvalid = "tlsa-invalid"
    case dnssecInvalid = "dnssec-invalid"
    case daneRequired = "dane-required"
    case stsPolicyFetchError = "sts-policy-fetch-error"
    case stsPolicyInvalid = "sts-policy-invalid"
    case stsWebPKIInvalid = "sts-webpki-invalid"
    // mailtls's own
    case tlsrptInvalid = "tlsrpt-invalid"
    case tlsrptMissing = "tlsrpt-missing"
    case mtaSTSMissing = "mta-sts-missing"
    case daneMissing = "dane-missing"
    /// Some MX hosts have usable TLSA records and others none: an attacker can steer DANE senders to the others.
    case danePartial = "dane-partial"
    case tlsaUnusable = "tlsa-unusable"
    case stsRecordInvalid = "sts-record-invalid"
    case stsMXNotListed = "sts-mx-not-listed"
    case stsModeTesting = "sts-mode-testing"
    case stsModeNone = "sts-mode-none"
    case stsMaxAgeShort = "sts-max-age-short"
    case mxUnreachable = "mx-unreachable"
    case mxAddressMissing = "mx-address-missing"
    case tlsHandshakeFailed = "tls-handshake-failed"
    case certificateExpiringSoon = "certificate-expiring-soon"
    case certificateNotYetValid = "certificate-not-yet-valid"
    case mxImplicit = "mx-implicit"
    case nullMX = "null-mx"
}

/// One thing worth telling the domain's admin. `subjects` are what it concerns: the domain, an MX host, or
/// `host (address)`. Text lives in the renderers' catalogue, keyed by `id` and filled from `parameters`.
public struct DomainFinding: Sendable, Equatable {
    public var id: DomainFindingID
    public var severity: Severity
    public var subjects: [String]
    public var evidence: DomainEvidence
    public var parameters: [String: String]

    public init(_ id: DomainFindingID, _ severity: Severity, subject: String, evidence: DomainEvidence,
                parameters: [String: String] = [:]) {
        self.id = id
        self.severity = severity
        subjects = [subject]
        self.evidence = evidence
        self.parameters = parameters
    }
}

/// One check over the whole domain observation. Checks never render text.
public protocol DomainCheck: Sendable {
    var producibleFindings: [DomainFindingID] { get }
    func findings(for domain: DomainObservation) -> [DomainFinding]
}

/// Every check `mailtls domain` runs, in one place.
public enum DomainCheckRegistry {
    public static let standard: [any DomainCheck] = [
        MXRecordCheck(),
        MXTransportCheck(),
        MXCertificateCheck(),
        DANECheck(),
        MTASTSCheck(),
        TLSRPTCheck(),
    ]

    /// Runs every check and merges the same finding (id, severity, parameters) across subjects; evidence that
    /// differs is kept per subject.
    public static func evaluate(_ domain: DomainObservation, checks: [any DomainCheck] = standard)
        -> [DomainFinding] {
        let found: [DomainFinding] = checks.flatMap { $0.findings(for: domain) }
        let merged = FindingMerger.merge(
            found, same: { (lhs: DomainFinding, rhs: DomainFinding) in
                lhs.id == rhs.id && lhs.severity == rhs.severity && lhs.parameters == rhs.parameters
            },
            places: \DomainFinding.subjects, evidence: \DomainFinding.evidence, label: { (subject: String) in subject },
            combine: { .perPlace($0.map { PlacedDomainEvidence(place: $0.place, evidence: $0.evidence) }) })
        let order = DomainFindingID.allCases
        return merged.enumerated().sorted { lhs, rhs in
            if lhs.element.severity != rhs.element.severity { return lhs.element.severity > rhs.element.severity }
            let left = order.firstIndex(of: lhs.element.id) ?? 0
            let right = order.firstIndex(of: rhs.element.id) ?? 0
            return left != right ? left < right : lhs.offset < rhs.offset
        }.map(\.element)
    }
}

extension DomainObservation {
    /// How much a PKIX problem on an MX matters: under an enforced MTA-STS policy senders refuse the MX; without
    /// one, only senders that authenticate by other means (DANE) are unaffected, and opportunistic senders go on.
    func pkixSeverity(_ address: MXAddressObservation) -> Severity {
        switch enforcedSTSMode {
        case .enforce?: return .critical
        case .testing?: return .warning
        default:
            if case .valid = address.dane { return .info }
            return .warning
        }
    }

    /// How much a missing or failing STARTTLS matters.
    var transportSeverity: Severity {
        enforcedSTSMode == .enforce ? .critical : .warning
    }
}

func label(_ host: MXHostObservation, _ address: MXAddressObservation) -> String {
    "\(host.name) (\(address.address))"
}

/// The MX answer itself: bogus, null MX, implicit MX.
public struct MXRecordCheck: DomainCheck {
    public init() {}
    public var producibleFindings: [DomainFindingID] { [.dnssecInvalid, .nullMX, .mxImplicit, .mxAddressMissing] }

    public func findings(for domain: DomainObservation) -> [DomainFinding] {
        var findings: [DomainFinding] = []
        if case .bogus(let reason) = domain.mx.status {
            findings.append(DomainFinding(.dnssecInvalid, .critical, subject: "\(domain.domain) MX",
                                          evidence: .dnssecBogus(reason: reason), parameters: ["record": "MX"]))
        }
        if domain.mx.isNullMX {
            findings.append(DomainFinding(.nullMX, .info, subject: domain.domain, evidence: .data("MX 0 .")))
        } else if domain.mx.isImplicit {
            findings.append(DomainFinding(.mxImplicit, .info, subject: domain.domain,
                                          evidence: .data(domain.hosts.first?.addresses.map(\.address)
                                              .joined(separator: ", ") ?? "")))
        }
        for host in domain.hosts where host.addresses.isEmpty {
            findings.append(DomainFinding(.mxAddressMissing, .critical, subject: host.name,
                                          evidence: .address(host.addressError ?? .noAddressRecord)))
        }
        return findings
    }
}

/// Port 25 on every MX address: reachable, STARTTLS offered, handshake completed.
public struct MXTransportCheck: DomainCheck {
    public init() {}
    public var producibleFindings: [DomainFindingID] { [.mxUnreachable, .starttlsNotSupported, .tlsHandshakeFailed] }

    /// Port 25 as `TransportAssessment` judges it for every command: what stops a sending server before TLS makes
    /// the MX unreachable; STARTTLS missing or refused, or a failed handshake, leaves mail unencrypted.
    public func findings(for domain: DomainObservation) -> [DomainFinding] {
        var findings: [DomainFinding] = []
        for host in domain.hosts {
            for address in host.addresses {
                let port = address.port
                let subject = label(host, address)
                for problem in TransportAssessment.problems(of: port) {
                    switch problem {
                    case .refused, .noAnswer, .unreachable, .unavailable, .protocolError, .plaintextOnTLSPort,
                         .tlsOnPlaintextPort:
                        let evidence: DomainEvidence = port.record.unavailable.map { .data(PeerText.quote($0.statusLine)) }
                            ?? port.failure.map(DomainEvidence.failure) ?? .data(port.state.rawValue)
                        findings.append(DomainFinding(.mxUnreachable, .critical, subject: subject,
                                                      evidence: evidence, parameters: ["state": port.state.rawValue]))
                    case .startTLSNotOffered, .startTLSRefused:
                        let ehlo = port.capabilitiesBeforeTLS?.joined(separator: " ") ?? ""
                        findings.append(DomainFinding(.starttlsNotSupported, domain.transportSeverity, subject: subject,
                                                      evidence: ehlo.isEmpty ? .fact(.noSTARTTLSInEHLO) : .data("EHLO: \(PeerText.quote(ehlo))")))
                    case .handshakeFailed(let failure, _):
                        findings.append(DomainFinding(.tlsHandshakeFailed, domain.transportSeverity, subject: subject,
                                                      evidence: failure.map(DomainEvidence.failure) ?? .fact(.handshakeFailed)))
                    default:
                        // Versions, injection and the rest are `check`'s business on port 25.
                        break
                    }
                    if problem.stopsTheClient { break }
                }
            }
        }
        return findings
    }
}

/// The MX certificates as MTA-STS senders judge them (PKIX, the MX host name, validity), by the rules every command
/// shares (`CertificateAssessment`). Weak keys and signatures are `check`'s business: senders do not refuse them.
public struct MXCertificateCheck: DomainCheck {
    public init() {}
    public var producibleFindings: [DomainFindingID] {
        [.certificateExpired, .certificateNotYetValid, .certificateHostMismatch, .certificateNotTrusted,
         .certificateExpiringSoon]
    }

    public func findings(for domain: DomainObservation) -> [DomainFinding] {
        var findings: [DomainFinding] = []
        for host in domain.hosts {
            for address in host.addresses {
                guard let certificate = address.port.certificate else { continue }
                let subject = label(host, address)
                let severity = domain.pkixSeverity(address)
                for problem in CertificateAssessment.problems(of: certificate, warnDays: domain.warnDays) {
                    switch problem {
                    case .expired:
                        findings.append(DomainFinding(.certificateExpired, severity, subject: subject,
                                                      evidence: .certificate(problem)))
                    case .notYetValid:
                        findings.append(DomainFinding(.certificateNotYetValid, severity, subject: subject,
                                                      evidence: .certificate(problem)))
                    case .expiringSoon:
                        findings.append(DomainFinding(.certificateExpiringSoon, .warning, subject: subject,
                                                      evidence: .certificate(problem)))
                    case .nameMismatch:
                        findings.append(DomainFinding(.certificateHostMismatch, severity, subject: subject,
                                                      evidence: .certificate(problem)))
                    case .selfSigned, .incompleteChain, .untrusted:
                        findings.append(DomainFinding(.certificateNotTrusted, severity, subject: subject,
                                                      evidence: .trust(certificate.trustFailure,
                                                                       issuer: certificate.leaf.issuer),
                                                      parameters: ["reason": reasonKey(certificate.trustFailure)]))
                    case .weakKey, .weakSignature:
                        break
                    }
                }
            }
        }
        return findings
    }
}

func reasonKey(_ failure: TrustFailure?) -> String {
    failure?.key ?? "invalid"
}

/// DANE for SMTP: TLSA at `_25._tcp.<mx>`. - SeeAlso: RFC 7672
public struct DANECheck: DomainCheck {
    public init() {}
    public var producibleFindings: [DomainFindingID] {
        [.dnssecInvalid, .tlsaUnusable, .tlsaInvalid, .daneRequired, .daneMissing, .danePartial]
    }

    public func findings(for domain: DomainObservation) -> [DomainFinding] {
        var findings: [DomainFinding] = []
        let protected = domain.hosts.filter { host in
            host.addresses.contains { address in
                switch address.dane {
                case .valid, .mismatch, .noTLS: true
                default: false
                }
            }
        }.map(\.name)
        for host in domain.hosts {
            guard let tlsa = host.tlsa else { continue }
            if case .bogus(let reason) = tlsa.status {
                findings.append(DomainFinding(.dnssecInvalid, .critical, subject: tlsa.name,
                                              evidence: .dnssecBogus(reason: reason), parameters: ["record": "TLSA"]))
                continue
            }
            if tlsa.records.isEmpty, !protected.isEmpty {
                findings.append(DomainFinding(.danePartial, .warning, subject: host.name,
                                              evidence: .fact(.tlsaElsewhere(protected: protected, missingAt: tlsa.name))))
                continue
            }
            if tlsa.records.isEmpty {
                let signed = tlsa.status == .secure && domain.mx.status == .secure
                findings.append(DomainFinding(.daneMissing, .info, subject: host.name,
                                              evidence: .fact(.noTLSA(at: tlsa.name, zoneSigned: signed)),
                                              parameters: ["signed": signed ? "yes" : "no"]))
                continue
            }
            var reported: Set<String> = []
            for address in host.addresses {
                switch address.dane {
                case .unusable(let reason) where reported.insert(reason.rawValue).inserted:
                    findings.append(DomainFinding(.tlsaUnusable, .warning, subject: tlsa.name,
                                                  evidence: .data(evidence(tlsa.records)),
                                                  parameters: ["reason": reason.rawValue]))
                case .mismatch(let detail):
                    findings.append(DomainFinding(.tlsaInvalid, .critical, subject: label(host, address),
                                                  evidence: .dane(detail)))
                case .noTLS:
                    findings.append(DomainFinding(.daneRequired, .critical, subject: label(host, address),
                                                  evidence: .data(evidence(tlsa.records))))
                default:
                    break
                }
            }
        }
        return findings
    }

    func evidence(_ records: [TLSARecord]) -> String {
        records.map { "\($0.presentation.prefix(22))…" }.joined(separator: ", ")
    }
}

/// MTA-STS: the TXT record, the policy file, and every MX against the policy. - SeeAlso: RFC 8461
public struct MTASTSCheck: DomainCheck {
    /// A policy that expires within a day protects little: an attacker who blocks its refresh waits a day.
    /// RFC 8461 section 3.2 suggests weeks.
    static let shortestUsefulMaxAge = 86400

    public init() {}
    public var producibleFindings: [DomainFindingID] {
        [.mtaSTSMissing, .stsRecordInvalid, .stsWebPKIInvalid, .stsPolicyFetchError, .stsPolicyInvalid,
         .stsMXNotListed, .stsModeTesting, .stsModeNone, .stsMaxAgeShort]
    }

    public func findings(for domain: DomainObservation) -> [DomainFinding] {
        let sts = domain.sts
        let subject = "_mta-sts.\(domain.domain)"
        if sts.records.isEmpty {
            if sts.policyServed {
                return [DomainFinding(.mtaSTSMissing, .warning, subject: domain.domain,
                                      evidence: .fact(.policyWithoutTXT(policyURL: sts.policyURL, txtAt: subject)),
                                      parameters: ["policy": "served"])]
            }
            return [DomainFinding(.mtaSTSMissing, .info, subject: domain.domain, evidence: .fact(.noTXT(at: subject)))]
        }
        if sts.records.count > 1 {
            return [DomainFinding(.stsRecordInvalid, .warning, subject: subject,
                                  evidence: .data(sts.records.joined(separator: " | ")), parameters: ["reason": "several"])]
        }
        if let problem = sts.recordProblem {
            return [DomainFinding(.stsRecordInvalid, .warning, subject: subject,
                                  evidence: .stsRecord(record: sts.records[0], problem), parameters: ["reason": "syntax"])]
        }
        let policySubject = sts.policyURL
        if let failure = sts.fetchFailure {
            switch failure {
            case let failure where failure.isCertificateFailure:
                return [DomainFinding(.stsWebPKIInvalid, .critical, subject: policySubject, evidence: .web(failure))]
            case .dnssecBogus(_, let reason):
                return [DomainFinding(.dnssecInvalid, .critical, subject: policySubject, evidence: .dnssecBogus(reason: reason),
                                      parameters: ["record": "A"])]
            default:
                return [DomainFinding(.stsPolicyFetchError, .critical, subject: policySubject,
                                      evidence: .web(failure))]
            }
        }
        guard let response = sts.response else { return [] }
        if (300..<400).contains(response.status) {
            return [DomainFinding(.stsPolicyFetchError, .critical, subject: policySubject,
                                  evidence: .fact(.redirect(status: response.status, location: response.location)),
                                  parameters: ["reason": "redirect"])]
        }
        guard response.status == 200 else {
            return [DomainFinding(.stsPolicyFetchError, .critical, subject: policySubject,
                                  evidence: .fact(.httpStatus(response.status)), parameters: ["reason": "status"])]
        }
        if response.mediaType != "text/plain" {
            return [DomainFinding(.stsPolicyInvalid, .critical, subject: policySubject,
                                  evidence: .data("Content-Type: \(response.contentType ?? "(none)")"),
                                  parameters: ["reason": "content-type"])]
        }
        guard let policy = sts.policy, sts.policyProblems.isEmpty else {
            return [DomainFinding(.stsPolicyInvalid, .critical, subject: policySubject,
                                  evidence: .stsPolicy(sts.policyProblems),
                                  parameters: ["reason": "syntax"])]
        }
        var findings: [DomainFinding] = []
        switch policy.mode {
        case .testing:
            findings.append(DomainFinding(.stsModeTesting, .info, subject: policySubject, evidence: .data("mode: testing")))
        case .none:
            findings.append(DomainFinding(.stsModeNone, .info, subject: policySubject, evidence: .data("mode: none")))
        case .enforce:
            break
        }
        if policy.mode != .none, policy.maxAge < MTASTSCheck.shortestUsefulMaxAge {
            findings.append(DomainFinding(.stsMaxAgeShort, .info, subject: policySubject,
                                          evidence: .data("max_age: \(policy.maxAge)"),
                                          parameters: ["seconds": String(policy.maxAge)]))
        }
        if policy.mode != .none {
            for host in domain.hosts where host.listedInSTSPolicy == false {
                findings.append(DomainFinding(.stsMXNotListed, policy.mode == .enforce ? .critical : .warning,
                                              subject: host.name,
                                              evidence: .data("mx: " + policy.mxPatterns.joined(separator: ", "))))
            }
        }
        return findings
    }
}

/// TLS-RPT: the `_smtp._tls.<domain>` record. - SeeAlso: RFC 8460 section 3
public struct TLSRPTCheck: DomainCheck {
    public init() {}
    public var producibleFindings: [DomainFindingID] { [.tlsrptMissing, .tlsrptInvalid] }

    public func findings(for domain: DomainObservation) -> [DomainFinding] {
        let subject = "_smtp._tls.\(domain.domain)"
        let tlsrpt = domain.tlsrpt
        if tlsrpt.records.isEmpty {
            return [DomainFinding(.tlsrptMissing, .info, subject: domain.domain, evidence: .fact(.noTXT(at: subject)))]
        }
        if tlsrpt.records.count > 1 {
            return [DomainFinding(.tlsrptInvalid, .warning, subject: subject,
                                  evidence: .data(tlsrpt.records.joined(separator: " | ")), parameters: ["reason": "several"])]
        }
        if let problem = tlsrpt.problem {
            return [DomainFinding(.tlsrptInvalid, .warning, subject: subject,
                                  evidence: .tlsrptRecord(record: tlsrpt.records[0], problem), parameters: ["reason": "syntax"])]
        }
        return []
    }
}
