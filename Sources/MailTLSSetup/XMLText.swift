/// Text made safe for XML character data and attribute values.
enum XMLText {
    /// Escapes `& < > " '` and replaces characters XML 1.0 forbids (most control characters) with U+FFFD,
    /// so a hostile display name can neither break out of its element nor make the document unreadable.
    /// - SeeAlso: XML 1.0 section 2.2 (Char)
    static func escaped(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            default:
                let value = scalar.value
                let allowed = value >= 0x20 && value != 0xFFFE && value != 0xFFFF
                result.unicodeScalars.append(allowed ? scalar : "\u{FFFD}")
            }
        }
        return result
    }
}
