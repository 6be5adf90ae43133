import Foundation
import MailTLSCheck
import MailTLSCore

/// One thing that changed on a port between two probes. History shows them; a change for the worse is also an alert
/// condition while it lasts (see `AlertTracker`).
public struct ChangeEvent: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case portOpened = "port-opened"
        case portLost = "port-lost"
        case securityChanged = "security-changed"
        case versionAdded = "version-added"
        case versionRemoved = "version-removed"
        case cipherChanged = "cipher-changed"
        case certificateChanged = "certificate-changed"
        case issuerChanged = "issuer-changed"
        case keyChanged = "key-changed"
        case findingAppeared = "finding-appeared"
        case findingCleared = "finding-cleared"
        /// An MX address's DANE verdict changed (`valid` to `mismatch` is the classic DANE outage after a renewal).
        case daneChanged = "dane-changed"
        /// The MTA-STS policy changed, with a new id as RFC 8461 asks.
        case stsPolicyChanged = "sts-policy-changed"
        /// The policy file changed but the TXT record's id did not: senders that cached the old policy keep it.
        case stsPolicyChangedWithoutNewID = "sts-policy-changed-without-new-id"
        /// An address's discovered settings changed (a provider moved its servers, or published other ports).
        case settingsChanged = "settings-changed"
    }

    public var key: PortKey
    public var at: Date
    public var kind: Kind
    /// What it was and what it is now, as plain values (version names, fingerprints, finding ids).
    public var before: String
    public var after: String
    /// Whether the change is for the worse.
    public var isRegression: Bool

    public init(key: PortKey, at: Date, kind: Kind, before: String, after: String, isRegression: Bool) {
        self.key = key
        self.at = at
        self.kind = kind
        self.before = before
        self.after = after
        self.isRegression = isRegression
    }
}

/// Compares a port's new snapshot with the one before it: one event per change, none when nothing changed, so a
/// fault seen on a hundred probes is one event in the history.
public enum ChangeDetector {
    public static func changes(from previous: PortSnapshot?, to current: PortSnapshot) -> [ChangeEvent] {
        guard let previous else { return [] }
        var events: [ChangeEvent] = []
        func add(_ kind: ChangeEvent.Kind, _ before: String, _ after: String, regression: Bool) {
            events.append(ChangeEvent(key: current.key, at: current.checkedAt, kind: kind, before: before,
                                      after: after, isRegression: regression))
        }
        if previous.state != current.state {
            if current.state == .open {
                add(.portOpened, previous.state.rawValue, current.state.rawValue, regression: false)
            } else if previous.state == .open {
                add(.portLost, previous.state.rawValue, current.state.rawValue, regression: true)
            }
        }
        // The rest compares what an open port served; a port that did not answer says nothing about TLS.
        guard previous.state == .open, current.state == .open else { return events }

        if previous.security != current.security {
            add(.securityChanged, previous.security.rawValue, current.security.rawValue,
                regression: securityRank(current.security) < securityRank(previous.security))
        }
        // Versions compare while TLS is there on both sides; TLS gone altogether is the security change above.
        let before = Set(previous.versions)
        let after = Set(current.versions)
        for version in after.subtracting(before).sorted() where !before.isEmpty {
            // A new version is a regression when it is one the check calls deprecated.
            add(.versionAdded, "", version.rawValue, regression: version < .tls12)
        }
        for version in before.subtracting(after).sorted() where !after.isEmpty {
            // Losing the best version the port had is a regression; losing a deprecated one is progress.
            add(.versionRemoved, version.rawValue, "", regression: version >= .tls12 && version == before.max())
        }
        if let old = previous.cipher, let new = current.cipher, old != new {
            add(.cipherChanged, old, new, regression: false)
        }
        if let old = previous.certificate, let new = current.certificate,
           old.sha256Fingerprint != new.sha256Fingerprint {
            add(.certificateChanged, old.sha256Fingerprint, new.sha256Fingerprint,
                regression: old.verified && !new.verified)
            if old.issuer != new.issuer { add(.issuerChanged, old.issuer, new.issuer, regression: false) }
            if old.keyType != new.keyType || old.keyBits != new.keyBits {
                add(.keyChanged, "\(old.keyType) \(old.keyBits.map(String.init) ?? "")", "\(new.keyType) \(new.keyBits.map(String.init) ?? "")",
                    regression: (new.keyBits ?? 0) < (old.keyBits ?? 0) && old.keyType == new.keyType)
            }
        }
        // The check's findings and a domain's, by id: one event when one appears or clears.
        func ids(_ snapshot: PortSnapshot) -> [String: Severity] {
            var result: [String: Severity] = [:]
            for finding in snapshot.findings { result[finding.id.rawValue] = result[finding.id.rawValue] ?? finding.severity }
            for finding in snapshot.domainFindings { result[finding.id.rawValue] = result[finding.id.rawValue] ?? finding.severity }
            return result
        }
        let (oldIDs, newIDs) = (ids(previous), ids(current))
        for id in Set(newIDs.keys).subtracting(oldIDs.keys).sorted() {
            add(.findingAppeared, "", id, regression: (newIDs[id] ?? .info) >= .warning)
        }
        for id in Set(oldIDs.keys).subtracting(newIDs.keys).sorted() {
            add(.findingCleared, id, "", regression: false)
        }
        if let old = previous.accountSettings, let new = current.accountSettings, old != new {
            add(.settingsChanged, old, new, regression: false)
        }
        if let old = previous.dane, let new = current.dane, old != new {
            add(.daneChanged, old, new, regression: old == "valid")
        }
        if let old = previous.sts, let new = current.sts, old.policyDigest != nil, new.policyDigest != nil,
           old.policyDigest != new.policyDigest || old.id != new.id {
            if old.id == new.id {
                add(.stsPolicyChangedWithoutNewID, old.id ?? "", new.id ?? "", regression: true)
            } else {
                add(.stsPolicyChanged, old.id ?? "", new.id ?? "", regression: false)
            }
        }
        return events
    }

    /// Implicit TLS and required STARTTLS protect the same; optional STARTTLS less; plaintext nothing.
    static func securityRank(_ security: ObservedSecurity) -> Int {
        switch security {
        case .implicitTLS, .startTLSRequired: 3
        case .startTLSOffered: 2
        case .plaintext: 0
        default: 1
        }
    }
}
