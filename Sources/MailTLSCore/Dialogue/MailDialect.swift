/// The protocol-specific words of a probe dialogue: which command asks for capabilities, how STARTTLS is spelt,
/// how a cleartext login is attempted and judged. The state machine is shared; only these words differ.
struct MailDialect: Sendable {
    let mailProtocol: MailProtocol

    init(_ mailProtocol: MailProtocol) {
        self.mailProtocol = mailProtocol
    }

    var greetingReader: DialogueRequest.Reader {
        switch mailProtocol {
        case .smtp: .smtp
        case .imap: .imap(tag: nil)
        case .pop3: .pop3(multiline: false)
        }
    }

    func capabilityRequest(tag: String, clientName: String) -> DialogueRequest {
        switch mailProtocol {
        case .smtp: DialogueRequest(purpose: .capabilities, command: "EHLO \(clientName)", reader: .smtp)
        case .imap: DialogueRequest(purpose: .capabilities, command: "\(tag) CAPABILITY", reader: .imap(tag: tag))
        case .pop3: DialogueRequest(purpose: .capabilities, command: "CAPA", reader: .pop3(multiline: true))
        }
    }

    /// IMAP servers often list capabilities in the greeting (`* OK [CAPABILITY ...]`), saving a round trip.
    func capabilitiesInGreeting(_ greeting: MailResponse) -> [String]? {
        mailProtocol == .imap ? IMAPResponseAssembler.capabilities(in: greeting) : nil
    }

    func capabilities(from response: MailResponse) -> [String] {
        switch mailProtocol {
        case .smtp: SMTPCapabilities(ehloReply: response).keywords
        case .imap: IMAPResponseAssembler.capabilities(in: response) ?? []
        case .pop3: Array(response.lines.dropFirst())
        }
    }

    func offersSTARTTLS(capabilities: [String]) -> Bool {
        MailCapabilities(mailProtocol, keywords: capabilities).offersSTARTTLS
    }

    func startTLSRequest(tag: String) -> DialogueRequest {
        switch mailProtocol {
        case .smtp: DialogueRequest(purpose: .startTLS, command: mailProtocol.startTLSKeyword, reader: .smtp)
        case .imap: DialogueRequest(purpose: .startTLS, command: "\(tag) \(mailProtocol.startTLSKeyword)", reader: .imap(tag: tag))
        case .pop3: DialogueRequest(purpose: .startTLS, command: mailProtocol.startTLSKeyword, reader: .pop3(multiline: false))
        }
    }

    func farewell(tag: String) -> [UInt8] {
        switch mailProtocol {
        case .smtp: Array("QUIT\r\n".utf8)
        case .imap: Array("\(tag) LOGOUT\r\n".utf8)
        case .pop3: Array("QUIT\r\n".utf8)
        }
    }

    // MARK: Login

    /// What stands in the transcript for the secrets a login sends.
    struct CredentialLabels: Sendable {
        let credentials: String
        let user: String
        let password: String

        /// The probe's random throwaway login.
        static let throwaway = CredentialLabels(credentials: "throwaway credentials", user: "throwaway user name",
                                                password: "throwaway password")
        /// The user's own login (`diagnose`).
        static let hidden = CredentialLabels(credentials: "credentials hidden", user: "user name hidden",
                                             password: "password hidden")
    }

    /// One step of a login: SMTP AUTH PLAIN in one step or AUTH LOGIN in three (`smtpMechanism`), IMAP LOGIN with
    /// quoted strings, POP3 USER then PASS. The transcript carries `labels`, never the secrets.
    /// - SeeAlso: RFC 4954, RFC 3501 section 6.2.3, RFC 1939 section 7
    func loginRequest(stage: Int, tag: String, smtpMechanism: String, user: String, password: String,
                      purpose: DialogueRequest.Purpose, labels: CredentialLabels) -> DialogueRequest {
        switch mailProtocol {
        case .smtp:
            if smtpMechanism == "PLAIN" {
                let token = Base64.encode(Array("\0\(user)\0\(password)".utf8))
                return DialogueRequest(purpose: purpose, command: "AUTH PLAIN \(token)",
                                       transcriptText: "AUTH PLAIN <\(labels.credentials)>", reader: .smtp)
            }
            switch stage {
            case 0:
                return DialogueRequest(purpose: purpose, command: "AUTH LOGIN", reader: .smtp)
            case 1:
                return DialogueRequest(purpose: purpose, command: Base64.encode(Array(user.utf8)),
                                       transcriptText: "<\(labels.user)>", reader: .smtp)
            default:
                return DialogueRequest(purpose: purpose, command: Base64.encode(Array(password.utf8)),
                                       transcriptText: "<\(labels.password)>", reader: .smtp)
            }
        case .imap:
            return DialogueRequest(purpose: purpose,
                                   command: "\(tag) LOGIN \(MailDialect.quoted(user)) \(MailDialect.quoted(password))",
                                   transcriptText: "\(tag) LOGIN <\(labels.credentials)>", reader: .imap(tag: tag))
        case .pop3:
            if stage == 0 {
                return DialogueRequest(purpose: purpose, command: "USER \(user)",
                                       transcriptText: "USER <\(labels.user)>", reader: .pop3(multiline: false))
            }
            return DialogueRequest(purpose: purpose, command: "PASS \(password)",
                                   transcriptText: "PASS <\(labels.password)>", reader: .pop3(multiline: false))
        }
    }

    /// An IMAP quoted string (RFC 3501 section 4.3): backslash and double quote escaped.
    static func quoted(_ text: String) -> String {
        var output = "\""
        for character in text {
            if character == "\\" || character == "\"" { output.append("\\") }
            output.append(character)
        }
        return output + "\""
    }

    /// MAIL FROM accepted before TLS means STARTTLS is optional on a submission port. A refusal is judged by its
    /// codes, not its words: 530 (RFC 3207's "Must issue a STARTTLS command first", or a login required first), 538
    /// (RFC 4954: encryption required), or any permanent security-or-policy status (5.7.x, RFC 3463).
    func judgeMailBeforeTLS(_ response: MailResponse) -> DialogueRecord.MailOutcome {
        let evidence = response.statusLine
        if response.outcome == .positive { return .acceptedBeforeTLS(evidence: evidence) }
        let securityStatus = response.outcome == .permanentFailure && response.enhancedCode?.hasPrefix("5.7.") == true
        if response.code == "530" || response.code == "538" || securityStatus {
            return .refusedBeforeTLS(evidence: evidence)
        }
        return .inconclusive(evidence: evidence)
    }
}

/// RFC 4648 base64, for SASL tokens.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= bytes.count {
            let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            output += [alphabet[Int(value >> 18 & 63)], alphabet[Int(value >> 12 & 63)],
                       alphabet[Int(value >> 6 & 63)], alphabet[Int(value & 63)]]
            index += 3
        }
        let rest = bytes.count - index
        if rest == 1 {
            let value = UInt32(bytes[index]) << 16
            output += [alphabet[Int(value >> 18 & 63)], alphabet[Int(value >> 12 & 63)], UInt8(ascii: "="),
                       UInt8(ascii: "=")]
        } else if rest == 2 {
            let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
            output += [alphabet[Int(value >> 18 & 63)], alphabet[Int(value >> 12 & 63)],
                       alphabet[Int(value >> 6 & 63)], UInt8(ascii: "=")]
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes standard base64 (padding optional, no whitespace); nil for anything else.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var values: [UInt8] = []
        values.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): values.append(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): values.append(byte - UInt8(ascii: "a") + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): values.append(byte - UInt8(ascii: "0") + 52)
            case UInt8(ascii: "+"): values.append(62)
            case UInt8(ascii: "/"): values.append(63)
            case UInt8(ascii: "="): continue
            default: return nil
            }
        }
        guard values.count % 4 != 1 else { return nil }
        var output: [UInt8] = []
        var index = 0
        while index < values.count {
            let chunk = values[index..<min(index + 4, values.count)]
            var accumulator: UInt32 = 0
            for value in chunk { accumulator = accumulator << 6 | UInt32(value) }
            accumulator <<= UInt32(6 * (4 - chunk.count))
            let produced = chunk.count - 1
            for shift in [16, 8, 0].prefix(produced) { output.append(UInt8(accumulator >> UInt32(shift) & 0xFF)) }
            index += 4
        }
        return output
    }
}

/// The plaintext part of a connection before a raw TLS exchange on a STARTTLS port (`check --deep`): the greeting,
/// EHLO for SMTP (STARTTLS needs it), then STARTTLS, STLS or `STARTTLS` with a tag. Each answer must be positive.
public enum STARTTLSPreamble {
    public static func requests(for mailProtocol: MailProtocol, clientName: String) -> [DialogueRequest] {
        let dialect = MailDialect(mailProtocol)
        var requests = [DialogueRequest(purpose: .greeting, command: nil, reader: dialect.greetingReader)]
        if mailProtocol == .smtp { requests.append(dialect.capabilityRequest(tag: "a1", clientName: clientName)) }
        requests.append(dialect.startTLSRequest(tag: "a2"))
        return requests
    }

    /// The farewell a server is sent when the preamble stops short (a refusal): QUIT or LOGOUT.
    public static func farewell(for mailProtocol: MailProtocol) -> [UInt8] {
        MailDialect(mailProtocol).farewell(tag: "a3")
    }
}
