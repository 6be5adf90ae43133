/// Reads IMAP command lines, including literals (`{n}` and `{n+}`) that continue a command on the next lines, and
/// splits a complete command into tag, name and arguments.
/// - SeeAlso: RFC 3501 section 9 (formal syntax), RFC 7888 (LITERAL+)
struct IMAPCommandReader: Sendable {
    enum Output: Sendable, Equatable {
        case needMore(sendContinuation: Bool)
        case command([UInt8])
        case tooLong
    }

    let maximumBytes: Int
    private var buffer: [UInt8] = []
    private var literalRemaining = 0

    init(maximumBytes: Int = 1 << 16) {
        self.maximumBytes = maximumBytes
    }

    mutating func consume(line: [UInt8]) -> Output {
        buffer += line
        buffer += [0x0D, 0x0A]
        guard buffer.count <= maximumBytes else {
            buffer = []
            literalRemaining = 0
            return .tooLong
        }
        if literalRemaining > 0 {
            literalRemaining -= line.count + 2
            if literalRemaining > 0 { return .needMore(sendContinuation: false) }
            // The literal ended inside this line; what follows it may announce another literal.
            let tailStart = line.count + 2 + literalRemaining
            let tail = tailStart >= 0 && tailStart <= line.count ? Array(line[tailStart...]) : []
            literalRemaining = 0
            return announce(in: tail) ?? finish()
        }
        return announce(in: line) ?? finish()
    }

    private mutating func announce(in line: [UInt8]) -> Output? {
        guard line.last == UInt8(ascii: "}"), let open = line.lastIndex(of: UInt8(ascii: "{")) else { return nil }
        var digits = line[(open + 1)..<(line.count - 1)]
        let nonSynchronizing = digits.last == UInt8(ascii: "+")
        if nonSynchronizing { digits = digits.dropLast() }
        guard let count = IMAPNumber.parse(digits, atMost: maximumBytes) else { return nil }
        literalRemaining = count
        return .needMore(sendContinuation: !nonSynchronizing)
    }

    private mutating func finish() -> Output {
        let command = Array(buffer.dropLast(2))
        buffer = []
        return .command(command)
    }
}

/// One parsed IMAP argument.
enum IMAPToken: Sendable, Equatable {
    case atom(String)
    case string(String)
    case list([IMAPToken])
    case nilValue

    var text: String? {
        switch self {
        case .atom(let value), .string(let value): value
        case .list, .nilValue: nil
        }
    }
}

/// Splits a command into tokens: atoms (with brackets kept whole, as in `BODY.PEEK[HEADER.FIELDS (FROM)]<0.10>`),
/// quoted strings, literals and parenthesized lists.
struct IMAPTokenizer {
    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    static func tokens(_ bytes: [UInt8]) -> [IMAPToken]? {
        var tokenizer = IMAPTokenizer(bytes)
        return tokenizer.readList(until: nil)
    }

    private mutating func readList(until terminator: UInt8?) -> [IMAPToken]? {
        var tokens: [IMAPToken] = []
        while true {
            while index < bytes.count && bytes[index] == 0x20 { index += 1 }
            guard index < bytes.count else { return terminator == nil ? tokens : nil }
            let byte = bytes[index]
            if let terminator, byte == terminator {
                index += 1
                return tokens
            }
            switch byte {
            case UInt8(ascii: "("):
                index += 1
                guard let inner = readList(until: UInt8(ascii: ")")) else { return nil }
                tokens.append(.list(inner))
            case UInt8(ascii: "\""):
                guard let value = readQuoted() else { return nil }
                tokens.append(.string(value))
            case UInt8(ascii: "{"):
                guard let value = readLiteral() else { return nil }
                tokens.append(.string(value))
            default:
                let atom = readAtom(stopAt: terminator)
                tokens.append(atom.uppercased() == "NIL" ? .nilValue : .atom(atom))
            }
        }
    }

    private mutating func readQuoted() -> String? {
        index += 1
        var value: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: "\\"), index < bytes.count {
                value.append(bytes[index])
                index += 1
            } else if byte == UInt8(ascii: "\"") {
                return String(decoding: value, as: UTF8.self)
            } else {
                value.append(byte)
            }
        }
        return nil
    }

    /// `{n}` or `{n+}`, CRLF, then n bytes. The count is digits only and at most what is left of the command, so
    /// no count a client sends (`{-1}`, `{9223372036854775807}`) can build an invalid range.
    private mutating func readLiteral() -> String? {
        guard let close = bytes[index...].firstIndex(of: UInt8(ascii: "}")) else { return nil }
        var digits = bytes[(index + 1)..<close]
        if digits.last == UInt8(ascii: "+") { digits = digits.dropLast() }
        let start = close + 3  // past "}\r\n"
        guard start <= bytes.count, let count = IMAPNumber.parse(digits, atMost: bytes.count - start) else {
            return nil
        }
        index = start + count
        return String(decoding: bytes[start..<(start + count)], as: UTF8.self)
    }

    /// An atom, keeping `[...]` sections (which may hold spaces and parentheses) and `<...>` partials whole.
    private mutating func readAtom(stopAt terminator: UInt8?) -> String {
        var value: [UInt8] = []
        var depth = 0
        while index < bytes.count {
            let byte = bytes[index]
            if depth == 0 && (byte == 0x20 || byte == terminator || byte == UInt8(ascii: "(")) { break }
            if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "<") { depth += 1 }
            if (byte == UInt8(ascii: "]") || byte == UInt8(ascii: ">")) && depth > 0 { depth -= 1 }
            value.append(byte)
            index += 1
        }
        return String(decoding: value, as: UTF8.self)
    }
}

/// Numbers a client sends (literal counts, sequence numbers, partial ranges): ASCII digits only, never negative, and
/// bounded before they are used, so no arithmetic on them can trap.
/// - SeeAlso: RFC 3501 section 9 (`number`, `nz-number`: 32-bit unsigned)
enum IMAPNumber {
    /// The value of `digits` when it is 1 to 10 ASCII digits and at most `limit`; nil otherwise.
    static func parse(_ digits: some Collection<UInt8>, atMost limit: Int) -> Int? {
        guard !digits.isEmpty, digits.count <= 10 else { return nil }
        var value = 0
        for digit in digits {
            guard digit >= 0x30 && digit <= 0x39 else { return nil }
            value = value * 10 + Int(digit - 0x30)
        }
        return value <= limit ? value : nil
    }

    static func parse(_ text: some StringProtocol, atMost limit: Int) -> Int? {
        parse(Array(text.utf8), atMost: limit)
    }
}
