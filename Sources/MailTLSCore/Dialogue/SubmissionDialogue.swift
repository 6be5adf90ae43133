/// Sends one message through SMTP submission, as a mail client or MFP configured with the same settings would:
/// greeting, EHLO, STARTTLS (required in STARTTLS mode), EHLO again, AUTH PLAIN, MAIL, RCPT, DATA.
///
/// A password is never sent before TLS unless `allowPlaintextAuthentication` says so: without STARTTLS the dialogue
/// stops and says why.
/// - SeeAlso: RFC 6409, RFC 3207, RFC 4954
public struct SubmissionDialogue: ClientDialogue {
    public struct Plan: Sendable {
        public var mode: SecurityMode
        /// Upgrade with STARTTLS when offered (the "STARTTLS" setting); false is the "None" setting.
        public var upgrade: Bool
        public var clientName: String
        public var user: String?
        public var password: String?
        public var allowPlaintextAuthentication: Bool
        /// Send the password even over TLS whose certificate was rejected (`--insecure-send-password`).
        public var sendDespiteRejectedCertificate: Bool
        public var from: String
        public var recipients: [String]
        public var message: [UInt8]

        public init(mode: SecurityMode, upgrade: Bool = true, clientName: String = "mailtls.invalid",
                    user: String? = nil, password: String? = nil, allowPlaintextAuthentication: Bool = false,
                    sendDespiteRejectedCertificate: Bool = false, from: String, recipients: [String],
                    message: [UInt8]) {
            self.mode = mode
            self.upgrade = upgrade
            self.clientName = clientName
            self.user = user
            self.password = password
            self.allowPlaintextAuthentication = allowPlaintextAuthentication
            self.sendDespiteRejectedCertificate = sendDespiteRejectedCertificate
            self.from = from
            self.recipients = recipients
            self.message = message
        }
    }

    public struct Record: Sendable, Equatable {
        public enum Stop: Sendable, Equatable {
            /// The message was accepted.
            case delivered(MailResponse)
            /// The server answered a step with an error.
            case refused(step: DialogueRequest.Purpose, MailResponse)
            /// STARTTLS was not offered, so the password was not sent.
            case noTLSForPassword
            /// The certificate was rejected, so the password was not sent.
            case untrustedCertificate(reason: String)
            /// Ended before a reply (the engine's error says why).
            case interrupted(step: DialogueRequest.Purpose?)
        }

        public var greeting: MailResponse?
        public var tlsEstablished = false
        public var authenticated = false
        public var stop: Stop = .interrupted(step: nil)
    }

    private enum Step: Sendable, Equatable {
        case greeting, ehlo, startTLS, authenticate, mailFrom, recipient(Int), data, body
    }

    public let plan: Plan
    public var mode: SecurityMode { plan.mode }
    private var record = Record()
    private var current: Step?
    private var inTLS = false

    public init(plan: Plan) {
        self.plan = plan
        inTLS = plan.mode == .implicitTLS
    }

    public mutating func start() -> DialogueStep<Record> {
        plan.mode == .implicitTLS ? .startTLS : ask(.greeting)
    }

    public mutating func tlsEstablished(certificate: CertificateAcceptance) -> DialogueStep<Record> {
        inTLS = true
        record.tlsEstablished = true
        if case .rejected(let reason) = certificate, plan.password != nil, !plan.sendDespiteRejectedCertificate {
            record.stop = .untrustedCertificate(reason: reason)
            return finish()
        }
        return plan.mode == .implicitTLS ? ask(.greeting) : ask(.ehlo)
    }

    public mutating func interrupted() -> Record {
        if case .interrupted = record.stop { record.stop = .interrupted(step: current.map(purpose)) }
        return record
    }

    public mutating func received(_ response: MailResponse) -> DialogueStep<Record> {
        guard let step = current else { return finish() }
        current = nil
        let positive = response.outcome == .positive || (step == .data && response.code == "354")
        guard positive else {
            record.stop = .refused(step: purpose(step), response)
            return finish()
        }
        switch step {
        case .greeting:
            record.greeting = response
            return ask(.ehlo)
        case .ehlo:
            let capabilities = SMTPCapabilities(ehloReply: response)
            if !inTLS && plan.mode == .startTLS {
                if capabilities.offersSTARTTLS && plan.upgrade { return ask(.startTLS) }
                if plan.password != nil && !plan.allowPlaintextAuthentication {
                    record.stop = .noTLSForPassword
                    return finish()
                }
            }
            return plan.password != nil ? ask(.authenticate) : ask(.mailFrom)
        case .startTLS:
            return .startTLS
        case .authenticate:
            record.authenticated = true
            return ask(.mailFrom)
        case .mailFrom:
            return ask(.recipient(0))
        case .recipient(let index):
            return index + 1 < plan.recipients.count ? ask(.recipient(index + 1)) : ask(.data)
        case .data:
            return ask(.body)
        case .body:
            record.stop = .delivered(response)
            return finish()
        }
    }

    private mutating func ask(_ step: Step) -> DialogueStep<Record> {
        current = step
        switch step {
        case .greeting:
            return .exchange(DialogueRequest(purpose: .greeting, command: nil, reader: .smtp))
        case .ehlo:
            return .exchange(DialogueRequest(purpose: .capabilities, command: "EHLO \(plan.clientName)", reader: .smtp))
        case .startTLS:
            return .exchange(DialogueRequest(purpose: .startTLS, command: "STARTTLS", reader: .smtp))
        case .authenticate:
            let token = Base64.encode(Array("\0\(plan.user ?? "")\0\(plan.password ?? "")".utf8))
            return .exchange(DialogueRequest(purpose: .authenticate, command: "AUTH PLAIN \(token)",
                                             transcriptText: "AUTH PLAIN <credentials hidden>", reader: .smtp))
        case .mailFrom:
            return .exchange(DialogueRequest(purpose: .mailFrom, command: "MAIL FROM:<\(plan.from)>", reader: .smtp))
        case .recipient(let index):
            return .exchange(DialogueRequest(purpose: .recipient, command: "RCPT TO:<\(plan.recipients[index])>",
                                             reader: .smtp))
        case .data:
            return .exchange(DialogueRequest(purpose: .data, command: "DATA", reader: .smtp))
        case .body:
            let body = MessageFraming.dotStuffed(plan.message)
            return .exchange(DialogueRequest(purpose: .messageBody, bytes: body,
                                             transcriptText: "<message, \(plan.message.count) bytes>", reader: .smtp))
        }
    }

    private mutating func finish() -> DialogueStep<Record> {
        current = nil
        return .finish(record, farewell: Array("QUIT\r\n".utf8))
    }

    private func purpose(_ step: Step) -> DialogueRequest.Purpose {
        switch step {
        case .greeting: .greeting
        case .ehlo: .capabilities
        case .startTLS: .startTLS
        case .authenticate: .authenticate
        case .mailFrom: .mailFrom
        case .recipient: .recipient
        case .data: .data
        case .body: .messageBody
        }
    }
}

/// How a message travels in SMTP DATA and POP3 RETR: CRLF line ends, leading dots doubled, a final `.` line.
/// - SeeAlso: RFC 5321 section 4.5.2, RFC 1939 section 3
public enum MessageFraming {
    public static func dotStuffed(_ message: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(message.count + 64)
        var lines = message.split(separator: 0x0A, omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        for line in lines {
            let content = line.last == 0x0D ? line.dropLast() : line
            if content.first == UInt8(ascii: ".") { output.append(UInt8(ascii: ".")) }
            output += content
            output += [0x0D, 0x0A]
        }
        return output + Array(".\r\n".utf8)
    }
}
