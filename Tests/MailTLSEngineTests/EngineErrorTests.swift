import Foundation
import Glibc
import NIOCore
import Testing

@testable import MailTLSCore
@testable import MailTLSEngine

/// How the engine names a failure: by exact names, alert codes and errno values, never by a library's description
/// of itself.
@Suite struct EngineErrorTests {
    @Test(arguments: [
        (EngineError.tlsHandshakeFailed(reason: .alertReceived, alert: .protocolVersion), true),
        (.tlsHandshakeFailed(reason: .library("UNSUPPORTED_PROTOCOL"), alert: nil), true),
        (.tlsHandshakeFailed(reason: .library("NO_SUPPORTED_VERSIONS_ENABLED"), alert: nil), true),
        (.tlsHandshakeFailed(reason: .alertReceived, alert: .handshakeFailure), false),
        (.tlsHandshakeFailed(reason: .library("CERTIFICATE_VERIFY_FAILED (mentions VERSION)"), alert: nil), false),
        (.tlsHandshakeFailed(reason: .connectionReset, alert: nil), false),
        (.connectionRefused, false),
    ])
    func versionRefusalsByExactName(error: EngineError, refusal: Bool) {
        #expect(error.isVersionRefusal == refusal)
    }

    /// A socket error keeps its errno, with the system's words for it, not NIO's description of the call.
    @Test func socketErrorsKeepTheirErrno() {
        let refused = MailConnection.connectError(IOError(errnoCode: ECONNREFUSED, reason: "connect"), timeout: 5)
        #expect(refused == .connectionRefused)
        let timedOut = MailConnection.connectError(IOError(errnoCode: ETIMEDOUT, reason: "connect"), timeout: 5)
        #expect(timedOut == .connectTimeout(seconds: 5))
        let unreachable = MailConnection.connectError(IOError(errnoCode: ENETUNREACH, reason: "connect"), timeout: 5)
        #expect(unreachable == .connectFailed(ConnectFailure(errno: ENETUNREACH, systemWords: "Network is unreachable")))
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

    /// BoringSSL's description becomes its reason's name, and the alert the reason names is kept as an alert.
    @Test(arguments: [
        ("handshakeFailed(NIOSSL.BoringSSLError.sslError([Error: 268435703 error:100000f7:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER]))",
         HandshakeFailureReason.library("WRONG_VERSION_NUMBER"), nil, true),
        ("handshakeFailed(NIOSSL.BoringSSLError.sslError([Error: 268436526 error:1000042e:SSL routines:OPENSSL_internal:TLSV1_ALERT_PROTOCOL_VERSION]))",
         .library("TLSV1_ALERT_PROTOCOL_VERSION"), TLSAlert.protocolVersion, true),
        ("handshakeFailed(NIOSSL.BoringSSLError.sslError([Error: 268436552 error:10000448:SSL routines:OPENSSL_internal:TLSV1_ALERT_UNKNOWN_CA]))",
         .library("TLSV1_ALERT_UNKNOWN_CA"), TLSAlert(code: 48), false),
        ("IOError: read: Connection reset by peer (errno: 104)", .connectionReset, nil, false),
    ])
    func libraryDescriptions(description: String, reason: HandshakeFailureReason, alert: TLSAlert?, versionRefusal: Bool) {
        struct Described: Error, CustomStringConvertible { let description: String }
        #expect(HandshakeFailureReason(describing: description) == reason)
        #expect(EngineError.handshakeFailure(Described(description: description))
                == .tlsHandshakeFailed(reason: reason, alert: alert))
        #expect(EngineError.handshakeFailure(Described(description: description)).isVersionRefusal == versionRefusal)
    }

    /// Errors stored before the alert and the errno were typed (watch history, the relay's spool) read back as the
    /// same values; new ones keep the errno.
    @Test func storedErrorsReadBack() throws {
        let old = #"[{"tlsHandshakeFailed":{"reason":"alert","alert":"protocol_version"}},"#
            + #"{"tlsHandshakeFailed":{"reason":"connection reset by the server"}},"#
            + #"{"tlsHandshakeFailed":{"reason":"WRONG_VERSION_NUMBER"}},"#
            + #"{"connectFailed":{"_0":"Network is unreachable"}}]"#
        let decoded = try JSONDecoder().decode([EngineError].self, from: Data(old.utf8))
        #expect(decoded == [
            .tlsHandshakeFailed(reason: .alertReceived, alert: .protocolVersion),
            .tlsHandshakeFailed(reason: .connectionReset, alert: nil),
            .tlsHandshakeFailed(reason: .library("WRONG_VERSION_NUMBER"), alert: nil),
            .connectFailed(ConnectFailure(errno: nil, systemWords: "Network is unreachable")),
        ])
        let new: [EngineError] = [.connectFailed(ConnectFailure(errno: EHOSTUNREACH)),
                                  .tlsHandshakeFailed(reason: .alertReceived, alert: TLSAlert(code: 112))]
        #expect(try JSONDecoder().decode([EngineError].self, from: JSONEncoder().encode(new)) == new)
    }
}
