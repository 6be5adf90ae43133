/// Assembles SMTP replies: `250-first`, `250-more`, `250 last`. Multi-line replies may arrive in any fragments.
/// - SeeAlso: RFC 5321 section 4.2
public struct SMTPReplyAssembler: ResponseAssembler {
    public let maximumLines: Int
    private var code: Int?
    private var lines: [String] = []

    public init(maximumLines: Int = 256) {
        self.maximumLines = maximumLines
    }

    public mutating func consume(line: [UInt8]) throws(ResponseError) -> MailResponse? {
        guard line.count >= 3,
              let lineCode = SMTPReplyAssembler.code(of: line)
        else { throw .malformedLine(line.printableLine) }
        let separator: UInt8 = line.count > 3 ? line[3] : UInt8(ascii: " ")
        guard separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") else {
            throw .malformedLine(line.printableLine)
        }
        if let code, code != lineCode { throw .malformedLine(line.printableLine) }
        code = lineCode
        lines.append(line.printableLine)
        if separator == UInt8(ascii: "-") {
            guard lines.count < maximumLines else { throw .responseTooLong(limit: maximumLines) }
            return nil
        }
        let response = SMTPReplyAssembler.response(code: lineCode, lines: lines)
        self.code = nil
        self.lines = []
        return response
    }

    static func code(of line: [UInt8]) -> Int? {
        let digits = line.prefix(3)
        guard digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        let value = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        return (200...599).contains(value) ? value : nil
    }

    static func response(code: Int, lines: [String]) -> MailResponse {
        let outcome: MailResponse.Outcome
        switch code / 100 {
        case 2: outcome = .positive
        case 3: outcome = .intermediate
        case 4: outcome = .transientFailure
        default: outcome = .permanentFailure
        }
        return MailResponse(outcome: outcome, code: String(code), enhancedCode: enhancedStatus(in: lines.last ?? ""),
                            lines: lines)
    }

    /// The RFC 3463 enhanced status code (`5.7.8`) that follows the reply code, if any.
    static func enhancedStatus(in line: String) -> String? {
        let text = line.dropFirst(4)
        guard let token = text.split(separator: " ").first else { return nil }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, ["2", "4", "5"].contains(parts[0]),
              parts.allSatisfy({ !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isNumber) })
        else { return nil }
        return String(token)
    }
}

/// What an EHLO reply says the server can do.
/// - SeeAlso: RFC 5321 section 4.1.1.1, RFC 3207, RFC 4954
public struct SMTPCapabilities: Sendable, Equatable {
    /// Keyword lines after the first, as sent (`STARTTLS`, `AUTH PLAIN LOGIN`, `SIZE 10240000`).
    public var keywords: [String]

    public init(ehloReply: MailResponse) {
        keywords = ehloReply.lines.dropFirst().map { String($0.dropFirst(4)) }
    }

    public init(keywords: [String]) {
        self.keywords = keywords
    }

    public var offersSTARTTLS: Bool { MailCapabilities(.smtp, keywords: keywords).offersSTARTTLS }

    /// SASL mechanisms from `AUTH` (and the pre-standard `AUTH=`) keywords.
    public var authMechanisms: [String] { MailCapabilities(.smtp, keywords: keywords).saslMechanisms }

    public func has(_ keyword: String) -> Bool { MailCapabilities(.smtp, keywords: keywords).offers(keyword) }

    /// The largest message the server takes (`SIZE 35882577`); nil when it names none (`SIZE`, or `SIZE 0`).
    /// - SeeAlso: RFC 1870
    public var sizeLimit: Int? {
        for keyword in keywords {
            let parts = keyword.uppercased().split(separator: " ")
            guard parts.first == "SIZE", parts.count == 2, let value = Int(parts[1]), value > 0 else { continue }
            return value
        }
        return nil
    }
}
