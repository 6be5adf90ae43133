import MailTLSCore

/// Why a server connection was refused something or cut short: a broken protocol, a limit reached, or a request the
/// server's rules refuse. One value, which the report stores and the sandbox's and relay's lines word in the reader's
/// language (`ConnectionProblemText`, MailTLSReport); `description` is the English words that `events.jsonl` and the
/// relay's JSON lines keep.
public enum ConnectionProblem: Sendable, Hashable, Codable {
    // The client broke the protocol.
    case lineTooLong(limit: Int)
    case commandTooLong
    case tooManyErrors
    /// A TLS ClientHello on a STARTTLS port before any STARTTLS: the client is set to SSL/TLS.
    case tlsHandshakeWithoutSTARTTLS
    /// Bytes sent after STARTTLS before the handshake (the STARTTLS command injection, CVE-2011-0411's pattern).
    case pipelinedAfterSTARTTLS(bytes: Int)
    /// Plaintext on an implicit TLS port; `sample` is its start, already made printable.
    case plaintextWhereTLSExpected(sample: String)

    // The server's limits.
    case idleTimeout
    case sessionDeadline(seconds: Int)
    case tooManyConnections
    case clientNetworkNotAllowed

    // The server's rules (the relay's).
    case mailWithoutTLS
    case mailWithoutLogin
    case senderNotAllowed(address: String)
    case recipientDomainNotAllowed(address: String)
    /// The message store refused the message; `reply` is the whole SMTP reply it gave (a rate limit's 450).
    case messageRefused(reply: String)
    /// The message store could not keep the message (a full disk).
    case messageNotStored(reason: StorageShortfall)

    /// The words an earlier version stored, shown as they are.
    case legacy(String)

    /// The English words, as `events.jsonl` has always had them. Peer text in them (an address) is escaped.
    public var description: String {
        switch self {
        case .lineTooLong(let limit): "line longer than \(limit) bytes"
        case .commandTooLong: "command too long"
        case .tooManyErrors: "too many errors"
        case .tlsHandshakeWithoutSTARTTLS: "TLS handshake without STARTTLS (is the client set to SSL/TLS?)"
        case .pipelinedAfterSTARTTLS(let bytes): "\(bytes) bytes pipelined after STARTTLS"
        case .plaintextWhereTLSExpected(let sample): "plaintext where TLS was expected: \(sample.peerSafe)"
        case .idleTimeout: "idle timeout"
        case .sessionDeadline(let seconds): "session deadline (\(seconds) s)"
        case .tooManyConnections: "too many connections"
        case .clientNetworkNotAllowed: "client network not allowed"
        case .mailWithoutTLS: "mail without TLS"
        case .mailWithoutLogin: "mail without login"
        case .senderNotAllowed(let address): "sender not allowed: \(address.peerSafe)"
        case .recipientDomainNotAllowed(let address): "recipient domain not allowed: \(address.peerSafe)"
        case .messageRefused(let reply): "message refused: \(reply.peerSafe)"
        case .messageNotStored(let reason): "message not stored: \(reason.description)"
        case .legacy(let words): words.peerSafe
        }
    }

    /// Something the server refused or ended on purpose (its rules, its connection limits, a client that kept
    /// erring), as against a client that merely broke the protocol or went quiet: what the relay's live line shows.
    public var isRefusal: Bool {
        switch self {
        case .clientNetworkNotAllowed, .tooManyConnections, .tooManyErrors, .mailWithoutTLS, .mailWithoutLogin,
             .senderNotAllowed, .recipientDomainNotAllowed, .messageRefused, .messageNotStored:
            true
        case .lineTooLong, .commandTooLong, .tlsHandshakeWithoutSTARTTLS, .pipelinedAfterSTARTTLS,
             .plaintextWhereTLSExpected, .idleTimeout, .sessionDeadline, .legacy:
            false
        }
    }
}

/// Why a message store could not keep a message: the client hears 452 and tries again later.
public enum StorageShortfall: Sendable, Hashable, Codable {
    /// The file system holding the store has less free space than the store keeps in reserve.
    case lowDiskSpace(freeBytes: Int64)
    /// The message grew past what a size can count.
    case tooLarge
    /// The store's writer was closed before the message ended.
    case writerClosed
    /// The system refused a file operation (ENOSPC, EDQUOT, EIO...), in its own words.
    case systemError(String)
    /// The store gave no reason.
    case unknown

    /// The English words, as the relay's and the sandbox's logs have had them.
    public var description: String {
        switch self {
        case .lowDiskSpace(let free): "spool file system has \(free) bytes free"
        case .tooLarge: "too large"
        case .writerClosed: "closed"
        case .systemError(let words): words.peerSafe
        case .unknown: "not stored"
        }
    }
}
