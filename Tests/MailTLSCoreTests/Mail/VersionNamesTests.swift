import Testing

@testable import MailTLSCore

/// Only versions that exist are reported: `TLS1.7` in a header (found by fuzzing) is no TLS version.
@Suite struct VersionNamesTests {
    @Test(arguments: [("TLS1.7", nil), ("TLSv1.4", nil), ("TLS2.0", nil), ("SSLv4", nil), ("TLS1_3", "TLSv1.3"),
                      ("tlsv1.2", "TLSv1.2"), ("TLSv1", "TLSv1.0"), ("SSLv3", "SSLv3")] as [(String, String?)])
    func versions(text: String, version: String?) {
        #expect(TLSInfo.normaliseVersion(ArraySlice(Array(text.utf8))) == version)
    }
}
