import MailTLSCheck
import MailTLSWeb
import MailTLSSetup

/// Where a candidate setting came from, best first. - SeeAlso: ../shared notes on Thunderbird's order; RFC 6186
public enum DiscoverySource: String, Sendable, Codable, CaseIterable, Comparable {
    /// `https://autoconfig.<domain>/mail/config-v1.1.xml`
    case autoconfig
    /// `https://<domain>/.well-known/autoconfig/mail/config-v1.1.xml`
    case wellKnown = "well-known"
    /// RFC 6186 / RFC 8314 SRV records.
    case srv
    /// The autoconfig file of the best MX host's domain.
    case mxAutoconfig = "mx-autoconfig"
    /// Host names and ports guessed as Thunderbird does, each probed.
    case guess

    var rank: Int { DiscoverySource.allCases.firstIndex(of: self) ?? 0 }
    public static func < (lhs: DiscoverySource, rhs: DiscoverySource) -> Bool { lhs.rank < rhs.rank }
}

/// One setting to try, and where it came from.
public struct Candidate: Sendable, Equatable {
    public var setting: ServerSetting
    public var source: DiscoverySource
    /// The URL, record name or guess that produced it.
    public var origin: String

    public init(setting: ServerSetting, source: DiscoverySource, origin: String) {
        self.setting = setting
        self.source = source
        self.origin = origin
    }
}

/// Why a candidate does not work, as a device would fail on it.
public enum CandidateFailure: Sendable, Equatable {
    case hostNotFound
    /// What stops a client with this setting on the connection, as `TransportAssessment` judges it for every
    /// command (refused, filtered, the wrong mode, no STARTTLS, a failed handshake, no AUTH after TLS).
    case transport(TransportAssessment.Problem)
    /// What makes a validating client refuse the certificate, as `CertificateAssessment` judges it.
    case certificate(CertificateAssessment.Problem)
    /// The setting says no encryption: setup never recommends it.
    case plaintextOnly
}

/// A candidate after a real connection.
public struct VerifiedCandidate: Sendable {
    public var candidate: Candidate
    public var observation: PortObservation?
    public var failure: CandidateFailure?
    /// AUTH mechanisms after TLS (IMAP LOGIN and POP3 USER included as the probe reports them).
    public var mechanisms: [String]

    public var works: Bool { failure == nil }

    /// The connection got no answer, or no route: a firewall on this side (an ISP blocking 25 or 587) could be the
    /// cause, so another network may fare better. A refused port, a certificate or the wrong mode are the server's.
    public var mayBeBlockedOnThisNetwork: Bool {
        switch failure {
        case .transport(.noAnswer), .transport(.unreachable): true
        default: false
        }
    }

    public init(candidate: Candidate, observation: PortObservation?, failure: CandidateFailure?,
                mechanisms: [String] = []) {
        self.candidate = candidate
        self.observation = observation
        self.failure = failure
        self.mechanisms = mechanisms
    }
}

/// What one source yielded.
public struct SourceOutcome: Sendable, Equatable {
    public enum Result: Sendable, Equatable {
        case found(Int)
        case notPublished(Detail)
        case failed(Detail)
        case skipped(Detail)
    }

    /// Why a source gave nothing: typed, so that each report says it in its reader's language.
    public enum Detail: Sendable, Equatable {
        case noSRVRecords
        /// SRV records that say "not offered here" (target "."), by service.
        case srvNotOffered([String])
        case noGuessedHostResolves
        /// `--no-guess`.
        case guessingOff
        case fetch(HTTPSFetcher.Failure)
        case httpStatus(Int)
        case badAutoconfig(AutoconfigParser.Problem)

        public var english: String {
            switch self {
            case .noSRVRecords: "no SRV records"
            case .srvNotOffered(let services): "not offered: " + services.joined(separator: ", ")
            case .noGuessedHostResolves: "no guessed host name resolves"
            case .guessingOff: "--no-guess"
            case .fetch(let failure): failure.evidence
            case .httpStatus(let status): "HTTP \(status)"
            case .badAutoconfig(let problem): problem.description
            }
        }
    }

    public var source: DiscoverySource
    public var origin: String
    public var result: Result

    public init(source: DiscoverySource, origin: String, result: Result) {
        self.source = source
        self.origin = origin
        self.result = result
    }
}
