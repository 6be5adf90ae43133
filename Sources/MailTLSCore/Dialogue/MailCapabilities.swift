/// What a capability list says a server offers, decided in one place for the three protocols: SMTP's EHLO keywords,
/// IMAP's CAPABILITY atoms and POP3's CAPA lines. The list itself is kept as sent (reports show it); every question
/// about it (STARTTLS? which logins?) is asked here, never by searching the strings elsewhere.
/// - SeeAlso: RFC 3207 and RFC 4954 (SMTP), RFC 3501 section 6.2.3 and RFC 2595 (IMAP), RFC 2449 (POP3 CAPA)
public struct MailCapabilities: Sendable, Equatable {
    public let mailProtocol: MailProtocol
    /// As sent: `AUTH PLAIN LOGIN`, `AUTH=PLAIN`, `SASL PLAIN`.
    public let keywords: [String]

    public init(_ mailProtocol: MailProtocol, keywords: [String]) {
        self.mailProtocol = mailProtocol
        self.keywords = keywords
    }

    /// Whether `name` is offered: a keyword of its own, or the first word of a keyword line (`SIZE 1000`).
    public func offers(_ name: String) -> Bool {
        let wanted = name.uppercased()
        return keywords.contains { $0.uppercased().split(separator: " ").first.map(String.init) == wanted }
    }

    public var offersSTARTTLS: Bool { offers(mailProtocol.startTLSKeyword) }

    /// IMAP's LOGINDISABLED: the LOGIN command is refused (before TLS, as servers that follow RFC 2595 say).
    public var loginDisabled: Bool { mailProtocol == .imap && offers("LOGINDISABLED") }

    /// POP3's USER: USER/PASS is offered.
    public var offersUSER: Bool { mailProtocol == .pop3 && offers("USER") }

    /// The SASL mechanisms, uppercased, each once, in the order listed: SMTP `AUTH a b` (and the pre-standard
    /// `AUTH=a b`), IMAP `AUTH=a`, POP3 `SASL a b`.
    public var saslMechanisms: [String] {
        var mechanisms: [String] = []
        func add<S: Sequence>(_ names: S) where S.Element == Substring {
            for name in names where !name.isEmpty && !mechanisms.contains(String(name)) { mechanisms.append(String(name)) }
        }
        for keyword in keywords.map({ $0.uppercased() }) {
            switch mailProtocol {
            case .smtp:
                guard keyword.hasPrefix("AUTH ") || keyword.hasPrefix("AUTH=") else { continue }
                add(keyword.dropFirst(5).split(separator: " "))
            case .imap:
                guard keyword.hasPrefix("AUTH=") else { continue }
                add([keyword.dropFirst(5)])
            case .pop3:
                guard keyword.hasPrefix("SASL ") else { continue }
                add(keyword.dropFirst(5).split(separator: " "))
            }
        }
        return mechanisms
    }

    /// Every way a client can log in: IMAP's LOGIN command first unless LOGINDISABLED, POP3's USER first, then the
    /// SASL mechanisms.
    public var loginMechanisms: [String] {
        var mechanisms = saslMechanisms
        switch mailProtocol {
        case .smtp: break
        case .imap: if !loginDisabled, !mechanisms.contains("LOGIN") { mechanisms.insert("LOGIN", at: 0) }
        case .pop3: if offersUSER { mechanisms.insert("USER", at: 0) }
        }
        return mechanisms
    }
}
