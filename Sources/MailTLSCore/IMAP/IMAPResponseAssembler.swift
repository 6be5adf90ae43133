/// Assembles IMAP responses: untagged `*` lines until the tagged status line of the command, or, for the greeting,
/// the first untagged status line.
/// - SeeAlso: RFC 3501 section 7, RFC 9051
public struct IMAPResponseAssembler: ResponseAssembler {
    /// The tag of the command being answered; nil while waiting for the greeting.
    public let tag: String?
    public let maximumLines: Int
    /// All literals of one response together (`{N}` announces N bytes of data: a FETCH's header block).
    public let maximumLiteralBytes: Int
    private var lines: [String] = []
    private var literals: [[UInt8]] = []
    /// Inside a literal: its bytes so far and how many are still to come.
    private var literal: [UInt8] = []
    private var literalRemaining = 0
    private var literalBytes = 0
    /// A literal just ended with its last line: the next line continues the response line it belongs to.
    private var continuesLine = false

    /// During IDLE (RFC 2177): an untagged `EXISTS` or `RECENT` is the news awaited, and completes the response.
    public let endsOnNews: Bool

    public init(tag: String?, maximumLines: Int = 256, maximumLiteralBytes: Int = 1 << 20, endsOnNews: Bool = false) {
        self.tag = tag
        self.maximumLines = maximumLines
        self.maximumLiteralBytes = maximumLiteralBytes
        self.endsOnNews = endsOnNews
    }

    public mutating func consume(line raw: [UInt8]) throws(ResponseError) -> MailResponse? {
        var line = raw
        if literalRemaining > 0 {
            // Literal data arrives as lines, each of which lost its CRLF on the way: put it back and count it.
            let withEnd = line.count + 2
            if literalRemaining >= withEnd {
                literal += line + [13, 10]
                literalRemaining -= withEnd
                if literalRemaining == 0 {
                    endLiteral()
                    continuesLine = true
                }
                return nil
            }
            // The literal ends inside this line; what follows it continues the response line (`)` or ` UID 7)`).
            let taken = min(literalRemaining, line.count)
            literal += line[..<taken]
            if literalRemaining > line.count { literal.append(13) }
            line = Array(line[taken...])
            literalRemaining = 0
            endLiteral()
            guard let last = lines.popLast() else { return nil }
            let continued = last + line.printableLine
            lines.append(continued)
            try startLiteral(announcedBy: continued)
            return nil
        }
        if continuesLine, let last = lines.popLast() {
            continuesLine = false
            let continued = last + line.printableLine
            lines.append(continued)
            try startLiteral(announcedBy: continued)
            return nil
        }
        let text = line.printableLine
        lines.append(text)
        guard lines.count <= maximumLines else { throw .responseTooLong(limit: maximumLines) }
        if text.hasPrefix("* ") || (tag != nil && !text.hasPrefix("+")) {
            try startLiteral(announcedBy: text)
            if literalRemaining > 0 { return nil }
        }
        if tag != nil, text == "+" || text.hasPrefix("+ ") {
            return finish(MailResponse(outcome: .intermediate, lines: lines))
        }
        let words = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard words.count >= 2 else { throw .malformedLine(text) }
        if words[0] == "*" {
            let status = words[1].uppercased()
            if status == "BYE" {
                return finish(MailResponse(outcome: .bye, code: IMAPResponseAssembler.responseCode(in: text),
                                           lines: lines))
            }
            if endsOnNews, words.count == 3, ["EXISTS", "RECENT"].contains(words[2].uppercased()) {
                return finish(MailResponse(outcome: .positive, code: words[2].uppercased(), lines: lines))
            }
            if tag == nil {
                switch status {
                case "OK", "PREAUTH":
                    return finish(MailResponse(outcome: .positive, code: IMAPResponseAssembler.responseCode(in: text),
                                               lines: lines))
                default:
                    throw .malformedLine(text)
                }
            }
            return nil
        }
        guard let tag, words[0] == tag else { throw .malformedLine(text) }
        let code = IMAPResponseAssembler.responseCode(in: text)
        switch words[1].uppercased() {
        case "OK": return finish(MailResponse(outcome: .positive, code: code, lines: lines))
        case "NO":
            let transient = code == "UNAVAILABLE" || code == "INUSE" || code == "LIMIT"
            return finish(MailResponse(outcome: transient ? .transientFailure : .permanentFailure, code: code,
                                       lines: lines))
        case "BAD": return finish(MailResponse(outcome: .permanentFailure, code: code ?? "BAD", lines: lines))
        default: throw .malformedLine(text)
        }
    }

    private mutating func finish(_ response: MailResponse) -> MailResponse {
        var response = response
        response.literals = literals
        lines = []
        literals = []
        literalBytes = 0
        continuesLine = false
        return response
    }

    /// A line that ends in `{N}` (or `{N+}`, RFC 7888) announces N bytes of literal data on the following lines.
    private mutating func startLiteral(announcedBy text: String) throws(ResponseError) {
        guard text.hasSuffix("}"), let open = text.lastIndex(of: "{") else { return }
        var digits = text[text.index(after: open)..<text.index(before: text.endIndex)]
        if digits.hasSuffix("+") { digits = digits.dropLast() }
        guard !digits.isEmpty, digits.count <= 10, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let count = Int(digits) else { return }
        let (total, overflow) = literalBytes.addingReportingOverflow(count)
        guard !overflow, total <= maximumLiteralBytes else { throw .responseTooLong(limit: maximumLiteralBytes) }
        literalBytes = total
        literal = []
        literalRemaining = count
        if count == 0 {
            endLiteral()
            continuesLine = true
        }
    }

    private mutating func endLiteral() {
        literals.append(literal)
        literal = []
    }

    /// The bracketed response code after the status word: `NO [AUTHENTICATIONFAILED] ...` gives
    /// `AUTHENTICATIONFAILED`; `OK [CAPABILITY IMAP4rev1 ...]` gives `CAPABILITY`.
    public static func responseCode(in line: String) -> String? {
        guard let open = line.firstIndex(of: "["), let close = line[open...].firstIndex(of: "]") else { return nil }
        let inside = line[line.index(after: open)..<close]
        return inside.split(separator: " ").first.map { $0.uppercased() }
    }

    /// Capability atoms from a `* CAPABILITY ...` line or a `[CAPABILITY ...]` response code in any line.
    public static func capabilities(in response: MailResponse) -> [String]? {
        for line in response.lines {
            let upper = line.uppercased()
            if upper.hasPrefix("* CAPABILITY ") {
                return line.dropFirst("* CAPABILITY ".count).split(separator: " ").map(String.init)
            }
            if let open = upper.firstRange(of: "[CAPABILITY "), let close = upper[open.upperBound...].firstIndex(of: "]") {
                return line[open.upperBound..<close].split(separator: " ").map(String.init)
            }
        }
        return nil
    }
}
