import Foundation
import MailTLSCore

/// Writes a recommendation as an Apple configuration profile (`.mobileconfig`) with one mail account, which iPhone,
/// iPad and Mac install with a tap. The profile never holds a password: the device asks for it on installation.
/// - SeeAlso: Apple Device Management, "Mail" payload (`com.apple.mail.managed`)
public enum MobileConfigExport {
    /// What varies between profiles apart from the account; injectable so tests get stable output.
    public struct Options: Sendable, Equatable {
        /// Reverse-DNS prefix of both payload identifiers, e.g. `com.example.mail`.
        public var identifierPrefix: String
        /// The profile's `PayloadUUID`.
        public var profileUUID: String
        /// The mail payload's `PayloadUUID`.
        public var accountUUID: String

        public init(identifierPrefix: String = "mailtls", profileUUID: String = UUID().uuidString,
                    accountUUID: String = UUID().uuidString) {
            self.identifierPrefix = identifierPrefix
            self.profileUUID = profileUUID
            self.accountUUID = accountUUID
        }
    }

    /// Why no profile can be written: Apple's mail payload needs both servers.
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case missingIncomingServer
        case missingOutgoingServer
        /// The incoming server is not IMAP or POP3.
        case unsupportedIncomingKind(MailProtocol)

        public var description: String {
            switch self {
            case .missingIncomingServer: "a mail profile needs an incoming (IMAP or POP3) server"
            case .missingOutgoingServer: "a mail profile needs an outgoing (SMTP) server"
            case .unsupportedIncomingKind(let kind): "a mail profile cannot use \(kind.rawValue) for incoming mail"
            }
        }
    }

    /// The profile as XML plist text.
    public static func profile(for recommendation: AccountRecommendation, options: Options = Options())
        -> Result<String, Problem> {
        guard let incoming = recommendation.incoming else { return .failure(.missingIncomingServer) }
        guard let outgoing = recommendation.outgoing else { return .failure(.missingOutgoingServer) }
        let accountType: String
        switch incoming.kind {
        case .imap: accountType = "EmailTypeIMAP"
        case .pop3: accountType = "EmailTypePOP"
        case .smtp: return .failure(.unsupportedIncomingKind(.smtp))
        }
        let address = recommendation.address
        let profileIdentifier = "\(options.identifierPrefix).\(identifierComponent(address))"
        let account: PropertyListText = .dictionary([
            ("PayloadType", .string("com.apple.mail.managed")),
            ("PayloadVersion", .integer(1)),
            ("PayloadIdentifier", .string("\(profileIdentifier).account")),
            ("PayloadUUID", .string(options.accountUUID)),
            ("PayloadDisplayName", .string("Mail: \(address)")),
            ("EmailAccountDescription", .string(address)),
            ("EmailAccountName", .string(recommendation.displayName)),
            ("EmailAccountType", .string(accountType)),
            ("EmailAddress", .string(address)),
            ("IncomingMailServerHostName", .string(incoming.hostname)),
            ("IncomingMailServerPortNumber", .integer(incoming.port)),
            ("IncomingMailServerUseSSL", .bool(usesTLS(incoming))),
            ("IncomingMailServerAuthentication", .string(authentication(incoming))),
            ("IncomingMailServerUsername", .string(incoming.resolvedUsername(for: address))),
            ("OutgoingMailServerHostName", .string(outgoing.hostname)),
            ("OutgoingMailServerPortNumber", .integer(outgoing.port)),
            ("OutgoingMailServerUseSSL", .bool(usesTLS(outgoing))),
            ("OutgoingMailServerAuthentication", .string(authentication(outgoing))),
            ("OutgoingMailServerUsername", .string(outgoing.resolvedUsername(for: address))),
            ("OutgoingPasswordSameAsIncomingPassword", .bool(true)),
        ])
        let profile: PropertyListText = .dictionary([
            ("PayloadType", .string("Configuration")),
            ("PayloadVersion", .integer(1)),
            ("PayloadIdentifier", .string(profileIdentifier)),
            ("PayloadUUID", .string(options.profileUUID)),
            ("PayloadDisplayName", .string("Mail account \(address)")),
            ("PayloadContent", .array([account])),
        ])
        return .success(profile.document)
    }

    /// Apple's one switch covers both kinds of TLS: it tries implicit TLS or STARTTLS as the port suggests.
    static func usesTLS(_ server: ServerSetting) -> Bool {
        server.socketType != .plaintext
    }

    /// The first method, in the server's order of preference, that Apple's payload can express.
    static func authentication(_ server: ServerSetting) -> String {
        for method in server.authentication {
            switch method {
            case .passwordCleartext: return "EmailAuthPassword"
            case .passwordEncrypted: return "EmailAuthCRAMMD5"
            case .ntlm: return "EmailAuthNTLM"
            case .none, .clientIPAddress: return "EmailAuthNone"
            case .oauth2, .gssapi, .tlsClientCertificate: continue
            }
        }
        // Nothing expressible (OAuth2 only, say): ask for a password and let the device negotiate.
        return "EmailAuthPassword"
    }

    /// The address as one identifier component: letters, digits, `-` and `.`; anything else becomes `-`.
    static func identifierComponent(_ address: String) -> String {
        String(address.lowercased().map { character in
            character.isASCII && (character.isLetter || character.isNumber || character == "." || character == "-")
                ? character : "-"
        })
    }
}
