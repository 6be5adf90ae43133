import Foundation

/// Lenient RFC 5322 section 3.3 `date-time` parser (with the section 4.3 obsolete forms).
///
/// Accepts `[day-of-week ","] day month year hour ":" minute [":" second] [zone]`, where
/// - comments in parentheses anywhere are skipped (`-0800 (PST)`), and a zone name found only in a
///   comment (`... 12:00:00 (UTC)`) is used when there is no zone token;
/// - the day of week is optional and never checked against the date;
/// - month names are matched on their first three letters, case-insensitively;
/// - a two-digit year is 2000+ when below 50, else 1900+; a three-digit year is 1900+ (RFC 5322 section 4.3);
/// - zone is `+hhmm`/`-hhmm`, or one of the RFC 5322 section 4.3 names (UT, GMT, EST, EDT, CST, CDT, MST, MDT,
///   PST, PDT), or UTC/Z, or a few common unambiguous names (CET, CEST, EET, EEST, WET, WEST, AEST, AEDT, JST);
///   any other alphabetic zone, or no zone at all, is treated as -0000 (RFC 5322 section 4.3);
/// - a numeric zone that is not exactly four digits with minutes below 60 makes the date invalid (nil).
/// Every number is read with a digit limit, so nothing can overflow.
enum ReceivedDate {
    static func parse(_ text: Substring) -> Date? {
        var bytes = Array(text.utf8.prefix(512))
        // Replace comments by spaces, remembering the first comment's content.
        var commentWords: [String] = []
        var depth = 0
        var current: [UInt8] = []
        for i in 0..<bytes.count {
            let b = bytes[i]
            if b == Byte.lparen {
                depth += 1
                bytes[i] = 0x20
            } else if b == Byte.rparen {
                if depth > 0 {
                    depth -= 1
                    if depth == 0 {
                        commentWords.append(String(decoding: current, as: UTF8.self))
                        current.removeAll()
                    }
                }
                bytes[i] = 0x20
            } else if depth > 0 {
                current.append(b)
                bytes[i] = 0x20
            }
        }
        // Tokenise on whitespace and commas.
        var tokens: [ArraySlice<UInt8>] = []
        var i = 0
        while i < bytes.count && tokens.count < 16 {
            while i < bytes.count && (ASCII.isSpace(bytes[i]) || bytes[i] == Byte.comma) { i += 1 }
            let start = i
            while i < bytes.count && !ASCII.isSpace(bytes[i]) && bytes[i] != Byte.comma { i += 1 }
            if i > start { tokens.append(bytes[start..<i]) }
        }
        var t = 0
        // Optional day of week (any alphabetic token before the day number).
        if t < tokens.count, let f = tokens[t].first, ASCII.isAlpha(f) { t += 1 }
        guard t < tokens.count, let day = number(tokens[t], maxDigits: 2) else { return nil }
        t += 1
        guard t < tokens.count, let month = monthNumber(tokens[t]) else { return nil }
        t += 1
        guard t < tokens.count, var year = number(tokens[t], maxDigits: 4) else { return nil }
        let yearDigits = tokens[t].count
        if yearDigits == 2 { year += year < 50 ? 2000 : 1900 } else if yearDigits == 3 { year += 1900 }
        t += 1
        guard t < tokens.count else { return nil }
        // Time: hh:mm[:ss]
        let timeParts = tokens[t].split(separator: Byte.colon, omittingEmptySubsequences: false)
        guard timeParts.count == 2 || timeParts.count == 3,
              let hour = number(timeParts[0], maxDigits: 2),
              let minute = number(timeParts[1], maxDigits: 2) else { return nil }
        var second = 0
        if timeParts.count == 3 {
            guard let s = number(timeParts[2], maxDigits: 2) else { return nil }
            second = s
        }
        t += 1
        guard hour <= 23, minute <= 59, second <= 60 else { return nil }
        guard month >= 1, month <= 12, day >= 1, day <= daysInMonth(month, year) else { return nil }
        if second == 60 { second = 59 }

        var offset = 0 // seconds east of UTC
        if t < tokens.count {
            let z = tokens[t]
            if let sign = z.first, sign == Byte.plus || sign == Byte.hyphen {
                let digits = z.dropFirst()
                guard digits.count == 4, let hhmm = number(digits, maxDigits: 4) else { return nil }
                let zh = hhmm / 100, zm = hhmm % 100
                guard zm < 60 else { return nil }
                offset = (zh * 3600 + zm * 60) * (sign == Byte.hyphen ? -1 : 1)
            } else if let f = z.first, ASCII.isAlpha(f) {
                offset = zoneOffset(String(decoding: z, as: UTF8.self)) ?? 0
            }
        } else if let name = commentWords.first {
            offset = zoneOffset(name.trimmingCharacters(in: .whitespaces)) ?? 0
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offset)
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    private static func number(_ s: ArraySlice<UInt8>, maxDigits: Int) -> Int? {
        guard !s.isEmpty, s.count <= maxDigits else { return nil }
        var v = 0
        for b in s {
            guard ASCII.isDigit(b) else { return nil }
            v = v * 10 + Int(b - 0x30)
        }
        return v
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    private static func monthNumber(_ s: ArraySlice<UInt8>) -> Int? {
        guard s.count >= 3, s.count <= 9 else { return nil }
        let key = String(decoding: s.prefix(3).map(ASCII.lower), as: UTF8.self)
        guard let idx = months.firstIndex(of: key) else { return nil }
        return idx + 1
    }

    private static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    private static func daysInMonth(_ m: Int, _ y: Int) -> Int {
        switch m {
        case 2: return isLeap(y) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's days_from_civil).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Offsets in seconds east of UTC for the zone names we accept.
    static func zoneOffset(_ name: String) -> Int? {
        switch ASCII.uppercased(name) {
        case "UT", "UTC", "GMT", "Z", "WET": return 0
        case "EST": return -5 * 3600
        case "EDT": return -4 * 3600
        case "CST": return -6 * 3600
        case "CDT": return -5 * 3600
        case "MST": return -7 * 3600
        case "MDT": return -6 * 3600
        case "PST": return -8 * 3600
        case "PDT": return -7 * 3600
        case "CET", "WEST": return 3600
        case "CEST", "EET": return 2 * 3600
        case "EEST": return 3 * 3600
        case "JST": return 9 * 3600
        case "AEST": return 10 * 3600
        case "AEDT": return 11 * 3600
        default: return nil
        }
    }
}
