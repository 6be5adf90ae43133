import Glibc
import NIOCore
import Testing

@testable import MailTLSEngine

/// How the engine names a failure: by exact names and errno values, never by a library's description of itself.
@Suite struct EngineErrorTests {
    @Test(arguments: [
        (EngineError.tlsHandshakeFailed(reason: "alert", alert: "protocol_version"), true),
        (.tlsHandshakeFailed(reason: "UNSUPPORTED_PROTOCOL", alert: nil), true),
        (.tlsHandshakeFailed(reason: "NO_SUPPORTED_VERSIONS_ENABLED", alert: nil), true),
        (.tlsHandshakeFailed(reason: "alert", alert: "handshake_failure"), false),
        (.tlsHandshakeFailed(reason: "CERTIFICATE_VERIFY_FAILED (mentions VERSION)", alert: nil), false),
        (.connectionRefused, false),
    ])
    func versionRefusalsByExactName(error: EngineError, refusal: Bool) {
        #expect(error.isVersionRefusal == refusal)
    }

    /// A socket error is the system's words for its errno, not NIO's description of the call it came from.
    @Test func socketErrorsInTheSystemsWords() {
        let refused = MailConnection.connectError(IOError(errnoCode: ECONNREFUSED, reason: "connect"), timeout: 5)
        #expect(refused == .connectionRefused)
        let timedOut = MailConnection.connectError(IOError(errnoCode: ETIMEDOUT, reason: "connect"), timeout: 5)
        #expect(timedOut == .connectTimeout(seconds: 5))
        let unreachable = MailConnection.connectError(IOError(errnoCode: ENETUNREACH, reason: "connect"), timeout: 5)
        #expect(unreachable == .connectFailed("Network is unreachable"))
        #expect(unreachable.summary == "connect failed: \"Network is unreachable\"")
        #expect(!unreachable.summary.contains("errno") && !unreachable.summary.contains("IOError"))
    }

    /// The peer's words inside a summary are quoted and escaped: a line with escape sequences cannot reach a
    /// terminal raw.
    @Test func thePeersWordsAreQuotedAndEscaped() {
        let line = "\u{1B}[2Jhello"
        #expect(EngineError.malformedResponse(line).summary == "unexpected reply: \"\\x1B[2Jhello\"")
        #expect(EngineError.plaintextOnTLSPort(firstLine: "220 mx ESMTP").summary
                == "plaintext greeting where TLS was expected: \"220 mx ESMTP\"")
    }

    @Test(arguments: [
        ("handshakeFailed(NIOSSL.BoringSSLError.sslError([Error: 268435703 error:100000f7:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER]))",
         "WRONG_VERSION_NUMBER"),
        ("IOError: read: Connection reset by peer (errno: 104)", "connection reset by the server"),
    ])
    func shortReasons(description: String, reason: String) {
        #expect(MailConnection.shortReason(description) == reason)
    }
}
