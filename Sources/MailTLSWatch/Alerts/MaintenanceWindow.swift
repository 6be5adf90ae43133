import Foundation

/// A time when alerts about some targets are held: a planned certificate swap, a nightly restart. Probes go on and
/// history is kept; a firing alert is told when the window ends if it still fires, and an expiry notice waits.
public struct MaintenanceWindow: Sendable, Equatable {
    public enum Recurrence: Sendable, Equatable {
        /// From a local date and time to another.
        case once(start: Date, end: Date)
        /// Every day (or on the given weekdays, 1 = Sunday … 7 = Saturday) from a local time, for a while.
        case recurring(startMinute: Int, duration: Double, weekdays: Set<Int>)
    }

    /// Target names, `*` matching any run of characters; empty means every target.
    public var targets: [String]
    public var recurrence: Recurrence
    public var timeZone: TimeZone

    public init(targets: [String], recurrence: Recurrence, timeZone: TimeZone) {
        self.targets = targets
        self.recurrence = recurrence
        self.timeZone = timeZone
    }

    public func covers(_ target: String, at now: Date) -> Bool {
        guard targets.isEmpty || targets.contains(where: { Self.matches(target, pattern: $0) }) else { return false }
        switch recurrence {
        case .once(let start, let end):
            return start <= now && now < end
        case .recurring(let startMinute, let duration, let weekdays):
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = timeZone
            // The window that began today or yesterday (local) may cover now (a window across midnight).
            for daysBack in [0, 1] {
                guard let day = calendar.date(byAdding: .day, value: -daysBack, to: now),
                      let start = calendar.date(bySettingHour: startMinute / 60, minute: startMinute % 60, second: 0, of: day)
                else { continue }
                if !weekdays.isEmpty && !weekdays.contains(calendar.component(.weekday, from: start)) { continue }
                if start <= now && now < start.addingTimeInterval(duration) { return true }
            }
            return false
        }
    }

    /// `*` matches any run of characters; everything else itself.
    static func matches(_ text: String, pattern: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        guard parts.count > 1 else { return text == pattern }
        var rest = Substring(text)
        guard rest.hasPrefix(parts[0]) else { return false }
        rest = rest.dropFirst(parts[0].count)
        for (index, part) in parts.enumerated().dropFirst() {
            if index == parts.count - 1 { return part.isEmpty || rest.hasSuffix(part) }
            guard let range = rest.range(of: part) else { return false }
            rest = rest[range.upperBound...]
        }
        return true
    }
}
