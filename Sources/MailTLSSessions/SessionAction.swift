import MailTLSCore

/// What a server session asks its connection to do. Sessions are pure: bytes in, actions out.
public enum SessionAction: Sendable, Equatable {
    case send([UInt8])
    /// Start the TLS handshake now; the go-ahead has already been queued with `.send`.
    case startTLS
    case close
    case event(SessionEvent)
    /// A message begins (after the 354): open the sink for it.
    case startMessage(MessageEnvelope)
    /// More of the message, dot-unstuffed, line ends included: write it to the sink. Nothing of it is kept in the
    /// session, whatever the message's size.
    case messageData([UInt8])
    /// The message ended: commit it to the sink, then hand the outcome to `SMTPServerSession.messageFinished(_:)`,
    /// whose reply tells the client whether it was taken.
    case finishMessage
    /// The message will not be taken (over the size limit): discard what the sink holds.
    case abortMessage
}

/// Who sent a message and how, as known when its data begins.
public struct MessageEnvelope: Sendable, Equatable {
    public var mailFrom: String
    public var recipients: [String]
    public var receivedOverTLS: Bool
    public var authenticatedUser: String?

    public init(mailFrom: String, recipients: [String], receivedOverTLS: Bool, authenticatedUser: String?) {
        self.mailFrom = mailFrom
        self.recipients = recipients
        self.receivedOverTLS = receivedOverTLS
        self.authenticatedUser = authenticatedUser
    }
}

/// What the sink made of a finished message.
public enum MessageOutcome: Sendable, Equatable {
    case stored(id: String)
    /// Not stored: the store is full or out of its disk allowance (a temporary failure for the client).
    case notStored(reason: StorageShortfall)
    /// Not taken, for a reason the sink words itself: the whole SMTP reply (a rate limit's `450 4.7.1 ...`).
    case refused(reply: String)
}

/// What a client did, for its report.
public enum SessionEvent: Sendable, Equatable {
    /// A command sent before TLS on a connection that began in plaintext (verb only, never arguments).
    case commandBeforeTLS(String)
    /// The client asked for STARTTLS / STLS although it was not advertised (the stripping test).
    case startTLSWithoutAdvertisement
    case authentication(mechanism: String, user: String, succeeded: Bool, beforeTLS: Bool)
    case messagesDeleted([String])
    /// The peer broke the protocol (an over-long command, too many errors), or asked for what the server's rules
    /// refuse (a recipient outside the allowed domains, a sender not allowed, mail without the login the relay
    /// requires).
    case problem(ConnectionProblem)
}

/// A whole message in memory, for seeding a store (tests) through the same writer the server streams into.
public struct CapturedMessage: Sendable, Equatable {
    public var mailFrom: String
    public var recipients: [String]
    public var data: [UInt8]
    public var receivedOverTLS: Bool
    public var authenticatedUser: String?

    public init(mailFrom: String, recipients: [String], data: [UInt8], receivedOverTLS: Bool,
                authenticatedUser: String?) {
        self.mailFrom = mailFrom
        self.recipients = recipients
        self.data = data
        self.receivedOverTLS = receivedOverTLS
        self.authenticatedUser = authenticatedUser
    }

    /// The Subject header, unfolded, if any.
    public var subject: String? { MessageHeaders.value(of: "Subject", in: data) }

    public var envelope: MessageEnvelope {
        MessageEnvelope(mailFrom: mailFrom, recipients: recipients, receivedOverTLS: receivedOverTLS,
                        authenticatedUser: authenticatedUser)
    }
}

/// A stored message as IMAP and POP3 serve it.
public struct MailboxMessage: Sendable, Equatable {
    public var id: String
    public var uid: UInt32
    public var data: [UInt8]
    public var receivedAt: Double

    public init(id: String, uid: UInt32, data: [UInt8], receivedAt: Double) {
        self.id = id
        self.uid = uid
        self.data = data
        self.receivedAt = receivedAt
    }
}

/// How a session behaves: the per-port device tests are settings here.
public struct SessionPolicy: Sendable, Equatable {
    public var hostname: String
    /// Whether the connection began with TLS (implicit TLS port).
    public var implicitTLS: Bool
    /// Advertise STARTTLS / STLS. Off for the STARTTLS-stripping test.
    public var advertiseSTARTTLS: Bool
    /// Offer AUTH / LOGIN before TLS. On for the stripping test, so a device that would send its password in the
    /// clear shows it.
    public var allowAuthenticationBeforeTLS: Bool
    public var accounts: [String: String]
    public var maximumMessageBytes: Int
    public var maximumRecipients: Int
    public var maximumErrors: Int
    /// Who serves: the sandbox captures mail, the relay queues it for delivery upstream. Names the server in its
    /// greeting and its acceptance reply.
    public var role: ServerRole
    /// Offer AUTH at all. Off for a relay whose devices send without accounts.
    public var offerAuthentication: Bool
    /// Refuse MAIL until the client has logged in.
    public var requireAuthentication: Bool
    /// Recipient domains mail may go to (`example.com`; `.example.com` for its subdomains too); nil: any.
    public var recipientDomains: [String]?
    /// Envelope senders that may be used (addresses, or `@example.com` for a whole domain); nil: any.
    public var allowedSenders: [String]?
    /// Refuse MAIL before STARTTLS (a relay listener set to `starttls-required`).
    public var requireTLS: Bool

    public enum ServerRole: String, Sendable, Equatable {
        case sandbox, relay
    }

    public init(hostname: String, implicitTLS: Bool, advertiseSTARTTLS: Bool = true,
                allowAuthenticationBeforeTLS: Bool = false, accounts: [String: String],
                maximumMessageBytes: Int = 10 << 20, maximumRecipients: Int = 100, maximumErrors: Int = 20,
                role: ServerRole = .sandbox, offerAuthentication: Bool = true, requireAuthentication: Bool = false,
                recipientDomains: [String]? = nil, allowedSenders: [String]? = nil, requireTLS: Bool = false) {
        self.hostname = hostname
        self.implicitTLS = implicitTLS
        self.advertiseSTARTTLS = advertiseSTARTTLS
        self.allowAuthenticationBeforeTLS = allowAuthenticationBeforeTLS
        self.accounts = accounts
        self.maximumMessageBytes = maximumMessageBytes
        self.maximumRecipients = maximumRecipients
        self.maximumErrors = maximumErrors
        self.role = role
        self.offerAuthentication = offerAuthentication
        self.requireAuthentication = requireAuthentication
        self.recipientDomains = recipientDomains
        self.allowedSenders = allowedSenders
        self.requireTLS = requireTLS
    }

    /// Whether mail may go to `address` under `recipientDomains`.
    public func allowsRecipient(_ address: String) -> Bool {
        guard let domains = recipientDomains else { return true }
        guard let at = address.lastIndex(of: "@") else { return false }
        let domain = address[address.index(after: at)...].lowercased()
        guard !domain.isEmpty else { return false }
        return domains.contains { rule in
            let rule = rule.lowercased()
            if rule.hasPrefix(".") { return domain.hasSuffix(rule) || domain == rule.dropFirst() }
            return domain == rule
        }
    }

    /// Whether `address` may be the envelope sender under `allowedSenders`.
    public func allowsSender(_ address: String) -> Bool {
        guard let senders = allowedSenders else { return true }
        let address = address.lowercased()
        return senders.contains { rule in
            let rule = rule.lowercased()
            return rule.hasPrefix("@") ? address.hasSuffix(rule) && address.count > rule.count : address == rule
        }
    }
}

/// One server-side protocol conversation: SMTP, IMAP or POP3.
public protocol ServerSession: Sendable {
    /// The greeting and anything else due at connect (nothing for implicit TLS until the handshake completes).
    mutating func start() -> [SessionAction]
    mutating func receive(line: [UInt8]) -> [SessionAction]
    mutating func tlsEstablished() -> [SessionAction]
    /// Called before each line so a session can load the mailbox lazily.
    var wantsMailbox: Bool { get }
    mutating func mailboxLoaded(_ messages: [MailboxMessage])
    /// The sink's verdict on a message the session asked to finish (`.finishMessage`): the reply to the client.
    mutating func messageFinished(_ outcome: MessageOutcome) -> [SessionAction]
}

extension ServerSession {
    public var wantsMailbox: Bool { false }
    public mutating func mailboxLoaded(_ messages: [MailboxMessage]) {}
    public mutating func messageFinished(_ outcome: MessageOutcome) -> [SessionAction] { [] }
}

/// Header lookups on raw message bytes.
public enum MessageHeaders {
    /// The first header field called `name`, unfolded. Works on bytes: in Swift "\r\n" is one Character, so
    /// splitting a String on "\n" would not split CRLF lines.
    public static func value(of name: String, in data: [UInt8]) -> String? {
        let wanted = Array(name.lowercased().utf8)
        var result: [UInt8]?
        for rawLine in headerBytes(of: data).split(separator: 0x0A, omittingEmptySubsequences: false) {
            let line = rawLine.last == 0x0D ? rawLine.dropLast() : rawLine
            if result != nil, let first = line.first, first == 0x20 || first == 0x09 {
                result! += [0x20] + line.drop { $0 == 0x20 || $0 == 0x09 }
                continue
            }
            if result != nil { break }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let field = line[line.startIndex..<colon].map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 32 : $0 }
            if field == wanted { result = Array(line[(colon + 1)...].drop { $0 == 0x20 }) }
        }
        return result.map { String(decoding: $0, as: UTF8.self) }
    }

    /// The header block including the blank line that ends it.
    public static func headerBytes(of data: [UInt8]) -> [UInt8] {
        var index = 0
        while index + 1 < data.count {
            if data[index] == 0x0A && data[index + 1] == 0x0A { return Array(data[...(index + 1)]) }
            if index + 3 < data.count && data[index] == 0x0D && data[index + 1] == 0x0A && data[index + 2] == 0x0D
                && data[index + 3] == 0x0A {
                return Array(data[...(index + 3)])
            }
            index += 1
        }
        return data
    }

    public static func lineCount(of bytes: [UInt8]) -> Int {
        bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }
}

extension Array where Element == UInt8 {
    init(line text: String) {
        self = Array((text + "\r\n").utf8)
    }
}

extension SessionAction {
    static func reply(_ text: String) -> SessionAction { .send(Array(line: text)) }
}

/// Counts a client's protocol errors; past the policy's limit the session says goodbye and closes, so a peer
/// sending garbage cannot keep a connection busy forever.
struct ErrorBudget: Sendable {
    let limit: Int
    private var spent = 0

    init(limit: Int) {
        self.limit = limit
    }

    /// `reply` for this error, or the protocol's `farewell` and a close once the budget is spent.
    mutating func spend(reply: String, farewell: String) -> [SessionAction] {
        spent += 1
        guard spent >= limit else { return [.reply(reply)] }
        return [.event(.problem(.tooManyErrors)), .reply(farewell), .close]
    }
}

/// SASL PLAIN: `[authzid] NUL authcid NUL passwd`. - SeeAlso: RFC 4616
enum SASLPlain {
    static func decode(_ token: some StringProtocol) -> (user: String, password: String)? {
        guard let bytes = Base64.decode(token) else { return nil }
        let parts = bytes.split(separator: 0, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        return (String(decoding: parts[1], as: UTF8.self), String(decoding: parts[2], as: UTF8.self))
    }
}
