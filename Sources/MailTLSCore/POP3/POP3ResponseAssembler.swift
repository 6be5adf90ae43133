/// Assembles POP3 responses: one `+OK` / `-ERR` line, and for multi-line commands (CAPA) the lines up to `.`.
/// - SeeAlso: RFC 1939, RFC 2449 (CAPA, response codes), RFC 3206 (SYS/TEMP, AUTH)
public struct POP3ResponseAssembler: ResponseAssembler {
    public let isMultiline: Bool
    public let maximumLines: Int
    private var lines: [String] = []
    private var statusOK = false
    /// A multi-line response's data as received (dot-unstuffed, CRLF restored): a message's header for TOP.
    private var data: [UInt8] = []

    public init(multiline: Bool, maximumLines: Int = 256) {
        isMultiline = multiline
        self.maximumLines = maximumLines
    }

    public mutating func consume(line: [UInt8]) throws(ResponseError) -> MailResponse? {
        if lines.isEmpty {
            let text = line.printableLine
            if text.hasPrefix("+OK") {
                lines.append(text)
                statusOK = true
                if !isMultiline { return finish() }
                return nil
            }
            if text.hasPrefix("-ERR") {
                lines.append(text)
                return finish()
            }
            if text.hasPrefix("+ ") || text == "+" {
                lines.append(text)
                return finish(outcome: .intermediate)
            }
            throw .malformedLine(text)
        }
        if line == [UInt8(ascii: ".")] { return finish() }
        let unstuffed = line.first == UInt8(ascii: ".") ? Array(line.dropFirst()) : line
        lines.append(unstuffed.printableLine)
        data += unstuffed + [13, 10]
        guard lines.count <= maximumLines else { throw .responseTooLong(limit: maximumLines) }
        return nil
    }

    private mutating func finish(outcome: MailResponse.Outcome? = nil) -> MailResponse {
        let code = POP3ResponseAssembler.responseCode(in: lines.first ?? "")
        let resolved: MailResponse.Outcome
        if let outcome {
            resolved = outcome
        } else if statusOK {
            resolved = .positive
        } else {
            resolved = (code == "SYS/TEMP" || code == "IN-USE" || code == "LOGIN-DELAY") ? .transientFailure
                : .permanentFailure
        }
        var response = MailResponse(outcome: resolved, code: code, lines: lines)
        if isMultiline && statusOK { response.literals = [data] }
        lines = []
        data = []
        statusOK = false
        return response
    }

    /// `-ERR [AUTH] ...` gives `AUTH`.
    public static func responseCode(in line: String) -> String? {
        let rest = line.drop { $0 != " " }.dropFirst()
        guard rest.first == "[", let close = rest.firstIndex(of: "]") else { return nil }
        return rest[rest.index(after: rest.startIndex)..<close].uppercased()
    }
}
