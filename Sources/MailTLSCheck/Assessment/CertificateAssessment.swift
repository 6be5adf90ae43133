import Foundation
import MailTLSEngine
import Synchronization

/// Every rule about a presented certificate, defined once: `check`, `domain`, `setup`'s verification, `diagnose`
/// and the relay's upstream gate all ask here, so they cannot disagree about the same chain.
public enum CertificateAssessment {
    /// Warn when this many days or fewer are left (Let's Encrypt clients renew at 30: a certificate past that has
    /// missed its renewal).
    public static let defaultWarnDays = 30

    /// One thing wrong with a certificate, with what shows it.
    public enum Problem: Sendable, Hashable, Codable {
        case expired(notAfter: Date, daysAgo: Int)
        case notYetValid(notBefore: Date)
        /// `daysLeft` <= the warning threshold.
        case expiringSoon(daysLeft: Int, notAfter: Date)
        /// The name checked is not among the certificate's names.
        case nameMismatch(checkedName: String, names: [String])
        case selfSigned(subject: String)
        case incompleteChain(missingIssuer: String)
        /// Not trusted for another reason: unknown root, an issuer outside its validity, a broken chain.
        case untrusted(issuer: String, reason: TrustFailure)
        case weakKey(CertificateWeakness)
        case weakSignature(CertificateWeakness)

        /// Whether a client that validates refuses the certificate for this. Today's TLS libraries refuse RSA keys
        /// under 2048 bits and SHA-1 signatures (OpenSSL's default security level on Debian 12); an approaching
        /// expiry is a warning.
        public var refusesConnection: Bool {
            switch self {
            case .expired, .notYetValid, .nameMismatch, .selfSigned, .incompleteChain, .untrusted, .weakKey,
                 .weakSignature: true
            case .expiringSoon: false
            }
        }

        /// A stable identifier for JSON and parameters.
        public var key: String {
            switch self {
            case .expired: "expired"
            case .notYetValid: "not-yet-valid"
            case .expiringSoon: "expiring-soon"
            case .nameMismatch: "name-mismatch"
            case .selfSigned: "self-signed"
            case .incompleteChain: "incomplete-chain"
            case .untrusted: "untrusted"
            case .weakKey: "weak-key"
            case .weakSignature: "weak-signature"
            }
        }

        /// The values a verdict's words name: `date` (the expiry or start), `days`, the `name` checked and the
        /// certificate's `names`, the `issuer` that is missing or not trusted.
        public var parameters: [String: String] {
            switch self {
            case .expired(let notAfter, let daysAgo): ["date": ISO8601.format(notAfter), "days": String(daysAgo)]
            case .notYetValid(let notBefore): ["date": ISO8601.format(notBefore)]
            case .expiringSoon(let days, let notAfter): ["days": String(days), "date": ISO8601.format(notAfter)]
            case .nameMismatch(let checked, let names): ["name": checked, "names": names.joined(separator: ", ")]
            case .incompleteChain(let missing): ["issuer": missing]
            case .untrusted(let issuer, let reason):
                if case .unknownRoot(let root) = reason { ["issuer": root] } else { ["issuer": issuer] }
            case .selfSigned, .weakKey, .weakSignature: [:]
            }
        }

        /// The evidence in a few words, in English (the catalogues word it for people).
        public var evidence: String {
            switch self {
            case .expired(let notAfter, _): "notAfter \(ISO8601.format(notAfter))"
            case .notYetValid(let notBefore): "notBefore \(ISO8601.format(notBefore))"
            case .expiringSoon(let days, let notAfter): "\(days) days left (notAfter \(ISO8601.format(notAfter)))"
            case .nameMismatch(let checked, let names): "\(checked) not in [\(names.joined(separator: ", "))]"
            case .selfSigned(let subject): "self-signed: \(subject)"
            case .incompleteChain(let missing): "missing issuer \(missing)"
            case .untrusted(let issuer, let reason):
                if case .unknownRoot(let root) = reason { "unknown root \(root)" } else if case .invalid = reason {
                    reason.evidence.isEmpty ? "issuer \(issuer)" : reason.evidence
                } else { reason.evidence }
            case .weakKey(let weakness), .weakSignature(let weakness): weakness.english
            }
        }
    }

    /// Everything wrong with `report`, in one order: validity (expired, not yet valid, or expiring soon: one of
    /// them), the name, trust (the most specific cause alone), then weak keys and signatures.
    public static func problems(of report: CertificateReport,
                                warnDays: Int = CertificateAssessment.defaultWarnDays) -> [Problem] {
        var problems: [Problem] = []
        let leaf = report.leaf
        if report.isExpired {
            problems.append(.expired(notAfter: leaf.notAfter, daysAgo: max(0, -report.daysLeft)))
        } else if report.isNotYetValid {
            problems.append(.notYetValid(notBefore: leaf.notBefore))
        } else if report.daysLeft <= warnDays {
            problems.append(.expiringSoon(daysLeft: report.daysLeft, notAfter: leaf.notAfter))
        }
        if !report.hostnameMatches {
            let names = leaf.subjectAlternativeNames.isEmpty ? [leaf.subject] : leaf.subjectAlternativeNames
            problems.append(.nameMismatch(checkedName: report.checkedName, names: names))
        }
        switch report.trustFailure {
        case .selfSigned?: problems.append(.selfSigned(subject: leaf.subject))
        case .incompleteChain(let missing)?: problems.append(.incompleteChain(missingIssuer: missing))
        case let failure?: problems.append(.untrusted(issuer: leaf.issuer, reason: failure))
        case nil:
            // Not trusted without a recorded cause: a chain too weak to be read has its weakness as the cause;
            // anything else still counts as not trusted.
            if !report.isTrusted && report.weakKeys.isEmpty && report.weakSignatures.isEmpty {
                problems.append(.untrusted(issuer: leaf.issuer, reason: .invalid("")))
            }
        }
        problems += report.weakKeys.map(Problem.weakKey)
        problems += report.weakSignatures.map(Problem.weakSignature)
        return problems
    }

    /// The first problem a validating client stops at, in the order clients check: validity, then a self-signed
    /// certificate, then the name, then the rest of trust. Nil when a validating client accepts the certificate.
    public static func refusal(of report: CertificateReport) -> Problem? {
        let refusals = problems(of: report).filter(\.refusesConnection)
        let order: [String] = ["expired", "not-yet-valid", "self-signed", "name-mismatch", "incomplete-chain",
                               "untrusted", "weak-key", "weak-signature"]
        return refusals.min { (order.firstIndex(of: $0.key) ?? 99) < (order.firstIndex(of: $1.key) ?? 99) }
    }
}

/// The gate of every connection that sends a credential (the relay's upstream, the round trip's two connections):
/// the presented chain is judged by the rules above, for the name the user gave, before anything else is sent. The
/// last refusal is kept for the report. `now` nil: the moment of each handshake (a long-running relay).
public final class CertificateGateKeeper: Sendable {
    private let anchors: TrustAnchors
    private let now: Date?
    private let refusal = Mutex<CertificateAssessment.Problem?>(nil)

    public init(anchors: TrustAnchors, now: Date? = nil) {
        self.anchors = anchors
        self.now = now
    }

    /// The problem the last rejected chain had; nil when the chain had no readable certificate at all.
    public var lastRefusal: CertificateAssessment.Problem? { refusal.withLock { $0 } }

    public func gate(checking name: String) -> CertificateGate {
        { [self] facts in
            let analyzer = CertificateAnalyzer(anchors: anchors, now: now ?? Date())
            guard let report = await analyzer.analyse(presentedChain: facts.presentedChain, checkedName: name) else {
                refusal.withLock { $0 = nil }
                return .rejected(reason: "no certificate")
            }
            guard let problem = CertificateAssessment.refusal(of: report) else { return .accepted }
            refusal.withLock { $0 = problem }
            return .rejected(reason: "\(problem.key): \(problem.evidence)")
        }
    }
}

