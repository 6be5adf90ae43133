import MailTLSCore

/// Why a client with the entered settings fails, as one stable id. The renderer explains each in the user's
/// language with its fix.
public enum DiagnosisCause: String, Sendable, Codable, CaseIterable {
    case hostNotFound = "host-not-found"
    case connectionRefused = "connection-refused"
    case connectionTimedOut = "connection-timed-out"
    /// "SSL/TLS" chosen, but the port greets in plaintext: the setting should be STARTTLS (or another port).
    case plaintextOnTLSPort = "wrong-mode-plaintext-on-tls-port"
    /// "STARTTLS" or "None" chosen, but the port speaks TLS from the first byte: the setting should be SSL/TLS.
    case tlsOnSTARTTLSPort = "wrong-mode-tls-on-starttls-port"
    case serviceUnavailable = "service-unavailable"
    case noGreeting = "no-greeting"
    case starttlsNotOffered = "starttls-not-offered"
    case tlsVersionTooOld = "tls-version-too-old"
    case tlsHandshakeFailed = "tls-handshake-failed"
    case certificateExpired = "certificate-expired"
    case certificateNotYetValid = "certificate-not-yet-valid"
    case certificateNameMismatch = "certificate-name-mismatch"
    case certificateSelfSigned = "certificate-self-signed"
    case certificateUntrusted = "certificate-untrusted"
    case authMechanismMissing = "auth-mechanism-missing"
    case passwordWithheld = "password-withheld"
    case badCredentials = "bad-credentials"
    case starttlsRequired = "starttls-required"
    case basicAuthDisabled = "basic-auth-disabled"
    case appPasswordRequired = "app-password-required"
    case notAuthenticated = "not-authenticated"
    case sendAsDenied = "send-as-denied"
    case legacyTLSRejected = "legacy-tls-rejected"
    case authenticationFailed = "authentication-failed"
    /// Microsoft 365's bare 5.7.3: a wrong password, or SMTP AUTH, security defaults or MFA blocking the login.
    case authenticationUnsuccessful = "authentication-unsuccessful"
    case messageRejected = "message-rejected"
    case connectionFailed = "connection-failed"
}

/// Reads a refusal the way a support engineer does: the enhanced status code first, then the provider's words.
/// - SeeAlso: RFC 4954 section 6, RFC 5248, RFC 5530; Microsoft 365 and Gmail's published codes
public enum ReplyClassifier {
    public static func cause(ofAuthenticationRefusal response: MailResponse, mailProtocol: MailProtocol)
        -> DiagnosisCause {
        let text = response.lines.joined(separator: " ")
        let lower = text.lowercased()
        if let provider = providerCause(text: lower) { return provider }
        switch mailProtocol {
        case .smtp:
            let enhanced = response.enhancedCode ?? ""
            switch (response.code ?? "", enhanced) {
            case ("535", _) where enhanced.isEmpty || enhanced == "5.7.8": return .badCredentials
            case ("530", "5.7.0"), ("530", ""), ("538", _), ("523", _): return .starttlsRequired
            case ("534", "5.7.9"): return .appPasswordRequired
            case ("504", _), ("502", _): return .authMechanismMissing
            default: return response.code == "535" ? .badCredentials : .authenticationFailed
            }
        case .imap:
            if lower.contains("[authenticationfailed]") || lower.contains("authentication failed") {
                return .badCredentials
            }
            if lower.contains("[privacyrequired]") { return .starttlsRequired }
            return .authenticationFailed
        case .pop3:
            if lower.contains("[auth]") || lower.contains("authentication failed") || lower.contains("invalid")
                || lower.contains("password") {
                return .badCredentials
            }
            if lower.contains("[sys/perm]") && lower.contains("tls") { return .starttlsRequired }
            return .authenticationFailed
        }
    }

    /// A refusal of MAIL, RCPT or DATA during the test message.
    public static func cause(ofMessageRefusal response: MailResponse) -> DiagnosisCause {
        let text = response.lines.joined(separator: " ").lowercased()
        if let provider = providerCause(text: text) { return provider }
        if response.code == "530" || response.code == "554" {
            if text.contains("starttls") || text.contains("tls first") { return .starttlsRequired }
            if text.contains("authentication required") || text.contains("not authenticated") {
                return .notAuthenticated
            }
        }
        return .messageRejected
    }

    /// Microsoft 365 and Gmail say the real reason in words and their own codes.
    static func providerCause(text: String) -> DiagnosisCause? {
        if text.contains("smtpclientauthentication is disabled") || has(text, code: "5.7.139")
            || text.contains("basic authentication is disabled") {
            return .basicAuthDisabled
        }
        if has(text, code: "5.7.57") { return .notAuthenticated }
        if has(text, code: "5.7.60") { return .sendAsDenied }
        if has(text, code: "4.7.66") || text.contains("tls version") && text.contains("not supported") {
            return .legacyTLSRejected
        }
        if text.contains("application-specific password") || has(text, code: "5.7.9") { return .appPasswordRequired }
        if has(text, code: "5.7.3") && text.contains("authentication unsuccessful") { return .authenticationUnsuccessful }
        return nil
    }

    /// An enhanced status code as a whole word: 5.7.9 is not 5.7.90.
    static func has(_ text: String, code: String) -> Bool {
        var searchRange = text.startIndex..<text.endIndex
        while let found = text.range(of: code, range: searchRange) {
            let before = found.lowerBound == text.startIndex ? nil : text[text.index(before: found.lowerBound)]
            let after = found.upperBound == text.endIndex ? nil : text[found.upperBound]
            let isBoundary: (Character?) -> Bool = { character in
                guard let character else { return true }
                return !(character.isNumber || character == ".")
            }
            if isBoundary(before) && isBoundary(after) { return true }
            searchRange = found.upperBound..<text.endIndex
        }
        return false
    }
}
