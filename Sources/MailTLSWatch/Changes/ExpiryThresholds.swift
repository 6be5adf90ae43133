import Foundation

/// When a certificate's coming expiry is worth a notice: days left, or a share of its lifetime left, so a 90-day
/// certificate and a 6-day one are both warned in time and neither is warned on the day it is issued.
public struct ExpiryThresholds: Sendable, Equatable {
    public enum Threshold: Sendable, Hashable, Comparable, CustomStringConvertible {
        /// This many days or fewer left.
        case days(Int)
        /// This percentage of the certificate's lifetime (notAfter - notBefore) or less left.
        case percent(Int)

        public var description: String {
            switch self {
            case .days(let days): "\(days)d"
            case .percent(let percent): "\(percent)%"
            }
        }

        /// Reads `14d`, `14` (days) or `10%`.
        public init?(text: String) {
            let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
            if trimmed.hasSuffix("%") {
                guard let value = Int(trimmed.dropLast()), (1...99).contains(value) else { return nil }
                self = .percent(value)
            } else {
                let number = trimmed.hasSuffix("d") ? String(trimmed.dropLast()) : trimmed
                guard let value = Int(number), (0...3650).contains(value) else { return nil }
                self = .days(value)
            }
        }

        func seconds(lifetime: Double) -> Double {
            switch self {
            case .days(let days): Double(days) * 86400
            case .percent(let percent): lifetime * Double(percent) / 100
            }
        }
    }

    public var thresholds: [Threshold]
    /// A notice at or below this many seconds left is critical; the others are warnings.
    public var criticalSeconds: Double

    public init(thresholds: [Threshold] = [.days(21), .days(14), .days(7), .days(3), .days(1), .percent(10)],
                criticalSeconds: Double = 3 * 86400) {
        self.thresholds = thresholds
        self.criticalSeconds = criticalSeconds
    }

    /// The thresholds the certificate has crossed at `now`, the nearest to expiry last. A day threshold counts only
    /// when it is under a third of the lifetime: a 6-day certificate is not "14 days from expiry" when it is issued,
    /// because renewing at a third of the lifetime left is what ACME clients do. An expired certificate has crossed
    /// none: that is a finding of its own (certificate-expired), not a notice.
    public func crossed(notBefore: Date, notAfter: Date, now: Date) -> [Threshold] {
        let left = notAfter.timeIntervalSince(now)
        let lifetime = max(0, notAfter.timeIntervalSince(notBefore))
        guard left > 0, lifetime > 0 else { return [] }
        return thresholds
            .filter { threshold in
                if case .days = threshold, threshold.seconds(lifetime: lifetime) >= lifetime / 3 { return false }
                return left <= threshold.seconds(lifetime: lifetime)
            }
            .sorted { $0.seconds(lifetime: lifetime) > $1.seconds(lifetime: lifetime) }
    }
}
