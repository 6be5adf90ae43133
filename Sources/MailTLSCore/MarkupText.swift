/// Text made safe for XML and HTML character data and attribute values: the one escaper of every document mailtls
/// writes (Thunderbird's autoconfig, Apple's profile, the settings sheet in HTML and XHTML).
public enum MarkupText {
    /// Escapes `& < > " '` (the apostrophe as `&#39;`, which HTML and XML both read) and replaces the characters
    /// XML 1.0 forbids and HTML discourages (control characters, DEL, U+FFFE, U+FFFF) with U+FFFD, so a hostile
    /// display name can neither break out of its element nor make the document unreadable.
    /// - SeeAlso: XML 1.0 section 2.2 (Char), HTML Living Standard 13.1.4 (character references)
    public static func escaped(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            default:
                let value = scalar.value
                let allowed = value >= 0x20 && value != 0x7F && value != 0xFFFE && value != 0xFFFF
                result.unicodeScalars.append(allowed ? scalar : "\u{FFFD}")
            }
        }
        return result
    }
}
