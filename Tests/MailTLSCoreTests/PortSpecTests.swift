import Testing

@testable import MailTLSCore

@Suite struct PortSpecTests {
    @Test func wellKnownPortsCarryTheirMode() throws {
        #expect(try PortSpec.parse("465").mode == .implicitTLS)
        #expect(try PortSpec.parse("587").isSubmission)
        #expect(try !PortSpec.parse("25").isSubmission)
        #expect(try PortSpec.parse("110").mailProtocol == .pop3)
        #expect(try PortSpec.parse("993").isExplicit)
    }

    @Test func customPorts() throws {
        let spec = try PortSpec.parse("2465:smtp:tls")
        #expect(spec.port == 2465 && spec.mailProtocol == .smtp && spec.mode == .implicitTLS && spec.isSubmission)
        #expect(try PortSpec.parse("1143:IMAP:STARTTLS").mode == .startTLS)
    }

    @Test(arguments: [
        ("abc", PortSpec.ParseError.notANumber("abc")),
        ("70000", .outOfRange(70000)),
        ("8080", .unknownPort(8080)),
        ("2465:http:tls", .unknownProtocol("http")),
        ("2465:smtp:maybe", .unknownMode("maybe")),
        ("2465:smtp", .malformed("2465:smtp")),
    ])
    func badSpecs(text: String, error: PortSpec.ParseError) {
        #expect(throws: error) { try PortSpec.parse(text) }
    }

    @Test func base64() {
        #expect(Base64.encode(Array("\0user\0pass".utf8)) == "AHVzZXIAcGFzcw==")
        #expect(Base64.encode(Array("ab".utf8)) == "YWI=")
        #expect(Base64.encode([]) == "")
        #expect(Base64.decode("AHVzZXIAcGFzcw==") == Array("\0user\0pass".utf8))
        #expect(Base64.decode("YWI") == Array("ab".utf8))
        #expect(Base64.decode("not base64!") == nil)
        for length in 0..<20 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        }
    }

    @Test func tlsVersionsFromUserText() {
        #expect(TLSVersion(userText: "1.0") == .tls10)
        #expect(TLSVersion(userText: "TLSv1.2") == .tls12)
        #expect(TLSVersion(userText: "tls1.3") == .tls13)
        #expect(TLSVersion(userText: "2.0") == nil)
        #expect(TLSVersion.tls11.isDeprecated && !TLSVersion.tls12.isDeprecated)
    }
}
