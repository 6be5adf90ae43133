import Foundation
import Testing

@testable import MailTLSCore

/// A TLS alert is its code; its name is the RFC's, from the code, from BoringSSL's reason or from stored JSON.
@Suite struct TLSAlertTests {
    @Test func namesAreTheRFCs() {
        #expect(TLSAlert(code: 70).name == "protocol_version")
        #expect(TLSAlert(code: 48).name == "unknown_ca")
        #expect(TLSAlert(code: 200).name == "alert_200")
        #expect(TLSAlert(name: "handshake_failure") == .handshakeFailure)
        #expect(TLSAlert(name: "alert_200") == TLSAlert(code: 200))
        #expect(TLSAlert(name: "no such alert") == nil)
    }

    @Test(arguments: [
        ("TLSV1_ALERT_PROTOCOL_VERSION", 70), ("SSLV3_ALERT_HANDSHAKE_FAILURE", 40), ("TLSV1_ALERT_UNKNOWN_CA", 48),
        ("TLSV1_UNRECOGNIZED_NAME", 112), ("TLSV1_ALERT_USER_CANCELLED", 90), ("TLSV1_ALERT_INSUFFICIENT_SECURITY", 71),
    ])
    func fromBoringSSLsReason(reason: String, code: Int) {
        #expect(TLSAlert(libraryReason: reason) == TLSAlert(code: UInt8(code)))
    }

    @Test(arguments: ["WRONG_VERSION_NUMBER", "CERTIFICATE_VERIFY_FAILED", "TLSV1_ALERT_", "SSLV3_ALERT_NOT_AN_ALERT"])
    func otherReasonsAreNoAlert(reason: String) {
        #expect(TLSAlert(libraryReason: reason) == nil)
    }

    /// Stored as its name, as history written before the alert was typed holds it.
    @Test func codableAsItsName() throws {
        let data = try JSONEncoder().encode([TLSAlert.protocolVersion])
        #expect(String(decoding: data, as: UTF8.self) == #"["protocol_version"]"#)
        #expect(try JSONDecoder().decode([TLSAlert].self, from: Data(#"["unknown_ca"]"#.utf8)) == [TLSAlert(code: 48)])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([TLSAlert].self, from: Data(#"["nonsense"]"#.utf8)) }
    }
}
