import Foundation

/// Dates as mail headers write them: `Sun, 06 Dec 2026 12:00:00 +0000`, in UTC. The relay's Received and notices,
/// diagnose's and the round trip's test messages. - SeeAlso: RFC 5322 section 3.3
public enum RFC5322Date {
    public static func format(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
