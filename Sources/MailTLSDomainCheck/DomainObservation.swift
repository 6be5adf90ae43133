import Foundation
import MailTLSCheck
import MailTLSDNS
import MailTLSDomain
import MailTLSWeb

/// The domain's MX answer: the records, whether DNSSEC vouches for them, and the RFC 5321 special cases.
public struct MXLookup: Sendable {
    public var records: [MXRecord]
    public var status: DNSSECStatus
    /// No MX records: senders use the domain's own address (RFC 5321 section 5.1).
    public var isImplicit: Bool
    /// `MX 0 .`: the domain accepts no mail (RFC 7505).
    public var isNullMX: Bool

    public init(records: [MXRecord], status: DNSSECStatus, isImplicit: Bool = false, isNullMX: Bool = false) {
        self.records = records
        self.status = status
        self.isImplicit = isImplicit
        self.isNullMX = isNullMX
    }
}

/// The TLSA records at `_25._tcp.<mx>` and their DNSSEC status.
public struct TLSALookup: Sendable {
    public var name: String
    public var records: [TLSARecord]
    public var status: DNSSECStatus
    /// The lookup itself failed (SERVFAIL, timeout); distinct from "no records".
    public var error: DNSError?

    public init(name: String, records: [TLSARecord], status: DNSSECStatus, error: DNSError? = nil) {
        self.name = name
        self.records = records
        self.status = status
        self.error = error
    }
}

/// How DANE judges one MX address. - SeeAlso: RFC 7672 section 2.2
public enum DANEVerdict: Sendable, Equatable {
    /// No TLSA records for this MX.
    case noRecords
    /// TLSA records that senders cannot use, with the reason.
    case unusable(DANEUnusableReason)
    /// The DNSSEC answer for the TLSA records is bogus.
    case bogus(String)
    /// A usable record matched the presented chain (and, for DANE-TA, the name).
    case valid(TLSARecord)
    /// Usable records, none of which authenticates the server.
    case mismatch(DANEMismatch)
    /// Usable records, but no TLS to check them against (STARTTLS missing or the handshake failed).
    case noTLS
}

public enum DANEUnusableReason: String, Sendable, Equatable {
    /// The TLSA answer is not DNSSEC-signed.
    case tlsaInsecure = "tlsa-insecure"
    /// The MX answer is not DNSSEC-signed, so senders do not look for TLSA (RFC 7672 section 2.2.1).
    case mxInsecure = "mx-insecure"
    /// Only PKIX-TA(0) or PKIX-EE(1) records, or unknown selectors and matching types.
    case onlyUnusableUsages = "only-pkix-usages"
}

/// One address of one MX host, probed on port 25.
public struct MXAddressObservation: Sendable {
    public var address: String
    public var port: PortObservation
    public var dane: DANEVerdict

    public init(address: String, port: PortObservation, dane: DANEVerdict) {
        self.address = address
        self.port = port
        self.dane = dane
    }
}

/// One MX host: its addresses, TLSA and whether the MTA-STS policy lists it.
public struct MXHostObservation: Sendable {
    public var name: String
    public var preference: UInt16
    public var addressStatus: DNSSECStatus?
    /// Why no address could be probed (NXDOMAIN, lookup failure).
    public var addressError: MXAddressProblem?
    public var addresses: [MXAddressObservation]
    public var tlsa: TLSALookup?
    /// Whether the MTA-STS policy's mx patterns cover this host; nil without a policy.
    public var listedInSTSPolicy: Bool?

    public init(name: String, preference: UInt16, addressStatus: DNSSECStatus? = nil, addressError: MXAddressProblem? = nil,
                addresses: [MXAddressObservation] = [], tlsa: TLSALookup? = nil, listedInSTSPolicy: Bool? = nil) {
        self.name = name
        self.preference = preference
        self.addressStatus = addressStatus
        self.addressError = addressError
        self.addresses = addresses
        self.tlsa = tlsa
        self.listedInSTSPolicy = listedInSTSPolicy
    }
}

/// MTA-STS: the TXT record and the policy file. - SeeAlso: RFC 8461
public struct STSObservation: Sendable {
    /// Every TXT string at `_mta-sts.<domain>` that starts with `v=STSv1`.
    public var records: [String] = []
    public var record: STSRecord?
    public var recordProblem: STSRecord.Problem?
    public var policyURL: String
    public var response: HTTPSFetcher.Response?
    public var fetchFailure: HTTPSFetcher.Failure?
    public var policy: STSPolicy?
    public var policyProblems: [STSPolicy.Problem] = []

    public init(policyURL: String) {
        self.policyURL = policyURL
    }

    /// Whether a policy file was served at all (200, whatever its content).
    public var policyServed: Bool { response?.status == 200 }
}

/// TLS-RPT: the `_smtp._tls.<domain>` record. - SeeAlso: RFC 8460
public struct TLSRPTObservation: Sendable {
    public var records: [String] = []
    public var record: TLSRPTRecord?
    public var problem: TLSRPTRecord.Problem?

    public init() {}
}

/// Everything `mailtls domain` learned, before any judgement.
public struct DomainObservation: Sendable {
    public var domain: String
    public var mx: MXLookup
    public var hosts: [MXHostObservation]
    public var sts: STSObservation
    public var tlsrpt: TLSRPTObservation
    public var warnDays: Int

    public init(domain: String, mx: MXLookup, hosts: [MXHostObservation], sts: STSObservation,
                tlsrpt: TLSRPTObservation, warnDays: Int = CertificateAssessment.defaultWarnDays) {
        self.domain = domain
        self.mx = mx
        self.hosts = hosts
        self.sts = sts
        self.tlsrpt = tlsrpt
        self.warnDays = warnDays
    }

    /// The policy's mode when a valid policy is published (TXT and file).
    public var enforcedSTSMode: STSPolicy.Mode? {
        guard sts.record != nil, let policy = sts.policy, sts.policyProblems.isEmpty else { return nil }
        return policy.mode
    }
}
