import MailTLSCore
import MailTLSEngine

/// What shows a finding. The data stays as it was (a server's reply, a suite name, a date); the few words mailtls
/// puts around it are typed values, so English and Japanese are both made from the same value and nothing is
/// translated from English text. `english` is what JSON, webhooks and the history carry.
public indirect enum Evidence: Sendable, Hashable, Codable {
    /// Shown as it is in every language: the server's words (quoted where they came from a peer), suite names,
    /// version lists, DEFLATE.
    case data(String)
    /// Why the connection engine stopped.
    case failure(EngineError)
    case certificate(CertificateAssessment.Problem)
    case cleartextLogin(CleartextLoginEvidence)
    case fact(EvidenceFact)
    /// Evidence that differs between the places a merged finding was seen: `143: …; 110: …`.
    case perPlace([PlacedEvidence])

    public var english: String {
        switch self {
        case .data(let text): text
        case .failure(let error): error.summary
        case .certificate(let problem): problem.evidence
        case .cleartextLogin(let evidence): evidence.english
        case .fact(let fact): fact.english
        case .perPlace(let entries): entries.map { "\($0.place): \($0.evidence.english)" }.joined(separator: "; ")
        }
    }

    /// The values a finding's words name that this evidence holds (`date`, `keyword`, `versions`, `bytes`...), so
    /// that a finding rebuilt from its evidence alone (watch's history) reads as the check's did.
    public var parameters: [String: String] {
        switch self {
        case .certificate(let problem): problem.parameters
        case .fact(let fact): fact.parameters
        case .perPlace(let entries): PlacedParameters.merged(entries.map { ($0.place, $0.evidence.parameters) })
        case .data, .failure, .cleartextLogin: [:]
        }
    }
}

/// The values of a finding merged over several places: one value where they agree, else each place's
/// (`2026-01-01 (mx1), 2026-02-01 (mx2)`).
public enum PlacedParameters {
    public static func merged(_ placed: [(place: String, values: [String: String])]) -> [String: String] {
        var merged: [String: String] = [:]
        for key in Set(placed.flatMap(\.values.keys)) {
            let distinct = Set(placed.compactMap { $0.values[key] })
            merged[key] = distinct.count == 1 ? distinct.first
                : placed.compactMap { entry in entry.values[key].map { "\($0) (\(entry.place))" } }.joined(separator: ", ")
        }
        return merged
    }
}

/// One place's evidence in a merged finding.
public struct PlacedEvidence: Sendable, Hashable, Codable {
    public var place: String
    public var evidence: Evidence

    public init(place: String, evidence: Evidence) {
        self.place = place
        self.evidence = evidence
    }
}

/// mailtls's own words about what it saw, as values.
public enum EvidenceFact: Sendable, Hashable, Codable {
    /// A closed port whose refusal left no engine error behind.
    case connectionRefused
    /// A filtered port whose silence left no engine error behind.
    case noAnswer
    /// The server never greeted.
    case noGreeting
    /// The handshake failed without a reason.
    case tlsFailed
    /// STARTTLS (or STLS) is not among the capabilities.
    case keywordNotInCapabilities(String)
    /// The reply to MAIL FROM before STARTTLS, already quoted.
    case mailBeforeSTARTTLS(reply: String)
    /// Bytes after STARTTLS's go-ahead, with a printable preview.
    case injectedAfterGoAhead(count: Int, preview: String)
    case acceptedVersions([TLSVersion])
    case bestVersion(TLSVersion)
    /// No greeting on a STARTTLS port, but a handshake completed at once.
    case handshakeWithoutGreeting(TLSVersion?)
    /// The greeting took this many seconds.
    case greetingSeconds(Int)

    public var english: String {
        switch self {
        case .connectionRefused: "connection refused"
        case .noAnswer: "no answer"
        case .noGreeting: "no greeting"
        case .tlsFailed: "TLS failed"
        case .keywordNotInCapabilities(let keyword): "no \(keyword) in the capabilities"
        case .mailBeforeSTARTTLS(let reply): "MAIL FROM before STARTTLS: \(reply)"
        case .injectedAfterGoAhead(let count, let preview): "\(count) bytes after the go-ahead: \(preview)"
        case .acceptedVersions(let versions): "accepts " + versions.map(\.rawValue).joined(separator: ", ")
        case .bestVersion(let version): "best version \(version.rawValue)"
        case .handshakeWithoutGreeting(let version): "no greeting; \(version?.rawValue ?? "TLS") handshake completed"
        case .greetingSeconds(let seconds): "\(seconds) s"
        }
    }

    public var parameters: [String: String] {
        switch self {
        case .keywordNotInCapabilities(let keyword): ["keyword": keyword]
        case .injectedAfterGoAhead(let count, _): ["bytes": String(count)]
        case .acceptedVersions(let versions): ["versions": versions.map(\.displayName).joined(separator: ", ")]
        case .bestVersion(let version): ["version": version.displayName]
        case .greetingSeconds(let seconds): ["seconds": String(seconds)]
        case .connectionRefused, .noAnswer, .noGreeting, .tlsFailed, .mailBeforeSTARTTLS, .handshakeWithoutGreeting: [:]
        }
    }
}
