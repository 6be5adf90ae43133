/// How `check` learns whether a server would take a password before TLS.
public enum LoginProbeMethod: String, Sendable, Codable, CaseIterable {
    /// Start an authentication before TLS and cancel it before any credential crosses: SMTP `AUTH PLAIN` then `*`
    /// at the 334 (RFC 4954), IMAP `AUTHENTICATE PLAIN` then `*` at the continuation (RFC 3501), POP3 `AUTH PLAIN`
    /// then `*` (RFC 5034) or `USER` alone (RFC 1939). The server logs no failed login and applies no penalty.
    case cancel
    /// Log in with a random throwaway user name and password. The server logs a failed login, and its failure
    /// delay applies: only when the user asks for it.
    case failedLogin = "failed-login"
}

/// The protocol-specific words of the cleartext-login probe, and how each reply is judged.
/// - SeeAlso: RFC 4954 section 4 (`*` cancels, 501), RFC 3501 section 6.2.2 (`*` cancels, BAD) and 6.2.3
///   (LOGINDISABLED), RFC 5034 section 4 (`*` cancels, -ERR), RFC 2449 (CAPA USER, SASL), RFC 5530
///   (PRIVACYREQUIRED, UNAVAILABLE), RFC 3206 (POP3 SYS/TEMP)
struct CleartextLoginProbe: Sendable {
    /// What the probe sends first.
    enum Opening: Sendable, Equatable {
        /// A SASL mechanism (PLAIN or LOGIN) without an initial response, cancelled at the continuation.
        case sasl(String)
        /// POP3 `USER` with a throwaway name: no secret, and `+OK` means PASS would follow in the clear.
        case pop3User
        /// The old method: a full login with throwaway credentials.
        case throwawayLogin(smtpMechanism: String)
    }

    enum Start: Sendable, Equatable {
        /// The capabilities alone decide; nothing is sent.
        case decided(DialogueRecord.LoginOutcome)
        case send(Opening)
    }

    enum Judgement: Sendable, Equatable {
        /// Send the next step of a throwaway login.
        case continueWith(stage: Int)
        /// The outcome is known; cancel the exchange with `*` and read the server's answer to that.
        case cancel(DialogueRecord.LoginOutcome)
        case outcome(DialogueRecord.LoginOutcome)
    }

    let mailProtocol: MailProtocol
    let method: LoginProbeMethod

    /// Dovecot holds back even the continuation for an address with an auth penalty (2 s doubling to 15 s, earned
    /// by other clients' failures behind the same address): a slow `+` is not a refusal.
    static let penaltyPatience = 20.0

    // MARK: What to send

    /// Decides from the capabilities before TLS whether anything needs to be sent, and what. Only a mechanism the
    /// server advertises in this state is ever tried: Dovecot, Exim and Postfix with Cyrus SASL log an unadvertised
    /// one as an attack (fail2ban's filters match it).
    func start(capabilities: [String], capabilitiesKnown: Bool, greeting: MailResponse? = nil) -> Start {
        let offered = MailCapabilities(mailProtocol, keywords: capabilities)
        let cancelIsLogged = CleartextLoginProbe.logsCancelAsFailedLogin(greeting)
        switch mailProtocol {
        case .smtp:
            let mechanisms = offered.saslMechanisms
            guard let mechanism = ["PLAIN", "LOGIN"].first(where: mechanisms.contains) else {
                return .decided(.notOffered(evidence: mechanisms.isEmpty ? "no AUTH in EHLO before STARTTLS"
                    : "AUTH " + mechanisms.joined(separator: " ")))
            }
            return method == .cancel ? .send(.sasl(mechanism)) : .send(.throwawayLogin(smtpMechanism: mechanism))
        case .imap:
            if offered.loginDisabled { return .decided(.notOffered(evidence: "LOGINDISABLED")) }
            if method == .failedLogin { return .send(.throwawayLogin(smtpMechanism: "")) }
            if let mechanism = ["PLAIN", "LOGIN"].first(where: offered.saslMechanisms.contains) {
                if cancelIsLogged { return .decided(.acceptedInClear(.offeredBeforeTLS(advertised: "AUTH=\(mechanism)", keyword: mailProtocol.startTLSKeyword))) }
                return .send(.sasl(mechanism))
            }
            // RFC 3501: without LOGINDISABLED, LOGIN is permitted, and a client set to no encryption sends its
            // password with it.
            return .decided(.acceptedInClear(.loginCommandNotDisabled))
        case .pop3:
            if method == .failedLogin { return .send(.throwawayLogin(smtpMechanism: "")) }
            if let mechanism = ["PLAIN", "LOGIN"].first(where: offered.saslMechanisms.contains) {
                if cancelIsLogged { return .decided(.acceptedInClear(.offeredBeforeTLS(advertised: "SASL \(mechanism)", keyword: mailProtocol.startTLSKeyword))) }
                return .send(.sasl(mechanism))
            }
            // A server without CAPA (RFC 1939 only) may still take USER/PASS.
            if offered.offersUSER || !capabilitiesKnown { return .send(.pop3User) }
            return .decided(.notOffered(evidence: "CAPA lists neither USER nor SASL PLAIN or LOGIN before STARTTLS"))
        }
    }

    /// Courier logs a cancelled authentication as `LOGIN FAILED` (fail2ban's courier-auth filter matches it) and
    /// sleeps 5 s: there the capabilities decide alone. Its IMAP greeting names it; its POP3 greeting is its own.
    static func logsCancelAsFailedLogin(_ greeting: MailResponse?) -> Bool {
        guard let line = greeting?.lines.first else { return false }
        return line.contains("Courier-IMAP") || line.hasPrefix("+OK Hello there")
    }

    /// The command for `stage` of `opening`. Throwaway secrets appear in the transcript only as labels.
    func request(_ opening: Opening, stage: Int, tag: String, credentials: ThrowawayCredentials) -> DialogueRequest {
        let purpose = DialogueRequest.Purpose.cleartextLogin
        switch opening {
        case .sasl(let mechanism):
            var request: DialogueRequest
            switch mailProtocol {
            case .smtp: request = DialogueRequest(purpose: purpose, command: "AUTH \(mechanism)", reader: .smtp)
            case .imap:
                request = DialogueRequest(purpose: purpose, command: "\(tag) AUTHENTICATE \(mechanism)",
                                          reader: .imap(tag: tag))
            case .pop3:
                request = DialogueRequest(purpose: purpose, command: "AUTH \(mechanism)", reader: .pop3(multiline: false))
            }
            request.minimumWait = CleartextLoginProbe.penaltyPatience
            return request
        case .pop3User:
            return DialogueRequest(purpose: purpose, command: "USER \(credentials.user)",
                                   transcriptText: "USER <throwaway user name>", reader: .pop3(multiline: false))
        case .throwawayLogin(let smtpMechanism):
            return MailDialect(mailProtocol).loginRequest(
                stage: stage, tag: tag, smtpMechanism: smtpMechanism, user: credentials.user,
                password: credentials.password, purpose: purpose, labels: .throwaway)
        }
    }

    /// The `*` that ends a SASL exchange before any credential, read with the reader of the command it cancels.
    func cancelRequest(tag: String) -> DialogueRequest {
        let reader: DialogueRequest.Reader
        switch mailProtocol {
        case .smtp: reader = .smtp
        case .imap: reader = .imap(tag: tag)
        case .pop3: reader = .pop3(multiline: false)
        }
        return DialogueRequest(purpose: .cleartextLogin, command: "*", reader: reader)
    }

    // MARK: Judging the reply

    func judge(_ opening: Opening, stage: Int, response: MailResponse) -> Judgement {
        let evidence = response.statusLine
        if case .throwawayLogin = opening { return judgeThrowawayLogin(stage: stage, response: response) }
        if response.outcome == .transientFailure || response.outcome == .bye {
            return .outcome(.inconclusive(evidence: evidence))
        }
        switch opening {
        case .sasl(let mechanism):
            // The continuation is the server asking for the credentials on this unencrypted connection. The
            // evidence is the exchange itself, in transcript form: `AUTH PLAIN → 334`.
            if response.outcome == .intermediate {
                let command = mailProtocol == .imap ? "AUTHENTICATE" : "AUTH"
                let reply = evidence.trimmingTrailingSpaces
                return .cancel(.acceptedInClear(.exchange("\(command) \(mechanism) → \(reply)")))
            }
            if mailProtocol == .smtp, let code = response.code {
                if ["500", "502", "504"].contains(code) { return .outcome(.notOffered(evidence: evidence)) }
                // 235 without credentials would be an open door: it takes anything.
                if code == "235" { return .outcome(.acceptedInClear(.exchange(evidence))) }
            }
            return .outcome(.refusedBeforeTLS(evidence: evidence))
        case .pop3User:
            if response.outcome == .positive {
                return .outcome(.acceptedInClear(.exchange("USER → \(evidence.trimmingTrailingSpaces)")))
            }
            return .outcome(.refusedBeforeTLS(evidence: evidence))
        case .throwawayLogin:
            return judgeThrowawayLogin(stage: stage, response: response)
        }
    }

    /// A full throwaway login: whether the password crossed in the clear and was checked, or was refused unseen.
    /// - SeeAlso: RFC 4954 (530, 534, 535, 538), RFC 5530 (PRIVACYREQUIRED, AUTHENTICATIONFAILED), RFC 3206
    private func judgeThrowawayLogin(stage: Int, response: MailResponse) -> Judgement {
        let evidence = response.statusLine
        switch mailProtocol {
        case .smtp:
            switch response.code ?? "" {
            case "334":
                return stage < 2 ? .continueWith(stage: stage + 1) : .outcome(.acceptedInClear(.exchange(evidence)))
            case "235", "535", "534":
                // 235 logged in, 535 checked and rejected: either way the password was read before TLS.
                return .outcome(.acceptedInClear(.exchange(evidence)))
            case "530", "538", "523":
                return .outcome(.refusedBeforeTLS(evidence: evidence))
            case "500", "502", "503", "504":
                return .outcome(.notOffered(evidence: evidence))
            default:
                if response.outcome == .transientFailure { return .outcome(.inconclusive(evidence: evidence)) }
                return .outcome(stage == 0 ? .refusedBeforeTLS(evidence: evidence)
                    : .acceptedInClear(.exchange(evidence)))
            }
        case .imap:
            if response.outcome == .positive { return .outcome(.acceptedInClear(.exchange(evidence))) }
            if response.outcome == .transientFailure { return .outcome(.inconclusive(evidence: evidence)) }
            // BAD: the server refused the command itself, so it never looked at the password.
            let status = response.statusLine.split(separator: " ").dropFirst().first?.uppercased()
            if response.code == "PRIVACYREQUIRED" || response.outcome == .bye || status == "BAD" {
                return .outcome(.refusedBeforeTLS(evidence: evidence))
            }
            return .outcome(.acceptedInClear(.exchange(evidence)))
        case .pop3:
            if response.outcome == .transientFailure { return .outcome(.inconclusive(evidence: evidence)) }
            if stage == 0 {
                if response.outcome == .positive { return .continueWith(stage: 1) }
                return .outcome(.refusedBeforeTLS(evidence: evidence))
            }
            return .outcome(.acceptedInClear(.exchange(evidence)))
        }
    }
}

extension String {
    /// Without the trailing spaces some servers put after `334` or `+`.
    var trimmingTrailingSpaces: String {
        String(self[..<(lastIndex { $0 != " " }.map(index(after:)) ?? startIndex)])
    }
}
