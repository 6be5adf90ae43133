import Foundation
import MailTLSCheck
import MailTLSCore
import MailTLSWatch

/// `mailtls watch --json`: a round's outcomes and a target's history, dates in ISO 8601 (docs/watch-report.schema.json;
/// `mailtls watch run --json` prints one `Target` per line as probes finish).
public enum WatchJSON {
    public static func round(_ outcomes: [TargetOutcome]) -> Round {
        Round(targets: outcomes.map(Target.init))
    }

    public struct Round: Encodable {
        public var schemaVersion = "1.0"
        public var kind = "round"
        public var targets: [Target]
    }

    public struct Target: Encodable {
        public var target: String
        public var verdict: String
        public var unresolved: Bool
        public var ports: [Port]
        public var events: [Event]
        public var notices: [Notice]

        public init(_ outcome: TargetOutcome) {
            target = outcome.target
            verdict = outcome.worstSeverity?.rawValue ?? "ok"
            unresolved = outcome.failure != nil
            ports = outcome.snapshots.map { Port($0, conditions: outcome.conditions[$0.key] ?? []) }
            events = outcome.events.map(Event.init)
            notices = outcome.notices.map(Notice.init)
        }
    }

    public struct Port: Encodable {
        public var address: String
        public var port: Int
        public var `protocol`: String
        public var checkedAt: String
        public var state: String
        public var security: String
        public var versions: [String]
        public var cipher: String?
        public var certificate: Certificate?
        public var findings: [String]
        public var dane: String?
        public var settings: String?
        public var conditions: [Condition]

        init(_ snapshot: PortSnapshot, conditions: [AlertCondition]) {
            address = snapshot.key.address
            port = snapshot.key.port
            `protocol` = snapshot.mailProtocol.rawValue
            checkedAt = ISO8601.format(snapshot.checkedAt)
            state = snapshot.state.rawValue
            security = snapshot.security.rawValue
            versions = snapshot.versions.map(\.rawValue)
            cipher = snapshot.cipher
            certificate = snapshot.certificate.map(Certificate.init)
            findings = snapshot.findings.map(\.id.rawValue) + snapshot.domainFindings.map(\.id.rawValue)
            dane = snapshot.dane
            settings = snapshot.accountSettings
            self.conditions = conditions.map(Condition.init)
        }
    }

    public struct Certificate: Encodable {
        public var sha256: String
        public var subject: String
        public var issuer: String
        public var notBefore: String
        public var notAfter: String
        public var verified: Bool

        init(_ facts: PortSnapshot.CertificateFacts) {
            sha256 = facts.sha256Fingerprint
            subject = facts.subject
            issuer = facts.issuer
            notBefore = ISO8601.format(facts.notBefore)
            notAfter = ISO8601.format(facts.notAfter)
            verified = facts.verified
        }
    }

    public struct Condition: Encodable {
        public var id: String
        public var severity: String
        public var evidence: String

        init(_ condition: AlertCondition) {
            id = condition.id
            severity = condition.severity.rawValue
            evidence = condition.evidence.english
        }
    }

    public struct Event: Encodable {
        public var at: String
        public var address: String
        public var port: Int
        public var kind: String
        public var before: String
        public var after: String
        public var regression: Bool

        init(_ event: ChangeEvent) {
            at = ISO8601.format(event.at)
            address = event.key.address
            port = event.key.port
            kind = event.kind.rawValue
            before = event.before
            after = event.after
            regression = event.isRegression
        }
    }

    public struct Notice: Encodable {
        public var at: String
        public var kind: String
        public var address: String
        public var port: Int
        public var condition: Condition
        public var since: String

        init(_ notice: AlertNotice) {
            at = ISO8601.format(notice.at)
            kind = notice.kind.rawValue
            address = notice.key.address
            port = notice.key.port
            condition = Condition(notice.condition)
            since = ISO8601.format(notice.since)
        }
    }

    public struct History: Encodable {
        public var schemaVersion = "1.0"
        public var kind = "history"
        public var target: String
        public var ports: [Port]
        public var events: [Event]
        public var notices: [Notice]

        public init(_ history: WatchHistory) {
            target = history.target
            ports = history.latest.map { Port($0, conditions: []) }
            events = history.events.map(Event.init)
            notices = history.notices.map(Notice.init)
        }
    }
}
