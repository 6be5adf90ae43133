import Foundation
import MailTLSCheck
import MailTLSCore

/// The fleet at a glance, worst first: what the dashboard's overview, its expiry timeline and `/metrics` show. Built
/// from the store's latest snapshots and alert states, nothing else.
public struct FleetSummary: Sendable, Equatable {
    public enum Status: Sendable, Equatable, Comparable {
        /// An alert is firing; its worst severity.
        case alerting(Severity)
        /// A condition is failing, not yet often enough to alert.
        case failing
        case ok

        var rank: Int {
            switch self {
            case .alerting(.critical): 0
            case .alerting: 1
            case .failing: 2
            case .ok: 3
            }
        }

        public static func < (lhs: Status, rhs: Status) -> Bool { lhs.rank < rhs.rank }
    }

    public struct Target: Sendable, Equatable {
        public var name: String
        public var status: Status
        public var ports: [PortSnapshot]
        /// Alert states in this target, firing first.
        public var alerts: [AlertState]
        /// The certificate that expires first, and when.
        public var firstExpiry: Date?
        public var lastChecked: Date
    }

    /// One certificate on the expiry timeline: every port that serves it.
    public struct Certificate: Sendable, Equatable {
        public var fingerprint: String
        public var subject: String
        public var notAfter: Date
        public var verified: Bool
        public var places: [PortKey]
    }

    public var targets: [Target]
    public var certificates: [Certificate]

    public init(memories: [PortMemory]) {
        var byTarget: [String: [PortMemory]] = [:]
        for memory in memories { byTarget[memory.snapshot.key.target, default: []].append(memory) }
        targets = byTarget.map { name, memories in
            let alerts = memories.flatMap(\.alertStates).sorted {
                ($0.phase == .firing ? 0 : 1, -$0.condition.severity.rankValue, $0.key) <
                    ($1.phase == .firing ? 0 : 1, -$1.condition.severity.rankValue, $1.key)
            }
            let firing = alerts.filter { $0.phase == .firing }.map(\.condition.severity).max()
            let status: Status = firing.map(Status.alerting) ?? (alerts.isEmpty ? .ok : .failing)
            let snapshots = memories.map(\.snapshot).sorted { $0.key < $1.key }
            return Target(name: name, status: status, ports: snapshots, alerts: alerts,
                          firstExpiry: snapshots.compactMap(\.certificate?.notAfter).min(),
                          lastChecked: snapshots.map(\.checkedAt).max() ?? .distantPast)
        }.sorted {
            ($0.status.rank, $0.firstExpiry ?? .distantFuture, $0.name) < ($1.status.rank, $1.firstExpiry ?? .distantFuture, $1.name)
        }
        var certificates: [String: Certificate] = [:]
        for memory in memories {
            guard let facts = memory.snapshot.certificate else { continue }
            certificates[facts.sha256Fingerprint, default: Certificate(
                fingerprint: facts.sha256Fingerprint, subject: facts.subject, notAfter: facts.notAfter,
                verified: facts.verified, places: [])].places.append(memory.snapshot.key)
        }
        self.certificates = certificates.values.map { certificate in
            var sorted = certificate
            sorted.places.sort()
            return sorted
        }.sorted { ($0.notAfter, $0.fingerprint) < ($1.notAfter, $1.fingerprint) }
    }
}

extension Severity {
    var rankValue: Int {
        switch self {
        case .info: 0
        case .warning: 1
        case .critical: 2
        }
    }
}
