import Foundation
import MailTLSCheck
import MailTLSCore
import MailTLSDomainCheck

/// Something wrong on a port that should be fixed: a finding of the check at or above the alert severity, a port
/// that used to answer and no longer does, or a best TLS version lower than the best one seen before.
public struct AlertCondition: Sendable, Equatable, Hashable, Codable {
    /// A finding id (`certificate-expired`), `port-lost` or `tls-version-lowered`.
    public var id: String
    public var severity: Severity
    /// Kept as JSON text, decoded when an alert or a page words it (a dashboard request reads every state).
    var storedEvidence: StoredEvidence<ConditionEvidence>
    public var evidence: ConditionEvidence {
        get { storedEvidence.value(orData: { .text($0) }) }
        set { storedEvidence = StoredEvidence(newValue) }
    }
    /// The server software on the port, for a fix in its terms.
    public var software: ServerSoftware?
    /// Whose rule it is, so its words come from the right catalogue (`mailtls check`'s and `mailtls domain`'s
    /// share some ids, such as certificate-expired).
    public var catalog: Catalog
    /// The finding's own values that its words name beyond the evidence (which DANE or MTA-STS case, a DH group's
    /// bits), so an alert reads as the check's or the domain's finding did. Alert states written before hold none.
    public var parameters: [String: String] {
        get { storedParameters ?? [:] }
        set { storedParameters = newValue.isEmpty ? nil : newValue }
    }
    var storedParameters: [String: String]?

    public enum Catalog: String, Sendable, Codable {
        case check
        case domain
        case watch
    }

    public init(id: String, severity: Severity, evidence: ConditionEvidence, software: ServerSoftware? = nil,
                catalog: Catalog = .check, parameters: [String: String] = [:]) {
        self.id = id
        self.severity = severity
        storedEvidence = StoredEvidence(evidence)
        self.software = software
        self.catalog = catalog
        self.parameters = parameters
    }

    /// Alert states written before evidence was typed hold its English words: they come back as text.
    enum CodingKeys: String, CodingKey {
        case id, severity, software, catalog
        case storedEvidence = "evidence"
        case storedParameters = "parameters"
    }

    public static let portLost = "port-lost"
    public static let versionLowered = "tls-version-lowered"
    /// An address target whose settings could not be found or verified (incoming, outgoing or both).
    public static let settingsNotFound = "settings-not-found"
    /// The monitor's own conditions, which `ignore:` accepts too.
    public static let ownConditions: Set<String> = [portLost, versionLowered, settingsNotFound]
}

/// What shows a condition: a check finding's or a domain finding's typed evidence, or the monitor's own words
/// about its own conditions (a port's state, a version change, what settings are missing, a date).
public enum ConditionEvidence: Sendable, Hashable, Codable {
    case check(Evidence)
    case domain(DomainEvidence)
    case text(String)

    /// For webhooks, JSON and e-mail in English.
    public var english: String {
        switch self {
        case .check(let evidence): evidence.english
        case .domain(let evidence): evidence.english
        case .text(let text): text
        }
    }
}

/// Where one condition of one port stands between probes.
public struct AlertState: Sendable, Equatable, Codable {
    public enum Phase: String, Sendable, Codable {
        /// Seen failing, not yet often enough to alert.
        case pending
        /// Alerted; not yet seen passing often enough to resolve.
        case firing
    }

    public var key: PortKey
    public var condition: AlertCondition
    public var phase: Phase
    public var failures: Int
    public var successes: Int
    public var since: Date
    public var lastNotified: Date?

    public init(key: PortKey, condition: AlertCondition, phase: Phase, failures: Int, successes: Int, since: Date,
                lastNotified: Date?) {
        self.key = key
        self.condition = condition
        self.phase = phase
        self.failures = failures
        self.successes = successes
        self.since = since
        self.lastNotified = lastNotified
    }
}

/// What a probe makes the monitor say.
public struct AlertNotice: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        case firing
        case reminder
        case resolved
        /// A certificate crossed an expiry threshold (sent once per threshold per certificate).
        case expiry
        /// A change for the worse that is not a lasting condition (an MTA-STS policy changed without a new id).
        case change
    }

    public var kind: Kind
    public var key: PortKey
    public var condition: AlertCondition
    public var at: Date
    /// When the condition was first seen failing.
    public var since: Date

    public init(kind: Kind, key: PortKey, condition: AlertCondition, at: Date, since: Date) {
        self.kind = kind
        self.key = key
        self.condition = condition
        self.at = at
        self.since = since
    }
}

/// The alert state machine: `failuresBeforeAlert` failing probes in a row before an alert, `successesBeforeResolve`
/// passing ones before it resolves, one alert per episode (a reminder at most every `reminderInterval`), nothing while
/// a port does not answer for conditions only an answering port can show.
public struct AlertTracker: Sendable {
    public var failuresBeforeAlert: Int
    public var successesBeforeResolve: Int
    public var reminderInterval: Double

    public init(failuresBeforeAlert: Int = 3, successesBeforeResolve: Int = 2, reminderInterval: Double = 86400) {
        self.failuresBeforeAlert = failuresBeforeAlert
        self.successesBeforeResolve = successesBeforeResolve
        self.reminderInterval = reminderInterval
    }

    /// One probe's step for one port: the states it had, the conditions it shows now, and whether the port answered
    /// (when it did not, only `port-lost` can pass or fail; the rest wait). Returns the states to keep and the
    /// notices to send.
    public func step(key: PortKey, states: [AlertState], active: [AlertCondition], answered: Bool, now: Date)
        -> (states: [AlertState], notices: [AlertNotice]) {
        var kept: [AlertState] = []
        var notices: [AlertNotice] = []
        let activeByID = Dictionary(active.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var handled: Set<String> = []

        for var state in states {
            handled.insert(state.condition.id)
            if let condition = activeByID[state.condition.id] {
                state.condition = condition
                state.successes = 0
                switch state.phase {
                case .pending:
                    state.failures += 1
                    if state.failures >= failuresBeforeAlert {
                        state.phase = .firing
                        state.lastNotified = now
                        notices.append(AlertNotice(kind: .firing, key: key, condition: condition, at: now, since: state.since))
                    }
                case .firing:
                    if let last = state.lastNotified {
                        if now.timeIntervalSince(last) >= reminderInterval {
                            state.lastNotified = now
                            notices.append(AlertNotice(kind: .reminder, key: key, condition: condition, at: now, since: state.since))
                        }
                    } else {
                        // Held by a maintenance window: told now that it still fires.
                        state.lastNotified = now
                        notices.append(AlertNotice(kind: .firing, key: key, condition: condition, at: now, since: state.since))
                    }
                }
                kept.append(state)
                continue
            }
            // Not shown now. A port that did not answer shows nothing about its TLS: wait.
            guard answered || state.condition.id == AlertCondition.portLost else {
                kept.append(state)
                continue
            }
            switch state.phase {
            case .pending:
                break  // a blip that never alerted is forgotten
            case .firing:
                state.successes += 1
                if state.successes >= successesBeforeResolve {
                    // An alert never told (held by maintenance) resolves without a word.
                    if state.lastNotified != nil {
                        notices.append(AlertNotice(kind: .resolved, key: key, condition: state.condition, at: now, since: state.since))
                    }
                } else {
                    kept.append(state)
                }
            }
        }
        for condition in active where !handled.contains(condition.id) {
            var state = AlertState(key: key, condition: condition, phase: .pending, failures: 1, successes: 0,
                                   since: now, lastNotified: nil)
            if failuresBeforeAlert <= 1 {
                state.phase = .firing
                state.lastNotified = now
                notices.append(AlertNotice(kind: .firing, key: key, condition: condition, at: now, since: now))
            }
            kept.append(state)
        }
        return (kept.sorted { $0.condition.id < $1.condition.id }, notices)
    }

    /// The alert conditions a snapshot shows: its findings at or above `minimum` that the user has not accepted
    /// (expiring-soon and closed or filtered ports aside: expiry has its own notices, and a port that never answered
    /// is not a fault), a port that answered before and does not now, and a best TLS version below the best seen.
    public static func conditions(of snapshot: PortSnapshot, minimum: Severity, ignore: Set<String>,
                                  wasOpenBefore: Bool, bestVersionSeen: TLSVersion?) -> [AlertCondition] {
        var conditions: [AlertCondition] = []
        let notConditions: Set<FindingID> = [.certificateExpiringSoon, .portClosed, .portFiltered]
        for finding in snapshot.findings
        where finding.severity >= minimum && !ignore.contains(finding.id.rawValue) && !notConditions.contains(finding.id) {
            conditions.append(AlertCondition(id: finding.id.rawValue, severity: finding.severity, evidence: .check(finding.evidence),
                                             software: snapshot.software, parameters: finding.parameters))
        }
        // A domain's findings: one condition per id on this entry (the first subject's evidence), expiry aside.
        var seen: Set<DomainFindingID> = []
        for finding in snapshot.domainFindings
        where finding.severity >= minimum && !ignore.contains(finding.id.rawValue) && finding.id != .certificateExpiringSoon
            && seen.insert(finding.id).inserted {
            conditions.append(AlertCondition(id: finding.id.rawValue, severity: finding.severity,
                                             evidence: .domain(finding.evidence), catalog: .domain,
                                             parameters: finding.parameters))
        }
        if !snapshot.accountMissing.isEmpty, !ignore.contains(AlertCondition.settingsNotFound) {
            conditions.append(AlertCondition(id: AlertCondition.settingsNotFound, severity: .critical,
                                             evidence: .text(snapshot.accountMissing.joined(separator: ", ")), catalog: .watch))
        }
        if snapshot.state != .open, wasOpenBefore, !ignore.contains(AlertCondition.portLost) {
            conditions.append(AlertCondition(id: AlertCondition.portLost, severity: .critical,
                                             evidence: .text(snapshot.state.rawValue), catalog: .watch))
        }
        if snapshot.state == .open, let best = bestVersionSeen, let now = snapshot.versions.max(), now < best,
           minimum <= .warning, !ignore.contains(AlertCondition.versionLowered) {
            conditions.append(AlertCondition(id: AlertCondition.versionLowered, severity: .warning,
                                             evidence: .text("\(best.rawValue) → \(now.rawValue)"), catalog: .watch))
        }
        return conditions
    }
}

extension AlertTracker {
    /// A step during a maintenance window: firing and reminder notices are held (their states stay untold, so each
    /// alert is told at the first failing probe after the window), and only resolutions of alerts already told go
    /// out.
    public static func hold(states: [AlertState], notices: [AlertNotice]) -> (states: [AlertState], notices: [AlertNotice]) {
        var held = states
        for notice in notices where notice.kind == .firing || notice.kind == .reminder {
            if let index = held.firstIndex(where: { $0.condition.id == notice.condition.id }) {
                held[index].lastNotified = nil
            }
        }
        return (held, notices.filter { $0.kind == .resolved })
    }
}
