/// Logs in as a mail client or an MFP with the given settings would: greeting, capabilities, STARTTLS when the
/// settings say so, capabilities again, then the user's own credentials (SMTP AUTH PLAIN or LOGIN, IMAP LOGIN,
/// POP3 USER/PASS). Without credentials it stops after reading what the server offers.
///
/// A password is never sent before TLS unless `allowPlaintextAuthentication` says so, and never over TLS whose
/// certificate the caller rejected unless `sendDespiteRejectedCertificate` says so; the record says it was withheld.
/// The transcript never carries credentials.
/// - SeeAlso: RFC 4954, RFC 3501 section 6.2.3, RFC 1939 section 7, RFC 3207, RFC 2595
public struct LoginDialogue: ClientDialogue {
    public struct Plan: Sendable {
        public var mailProtocol: MailProtocol
        public var mode: SecurityMode
        /// Upgrade with STARTTLS (the "STARTTLS" setting); false is the "None" setting on a STARTTLS-mode port.
        public var upgrade: Bool
        public var user: String?
        public var password: String?
        public var allowPlaintextAuthentication: Bool
        /// Send the password even over TLS whose certificate was rejected (`--insecure-send-password`).
        public var sendDespiteRejectedCertificate: Bool
        public var clientName: String

        public init(mailProtocol: MailProtocol, mode: SecurityMode, upgrade: Bool = true, user: String? = nil,
                    password: String? = nil, allowPlaintextAuthentication: Bool = false,
                    sendDespiteRejectedCertificate: Bool = false, clientName: String = "mailtls.invalid") {
            self.mailProtocol = mailProtocol
            self.mode = mode
            self.upgrade = upgrade
            self.user = user
            self.password = password
            self.allowPlaintextAuthentication = allowPlaintextAuthentication
            self.sendDespiteRejectedCertificate = sendDespiteRejectedCertificate
            self.clientName = clientName
        }
    }

    public struct Record: Sendable, Equatable {
        public enum Authentication: Sendable, Equatable {
            case notTried
            /// The server accepted the credentials.
            case succeeded(mechanism: String, MailResponse)
            /// The server refused them (bad password, policy, a provider's own code).
            case rejected(mechanism: String, MailResponse)
            /// No mechanism this client can use is offered (the offered ones are listed).
            case noUsableMechanism(offered: [String])
            /// No TLS, so the password was not sent.
            case withheldWithoutTLS
            /// TLS, but its certificate was rejected, so the password was not sent.
            case withheldUntrustedCertificate(reason: String)
        }

        public var greeting: MailResponse?
        /// A greeting that refuses service (SMTP 4xx/5xx, IMAP BYE, POP3 -ERR).
        public var refusedGreeting: MailResponse?
        /// An SMTP server that refuses EHLO (Microsoft 365 answers 421 4.7.66 to TLS 1.0/1.1 clients there).
        public var refusedCapabilities: MailResponse?
        public var capabilitiesBeforeTLS: [String]?
        /// Whether the capabilities before TLS offer STARTTLS (STLS for POP3), whatever the setting does with it.
        public var offersSTARTTLS = false
        public var capabilitiesAfterTLS: [String]?
        public var startTLS: DialogueRecord.STARTTLSOutcome = .notApplicable
        public var tlsEstablished = false
        public var authentication: Authentication = .notTried
        /// The certificate was rejected and the password went anyway, because the user forced it.
        public var passwordSentDespiteCertificate = false
        /// The step the connection ended in, when it ended early.
        public var interruptedDuring: DialogueRequest.Purpose?
    }

    private enum Step: Sendable, Equatable {
        case greeting, capabilities, startTLS, login(stage: Int)
    }

    public let plan: Plan
    public var mode: SecurityMode { plan.mode }
    private let dialect: MailDialect
    private var record = Record()
    private var current: Step?
    private var inTLS: Bool
    private var tagNumber = 0
    private var mechanism = ""
    private var certificate: CertificateAcceptance = .notJudged

    public init(plan: Plan) {
        self.plan = plan
        dialect = MailDialect(plan.mailProtocol)
        inTLS = plan.mode == .implicitTLS
    }

    public mutating func start() -> DialogueStep<Record> {
        plan.mode == .implicitTLS ? .startTLS : ask(.greeting)
    }

    public mutating func tlsEstablished(certificate: CertificateAcceptance) -> DialogueStep<Record> {
        self.certificate = certificate
        inTLS = true
        record.tlsEstablished = true
        return plan.mode == .implicitTLS ? ask(.greeting) : ask(.capabilities)
    }

    public mutating func interrupted() -> Record {
        if let current, record.interruptedDuring == nil { record.interruptedDuring = purpose(current) }
        return record
    }

    public mutating func received(_ response: MailResponse) -> DialogueStep<Record> {
        guard let step = current else { return finish() }
        current = nil
        switch step {
        case .greeting:
            guard response.outcome == .positive else {
                record.refusedGreeting = response
                return finish()
            }
            record.greeting = response
            return ask(.capabilities)
        case .capabilities:
            if plan.mailProtocol == .smtp, response.outcome != .positive {
                record.refusedCapabilities = response
                return finish()
            }
            // POP3 servers without CAPA answer -ERR: they simply list nothing.
            let capabilities = response.outcome == .positive ? dialect.capabilities(from: response) : []
            if inTLS {
                record.capabilitiesAfterTLS = capabilities
                return login(capabilities)
            }
            record.capabilitiesBeforeTLS = capabilities
            record.offersSTARTTLS = dialect.offersSTARTTLS(capabilities: capabilities)
            if plan.mode == .startTLS && plan.upgrade {
                if record.offersSTARTTLS { return ask(.startTLS) }
                record.startTLS = .notOffered
                if plan.password != nil { record.authentication = .withheldWithoutTLS }
                return finish()
            }
            return login(capabilities)
        case .startTLS:
            guard response.outcome == .positive else {
                record.startTLS = .refused(response)
                return finish()
            }
            record.startTLS = .accepted
            return .startTLS
        case .login(let stage):
            return judge(stage: stage, response)
        }
    }

    /// Picks the mechanism: SMTP PLAIN, else LOGIN; IMAP's LOGIN command unless LOGINDISABLED; POP3 USER/PASS.
    private mutating func login(_ capabilities: [String]) -> DialogueStep<Record> {
        guard plan.user != nil, plan.password != nil else { return finish() }
        guard inTLS || plan.allowPlaintextAuthentication else {
            record.authentication = .withheldWithoutTLS
            return finish()
        }
        if case .rejected(let reason) = certificate {
            guard plan.sendDespiteRejectedCertificate else {
                record.authentication = .withheldUntrustedCertificate(reason: reason)
                return finish()
            }
            record.passwordSentDespiteCertificate = true
        }
        switch plan.mailProtocol {
        case .smtp:
            let offered = MailCapabilities(.smtp, keywords: capabilities).saslMechanisms
            if offered.contains("PLAIN") {
                mechanism = "PLAIN"
            } else if offered.contains("LOGIN") {
                mechanism = "LOGIN"
            } else {
                record.authentication = .noUsableMechanism(offered: offered)
                return finish()
            }
        case .imap:
            let offered = MailCapabilities(.imap, keywords: capabilities)
            guard !offered.loginDisabled else {
                record.authentication = .noUsableMechanism(offered: offered.saslMechanisms.map { "AUTH=" + $0 })
                return finish()
            }
            mechanism = "LOGIN"
        case .pop3:
            mechanism = "USER"
        }
        return ask(.login(stage: 0))
    }

    private mutating func judge(stage: Int, _ response: MailResponse) -> DialogueStep<Record> {
        let positive = response.outcome == .positive
        switch plan.mailProtocol {
        case .smtp:
            if mechanism == "LOGIN", response.code == "334", stage < 2 { return ask(.login(stage: stage + 1)) }
        case .pop3:
            if stage == 0, positive { return ask(.login(stage: 1)) }
        case .imap:
            break
        }
        record.authentication = positive ? .succeeded(mechanism: mechanism, response)
            : .rejected(mechanism: mechanism, response)
        return finish()
    }

    private mutating func ask(_ step: Step) -> DialogueStep<Record> {
        current = step
        tagNumber += 1
        let tag = "a\(tagNumber)"
        switch step {
        case .greeting:
            return .exchange(DialogueRequest(purpose: .greeting, command: nil, reader: dialect.greetingReader))
        case .capabilities:
            return .exchange(dialect.capabilityRequest(tag: tag, clientName: plan.clientName))
        case .startTLS:
            return .exchange(dialect.startTLSRequest(tag: tag))
        case .login(let stage):
            return .exchange(dialect.loginRequest(stage: stage, tag: tag, smtpMechanism: mechanism,
                                                  user: plan.user ?? "", password: plan.password ?? "",
                                                  purpose: .authenticate, labels: .hidden))
        }
    }

    private mutating func finish() -> DialogueStep<Record> {
        current = nil
        tagNumber += 1
        return .finish(record, farewell: dialect.farewell(tag: "a\(tagNumber)"))
    }

    private func purpose(_ step: Step) -> DialogueRequest.Purpose {
        switch step {
        case .greeting: .greeting
        case .capabilities: .capabilities
        case .startTLS: .startTLS
        case .login: .authenticate
        }
    }
}
