import Testing

@testable import MailTLSCheck

@Suite struct HostnameMatcherTests {
    @Test(arguments: [
        ("mail.example.com", ["mail.example.com"], true),
        ("MAIL.Example.COM.", ["mail.example.com"], true),
        ("mail.example.com", ["*.example.com"], true),
        ("a.b.example.com", ["*.example.com"], false),
        ("example.com", ["*.example.com"], false),
        ("mail.example.com", ["*.com"], false),
        ("mail.example.com", ["m*.example.com"], false),
        ("mail.example.com", ["other.example.com", "mail.example.com"], true),
        ("mail.example.org", ["mail.example.com"], false),
    ])
    func dnsNames(reference: String, names: [String], expected: Bool) {
        #expect(HostnameMatcher.matches(reference: reference, dnsNames: names, ipAddresses: [], commonName: nil)
            == expected)
    }

    @Test func commonNameOnlyWithoutSubjectAltNames() {
        #expect(HostnameMatcher.matches(reference: "mail.example.com", dnsNames: [], ipAddresses: [],
                                        commonName: "mail.example.com"))
        #expect(!HostnameMatcher.matches(reference: "mail.example.com", dnsNames: ["other.example.com"],
                                         ipAddresses: [], commonName: "mail.example.com"))
    }

    @Test func ipAddressesMatchOnlyIPNames() {
        #expect(HostnameMatcher.matches(reference: "192.0.2.1", dnsNames: ["192.0.2.1"], ipAddresses: ["192.0.2.1"],
                                        commonName: nil))
        #expect(!HostnameMatcher.matches(reference: "192.0.2.1", dnsNames: ["192.0.2.1"], ipAddresses: [],
                                         commonName: "192.0.2.1"))
    }
}
