import Foundation

/// Dates in reports: `2026-11-29T08:00:00Z`, the same in every locale.
public enum ISO8601 {
    public static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
