import MailTLSCore

/// The sandbox's POP3 server: USER/PASS and AUTH PLAIN, STLS, STAT, LIST, UIDL, RETR, TOP, DELE, RSET, QUIT.
/// Deletions take effect at QUIT, as RFC 1939 says.
/// - SeeAlso: RFC 1939, RFC 2449, RFC 2595, RFC 5034
public struct POP3ServerSession: MailboxServerSession {
    private enum State: Sendable, Equatable {
        case authorization(user: String?)
        case authPlainResponse
        case transaction
    }

    var mailbox: MailboxSessionState
    public var policy: SessionPolicy { mailbox.policy }
    private var state: State = .authorization(user: nil)
    private var deleted: Set<Int> = []
    private var loggedInUser: String?

    public init(policy: SessionPolicy) {
        mailbox = MailboxSessionState(policy: policy)
    }

    var greeting: SessionAction { .reply("+OK mailtls sandbox POP3 ready") }
    public mutating func receive(line: [UInt8]) -> [SessionAction] {
        let text = String(decoding: line, as: UTF8.self)
        if state == .authPlainResponse {
            state = .authorization(user: nil)
            return finishPlain(text)
        }
        let verb = text.prefix { $0 != " " }.uppercased()
        let argument = String(text.dropFirst(verb.count).drop { $0 == " " })
        var actions: [SessionAction] = []
        if !mailbox.inTLS && !["CAPA", "STLS", "QUIT", "NOOP"].contains(verb) {
            actions.append(.event(.commandBeforeTLS(verb)))
        }
        switch (state, verb) {
        case (_, "CAPA"):
            var lines = ["+OK Capability list follows", "TOP", "UIDL", "RESP-CODES", "PIPELINING", "AUTH-RESP-CODE"]
            if mailbox.mayAuthenticate { lines += ["USER", "SASL PLAIN"] }
            if !mailbox.inTLS && policy.advertiseSTARTTLS { lines.append("STLS") }
            lines.append(".")
            actions += lines.map { .reply($0) }
        case (_, "QUIT"):
            if state == .transaction && !deleted.isEmpty {
                actions.append(.event(.messagesDeleted(deleted.sorted().map { mailbox.messages[$0].id })))
            }
            actions += [.reply("+OK Bye"), .close]
        case (_, "NOOP"):
            actions.append(.reply("+OK"))
        case (.authorization, "STLS"):
            if mailbox.inTLS {
                actions += error("-ERR TLS already active")
            } else if !policy.advertiseSTARTTLS {
                actions += [.event(.startTLSWithoutAdvertisement), .reply("-ERR STLS not available (sandbox test)")]
            } else {
                actions += [.reply("+OK Begin TLS negotiation"), .startTLS]
            }
        case (.authorization, "USER"):
            guard mailbox.mayAuthenticate else {
                return actions + error("-ERR [AUTH] Plaintext authentication disallowed before TLS")
            }
            state = .authorization(user: argument)
            actions.append(.reply("+OK"))
        case (.authorization(let user?), "PASS"):
            actions += verify(mechanism: "USER", user: user, password: argument)
        case (.authorization, "PASS"):
            actions += error("-ERR USER first")
        case (.authorization, "AUTH"):
            let parts = argument.split(separator: " ")
            guard parts.first?.uppercased() == "PLAIN" else { return actions + error("-ERR Unsupported mechanism") }
            guard mailbox.mayAuthenticate else {
                if parts.count > 1, let credentials = SASLPlain.decode(parts[1]) {
                    actions.append(.event(.authentication(mechanism: "PLAIN", user: credentials.user,
                                                          succeeded: false, beforeTLS: true)))
                }
                return actions + error("-ERR [AUTH] Authentication disallowed before TLS")
            }
            if parts.count > 1 { return actions + finishPlain(String(parts[1])) }
            state = .authPlainResponse
            actions.append(.reply("+ "))
        case (.transaction, "STAT"):
            let live = liveMessages
            actions.append(.reply("+OK \(live.count) \(live.reduce(0) { $0 + $1.1.data.count })"))
        case (.transaction, "LIST"), (.transaction, "UIDL"):
            let uidl = verb == "UIDL"
            if let number = Int(argument) {
                guard let message = message(number) else { return actions + error("-ERR No such message") }
                actions.append(.reply("+OK \(number) \(uidl ? message.id : String(message.data.count))"))
            } else {
                actions.append(.reply("+OK"))
                for (index, message) in liveMessages {
                    actions.append(.reply("\(index + 1) \(uidl ? message.id : String(message.data.count))"))
                }
                actions.append(.reply("."))
            }
        case (.transaction, "RETR"), (.transaction, "TOP"):
            let parts = argument.split(separator: " ")
            guard let number = parts.first.flatMap({ Int($0) }), let message = message(number) else {
                return actions + error("-ERR No such message")
            }
            var body = message.data
            if verb == "TOP" {
                // RFC 1939: a non-negative number of lines; anything else is refused, never used as a count.
                guard parts.count == 2, let lines = POP3ServerSession.count(parts[1]) else {
                    return actions + error("-ERR TOP msg n")
                }
                let header = MessageHeaders.headerBytes(of: body)
                let rest = body.dropFirst(header.count).split(separator: 0x0A, omittingEmptySubsequences: false)
                body = header + rest.prefix(lines).flatMap { Array($0) + [0x0A] }
            }
            actions.append(.reply("+OK \(body.count) octets"))
            actions.append(.send(MessageFraming.dotStuffed(body)))
        case (.transaction, "DELE"):
            guard let number = Int(argument), message(number) != nil else {
                return actions + error("-ERR No such message")
            }
            deleted.insert(number - 1)
            actions.append(.reply("+OK Marked for deletion"))
        case (.transaction, "RSET"):
            deleted = []
            actions.append(.reply("+OK"))
        default:
            actions += error("-ERR Unknown command or wrong state")
        }
        return actions
    }

    /// A message number or line count: ASCII digits only, at most 32 bits.
    static func count(_ text: some StringProtocol) -> Int? {
        guard !text.isEmpty, text.count <= 10, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let value = Int(text), value <= Int(UInt32.max) else { return nil }
        return value
    }

    private var liveMessages: [(Int, MailboxMessage)] {
        mailbox.messages.enumerated().filter { !deleted.contains($0.offset) }.map { ($0.offset, $0.element) }
    }

    private func message(_ number: Int) -> MailboxMessage? {
        guard number >= 1, number <= mailbox.messages.count, !deleted.contains(number - 1) else { return nil }
        return mailbox.messages[number - 1]
    }

    private mutating func finishPlain(_ token: String) -> [SessionAction] {
        guard let credentials = SASLPlain.decode(token) else { return error("-ERR Cannot decode") }
        return verify(mechanism: "PLAIN", user: credentials.user, password: credentials.password)
    }

    private mutating func verify(mechanism: String, user: String, password: String) -> [SessionAction] {
        let succeeded = policy.accounts[user] == password
        let event = SessionAction.event(.authentication(mechanism: mechanism, user: user, succeeded: succeeded,
                                                        beforeTLS: !mailbox.inTLS))
        guard succeeded else {
            state = .authorization(user: nil)
            return [event] + error("-ERR [AUTH] Authentication failed")
        }
        state = .transaction
        loggedInUser = user
        mailbox.needsMailbox = true
        return [event, .reply("+OK Logged in")]
    }

    private mutating func error(_ reply: String) -> [SessionAction] {
        mailbox.errors.spend(reply: reply, farewell: "-ERR Too many errors")
    }
}
