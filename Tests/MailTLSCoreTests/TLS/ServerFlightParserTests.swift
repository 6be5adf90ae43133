import Testing

@testable import MailTLSCore

/// Builds TLS records by hand, following RFC 8446 section 4.1.3.
enum TLSFixture {
    /// The extensions every fixture ServerHello without supported_versions carries: renegotiation_info.
    static let extensionTypes: [UInt16] = [0xFF01]

    static func serverHello(legacyVersion: UInt16 = 0x0303, cipher: UInt16, supportedVersion: UInt16? = nil,
                            sessionIDLength: Int = 32) -> [UInt8] {
        var body: [UInt8] = [UInt8(legacyVersion >> 8), UInt8(legacyVersion & 0xFF)]
        body += [UInt8](repeating: 0xAB, count: 32)
        body.append(UInt8(sessionIDLength))
        body += [UInt8](repeating: 0x11, count: sessionIDLength)
        body += [UInt8(cipher >> 8), UInt8(cipher & 0xFF), 0x00]
        var extensions: [UInt8] = [0xFF, 0x01, 0x00, 0x01, 0x00]  // renegotiation_info
        if let supportedVersion {
            extensions += [0x00, 0x2B, 0x00, 0x02, UInt8(supportedVersion >> 8), UInt8(supportedVersion & 0xFF)]
        }
        body += [UInt8(extensions.count >> 8), UInt8(extensions.count & 0xFF)] + extensions
        let handshake: [UInt8] = [0x02, 0x00, UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body
        return record(type: 22, handshake)
    }

    static func record(type: UInt8, _ payload: [UInt8]) -> [UInt8] {
        [type, 0x03, 0x03, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)] + payload
    }
}

@Suite struct ServerFlightParserTests {
    @Test func tls12ServerHello() {
        var parser = ServerFlightParser()
        let verdict = parser.consume(TLSFixture.serverHello(cipher: 0xC02F))
        #expect(verdict == .serverHello(.init(version: 0x0303, cipherSuite: 0xC02F, sessionIDLength: 32,
                                              extensionTypes: TLSFixture.extensionTypes)))
        #expect(CipherSuite(code: 0xC02F).ianaName == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
        #expect(CipherSuite(code: 0xC02F).openSSLName == "ECDHE-RSA-AES128-GCM-SHA256")
    }

    @Test func tls13VersionComesFromSupportedVersions() {
        var parser = ServerFlightParser()
        let verdict = parser.consume(TLSFixture.serverHello(cipher: 0x1302, supportedVersion: 0x0304))
        guard case .serverHello(let hello) = verdict else {
            Issue.record("expected a ServerHello, got \(verdict)")
            return
        }
        #expect(TLSVersion(wireValue: hello.version) == .tls13)
        #expect(CipherSuite(code: hello.cipherSuite).ianaName == "TLS_AES_256_GCM_SHA384")
    }

    /// The ServerHello arrives in pieces of any size.
    @Test func everySplitPosition() {
        let bytes = TLSFixture.serverHello(cipher: 0x1301, supportedVersion: 0x0304) + [0x16, 0x03, 0x03]
        for split in 1..<bytes.count {
            var parser = ServerFlightParser()
            #expect(parser.consume(bytes[..<split]) == .needMoreBytes || split >= bytes.count - 3)
            if case .serverHello(let hello) = parser.consume(bytes[split...]) {
                #expect(hello.cipherSuite == 0x1301)
            } else {
                Issue.record("split at \(split): \(parser.verdict)")
            }
        }
    }

    /// A ServerHello fragmented over two records is still read.
    @Test func handshakeFragmentedAcrossRecords() {
        let full = TLSFixture.serverHello(cipher: 0xC030)
        let handshake = Array(full[5...])
        let bytes = TLSFixture.record(type: 22, Array(handshake[..<10])) + TLSFixture.record(type: 22, Array(handshake[10...]))
        var parser = ServerFlightParser()
        #expect(parser.consume(bytes) == .serverHello(.init(version: 0x0303, cipherSuite: 0xC030, sessionIDLength: 32,
                                                            extensionTypes: TLSFixture.extensionTypes)))
    }

    @Test func alert() {
        var parser = ServerFlightParser()
        #expect(parser.consume([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46]) == .alert(level: 2, description: 70))
        #expect(TLSAlertDescription.name(70) == "protocol_version")
    }

    @Test func plaintextGreetingIsNotTLS() {
        var parser = ServerFlightParser()
        let greeting = Array("220 mail.example.com ESMTP Postfix\r\n".utf8)
        #expect(parser.consume(greeting) == .notTLS(prefix: greeting))
    }

    @Test func garbageInsideRecordsIsMalformedNotACrash() {
        var parser = ServerFlightParser()
        let verdict = parser.consume(TLSFixture.record(type: 22, [0x02, 0x00, 0x00, 0x04, 0x03, 0x03, 0x00, 0x00]))
        if case .malformed = verdict {} else { Issue.record("got \(verdict)") }
        var oversized = ServerFlightParser()
        if case .malformed = oversized.consume([0x16, 0x03, 0x03, 0xFF, 0xFF]) {} else { Issue.record("no bound") }
    }

    @Test func cipherNamesAndWeakness() {
        #expect(CipherSuite(code: 0x002F).isWeak)
        #expect(CipherSuite(code: 0x000A).isWeak)
        #expect(!CipherSuite(code: 0xC02F).isWeak)
        #expect(!CipherSuite(code: 0x1301).isWeak)
        #expect(CipherSuite(code: 0xBEEF).ianaName == "0xBEEF")
    }
}
