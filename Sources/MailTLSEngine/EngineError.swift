import MailTLSCore

/// Why a connection or dialogue ended early, in terms a report can explain.
public enum EngineError: Error, Sendable, Hashable, Codable {
    /// The address answered with a TCP reset: nothing listens there.
    case connectionRefused
    /// No answer to the TCP handshake within the connect timeout: a firewall drops the packets.
    case connectTimeout(seconds: Double)
    /// Another socket error while connecting (unreachable network, no route).
    case connectFailed(String)
    /// The peer sent no complete response within the wait.
    case readTimeout(seconds: Double, during: String)
    /// The peer closed the connection.
    case closedByPeer(during: String)
    /// The peer sent more than mailtls will buffer, or a line or response past its bound.
    case oversizedInput(OversizedInput)
    /// A line that does not belong to the protocol.
    case malformedResponse(String)
    /// The TLS handshake failed; `alert` names the TLS alert the server sent, if any.
    case tlsHandshakeFailed(reason: String, alert: String?)
    /// A plaintext greeting arrived where the TLS handshake was expected.
    case plaintextOnTLSPort(firstLine: String)
    /// The whole probe took longer than its deadline.
    case deadlineExceeded(seconds: Double)

    /// The handshake failed because the two sides share no TLS version: the peer's protocol_version alert, or
    /// BoringSSL's own verdict on the versions offered. Exact names, never a substring of a description.
    public var isVersionRefusal: Bool {
        guard case .tlsHandshakeFailed(let reason, let alert) = self else { return false }
        if alert == "protocol_version" { return true }
        return EngineError.versionReasons.contains(reason)
    }

    static let versionReasons: Set<String> = [
        "UNSUPPORTED_PROTOCOL", "WRONG_VERSION_NUMBER", "NO_SUPPORTED_VERSIONS_ENABLED", "TLSV1_ALERT_PROTOCOL_VERSION",
        "UNKNOWN_PROTOCOL", "TLSV1_ALERT_INSUFFICIENT_SECURITY",
    ]

    public var summary: String {
        switch self {
        case .connectionRefused: "connection refused"
        case .connectTimeout(let seconds): "no answer to TCP connect within \(seconds.formatted1) s"
        case .connectFailed(let reason): "connect failed: \"\(reason)\""
        case .readTimeout(let seconds, let during): "no complete reply within \(seconds.formatted1) s (\(during))"
        case .closedByPeer(let during): "the server closed the connection (\(during))"
        case .oversizedInput(let what): "the server sent too much: \(what.english)"
        case .malformedResponse(let line): "unexpected reply: \(PeerText.quote(line.prefix(80)))"
        case .tlsHandshakeFailed(let reason, let alert): "TLS handshake failed: \(alert.map { "alert \($0)" } ?? reason)"
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

/// BoringSSL and socket errors in a few words (`TLSV1_ALERT_UNKNOWN_CA`, `connection reset by the server`), for
/// reports on either side of a connection.
public enum TLSFailureReason {
    public static func short(_ error: Error) -> String {
        MailConnection.shortReason(String(describing: error))
    }
}
