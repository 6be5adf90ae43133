/// Text that came from a peer (a server's reply, a certificate's subject, a DNS record, a device's Subject line),
/// made safe to show on a terminal: every character that could move the cursor, clear the screen, retitle the
/// window, hide text or reorder it is written out as an escape instead.
///
/// Escaped: C0 controls and DEL (ESC starts every terminal sequence), C1 controls (U+0080 to U+009F; U+009B is a
/// one-character CSI), the bidirectional controls (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069) and
/// the invisible format characters that can hide text (U+200B to U+200D, U+2028, U+2029, U+2060 to U+2065, U+FEFF),
/// and the tag characters (U+E0000 to U+E007F). Everything else, Japanese included, stays as it is.
public enum PeerText {
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x061C, 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x206F, 0xFEFF, 0xFFF9...0xFFFB: true
        case 0xE0000...0xE007F: true
        default: false
        }
    }

    /// The peer's own words inside evidence, escaped and marked as a quote, so that no reader (nor the Japanese
    /// report) takes them for mailtls's sentence: `MAIL FROM before STARTTLS: "250 2.1.0 Ok"`.
    public static func quote(_ text: some StringProtocol) -> String {
        "\"" + escaped(text) + "\""
    }

    /// `text` with every unsafe character written as `\xNN` (up to U+00FF) or `\u{NNNN}`.
    public static func escaped(_ text: some StringProtocol) -> String {
        guard text.unicodeScalars.contains(where: isUnsafe) else { return String(text) }
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            if isUnsafe(scalar) {
                result += escape(scalar.value)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// Bytes as text: valid UTF-8 decoded and escaped, anything else byte by byte (`\xNN` for every byte outside
    /// printable ASCII).
    public static func escaped(bytes: some Collection<UInt8>) -> String {
        let decoded = String(decoding: bytes, as: UTF8.self)
        if decoded.utf8.elementsEqual(bytes) { return escaped(decoded) }
        var result = ""
        for byte in bytes {
            if byte >= 0x20 && byte < 0x7F {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                result += escape(UInt32(byte))
            }
        }
        return result
    }

    private static func escape(_ value: UInt32) -> String {
        let hex = String(value, radix: 16, uppercase: true)
        if value <= 0xFF { return "\\x" + hex.leftPadded(to: 2) }
        return "\\u{" + hex.leftPadded(to: 4) + "}"
    }
}

extension StringProtocol {
    /// This text as it may be shown: see `PeerText`.
    public var peerSafe: String { PeerText.escaped(self) }
}
