import Foundation

/// Dates in reports: `2026-11-29T08:00:00Z`, the same in every locale. Formatted by hand in UTC (whole seconds, as
/// ISO8601DateFormatter's internet date-time): a formatter built per call cost a dashboard of 10,000 targets a second.
public enum ISO8601 {
    public static func format(_ date: Date) -> String {
        var seconds = time_t(((date.timeIntervalSince1970 * 1000).rounded() / 1000).rounded(.down))  // to the millisecond first, as Foundation
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : String(value) }
        let year = Int(parts.tm_year) + 1900
        let yearText = year >= 0 && year < 1000 ? String(repeating: "0", count: 4 - String(year).count) + String(year) : String(year)
        return "\(yearText)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }
}
