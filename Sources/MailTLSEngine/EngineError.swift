import Glibc
import MailTLSCore

/// Why a connection or dialogue ended early, in terms a report can explain.
public enum EngineError: Error, Sendable, Hashable, Codable {
    /// The address answered with a TCP reset: nothing listens there.
    case connectionRefused
    /// No answer to the TCP handshake within the connect timeout: a firewall drops the packets.
    case connectTimeout(seconds: Double)
    /// Another socket error while connecting (unreachable network, no route).
    case connectFailed(ConnectFailure)
    /// The peer sent no complete response within the wait.
    case readTimeout(seconds: Double, during: String)
    /// The peer closed the connection.
    case closedByPeer(during: String)
    /// The peer sent more than mailtls will buffer, or a line or response past its bound.
    case oversizedInput(OversizedInput)
    /// A line that does not belong to the protocol.
    case malformedResponse(String)
    /// The TLS handshake failed; `alert` is the TLS alert the server sent, if any.
    case tlsHandshakeFailed(reason: HandshakeFailureReason, alert: TLSAlert?)
    /// A plaintext greeting arrived where the TLS handshake was expected.
    case plaintextOnTLSPort(firstLine: String)
    /// The whole probe took longer than its deadline.
    case deadlineExceeded(seconds: Double)

    /// The handshake failed because the two sides share no TLS version: the peer's protocol_version alert, or
    /// BoringSSL's own verdict on the versions offered. Exact names, never a substring of a description.
    public var isVersionRefusal: Bool {
        guard case .tlsHandshakeFailed(let reason, let alert) = self else { return false }
        if alert == .protocolVersion { return true }
        guard case .library(let name) = reason else { return false }
        return EngineError.versionReasons.contains(name)
    }

    /// A library's TLS error as the engine names it: BoringSSL's reason, and the alert it names if it names one.
    public static func handshakeFailure(_ error: Error) -> EngineError {
        if let engineError = error as? EngineError { return engineError }
        let reason = HandshakeFailureReason(describing: String(describing: error))
        return .tlsHandshakeFailed(reason: reason, alert: reason.alert)
    }

    static let versionReasons: Set<String> = [
        "UNSUPPORTED_PROTOCOL", "WRONG_VERSION_NUMBER", "NO_SUPPORTED_VERSIONS_ENABLED", "TLSV1_ALERT_PROTOCOL_VERSION",
        "UNKNOWN_PROTOCOL", "TLSV1_ALERT_INSUFFICIENT_SECURITY",
    ]

    public var summary: String {
        switch self {
        case .connectionRefused: "connection refused"
        case .connectTimeout(let seconds): "no answer to TCP connect within \(seconds.formatted1) s"
        case .connectFailed(let failure): "connect failed: \"\(failure.systemWords)\""
        case .readTimeout(let seconds, let during): "no complete reply within \(seconds.formatted1) s (\(during))"
        case .closedByPeer(let during): "the server closed the connection (\(during))"
        case .oversizedInput(let what): "the server sent too much: \(what.english)"
        case .malformedResponse(let line): "unexpected reply: \(PeerText.quote(line.prefix(80)))"
        case .tlsHandshakeFailed(let reason, let alert): "TLS handshake failed: \(alert.map { "alert \($0.name)" } ?? reason.english)"
        case .plaintextOnTLSPort(let line): "plaintext greeting where TLS was expected: \(PeerText.quote(line.prefix(200)))"
        case .deadlineExceeded(let seconds): "the probe did not finish within \(seconds.formatted1) s"
        }
    }
}

/// Which bound a peer's input went past.
public enum OversizedInput: Sendable, Hashable, Codable {
    case lineLongerThan(bytes: Int)
    case replyOfMoreLinesThan(Int)
    case unreadBytesOver(Int)

    public var english: String {
        switch self {
        case .lineLongerThan(let bytes): "a line longer than \(bytes) bytes"
        case .replyOfMoreLinesThan(let lines): "a reply of more than \(lines) lines"
        case .unreadBytesOver(let bytes): "more than \(bytes) unread bytes"
        }
    }
}

extension Double {
    var formatted1: String {
        let scaled = (self * 10).rounded() / 10
        return scaled == scaled.rounded() ? String(Int(scaled)) : String(scaled)
    }
}

/// Why a TLS handshake failed, as far as the client can tell. Stored as the words reports always used.
public enum HandshakeFailureReason: Sendable, Hashable {
    /// The peer sent an alert (the error's `alert` says which).
    case alertReceived
    /// The peer reset the connection.
    case connectionReset
    /// The peer closed the connection.
    case connectionClosed
    /// BoringSSL's name for what went wrong (`WRONG_VERSION_NUMBER`), or the start of another library's description.
    case library(String)

    /// From a library's description of its error: `...OPENSSL_internal:WRONG_VERSION_NUMBER]`, `Connection reset`.
    public init(describing description: String) {
        if description.contains("errno: 104") || description.contains("Connection reset") {
            self = .connectionReset
        } else if let marker = description.firstRange(of: "OPENSSL_internal:") {
            let rest = description[marker.upperBound...]
            let end = rest.firstIndex { $0 == " " || $0 == "]" } ?? rest.endIndex
            self = .library(String(rest[..<end]))
        } else {
            self = .library(String(description.prefix(160)))
        }
    }

    public var english: String {
        switch self {
        case .alertReceived: "alert"
        case .connectionReset: "connection reset by the server"
        case .connectionClosed: "connection closed"
        case .library(let name): name
        }
    }

    /// The alert BoringSSL's reason names, if it names one (`TLSV1_ALERT_UNKNOWN_CA`).
    public var alert: TLSAlert? {
        guard case .library(let name) = self else { return nil }
        return TLSAlert(libraryReason: name)
    }
}

extension HandshakeFailureReason: Codable {
    public init(from decoder: Decoder) throws {
        let words = try decoder.singleValueContainer().decode(String.self)
        self = [Self.alertReceived, .connectionReset, .connectionClosed].first { $0.english == words } ?? .library(words)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(english)
    }
}

/// A socket error while connecting: its errno, when the system gave one, and the system's words for it.
public struct ConnectFailure: Sendable, Hashable {
    public let errno: Int32?
    public let systemWords: String

    public init(errno: Int32?, systemWords: String) {
        self.errno = errno
        self.systemWords = systemWords
    }

    /// The system's words for an errno ("Network is unreachable").
    public init(errno: Int32) {
        self.init(errno: errno, systemWords: String(cString: strerror(errno)))
    }
}

/// Keyed by errno and words; history written before the errno was kept holds the words alone.
extension ConnectFailure: Codable {
    private enum CodingKeys: String, CodingKey { case errno, systemWords }

    public init(from decoder: Decoder) throws {
        if let words = try? decoder.singleValueContainer().decode(String.self) {
            self.init(errno: nil, systemWords: words)
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(errno: try container.decodeIfPresent(Int32.self, forKey: .errno),
                  systemWords: try container.decode(String.self, forKey: .systemWords))
    }
}

/// BoringSSL and socket errors in a few words (`TLSV1_ALERT_UNKNOWN_CA`, `connection reset by the server`), for
/// reports on either side of a connection.
public enum TLSFailureReason {
    public static func short(_ error: Error) -> String {
        HandshakeFailureReason(describing: String(describing: error)).english
    }
}
