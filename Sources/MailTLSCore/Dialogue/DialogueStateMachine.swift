/// Drives one probe conversation for SMTP, IMAP or POP3 without doing any I/O: each event returns the next action,
/// which the connection engine carries out. Protocol specifics live in `MailDialect`.
public struct DialogueStateMachine: ClientDialogue {
    public typealias Action = DialogueStep<DialogueRecord>

    private enum Step: Sendable, Equatable {
        case greeting
        case capabilities
        case helo
        case login(CleartextLoginProbe.Opening, stage: Int)
        case cancelLogin
        case mailFrom
        case reset
        case startTLS
    }

    public let plan: DialoguePlan
    public private(set) var record = DialogueRecord()
    public var mode: SecurityMode { plan.mode }
    private let dialect: MailDialect
    private var queue: [Step] = []
    private var current: Step?
    private var inTLS = false
    private var tagCounter = 0
    /// Whether the server answered the capability request (POP3 servers without CAPA answer -ERR).
    private var capabilitiesKnown = true

    private var loginProbe: CleartextLoginProbe? {
        plan.loginProbe.map { CleartextLoginProbe(mailProtocol: plan.mailProtocol, method: $0) }
    }

    public init(plan: DialoguePlan) {
        self.plan = plan
        dialect = MailDialect(plan.mailProtocol)
    }

    /// The first action. Implicit TLS begins with the handshake; STARTTLS ports with the greeting.
    public mutating func start() -> Action {
        switch plan.mode {
        case .implicitTLS:
            record.startTLS = .notApplicable
            return .startTLS
        case .startTLS, .plaintext:
            // The probe's plans are never plaintext; a plaintext port would greet the same way.
            return run(.greeting)
        }
    }

    /// The TLS handshake completed.
    /// The probe sends no secret, so the certificate is judged afterwards, by the check layer.
    public mutating func tlsEstablished(certificate: CertificateAcceptance = .notJudged) -> Action {
        inTLS = true
        record.tlsEstablished = true
        if plan.stopAfterHandshake { return finish() }
        switch plan.mode {
        case .implicitTLS: return run(.greeting)
        // RFC 3207 / 2595: forget what was learned in the clear and ask again.
        case .startTLS, .plaintext: return run(.capabilities)
        }
    }

    /// The connection ended or failed before the dialogue could finish.
    public mutating func interrupted() -> DialogueRecord {
        if record.interruptedDuring == nil, let current {
            record.interruptedDuring = purpose(of: current)
            // No answer to the authentication (a penalised address waits up to 15 s at Dovecot) is no verdict.
            if case .login = current, record.cleartextLogin == .notTried {
                record.cleartextLogin = .inconclusive(evidence: "no complete reply to the authentication request")
            }
        }
        return record
    }

    /// A complete response to the current request.
    public mutating func received(_ response: MailResponse) -> Action {
        guard let step = current else { return finish() }
        current = nil
        switch step {
        case .greeting:
            record.greeting = response
            guard response.outcome == .positive else {
                record.unavailable = response
                return finish()
            }
            if let capabilities = dialect.capabilitiesInGreeting(response), !inTLS || plan.mode == .implicitTLS {
                storeCapabilities(capabilities)
                return afterCapabilities()
            }
            return run(.capabilities)

        case .capabilities:
            if response.outcome == .positive {
                storeCapabilities(dialect.capabilities(from: response))
                return afterCapabilities()
            }
            if response.isTemporaryUnavailability && !inTLS {
                record.unavailable = response
                return finish()
            }
            if plan.mailProtocol == .smtp { return run(.helo) }
            capabilitiesKnown = false
            storeCapabilities([])
            return afterCapabilities()

        case .helo:
            storeCapabilities([])
            return afterCapabilities()

        case .login(let opening, let stage):
            guard let probe = loginProbe else { return next() }
            switch probe.judge(opening, stage: stage, response: response) {
            case .continueWith(let next):
                return run(.login(opening, stage: next))
            case .cancel(let outcome):
                record.cleartextLogin = outcome
                queue.insert(.cancelLogin, at: 0)
                return next()
            case .outcome(let outcome):
                record.cleartextLogin = outcome
                if response.outcome == .bye { return finish() }
                return next()
            }

        case .cancelLogin:
            if response.outcome == .bye { return finish() }
            // A server that takes `*` as the user name (hMailServer's and Haraka's AUTH LOGIN) would check the next
            // line, even QUIT, as the password: hang up without another word, and try TLS on a new connection.
            if response.outcome == .intermediate {
                record.interruptedDuring = .cleartextLogin
                current = nil
                return .finish(record, farewell: nil)
            }
            return next()

        case .mailFrom:
            record.mailBeforeTLS = dialect.judgeMailBeforeTLS(response)
            if case .acceptedBeforeTLS = record.mailBeforeTLS { queue.insert(.reset, at: 0) }
            return next()

        case .reset:
            return next()

        case .startTLS:
            if response.outcome == .positive {
                record.startTLS = .accepted
                record.startTLSGoAhead = response
                queue.removeAll()
                return .startTLS
            }
            record.startTLS = .refused(response)
            return finish()
        }
    }

    private mutating func storeCapabilities(_ capabilities: [String]) {
        if inTLS {
            record.capabilitiesAfterTLS = capabilities
        } else {
            record.capabilitiesBeforeTLS = capabilities
        }
    }

    private mutating func afterCapabilities() -> Action {
        if inTLS || plan.mode == .implicitTLS { return finish() }
        let capabilities = record.capabilitiesBeforeTLS ?? []
        queue = []
        if let probe = loginProbe {
            switch probe.start(capabilities: capabilities, capabilitiesKnown: capabilitiesKnown,
                               greeting: record.greeting) {
            case .send(let opening): queue.append(.login(opening, stage: 0))
            case .decided(let outcome): record.cleartextLogin = outcome
            }
        }
        if plan.probeMailBeforeTLS && plan.mailProtocol == .smtp { queue.append(.mailFrom) }
        if dialect.offersSTARTTLS(capabilities: capabilities) {
            queue.append(.startTLS)
        } else {
            record.startTLS = .notOffered
        }
        return next()
    }

    private mutating func next() -> Action {
        guard !queue.isEmpty else { return finish() }
        return run(queue.removeFirst())
    }

    private mutating func run(_ step: Step) -> Action {
        current = step
        // The cancel answers the command still open, under that command's tag.
        if step != .cancelLogin { tagCounter += 1 }
        let tag = "m\(tagCounter)"
        switch step {
        case .greeting:
            return .exchange(DialogueRequest(purpose: .greeting, command: nil, reader: dialect.greetingReader))
        case .capabilities:
            return .exchange(dialect.capabilityRequest(tag: tag, clientName: plan.clientName))
        case .helo:
            return .exchange(DialogueRequest(purpose: .helo, command: "HELO \(plan.clientName)", reader: .smtp))
        case .login(let opening, let stage):
            guard let probe = loginProbe else { return next() }
            return .exchange(probe.request(opening, stage: stage, tag: tag, credentials: plan.throwawayCredentials))
        case .cancelLogin:
            return .exchange(CleartextLoginProbe(mailProtocol: plan.mailProtocol, method: .cancel)
                .cancelRequest(tag: tag))
        case .mailFrom:
            return .exchange(DialogueRequest(purpose: .mailBeforeTLS, command: "MAIL FROM:<mailtls-probe@mailtls.invalid>",
                                             reader: .smtp))
        case .reset:
            return .exchange(DialogueRequest(purpose: .reset, command: "RSET", reader: .smtp))
        case .startTLS:
            return .exchange(dialect.startTLSRequest(tag: tag))
        }
    }

    private mutating func finish() -> Action {
        current = nil
        return .finish(record, farewell: dialect.farewell(tag: "m\(tagCounter + 1)"))
    }

    private func purpose(of step: Step) -> DialogueRequest.Purpose {
        switch step {
        case .greeting: .greeting
        case .capabilities: .capabilities
        case .helo: .helo
        case .login, .cancelLogin: .cleartextLogin
        case .mailFrom: .mailBeforeTLS
        case .reset: .reset
        case .startTLS: .startTLS
        }
    }
}
