import MailTLSCheck
import MailTLSCore
import MailTLSEngine

/// Why a delivery attempt did not deliver every recipient, as a value with its data: what the relay met on the way
/// to the upstream (name, connection, encryption, certificate, login), what its credential sources met, what its
/// own spool met, or the upstream's reply to a recipient. The spool keeps it across restarts (a message waits days),
/// the delivery log and `relay status` carry it, and the report words it in the reader's language
/// (`RelayProblemText`). `description` is the English for logs, JSON and failure notices.
///
/// Server replies are their printable text (`ReplyVerdict.text`); text a peer chose is quoted when it is worded.
public enum RelayProblem: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    // MARK: Reaching the upstream

    /// The configuration names no upstream to try.
    case noUpstreamConfigured
    /// The upstream's host name does not resolve.
    case unresolvable(host: String)
    /// The name gave no address to connect to.
    case noAddress
    /// TCP to `address` (an IP address, or the configured host) failed.
    case connectFailed(address: String, error: EngineError)
    /// The greeting was not 220.
    case greetingRefused(reply: String)
    /// EHLO was refused (before or after STARTTLS).
    case ehloRefused(reply: String)

    // MARK: Encryption

    /// STARTTLS is required and was not offered: the relay never sends in plaintext.
    case startTLSNotOffered
    /// The upstream refused the STARTTLS command.
    case startTLSRefused(reply: String)
    /// The upstream offers only TLS below the relay's floor.
    case tlsVersionRefused(minimum: TLSVersion, error: EngineError)
    /// The TLS handshake failed for another reason.
    case tlsFailed(error: EngineError)
    /// The upstream's certificate fails the rules every command shares: no credential is sent.
    case certificateRefused(CertificateAssessment.Problem)
    /// The upstream sent no certificate that could be read.
    case noCertificate

    // MARK: Login

    /// No AUTH keyword after TLS.
    case noAuthenticationAfterTLS
    /// A password login is configured; the upstream offers other mechanisms only (`offered`, as it named them).
    case plainAndLoginNotOffered(offered: [String])
    /// XOAUTH2 is configured; the upstream offers other mechanisms only.
    case xoauth2NotOffered(offered: [String])
    case authLoginRefused(reply: String)
    case userNameRefused(reply: String)
    case loginRefused(reply: String)
    /// XOAUTH2 is configured without a token source.
    case noTokenSource
    /// The upstream refused the OAuth 2.0 access token.
    case tokenRefused(reply: String)
    /// No credential to log in with (password file, environment variable, token endpoint).
    case credential(CredentialError)

    // MARK: Sending

    /// The connection broke, timed out or carried something out of turn during the dialogue.
    case dialogueFailed(error: EngineError)
    /// Reading the spooled message failed.
    case spooledMessageUnreadable
    /// The spooled message ended before the size its envelope records.
    case spooledMessageTruncated
    /// The spooled message's file is gone.
    case spooledContentMissing
    /// The upstream's reply to a recipient (a deferral, or a refusal), printable.
    case upstreamReply(String)

    // MARK: Earlier spools

    /// A problem recorded as English text by a relay before problems were values: shown as it is.
    case legacy(String)

    /// The English words, as every earlier relay wrote them: for logs, JSON and failure notices.
    public var description: String {
        switch self {
        case .noUpstreamConfigured: "no upstream configured"
        case .unresolvable(let host): "\(host): the name does not resolve"
        case .noAddress: "no address"
        case .connectFailed(let address, let error): "\(address): \(error.summary)"
        case .greetingRefused(let reply): "the upstream refused the connection: \(PeerText.quote(reply))"
        case .ehloRefused(let reply): "EHLO refused: \(PeerText.quote(reply))"
        case .startTLSNotOffered: "the upstream does not offer STARTTLS; the relay never sends unencrypted"
        case .startTLSRefused(let reply): "STARTTLS refused: \(PeerText.quote(reply))"
        case .tlsVersionRefused(let minimum, let error):
            "the upstream offers no \(minimum.displayName) or later (\(error.summary))"
        case .tlsFailed(let error): error.summary
        case .certificateRefused(let problem): "\(problem.key): \(problem.evidence)"
        case .noCertificate: "no certificate"
        case .noAuthenticationAfterTLS: "the upstream offers no AUTH after TLS"
        case .plainAndLoginNotOffered(let offered):
            "the upstream offers neither PLAIN nor LOGIN (\(RelayProblem.mechanisms(offered)))"
        case .xoauth2NotOffered(let offered):
            "the upstream does not offer XOAUTH2 (\(RelayProblem.mechanisms(offered)))"
        case .authLoginRefused(let reply): "AUTH LOGIN refused: \(PeerText.quote(reply))"
        case .userNameRefused(let reply): "the user name was refused: \(PeerText.quote(reply))"
        case .loginRefused(let reply): "the upstream refused the login: \(PeerText.quote(reply))"
        case .noTokenSource: "no token source"
        case .tokenRefused(let reply): "the upstream refused the token: \(PeerText.quote(reply))"
        case .credential(let error): error.description
        case .dialogueFailed(let error): error.summary
        case .spooledMessageUnreadable: "the spooled message cannot be read"
        case .spooledMessageTruncated: "the spooled message is shorter than its envelope says"
        case .spooledContentMissing: "the spooled content is missing"
        case .upstreamReply(let text): text
        case .legacy(let text): text
        }
    }

    /// The mechanisms an upstream named in its EHLO reply, as one printable run of words.
    public static func mechanisms(_ offered: [String]) -> String {
        PeerText.escaped(offered.joined(separator: " "))
    }

    /// What went wrong with an upstream connection, for its explanation and fix (`UpstreamReplyCatalog`).
    public enum Kind: String, Sendable, Equatable, Codable {
        case unresolvable, connect, greeting
        /// STARTTLS is required and was not offered: the relay never sends in plaintext.
        case noSTARTTLS
        /// The handshake failed (the upstream offers only TLS below the floor, or TLS broke).
        case tls
        /// The certificate is not trusted, not valid for the name, or expired: no credential is sent.
        case certificate
        /// No credential to log in with (file missing, token endpoint refused).
        case credential
        /// The upstream refused the login or offers no usable mechanism.
        case login
        /// The upstream broke the protocol or went away.
        case protocolError
    }

    /// What kind of problem this is, for its explanation (`UpstreamReplyCatalog`); nil for what is not about the
    /// upstream connection (a reply, a missing spool file, an earlier relay's text).
    public var kind: Kind? {
        switch self {
        case .noUpstreamConfigured, .noAddress, .connectFailed: .connect
        case .unresolvable: .unresolvable
        case .greetingRefused: .greeting
        case .startTLSNotOffered, .startTLSRefused: .noSTARTTLS
        case .tlsVersionRefused, .tlsFailed: .tls
        case .certificateRefused, .noCertificate: .certificate
        case .noAuthenticationAfterTLS, .plainAndLoginNotOffered, .xoauth2NotOffered, .authLoginRefused,
             .userNameRefused, .loginRefused, .tokenRefused: .login
        case .noTokenSource, .credential: .credential
        case .ehloRefused, .dialogueFailed, .spooledMessageUnreadable, .spooledMessageTruncated: .protocolError
        case .spooledContentMissing, .upstreamReply, .legacy: nil
        }
    }

    /// Whether this is a value rather than an earlier relay's text.
    var isTyped: Bool {
        if case .legacy = self { return false }
        return true
    }

    /// The upstream's reply that ended the attempt, printable, when there was one.
    public var serverReply: String? {
        switch self {
        case .greetingRefused(let reply), .ehloRefused(let reply), .startTLSRefused(let reply),
             .authLoginRefused(let reply), .userNameRefused(let reply), .loginRefused(let reply),
             .tokenRefused(let reply), .upstreamReply(let reply):
            reply
        default:
            nil
        }
    }
}

/// A relay problem as the spool and the delivery log keep it: the English words under the key every relay has
/// written (`words`, for older relays and for scripts), and the typed value beside them. A value this relay cannot
/// decode (another version wrote it) reads as absent, and the words stand for it as `.legacy`.
struct StoredRelayProblem: Codable, Sendable, Hashable {
    /// The typed value, or nil when it could not be read.
    struct Detail: Codable, Sendable, Hashable {
        var problem: RelayProblem?

        init(_ problem: RelayProblem?) {
            self.problem = problem
        }

        init(from decoder: any Decoder) throws {
            problem = try? RelayProblem(from: decoder)
        }

        func encode(to encoder: any Encoder) throws {
            try problem.encode(to: encoder)
        }
    }

    /// The words and the detail to store for `problem`: a `.legacy` problem is its words alone.
    static func parts(of problem: RelayProblem?) -> (words: String?, detail: Detail?) {
        guard let problem else { return (nil, nil) }
        return (problem.description, problem.isTyped ? Detail(problem) : nil)
    }

    /// The problem that stored `words` and `detail` say.
    static func problem(words: String?, detail: Detail?) -> RelayProblem? {
        detail?.problem ?? words.map(RelayProblem.legacy)
    }
}
