import MailTLSCore
import MailTLSSetup

/// Chooses what to recommend from verified candidates. Pure.
///
/// Order: the best source wins (autoconfig, then SRV, then the MX domain's autoconfig, then guesses); within a
/// source, SSL/TLS before STARTTLS (RFC 8314 section 3), then the source's own order. IMAP before POP3.
public enum RecommendationBuilder {
    public static func build(address: String, verified: [VerifiedCandidate],
                             outgoingVersions: [TLSVersion]? = nil) -> AccountRecommendation {
        let domain = address.split(separator: "@").last.map(String.init) ?? address
        let imap = best(.imap, in: verified).map(setting)
        let pop3 = best(.pop3, in: verified).map(setting)
        let outgoing = best(.smtp, in: verified).map(setting)
        var profile: DeviceProfile?
        if outgoing != nil {
            profile = DeviceProfile(
                withoutSTARTTLS: best(.smtp, socketType: .implicitTLS, in: verified).map(setting),
                oldestTLSVersion: outgoingVersions?.min()?.rawValue,
                legacyTLSAccepted: outgoingVersions?.contains { $0 == .tls10 || $0 == .tls11 } ?? false)
        }
        return AccountRecommendation(
            address: address, displayName: domain,
            incoming: imap ?? pop3, incomingAlternative: imap != nil ? pop3 : nil, outgoing: outgoing,
            deviceProfile: profile)
    }

    /// The working candidate to recommend for `kind` (and `socketType`, if given), in the order described above.
    public static func best(_ kind: MailProtocol, socketType: SecurityMode? = nil, in verified: [VerifiedCandidate])
        -> VerifiedCandidate? {
        verified.enumerated().filter {
            $0.element.works && $0.element.candidate.setting.kind == kind
                && (socketType == nil || $0.element.candidate.setting.socketType == socketType)
        }.min { lhs, rhs in
            let left = lhs.element.candidate
            let right = rhs.element.candidate
            if left.source != right.source { return left.source < right.source }
            let leftSSL = left.setting.socketType == .implicitTLS ? 0 : 1
            let rightSSL = right.setting.socketType == .implicitTLS ? 0 : 1
            if leftSSL != rightSSL { return leftSSL < rightSSL }
            return lhs.offset < rhs.offset
        }?.element
    }

    /// The candidate's setting; where it was not published, the authentication comes from what the server offers
    /// after TLS.
    static func setting(_ verified: VerifiedCandidate) -> ServerSetting {
        var setting = verified.candidate.setting
        switch verified.candidate.source {
        case .autoconfig, .wellKnown, .mxAutoconfig:
            return setting
        case .srv, .guess:
            setting.authentication = authentication(from: verified.mechanisms)
            return setting
        }
    }

    /// PLAIN or LOGIN (IMAP's LOGIN command, POP3's USER) means the password inside TLS; CRAM-MD5 alone means
    /// password-encrypted; XOAUTH2 or OAUTHBEARER alone means OAuth2.
    public static func authentication(from mechanisms: [String]) -> [AuthenticationKind] {
        let upper = Set(mechanisms.map { $0.uppercased() })
        var kinds: [AuthenticationKind] = []
        if !upper.isDisjoint(with: ["PLAIN", "LOGIN", "USER"]) { kinds.append(.passwordCleartext) }
        if !upper.isDisjoint(with: ["CRAM-MD5", "DIGEST-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"]) {
            kinds.append(.passwordEncrypted)
        }
        if !upper.isDisjoint(with: ["XOAUTH2", "OAUTHBEARER"]) { kinds.append(.oauth2) }
        return kinds.isEmpty ? [.passwordCleartext] : kinds
    }
}
