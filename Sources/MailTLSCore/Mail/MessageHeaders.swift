// Pure parsing of an Internet message header block (RFC 5322 section 2.2).
// Bytes in, values out: no I/O, no global state, no force-unwrapping of input data.

/// One header field of a message.
public struct HeaderField: Sendable, Equatable {
    /// The field name as written (case preserved), e.g. `Received`.
    public var name: String
    /// The field body, unfolded (each line break plus the whitespace that starts the
    /// continuation line becomes a single space) and trimmed of surrounding whitespace.
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

public enum MessageHeaders {
    /// Maximum number of fields returned by `parse`.
    public static let maxFields = 500
    /// Maximum length in bytes of one unfolded field value; longer values are cut.
    public static let maxValueBytes = 16 * 1024
    /// Maximum number of input bytes considered; the rest is ignored.
    public static let maxInputBytes = 256 * 1024

    /// Parses the header block (up to the first empty line) of a message. Bounded: at most 500 fields, each value
    /// at most 16 KiB (longer is cut), total input considered at most 256 KiB. Accepts CRLF or bare LF. Never traps.
    ///
    /// Details:
    /// - A line that begins with SP or HTAB continues the previous field (RFC 5322 section 2.2.3); continuation
    ///   lines before the first field are ignored.
    /// - A line without a colon, or whose name is empty or contains bytes outside printable US-ASCII
    ///   (RFC 5322 section 3.6.8 `ftext`), is skipped (this also skips an mbox `From ` separator line).
    ///   Whitespace between the name and the colon (RFC 5322 section 4.5 obsolete syntax) is tolerated.
    /// - Values are decoded as UTF-8; invalid sequences become U+FFFD.
    public static func parse(_ bytes: [UInt8]) -> [HeaderField] {
        bytes.withUnsafeBufferPointer { parse(buffer: $0) }
    }

    private static func parse(buffer bytes: UnsafeBufferPointer<UInt8>) -> [HeaderField] {
        let end = min(bytes.count, maxInputBytes)
        var fields: [HeaderField] = []
        var currentName: String? = nil
        var currentValue: [UInt8] = []
        currentValue.reserveCapacity(256)

        func flush() {
            if let name = currentName, fields.count < maxFields {
                fields.append(HeaderField(name: name, value: decodeTrimmed(currentValue)))
            }
            currentName = nil
            currentValue.removeAll(keepingCapacity: true)
        }

        func appendBytes(_ lineStart: Int, _ lineEnd: Int) {
            let room = maxValueBytes - currentValue.count
            guard room > 0, lineEnd > lineStart else { return }
            currentValue.append(contentsOf: bytes[lineStart..<min(lineEnd, lineStart + room)])
        }

        var pos = 0
        while pos < end {
            if fields.count >= maxFields { break }
            // Find the end of this line (exclusive of LF and of a CR right before it).
            var lineEnd = pos
            while lineEnd < end && bytes[lineEnd] != 0x0A { lineEnd += 1 }
            let next = lineEnd < end ? lineEnd + 1 : end
            var contentEnd = lineEnd
            if contentEnd > pos && bytes[contentEnd - 1] == 0x0D { contentEnd -= 1 }

            if contentEnd == pos {
                // Empty line: end of the header block.
                break
            }
            let first = bytes[pos]
            if first == 0x20 || first == 0x09 {
                // Continuation line: the line break and the leading whitespace become one space.
                if currentName != nil {
                    var s = pos
                    while s < contentEnd && (bytes[s] == 0x20 || bytes[s] == 0x09) { s += 1 }
                    while let last = currentValue.last, last == 0x20 || last == 0x09 { currentValue.removeLast() }
                    if s < contentEnd {
                        if !currentValue.isEmpty && currentValue.count < maxValueBytes { currentValue.append(0x20) }
                        appendBytes(s, contentEnd)
                    }
                }
            } else {
                flush()
                // Look for the colon.
                var colon = pos
                while colon < contentEnd && bytes[colon] != 0x3A { colon += 1 }
                if colon < contentEnd {
                    var nameEnd = colon
                    while nameEnd > pos && (bytes[nameEnd - 1] == 0x20 || bytes[nameEnd - 1] == 0x09) { nameEnd -= 1 }
                    var valid = nameEnd > pos
                    var i = pos
                    while valid && i < nameEnd {
                        let b = bytes[i]
                        if b < 33 || b > 126 { valid = false }
                        i += 1
                    }
                    if valid {
                        currentName = String(decoding: bytes[pos..<nameEnd], as: UTF8.self)
                        var s = colon + 1
                        while s < contentEnd && (bytes[s] == 0x20 || bytes[s] == 0x09) { s += 1 }
                        appendBytes(s, contentEnd)
                    }
                }
            }
            pos = next
        }
        flush()
        return fields
    }

    /// The values of every field called `name` (ASCII case-insensitive), in the order they appear.
    public static func values(_ name: String, in fields: [HeaderField]) -> [String] {
        let wanted = ASCII.lowercased(name)
        var out: [String] = []
        for field in fields where ASCII.lowercased(field.name) == wanted {
            out.append(field.value)
        }
        return out
    }

    private static func decodeTrimmed(_ value: [UInt8]) -> String {
        var start = 0
        var stop = value.count
        while start < stop && ASCII.isSpace(value[start]) { start += 1 }
        while stop > start && ASCII.isSpace(value[stop - 1]) { stop -= 1 }
        let decoded = String(decoding: value[start..<stop], as: UTF8.self)
        if decoded.utf8.count <= maxValueBytes { return decoded }
        // Invalid bytes decode to U+FFFD (3 bytes each): cut again so the UTF-8 form stays within the limit.
        var scalars = String.UnicodeScalarView()
        var length = 0
        for scalar in decoded.unicodeScalars {
            let width = UTF8.width(scalar)
            if length + width > maxValueBytes { break }
            scalars.append(scalar)
            length += width
        }
        return String(scalars)
    }
}

/// Small ASCII helpers shared by the parsers.
enum ASCII {
    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A }
    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    static func isAlpha(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) }
    static func isHex(_ b: UInt8) -> Bool { isDigit(b) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66) }
    static func lower(_ b: UInt8) -> UInt8 { (b >= 0x41 && b <= 0x5A) ? b + 32 : b }
    static func upper(_ b: UInt8) -> UInt8 { (b >= 0x61 && b <= 0x7A) ? b - 32 : b }

    /// Lowercases ASCII letters only (locale independent).
    static func lowercased(_ s: String) -> String {
        String(decoding: s.utf8.map(lower), as: UTF8.self)
    }

    static func uppercased(_ s: String) -> String {
        String(decoding: s.utf8.map(upper), as: UTF8.self)
    }

    /// ASCII case-insensitive comparison of a byte slice with a lowercase ASCII literal.
    static func equalsLower(_ bytes: ArraySlice<UInt8>, _ lowerLiteral: String) -> Bool {
        let lit = Array(lowerLiteral.utf8)
        guard bytes.count == lit.count else { return false }
        var j = 0
        for b in bytes {
            if lower(b) != lit[j] { return false }
            j += 1
        }
        return true
    }

    /// Index of the first ASCII case-insensitive occurrence of `needle` (lowercase) in `hay[from...]`.
    static func find(_ needleLower: [UInt8], in hay: [UInt8], from: Int = 0) -> Int? {
        let n = needleLower.count
        guard n > 0, from >= 0, hay.count >= n, from <= hay.count - n else { return nil }
        return hay.withUnsafeBufferPointer { h -> Int? in
            needleLower.withUnsafeBufferPointer { needle -> Int? in
                let first = needle[0]
                let firstUpper = upper(first)
                var i = from
                let last = h.count - n
                while i <= last {
                    let b = h[i]
                    if b == first || b == firstUpper {
                        var j = 1
                        while j < n && lower(h[i + j]) == needle[j] { j += 1 }
                        if j == n { return i }
                    }
                    i += 1
                }
                return nil
            }
        }
    }
}

/// Byte constants (cheaper than `UInt8(ascii:)` in unoptimised builds).
enum Byte {
    static let at: UInt8 = 0x40
    static let backslash: UInt8 = 0x5C
    static let colon: UInt8 = 0x3A
    static let quote: UInt8 = 0x22
    static let one: UInt8 = 0x31
    static let comma: UInt8 = 0x2C
    static let dot: UInt8 = 0x2E
    static let hyphen: UInt8 = 0x2D
    static let lbracket: UInt8 = 0x5B
    static let lowerV: UInt8 = 0x76
    static let lparen: UInt8 = 0x28
    static let plus: UInt8 = 0x2B
    static let rbracket: UInt8 = 0x5D
    static let rparen: UInt8 = 0x29
    static let semicolon: UInt8 = 0x3B
    static let underscore: UInt8 = 0x5F
    static let upperV: UInt8 = 0x56
    static let zero: UInt8 = 0x30
}
