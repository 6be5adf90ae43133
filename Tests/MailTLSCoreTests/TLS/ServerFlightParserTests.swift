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

    static func handshake(_ type: UInt8, _ body: [UInt8]) -> [UInt8] {
        [type, UInt8(body.count >> 16), UInt8(body.count >> 8 & 0xFF), UInt8(body.count & 0xFF)] + body
    }

    static func opaque16(_ bytes: [UInt8]) -> [UInt8] { [UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes }

    /// A DHE suite's flight: ServerHello, Certificate, ServerKeyExchange (a 1024-bit prime with a leading zero, as
    /// some servers send it), ServerHelloDone, in two records.
    static func dheFlight(primeBytes: Int = 128) -> [UInt8] {
        let prime = [0x00] + [UInt8](repeating: 0xFF, count: primeBytes)
        let keyExchange = opaque16(prime) + opaque16([0x02]) + opaque16([UInt8](repeating: 0x42, count: primeBytes))
            + [0x04, 0x01] + opaque16([0x99, 0x98])
        let certificate = handshake(11, [0x00, 0x00, 0x03, 0x00, 0x00, 0x00])
        return TLSFixture.serverHello(cipher: 0x0033)
            + TLSFixture.record(type: 22, certificate + handshake(12, keyExchange))
            + TLSFixture.record(type: 22, handshake(14, []))
    }

    @Test func dhePrimeFromTheServerKeyExchange() {
        let bytes = Self.dheFlight()
        // Up to the last byte of the ServerKeyExchange (ServerHelloDone's record is the last 9 bytes).
        for split in [1, 60, 90, bytes.count - 10] {
            var parser = ServerFlightParser(keyExchangeKind: CipherSuiteRegistry.keyExchangeKind)
            #expect(parser.consume(bytes[..<split]) == .needMoreBytes)
            guard case .serverHello(let hello) = parser.consume(bytes[split...]) else {
                Issue.record("split \(split): \(parser.verdict)")
                continue
            }
            #expect(hello.cipherSuite == 0x0033)
            #expect(hello.keyExchange == .finiteField(prime: [UInt8](repeating: 0xFF, count: 128), generator: [0x02]))
            #expect(hello.keyExchange?.primeBits == 1024)
        }
        // Without the question, the parser stops at the ServerHello as before.
        var plain = ServerFlightParser()
        if case .serverHello(let hello) = plain.consume(bytes) { #expect(hello.keyExchange == nil) }
    }

    @Test func ecdheCurveFromTheServerKeyExchange() {
        let keyExchange: [UInt8] = [0x03, 0x00, 0x1D, 0x20] + [UInt8](repeating: 0x01, count: 32) + [0x04, 0x01, 0x00, 0x00]
        let bytes = TLSFixture.serverHello(cipher: 0xC02F) + TLSFixture.record(type: 22, Self.handshake(12, keyExchange))
        var parser = ServerFlightParser(keyExchangeKind: CipherSuiteRegistry.keyExchangeKind)
        guard case .serverHello(let hello) = parser.consume(bytes) else {
            Issue.record("\(parser.verdict)")
            return
        }
        #expect(hello.keyExchange == .namedCurve(0x001D))
    }

    /// Static RSA and TLS 1.3 have no ServerKeyExchange to wait for.
    @Test func suitesWithoutAKeyExchangeAnswerAtOnce() {
        var rsa = ServerFlightParser(keyExchangeKind: CipherSuiteRegistry.keyExchangeKind)
        if case .serverHello = rsa.consume(TLSFixture.serverHello(cipher: 0x002F)) {} else { Issue.record("\(rsa.verdict)") }
        var tls13 = ServerFlightParser(keyExchangeKind: CipherSuiteRegistry.keyExchangeKind)
        if case .serverHello = tls13.consume(TLSFixture.serverHello(cipher: 0x1301, supportedVersion: 0x0304)) {} else {
            Issue.record("\(tls13.verdict)")
        }
        #expect(CipherSuiteRegistry.keyExchangeKind(0x00AB) == nil)  // DHE_PSK: an identity hint comes first
    }

    /// A server that closes, sends an alert, or sends a certificate beyond the parser's bound after its ServerHello
    /// still answered with that ServerHello.
    @Test func theServerHelloStandsWhateverFollows() {
        let hello = TLSFixture.serverHello(cipher: 0x0033)
        var closed = ServerFlightParser(keyExchangeKind: CipherSuiteRegistry.keyExchangeKind)
        #expect(closed.consume(hello) == .needMoreBytes)
        if case .serverHello(let answer) = closed.verdictAtEnd { #expect(answer.keyExchange == nil) } else {
            Issue.record("\(closed.verdictAtEnd)")
        }
        var alerted = ServerFlightParser(keyExchangeKind: CipherSuiteRegistry.keyExchangeKind)
        if case .serverHello = alerted.consume(hello + [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]) {} else {
            Issue.record("\(alerted.verdict)")
        }
        var huge = ServerFlightParser(maximumBytes: 4096, keyExchangeKind: CipherSuiteRegistry.keyExchangeKind)
        let certificate = Self.handshake(11, [UInt8](repeating: 0, count: 10000))
        var records: [UInt8] = []
        for start in stride(from: 0, to: certificate.count, by: 4000) {
            records += TLSFixture.record(type: 22, Array(certificate[start..<min(start + 4000, certificate.count)]))
        }
        if case .serverHello = huge.consume(hello + records) {} else { Issue.record("\(huge.verdict)") }
        var garbage = ServerFlightParser(keyExchangeKind: CipherSuiteRegistry.keyExchangeKind)
        if case .serverHello(let answer) = garbage.consume(hello + TLSFixture.record(type: 22, Self.handshake(12, [0xFF])))
        { #expect(answer.keyExchange == nil) } else { Issue.record("\(garbage.verdict)") }
    }

    /// A first handshake message that is not a ServerHello is malformed at once, even when its header claims more
    /// bytes than have come (the lab's hostile 995: a TLS record of random bytes); the bytes after it are never read
    /// as a plaintext greeting.
    @Test func aFirstMessageOfAnotherTypeIsMalformedAtOnce() {
        for keyExchangeKind in [nil, CipherSuiteRegistry.keyExchangeKind] as [(@Sendable (UInt16) -> ServerFlightParser.KeyExchangeKind?)?] {
            var parser = ServerFlightParser(keyExchangeKind: keyExchangeKind)
            let verdict = parser.consume(TLSFixture.record(type: 22, [0x63, 0xFF, 0xFF, 0xFF, 0x01, 0x02]) + [0x41, 0x42])
            #expect(verdict == .malformed("first handshake message type 99"))
        }
    }

    @Test func alert() {
        var parser = ServerFlightParser()
        #expect(parser.consume([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46]) == .alert(level: 2, description: 70))
        #expect(TLSAlert(code: 70) == .protocolVersion)
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
