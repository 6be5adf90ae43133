import MailTLSCore

/// What the IMAP and POP3 server sessions share: whether TLS is up, the mailbox once loaded, the error budget, and
/// when the greeting goes out (at connect in plaintext, after the handshake on an implicit TLS port).
struct MailboxSessionState: Sendable {
    let policy: SessionPolicy
    var inTLS: Bool
    var messages: [MailboxMessage] = []
    var needsMailbox = false
    var errors: ErrorBudget

    init(policy: SessionPolicy) {
        self.policy = policy
        inTLS = policy.implicitTLS
        errors = ErrorBudget(limit: policy.maximumErrors)
    }

    /// A login is allowed once TLS is up, or before it when the policy says so (the sandbox's plaintext ports).
    var mayAuthenticate: Bool { inTLS || policy.allowAuthenticationBeforeTLS }
}

/// A server session that serves a mailbox (IMAP, POP3) over `MailboxSessionState`.
protocol MailboxServerSession: ServerSession {
    var mailbox: MailboxSessionState { get set }
    var greeting: SessionAction { get }
    /// Resets what the session read before TLS (RFC 3207 section 4.2's rule, the same for IMAP and POP3).
    mutating func discardPlaintextState()
}

extension MailboxServerSession {
    public var wantsMailbox: Bool { mailbox.needsMailbox }

    public mutating func mailboxLoaded(_ messages: [MailboxMessage]) {
        mailbox.messages = messages
        mailbox.needsMailbox = false
    }

    public mutating func start() -> [SessionAction] {
        mailbox.policy.implicitTLS ? [] : [greeting]
    }

    public mutating func tlsEstablished() -> [SessionAction] {
        mailbox.inTLS = true
        discardPlaintextState()
        return mailbox.policy.implicitTLS ? [greeting] : []
    }

    func discardPlaintextState() {}
}
