/// Assembles IMAP responses: untagged `*` lines until the tagged status line of the command, or, for the greeting,
/// the first untagged status line.
/// - SeeAlso: RFC 3501 section 7, RFC 9051
public struct IMAPResponseAssembler: ResponseAssembler {
    /// The tag of the command being answered; nil while waiting for the greeting.
    public let tag: String?
    public let maximumLines: Int
    private var lines: [String] = []

    public init(tag: String?, maximumLines: Int = 256) {
        self.tag = tag
        self.maximumLines = maximumLines
    }

    public mutating func consume(line: [UInt8]) throws(ResponseError) -> MailResponse? {
        let text = line.printableLine
        lines.append(text)
        guard lines.count <= maximumLines else { throw .responseTooLong(limit: maximumLines) }
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
        lines = []
        return response
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
