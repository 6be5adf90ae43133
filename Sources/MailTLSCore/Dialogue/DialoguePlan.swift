/// What one probe connection should find out, decided before it starts.
public struct DialoguePlan: Sendable, Equatable {
    public var mailProtocol: MailProtocol
    public var mode: SecurityMode
    /// Learn whether a password could cross before TLS, and how (nil: do not ask). The default cancels an
    /// authentication before any credential; a failed throwaway login only when asked for.
    public var loginProbe: LoginProbeMethod?
    /// Send MAIL FROM before TLS (submission ports) to learn whether STARTTLS is required or only offered.
    public var probeMailBeforeTLS: Bool
    /// Stop right after the TLS handshake (TLS version scans need nothing more).
    public var stopAfterHandshake: Bool
    /// The name sent in EHLO.
    public var clientName: String
    /// A random user name (POP3 USER, failed-login method) and password that exist nowhere: never real credentials.
    public var throwawayCredentials: ThrowawayCredentials

    public init(mailProtocol: MailProtocol, mode: SecurityMode, loginProbe: LoginProbeMethod? = nil,
                probeMailBeforeTLS: Bool = false, stopAfterHandshake: Bool = false,
                clientName: String = "mailtls.invalid",
                throwawayCredentials: ThrowawayCredentials = ThrowawayCredentials(user: "mailtls-probe",
                                                                                  password: "mailtls-probe")) {
        self.mailProtocol = mailProtocol
        self.mode = mode
        self.loginProbe = loginProbe
        self.probeMailBeforeTLS = probeMailBeforeTLS
        self.stopAfterHandshake = stopAfterHandshake
        self.clientName = clientName
        self.throwawayCredentials = throwawayCredentials
    }
}

public struct ThrowawayCredentials: Sendable, Equatable {
    public var user: String
    public var password: String

    public init(user: String, password: String) {
        self.user = user
        self.password = password
    }
}

/// One command to send (or none, for a greeting) and how to read its answer.
public struct DialogueRequest: Sendable, Equatable {
    public enum Purpose: String, Sendable, Equatable {
        case greeting, capabilities, helo, cleartextLogin, mailBeforeTLS, reset, startTLS
        case authenticate, mailFrom, recipient, data, messageBody
        /// Reading a mailbox: select, search, fetch, delete, wait for news.
        case mailbox
    }

    public enum Reader: Sendable, Equatable {
        case smtp
        case imap(tag: String?)
        /// Inside IDLE: the first `* N EXISTS` (or the tagged end) completes the response.
        case imapIdle(tag: String)
        /// A command on a selected mailbox: the server may send many untagged updates first (an EXPUNGE for each
        /// message another client removed), so the bound is wider than a probe's.
        case imapMailbox(tag: String)
        case pop3(multiline: Bool, maximumLines: Int = 256)

        public func makeAssembler() -> any ResponseAssembler {
            switch self {
            case .smtp: SMTPReplyAssembler()
            case .imap(let tag): IMAPResponseAssembler(tag: tag)
            case .imapIdle(let tag): IMAPResponseAssembler(tag: tag, maximumLines: 10_000, endsOnNews: true)
            case .imapMailbox(let tag): IMAPResponseAssembler(tag: tag, maximumLines: 10_000)
            case .pop3(let multiline, let maximumLines): POP3ResponseAssembler(multiline: multiline, maximumLines: maximumLines)
            }
        }
    }

    public var purpose: Purpose
    /// The bytes to send, CRLF included; nil when only a response is awaited.
    public var command: [UInt8]?
    /// What the transcript shows for the command: secrets replaced by a placeholder.
    public var transcriptText: String?
    public var reader: Reader
    /// A longer wait than the usual read timeout, for a reply a stock server may hold back on purpose.
    public var minimumWait: Double?

    public init(purpose: Purpose, command: String?, transcriptText: String? = nil, reader: Reader) {
        self.purpose = purpose
        self.command = command.map { Array(($0 + "\r\n").utf8) }
        self.transcriptText = transcriptText ?? command
        self.reader = reader
    }

    /// Raw bytes to send as they are (a message body), shown in the transcript as `transcriptText`.
    public init(purpose: Purpose, bytes: [UInt8], transcriptText: String, reader: Reader) {
        self.purpose = purpose
        command = bytes
        self.transcriptText = transcriptText
        self.reader = reader
    }
}

/// What shows that a password could cross before TLS.
public enum CleartextLoginEvidence: Sendable, Hashable, Codable {
    /// The exchange or the server's reply, as it went: `AUTH PLAIN → 334`, `USER → +OK`, `535 5.7.8 …`.
    case exchange(String)
    /// A login the server advertises before TLS (`AUTH=PLAIN`, `SASL PLAIN`), not tried.
    case offeredBeforeTLS(advertised: String, keyword: String)
    /// IMAP without LOGINDISABLED before STARTTLS: the LOGIN command takes a password in the clear (RFC 3501).
    case loginCommandNotDisabled

    public var english: String {
        switch self {
        case .exchange(let text): text
        case .offeredBeforeTLS(let advertised, let keyword): "\(advertised) before \(keyword)"
        case .loginCommandNotDisabled: "no LOGINDISABLED before STARTTLS"
        }
    }
}

/// What a dialogue learned. Pure data: the check layer turns it into findings.
public struct DialogueRecord: Sendable, Equatable {
    public enum STARTTLSOutcome: Sendable, Equatable {
        case notApplicable
        case notOffered
        case refused(MailResponse)
        case accepted
    }

    public enum LoginOutcome: Sendable, Equatable {
        case notTried
        /// The server does not offer a cleartext login before TLS (no AUTH, LOGINDISABLED, or the command is unknown).
        case notOffered(evidence: String)
        /// The server refused to take a password before TLS (530, 538, PRIVACYREQUIRED, USER refused).
        case refusedBeforeTLS(evidence: String)
        /// The server asked for a password on the unencrypted connection (334, `+`, USER +OK), or took and checked
        /// a throwaway one (535, NO AUTHENTICATIONFAILED, -ERR after PASS), or offers a login before TLS that was
        /// not tried because the server logs a cancelled one as a failed login.
        case acceptedInClear(CleartextLoginEvidence)
        /// A temporary refusal (421, 454, `[UNAVAILABLE]`, `[SYS/TEMP]`) says nothing either way.
        case inconclusive(evidence: String)
    }

    public enum MailOutcome: Sendable, Equatable {
        case notTried
        case acceptedBeforeTLS(evidence: String)
        case refusedBeforeTLS(evidence: String)
        case inconclusive(evidence: String)
    }

    public var greeting: MailResponse?
    /// A greeting that says the server will not serve now (SMTP 421/554, IMAP BYE, POP3 -ERR).
    public var unavailable: MailResponse?
    public var capabilitiesBeforeTLS: [String]?
    public var capabilitiesAfterTLS: [String]?
    public var startTLS: STARTTLSOutcome = .notApplicable
    /// The server's go-ahead to STARTTLS: its words tell some software apart ("TLS go ahead" is Exim's).
    public var startTLSGoAhead: MailResponse?
    public var cleartextLogin: LoginOutcome = .notTried
    public var mailBeforeTLS: MailOutcome = .notTried
    public var tlsEstablished = false
    /// Set when the dialogue ended early; says where.
    public var interruptedDuring: DialogueRequest.Purpose?

    public init() {}
}
