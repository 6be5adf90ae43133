/// The mail server software behind a port, as its own greeting names it, so that a fix can be given in that
/// software's configuration language. Only what the server says of itself counts: no guess from behaviour yet, and
/// a banner that names nothing (a hidden or custom one) gives nil, never a default.
public enum ServerSoftware: String, Sendable, Codable, CaseIterable, Comparable {
    // SMTP
    case postfix, exim, sendmail, exchange, opensmtpd, haraka, hmailserver, gmail
    // IMAP and POP3
    case dovecot, courier, cyrus, zimbra

    public var displayName: String {
        switch self {
        case .postfix: "Postfix"
        case .exim: "Exim"
        case .sendmail: "Sendmail"
        case .exchange: "Microsoft Exchange"
        case .opensmtpd: "OpenSMTPD"
        case .haraka: "Haraka"
        case .hmailserver: "hMailServer"
        case .gmail: "Google"
        case .dovecot: "Dovecot"
        case .courier: "Courier"
        case .cyrus: "Cyrus"
        case .zimbra: "Zimbra"
        }
    }

    /// The protocols the software serves: an MTA answers SMTP ports only, an IMAP server IMAP and POP3 ports.
    public var protocols: Set<MailProtocol> {
        switch self {
        case .postfix, .exim, .sendmail, .opensmtpd, .haraka: [.smtp]
        case .dovecot, .courier, .cyrus: [.imap, .pop3]
        case .exchange, .hmailserver, .gmail, .zimbra: [.smtp, .imap, .pop3]
        }
    }

    public static func < (lhs: ServerSoftware, rhs: ServerSoftware) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// The software a greeting (SMTP 220, IMAP `* OK`, POP3 `+OK`) names, from the words each writes by default:
    /// `ESMTP Postfix`, `ESMTP Exim 4.96`, `ESMTP Sendmail 8.15.2`, `Microsoft ESMTP MAIL Service`, `ESMTP OpenSMTPD`,
    /// `ESMTP Haraka/3.0.2`, `... gsmtp`; `Dovecot ready.`, `Courier-IMAP ready.`, `Cyrus IMAP v3.2 server ready`,
    /// `The Microsoft Exchange IMAP4 service is ready.`, `Zimbra IMAP4rev1 server ready`, `Gimap ready`.
    public static func identify(greeting lines: [String]) -> ServerSoftware? {
        // Only the first 512 characters of the first lines: a greeting is short, a hostile one is not read whole.
        let text = lines.prefix(4).map { String($0.prefix(512)) }.joined(separator: " ").lowercased()
        let words = text.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "/") })
            .map(String.init)
        func has(_ word: String) -> Bool { words.contains { $0 == word || $0.hasPrefix(word + "/") } }
        if has("postfix") { return .postfix }
        if has("exim") { return .exim }
        if has("sendmail") { return .sendmail }
        if text.contains("microsoft esmtp mail service") || text.contains("microsoft exchange") { return .exchange }
        if has("opensmtpd") { return .opensmtpd }
        if has("haraka") { return .haraka }
        if has("hmailserver") { return .hmailserver }
        if has("gsmtp") || has("gimap") || has("gpop") { return .gmail }
        if has("dovecot") { return .dovecot }
        if has("courier-imap") || has("courier-pop3") || text.contains("courier mail server") { return .courier }
        if has("cyrus") { return .cyrus }
        if has("zimbra") { return .zimbra }
        return nil
    }
}
