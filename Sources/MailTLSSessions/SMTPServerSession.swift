import MailTLSCore

/// The SMTP server conversation of the sandbox (which captures mail and never relays it) and of the relay (which
/// queues it for its upstream, under its rules: login required, allowed recipient domains and senders): EHLO,
/// STARTTLS, AUTH PLAIN/LOGIN, MAIL, RCPT, DATA.
/// - SeeAlso: RFC 5321, RFC 3207, RFC 4954
public struct SMTPServerSession: ServerSession {
    private enum State: Sendable, Equatable {
        case command
        case authPlainResponse
        case authLoginUser
        case authLoginPassword(user: String)
        case data
    }

    public let policy: SessionPolicy
    private var state: State = .command
    private var inTLS: Bool
    private var heloSeen = false
    private var authenticatedUser: String?
    private var mailFrom: String?
    private var recipients: [String] = []
    /// Bytes of the current message so far: counted, never kept (the data goes to the sink line by line).
    private var dataSize = 0
    private var dataTooLarge = false
    private var errors: ErrorBudget
    private var messageCounter = 0
    private var awaitingCommit = false

    public init(policy: SessionPolicy) {
        self.policy = policy
        errors = ErrorBudget(limit: policy.maximumErrors)
        inTLS = policy.implicitTLS
    }

    public mutating func start() -> [SessionAction] {
        policy.implicitTLS ? [] : [greeting]
    }

    public mutating func tlsEstablished() -> [SessionAction] {
        inTLS = true
        // RFC 3207: forget everything learned before TLS.
        heloSeen = false
        resetTransaction()
        return policy.implicitTLS ? [greeting] : []
    }

    private var greeting: SessionAction { .reply("220 \(policy.hostname) ESMTP mailtls \(policy.role.rawValue)") }

    private var mayAuthenticate: Bool {
        policy.offerAuthentication && (inTLS || policy.allowAuthenticationBeforeTLS)
    }

    /// Devices that give up on a login midway (a Xerox sends QUIT where its user name was expected): a command
    /// verb where a SASL response was expected ends the login, and the command is carried out.
    private static let commandsEndingLogin: Set<String> = ["QUIT", "RSET", "NOOP", "EHLO", "HELO"]

    private static func isCommand(_ line: [UInt8]) -> Bool {
        let verb = String(decoding: line.prefix(5), as: UTF8.self).prefix { $0 != " " }.uppercased()
        return commandsEndingLogin.contains(verb)
    }

    public mutating func receive(line: [UInt8]) -> [SessionAction] {
        if state != .command && state != .data && SMTPServerSession.isCommand(line) {
            state = .command
            // One line, one reply: the command's own, as if the login had never begun.
            return command(String(decoding: line, as: UTF8.self))
        }
        switch state {
        case .data:
            return receiveData(line)
        case .authPlainResponse:
            state = .command
            return finishPlain(String(decoding: line, as: UTF8.self))
        case .authLoginUser:
            let text = String(decoding: line, as: UTF8.self)
            if text == "*" { return cancelAuthentication() }
            guard let user = Base64.decode(text) else { return authenticationSyntaxError() }
            state = .authLoginPassword(user: String(decoding: user, as: UTF8.self))
            return [.reply("334 UGFzc3dvcmQ6")]
        case .authLoginPassword(let user):
            let text = String(decoding: line, as: UTF8.self)
            if text == "*" { return cancelAuthentication() }
            guard let password = Base64.decode(text) else { return authenticationSyntaxError() }
            state = .command
            return verify(mechanism: "LOGIN", user: user, password: String(decoding: password, as: UTF8.self))
        case .command:
            return command(String(decoding: line, as: UTF8.self))
        }
    }

    private mutating func command(_ text: String) -> [SessionAction] {
        let verb = text.prefix { $0 != " " }.uppercased()
        let argument = text.dropFirst(verb.count).drop { $0 == " " }
        var actions: [SessionAction] = []
        if !inTLS && !["EHLO", "HELO", "STARTTLS", "QUIT", "NOOP", "RSET"].contains(verb) {
            actions.append(.event(.commandBeforeTLS(verb)))
        }
        switch verb {
        case "EHLO":
            heloSeen = true
            resetTransaction()
            var lines = [policy.hostname, "PIPELINING", "SIZE \(policy.maximumMessageBytes)", "8BITMIME",
                         "ENHANCEDSTATUSCODES"]
            if !inTLS && policy.advertiseSTARTTLS { lines.append("STARTTLS") }
            if mayAuthenticate { lines.append("AUTH PLAIN LOGIN") }
            for (index, line) in lines.enumerated() {
                actions.append(.reply("250\(index == lines.count - 1 ? " " : "-")\(line)"))
            }
        case "HELO":
            heloSeen = true
            resetTransaction()
            actions.append(.reply("250 \(policy.hostname)"))
        case "STARTTLS":
            if inTLS {
                actions.append(.reply("503 5.5.1 TLS already active"))
            } else if !policy.advertiseSTARTTLS {
                actions.append(.event(.startTLSWithoutAdvertisement))
                actions.append(.reply("502 5.5.1 STARTTLS not available on this port (sandbox test)"))
            } else {
                actions.append(.reply("220 2.0.0 Ready to start TLS"))
                actions.append(.startTLS)
            }
        case "AUTH":
            actions += authenticate(argument)
        case "MAIL":
            actions += mail(argument)
        case "RCPT":
            actions += recipient(argument)
        case "DATA":
            if mailFrom == nil || recipients.isEmpty {
                actions += error("503 5.5.1 Error: need MAIL and RCPT first")
            } else {
                state = .data
                dataSize = 0
                dataTooLarge = false
                actions.append(.startMessage(MessageEnvelope(mailFrom: mailFrom ?? "", recipients: recipients,
                                                             receivedOverTLS: inTLS,
                                                             authenticatedUser: authenticatedUser)))
                actions.append(.reply("354 End data with <CR><LF>.<CR><LF>"))
            }
        case "RSET":
            resetTransaction()
            actions.append(.reply("250 2.0.0 Ok"))
        case "NOOP":
            actions.append(.reply("250 2.0.0 Ok"))
        case "VRFY":
            actions.append(.reply("252 2.0.0 Cannot VRFY user"))
        case "HELP":
            actions.append(.reply("214 2.0.0 mailtls \(policy.role.rawValue): EHLO STARTTLS AUTH MAIL RCPT DATA RSET NOOP QUIT"))
        case "QUIT":
            actions.append(.reply("221 2.0.0 Bye"))
            actions.append(.close)
        default:
            actions += error("500 5.5.2 Error: command not recognized")
        }
        return actions
    }

    private mutating func authenticate(_ argument: Substring) -> [SessionAction] {
        guard authenticatedUser == nil else { return error("503 5.5.1 Error: already authenticated") }
        let parts = argument.split(separator: " ")
        guard let mechanism = parts.first?.uppercased() else { return error("501 5.5.4 Syntax: AUTH mechanism") }
        guard mayAuthenticate else {
            // The device sends credentials although AUTH was not offered before TLS: report it, refuse it.
            var actions: [SessionAction] = []
            if parts.count > 1, mechanism == "PLAIN", let credentials = SASLPlain.decode(parts[1]) {
                actions.append(.event(.authentication(mechanism: "PLAIN", user: credentials.user, succeeded: false,
                                                      beforeTLS: true)))
            }
            return actions + error("530 5.7.0 Must issue a STARTTLS command first")
        }
        switch mechanism {
        case "PLAIN":
            if parts.count > 1 { return finishPlain(String(parts[1])) }
            state = .authPlainResponse
            return [.reply("334 ")]
        case "LOGIN":
            if parts.count > 1, let user = Base64.decode(parts[1]) {
                state = .authLoginPassword(user: String(decoding: user, as: UTF8.self))
                return [.reply("334 UGFzc3dvcmQ6")]
            }
            state = .authLoginUser
            return [.reply("334 VXNlcm5hbWU6")]
        default:
            return error("504 5.5.4 Unrecognized authentication type")
        }
    }

    private mutating func finishPlain(_ token: String) -> [SessionAction] {
        if token == "*" { return cancelAuthentication() }
        guard let credentials = SASLPlain.decode(token) else { return authenticationSyntaxError() }
        return verify(mechanism: "PLAIN", user: credentials.user, password: credentials.password)
    }

    private mutating func verify(mechanism: String, user: String, password: String) -> [SessionAction] {
        state = .command
        let succeeded = policy.accounts[user] == password
        let event = SessionAction.event(.authentication(mechanism: mechanism, user: user, succeeded: succeeded,
                                                        beforeTLS: !inTLS))
        if succeeded {
            authenticatedUser = user
            return [event, .reply("235 2.7.0 Authentication successful")]
        }
        return [event] + error("535 5.7.8 Error: authentication failed")
    }

    private mutating func cancelAuthentication() -> [SessionAction] {
        state = .command
        return [.reply("501 5.7.0 Authentication cancelled")]
    }

    private mutating func authenticationSyntaxError() -> [SessionAction] {
        state = .command
        return error("501 5.5.2 Cannot decode response")
    }

    private mutating func mail(_ argument: Substring) -> [SessionAction] {
        guard heloSeen else { return error("503 5.5.1 Error: send HELO/EHLO first") }
        guard mailFrom == nil else { return error("503 5.5.1 Error: nested MAIL command") }
        guard let address = SMTPServerSession.path(in: argument, keyword: "FROM:") else {
            return error("501 5.5.4 Syntax: MAIL FROM:<address>")
        }
        if policy.requireTLS && !inTLS {
            return [.event(.problem(.mailWithoutTLS))] + error("530 5.7.0 Must issue a STARTTLS command first")
        }
        if policy.requireAuthentication && authenticatedUser == nil {
            let hint = mayAuthenticate ? "" : inTLS || !policy.advertiseSTARTTLS ? "" : " (after STARTTLS)"
            return [.event(.problem(.mailWithoutLogin))]
                + error("530 5.7.0 Authentication required\(hint)")
        }
        guard policy.allowsSender(address) else {
            return [.event(.problem(.senderNotAllowed(address: address)))]
                + error("553 5.7.1 <\(address)>: Sender address not allowed by this relay")
        }
        mailFrom = address
        return [.reply("250 2.1.0 Ok")]
    }

    private mutating func recipient(_ argument: Substring) -> [SessionAction] {
        guard mailFrom != nil else { return error("503 5.5.1 Error: need MAIL command") }
        guard let address = SMTPServerSession.path(in: argument, keyword: "TO:"), !address.isEmpty else {
            return error("501 5.5.4 Syntax: RCPT TO:<address>")
        }
        guard recipients.count < policy.maximumRecipients else { return error("452 4.5.3 Error: too many recipients") }
        guard policy.allowsRecipient(address) else {
            return [.event(.problem(.recipientDomainNotAllowed(address: address)))]
                + error("550 5.7.1 <\(address)>: Relay access denied: this relay does not send to that domain")
        }
        recipients.append(address)
        return [.reply("250 2.1.5 Ok")]
    }

    private mutating func receiveData(_ line: [UInt8]) -> [SessionAction] {
        if line == [UInt8(ascii: ".")] {
            state = .command
            resetTransaction()
            if dataTooLarge { return [.reply("552 5.3.4 Error: message too large")] }
            awaitingCommit = true
            return [.finishMessage]
        }
        guard !dataTooLarge else { return [] }
        let content = line.first == UInt8(ascii: ".") ? line.dropFirst() : line[...]
        // Checked: a count that could only overflow after 2^63 bytes still cannot trap.
        let (size, overflow) = dataSize.addingReportingOverflow(content.count + 2)
        if overflow || size > policy.maximumMessageBytes {
            dataTooLarge = true
            return [.abortMessage]
        }
        dataSize = size
        return [.messageData(Array(content) + [0x0D, 0x0A])]
    }

    /// The sink's verdict on the message that just ended: the reply to the final dot.
    public mutating func messageFinished(_ outcome: MessageOutcome) -> [SessionAction] {
        guard awaitingCommit else { return [] }
        awaitingCommit = false
        switch outcome {
        case .stored(let id):
            messageCounter += 1
            switch policy.role {
            case .sandbox: return [.reply("250 2.0.0 Ok: captured by mailtls sandbox (never relayed)")]
            case .relay: return [.reply("250 2.0.0 Ok: queued as \(id)")]
            }
        case .notStored:
            switch policy.role {
            case .sandbox: return [.reply("452 4.3.1 Insufficient system storage: the sandbox's store is full")]
            case .relay: return [.reply("452 4.3.1 Insufficient system storage: the relay's spool is full, try later")]
            }
        case .refused(let reply):
            return [.reply(reply)]
        }
    }

    private mutating func error(_ reply: String) -> [SessionAction] {
        errors.spend(reply: reply, farewell: "421 4.7.0 \(policy.hostname) Error: too many errors")
    }

    private mutating func resetTransaction() {
        mailFrom = nil
        recipients = []
        dataSize = 0
    }

    /// `FROM:<a@b> SIZE=10` gives `a@b`; `FROM:<>` gives an empty string (the null reverse path).
    static func path(in argument: Substring, keyword: String) -> String? {
        let text = argument.trimmingPrefixSpaces()
        guard text.uppercased().hasPrefix(keyword) else { return nil }
        let rest = text.dropFirst(keyword.count).trimmingPrefixSpaces()
        if rest.first == "<" {
            guard let close = rest.firstIndex(of: ">") else { return nil }
            return String(rest[rest.index(after: rest.startIndex)..<close])
        }
        let bare = rest.prefix { $0 != " " }
        return bare.isEmpty ? nil : String(bare)
    }
}

extension Substring {
    func trimmingPrefixSpaces() -> Substring { drop { $0 == " " } }
}
