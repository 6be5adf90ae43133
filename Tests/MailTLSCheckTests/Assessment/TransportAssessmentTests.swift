import Glibc
import MailTLSCore
import MailTLSEngine
import Testing

@testable import MailTLSCheck

/// The transport rules every command asks, on observations built by hand.
@Suite struct TransportAssessmentTests {
    @Test func theConnectDecidesThePortsState() {
        #expect(TransportAssessment.connectProblem(.connectionRefused) == .refused)
        #expect(TransportAssessment.connectProblem(.connectTimeout(seconds: 2))?.key == "no-answer")
        #expect(TransportAssessment.connectProblem(.connectFailed(ConnectFailure(errno: EHOSTUNREACH)))?.key == "unreachable")
        #expect(TransportAssessment.connectProblem(.closedByPeer(during: "greeting")) == nil)
        #expect(TransportAssessment.state(after: .refused) == .closed)
        #expect(TransportAssessment.state(after: .noAnswer(nil)) == .filtered)
        #expect(TransportAssessment.state(after: .unreachable(nil)) == .closed)
        #expect(TransportAssessment.state(after: nil) == .open)
    }

    @Test func pop3CallsItSTLS() {
        #expect(TransportAssessment.startTLSProblem(.notOffered, mailProtocol: .pop3)
            == .startTLSNotOffered(keyword: "STLS"))
        #expect(TransportAssessment.startTLSProblem(.notOffered, mailProtocol: .imap)
            == .startTLSNotOffered(keyword: "STARTTLS"))
        #expect(TransportAssessment.startTLSProblem(.accepted, mailProtocol: .smtp) == nil)
    }

    @Test func versionsBelowTLS12AreDeprecatedAndWithoutModernOnesClientsFail() {
        #expect(TransportAssessment.versionProblems(accepted: [.tls12, .tls13]).isEmpty)
        #expect(TransportAssessment.versionProblems(accepted: [.tls10, .tls12]) == [.deprecatedVersions([.tls10])])
        #expect(TransportAssessment.versionProblems(accepted: [.tls10, .tls11])
            == [.deprecatedVersions([.tls10, .tls11]), .noModernVersion(best: .tls11)])
    }

    /// A client meets the 421 before anything else: "not now" is never "no STARTTLS".
    @Test func theFirstRefusalIsWhatAClientMeetsFirst() {
        var busy = ObservationFixture.open(587, .smtp, .startTLS)
        busy.record.unavailable = MailResponse(outcome: .transientFailure, code: "421", lines: ["421 busy"])
        busy.record.capabilitiesBeforeTLS = ["PIPELINING"]
        busy.record.startTLS = .notOffered
        #expect(TransportAssessment.refusal(of: busy)?.key == "unavailable")
        #expect(TransportAssessment.problems(of: busy).map(\.key) == ["unavailable"])

        var plain = ObservationFixture.open(587, .smtp, .startTLS)
        plain.record.capabilitiesBeforeTLS = ["PIPELINING", "AUTH PLAIN"]
        plain.record.startTLS = .notOffered
        plain.record.cleartextLogin = .acceptedInClear(.exchange("235 ok"))
        #expect(TransportAssessment.refusal(of: plain) == .startTLSNotOffered(keyword: "STARTTLS"))
        #expect(TransportAssessment.problems(of: plain).map(\.key) == ["starttls-not-offered", "cleartext-login"])
    }

    @Test func unreadCapabilitiesSayNothingAboutSTARTTLS() {
        var port = ObservationFixture.open(143, .imap, .startTLS)
        port.record.startTLS = .notOffered
        #expect(!TransportAssessment.problems(of: port).contains { $0.key == "starttls-not-offered" })
    }

    @Test func aWorkingSubmissionPortWithoutAUTHIsRefusedOnlyForLoggingIn() {
        var port = ObservationFixture.open(587, .smtp, .startTLS)
        port.record.capabilitiesBeforeTLS = ["STARTTLS"]
        port.record.startTLS = .accepted
        port.record.capabilitiesAfterTLS = ["PIPELINING", "8BITMIME"]
        port.handshake = ObservationFixture.handshake()
        #expect(TransportAssessment.refusal(of: port) == nil)
        #expect(TransportAssessment.problems(of: port) == [.noAuthenticationAfterTLS])
        port.record.capabilitiesAfterTLS = ["AUTH PLAIN LOGIN"]
        #expect(TransportAssessment.problems(of: port).isEmpty)
    }

    @Test func aSilentHandshakeIsStillARefusal() {
        var port = ObservationFixture.open(465, .smtp, .implicitTLS)
        port.record.greeting = nil
        #expect(TransportAssessment.refusal(of: port)?.key == "handshake-failed")
        port.handshakeFailure = .tlsHandshakeFailed(reason: .connectionReset, alert: nil)
        #expect(TransportAssessment.refusal(of: port) == .handshakeFailed(port.handshakeFailure, afterSTARTTLS: false))
    }

    /// The greeting that never comes on a port that waits for TLS is the wrong mode, not also a protocol error.
    @Test func aConversationBrokenByTheWrongModeIsTheWrongModeAlone() {
        var port = ObservationFixture.open(587, .smtp, .startTLS)
        port.record.greeting = nil
        port.failure = .readTimeout(seconds: 5, during: "greeting")
        #expect(TransportAssessment.problems(of: port).map(\.key).contains("protocol-error"))
        port.wrongMode = .tlsOnSTARTTLSPort
        port.handshake = ObservationFixture.handshake()
        #expect(TransportAssessment.problems(of: port).map(\.key) == ["tls-on-plaintext-port"])
    }
}
