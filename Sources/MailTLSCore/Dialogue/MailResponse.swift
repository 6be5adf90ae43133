/// One complete server response of any of the three protocols, reduced to what a dialogue needs to decide.
public struct MailResponse: Sendable, Equatable, Codable {
    public enum Outcome: String, Sendable, Equatable, Codable {
        /// SMTP 2xx, IMAP OK / PREAUTH, POP3 +OK.
        case positive
        /// SMTP 3xx, IMAP or POP3 continuation ("+ ").
        case intermediate
        /// SMTP 4xx, POP3 `-ERR [SYS/TEMP]`, IMAP `[UNAVAILABLE]`.
        case transientFailure
        /// SMTP 5xx, IMAP NO / BAD, POP3 -ERR.
        case permanentFailure
        /// IMAP BYE: the server is closing.
        case bye
    }

    public var outcome: Outcome
    /// SMTP reply code (`"535"`), IMAP response code (`"AUTHENTICATIONFAILED"`), POP3 response code (`"AUTH"`).
    public var code: String?
    /// SMTP enhanced status code such as `5.7.8`, when present.
    public var enhancedCode: String?
    /// The lines as received, without line ends, printable.
    public var lines: [String]
    /// IMAP literal data in the order it came (a FETCH's message header), as bytes; empty for other responses.
    /// Not part of the JSON: reports quote lines, never message data.
    public var literals: [[UInt8]] = []

    enum CodingKeys: String, CodingKey { case outcome, code, enhancedCode, lines }

    public init(outcome: Outcome, code: String? = nil, enhancedCode: String? = nil, lines: [String]) {
        self.outcome = outcome
        self.code = code
        self.enhancedCode = enhancedCode
        self.lines = lines
    }

    /// The line that decided the outcome: the last line (SMTP's final line, IMAP's tagged line, POP3's status).
    public var statusLine: String { lines.last ?? "" }

    public var isTemporaryUnavailability: Bool {
        outcome == .transientFailure || outcome == .bye
    }
}

/// Collects lines until they form one complete response. Each protocol has its own rules.
public protocol ResponseAssembler: Sendable {
    /// Feeds one line; returns the response once it is complete.
    mutating func consume(line: [UInt8]) throws(ResponseError) -> MailResponse?
}

public enum ResponseError: Error, Equatable, Sendable {
    /// A line that is not valid for the protocol (garbage, a different protocol, TLS bytes).
    case malformedLine(String)
    /// A multi-line response grew past its bound.
    case responseTooLong(limit: Int)
}
