import Testing

@testable import MailTLSCore

/// The raw ClientHello `check --deep` sends, read back by mailtls's own ClientHello parser, and the
/// offer-all-and-remove scan against simulated servers.
@Suite struct ClientHelloBuilderTests {
    static let random = (0..<32).map { UInt8($0) }

    func parse(_ bytes: [UInt8]) throws -> ClientHello {
        var parser = ClientHelloParser()
        guard case .clientHello(let hello) = parser.consume(bytes) else {
            Issue.record("not a ClientHello: \(parser.verdict)")
            throw CancellationError()
        }
        return hello
    }

    @Test(arguments: TLSVersion.allCases)
    func everyVersionFollowsTheIntoleranceRules(version: TLSVersion) throws {
        let suites = Array(CipherSuiteRegistry.offer(for: version).prefix(ClientHelloBuilder.maximumSuites))
        let bytes = ClientHelloBuilder.hello(version: version, suites: suites, serverName: "mail.example.com",
                                             random: Self.random)
        let hello = try parse(bytes)
        #expect(hello.recordVersion == 0x0301, "record version 0x0301 whatever the version")
        #expect(hello.legacyVersion == min(version, .tls12).wireValue)
        #expect(hello.cipherSuites == suites, "the offered suites, in order")
        #expect(hello.signalsSCSV.contains(.emptyRenegotiationInfo))
        #expect(hello.serverName == "mail.example.com")
        #expect(hello.extensionTypes.contains(13) == (version >= .tls12), "signature_algorithms from TLS 1.2 only")
        #expect(hello.supportedVersions == (version == .tls13 ? [0x0304] : []))
        let handshakeLength = bytes.count - 5
        #expect(!(256...511).contains(handshakeLength), "\(handshakeLength) bytes: in the range some servers hang on")
        // The last extension is not empty.
        let lastType = try #require(hello.extensionTypes.last)
        #expect(lastType == 21 || lastType == 11)
    }

    /// A HelloRetryRequest (the special random, key_share naming a group) is read as such; an ordinary
    /// ServerHello keeps its extensions and compression method.
    @Test func helloRetryRequestNamesTheGroup() throws {
        func serverHello(random: [UInt8], extensions: [UInt8], compression: UInt8 = 0) -> [UInt8] {
            var body: [UInt8] = [0x03, 0x03] + random + [0] + [0x13, 0x01, compression]
            body += [UInt8(extensions.count >> 8), UInt8(extensions.count & 0xFF)] + extensions
            let handshake: [UInt8] = [2, 0, UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body
            return [22, 3, 3, UInt8(handshake.count >> 8), UInt8(handshake.count & 0xFF)] + handshake
        }
        let retry = serverHello(random: ServerFlightParser.helloRetryRandom,
                                extensions: [0, 43, 0, 2, 3, 4, 0, 51, 0, 2, 0x00, 0x17])
        var parser = ServerFlightParser()
        guard case .serverHello(let hello) = parser.consume(retry) else { Issue.record("\(parser.verdict)"); return }
        #expect(hello.isHelloRetryRequest && hello.helloRetryGroup == 0x0017 && hello.version == 0x0304)
        let ordinary = serverHello(random: Array(repeating: 7, count: 32), extensions: [0xFF, 0x01, 0, 1, 0],
                                   compression: 1)
        var second = ServerFlightParser()
        guard case .serverHello(let plain) = second.consume(ordinary) else { Issue.record("\(second.verdict)"); return }
        #expect(!plain.isHelloRetryRequest && plain.extensionTypes == [0xFF01] && plain.compressionMethod == 1)
    }

    @Test func anEmptyKeyShareAndDeflateWhenAsked() throws {
        let hello = try parse(ClientHelloBuilder.hello(version: .tls13, suites: [0x1301], serverName: nil,
                                                       random: Self.random, groups: [0x0017], keyShare: false))
        #expect(hello.supportedGroups == [0x0017] && hello.extensionTypes.contains(51))
        let deflate = try parse(ClientHelloBuilder.hello(version: .tls12, suites: [0xC02F], serverName: nil,
                                                         random: Self.random, compression: [1, 0]))
        #expect(deflate.compressionMethods == [1, 0])
    }

    @Test func sslv3AndSSLv2Hellos() throws {
        let sslv3 = try parse(ClientHelloBuilder.sslv3Hello(suites: [0x002F, 0x000A], random: Self.random))
        #expect(sslv3.recordVersion == 0x0300 && sslv3.legacyVersion == 0x0300 && sslv3.extensionTypes.isEmpty)
        #expect(sslv3.cipherSuites == [0x002F, 0x000A])
        let sslv2 = ClientHelloBuilder.sslv2Hello(challenge: Array(Self.random.prefix(16)))
        let hello = try parse(sslv2)
        #expect(hello.isSSLv2Format && hello.sslv2CipherSpecs.count == 7)
        #expect(ClientHelloBuilder.isSSLv2ServerHello([0x80, 0x40, 0x04, 0x00]))
        #expect(!ClientHelloBuilder.isSSLv2ServerHello([0x15, 0x03, 0x01, 0x00, 0x02]))
        #expect(!ClientHelloBuilder.isSSLv2ServerHello(Array("220 mail ESMTP".utf8)))
    }

    @Test func aFallbackIsMarked() throws {
        let hello = try parse(ClientHelloBuilder.hello(version: .tls11, suites: [0xC013], serverName: nil,
                                                       random: Self.random, fallback: true))
        #expect(hello.signalsSCSV.contains(.fallback))
        #expect(hello.extensionTypes.contains(5), "status_request, for OCSP stapling")
    }

    @Test func anAddressIsNeverSentAsSNI() throws {
        let hello = try parse(ClientHelloBuilder.hello(version: .tls12, suites: [0xC02F], serverName: "192.0.2.1",
                                                       random: Self.random))
        #expect(hello.serverName == nil && !hello.extensionTypes.contains(0))
    }

    /// Every length a hello can have with 1 to 128 suites stays out of 256...511.
    @Test func paddingKeepsEveryLengthOutOfTheHangRange() {
        for version in TLSVersion.allCases {
            let offer = CipherSuiteRegistry.offer(for: version)
            for count in 1...min(128, offer.count) {
                let bytes = ClientHelloBuilder.hello(version: version, suites: Array(offer.prefix(count)),
                                                     serverName: "mx.example.net", random: Self.random)
                #expect(!(256...511).contains(bytes.count - 5), "\(version) with \(count) suites")
            }
        }
    }

    @Test func theRegistryOffersEachVersionOnlyWhatItAllows() {
        #expect(Set(CipherSuiteRegistry.offer(for: .tls13)) == [0x1301, 0x1302, 0x1303, 0x1304, 0x1305])
        let tls10 = CipherSuiteRegistry.offer(for: .tls10)
        #expect(!tls10.contains(0xC02F), "no AEAD before TLS 1.2")
        #expect(tls10.contains(0x000A) && tls10.contains(0x0005) && tls10.contains(0x0003), "3DES, RC4, export")
        let tls12 = CipherSuiteRegistry.offer(for: .tls12)
        #expect(tls12.contains(0xC02F) && tls12.contains(0x002F))
        // ChaCha20 after the others, PSK and SRP at the end.
        let chacha = tls12.firstIndex(of: 0xCCA8)!
        #expect(tls12.prefix(chacha).allSatisfy { !CipherSuite(code: $0).ianaName.contains("CHACHA20") })
    }

    @Test(arguments: [
        (UInt16(0x0004), CipherSuite.Weakness.broken), (0x0003, .broken), (0x0001, .broken), (0x0018, .broken),
        (0x0009, .broken), (0x0034, .anonymous), (0xC018, .anonymous), (0x000A, .sweet32), (0xC012, .sweet32), (0x002F, .noForwardSecrecy),
        (0x009C, .noForwardSecrecy),
    ])
    func weaknesses(code: UInt16, weakness: CipherSuite.Weakness) {
        #expect(CipherSuite(code: code).weakness == weakness, "\(CipherSuite(code: code).ianaName)")
    }

    @Test(arguments: [UInt16(0xC02F), 0xC030, 0xCCA8, 0x1301, 0x009E, 0xC013])
    func soundSuitesHaveNoWeakness(code: UInt16) {
        #expect(CipherSuite(code: code).weakness == nil)
    }
}

@Suite struct SuiteScanTests {
    /// A server that picks the first suite of its preference list it was offered, or the client's first.
    static func run(_ scan: inout SuiteScan, preference: [UInt16], serverOrder: Bool = true,
                    refuseLongerThan: Int = .max, maxOffers: Int = 1000) {
        while let offer = scan.nextOffer(), scan.offers <= maxOffers {
            guard offer.count <= refuseLongerThan else { scan.receive(.refused); continue }
            let chosen = serverOrder ? preference.first(where: offer.contains) : offer.first(where: preference.contains)
            scan.receive(chosen.map { .chose(suite: $0, version: scan.version.wireValue) } ?? .refused)
        }
    }

    @Test func aModernServerTakesOneHandshakePerSuitePlusOnePerBundle() {
        let preference: [UInt16] = [0xC02C, 0xC030, 0xCCA9, 0xCCA8, 0xC02B, 0xC02F]
        let candidates = CipherSuiteRegistry.offer(for: .tls12)
        var scan = SuiteScan(version: .tls12, candidates: candidates)
        Self.run(&scan, preference: preference)
        #expect(scan.outcome == .finished)
        #expect(scan.accepted == preference.filter(candidates.contains))
        let bundles = (candidates.count + 127) / 128
        // Each accepted suite, each bundle's final refusal, and one split of the refused rest into halves.
        #expect(scan.offers <= preference.count + bundles + 2, "\(scan.offers) handshakes")
    }

    @Test func aServerThatRefusesEverythingCostsOneHandshakePerBundle() {
        var scan = SuiteScan(version: .tls10, candidates: CipherSuiteRegistry.offer(for: .tls10))
        Self.run(&scan, preference: [])
        #expect(scan.accepted.isEmpty && scan.outcome == .finished)
        #expect(scan.offers == (CipherSuiteRegistry.offer(for: .tls10).count + 127) / 128)
    }

    @Test func aSuiteThatWasNotOfferedStopsTheScan() {
        var scan = SuiteScan(version: .tls12, candidates: [0xC02F, 0xC030])
        _ = scan.nextOffer()
        scan.receive(.chose(suite: 0x0005, version: 0x0303))
        #expect(scan.outcome == .unofferedSuite(0x0005))
        #expect(scan.nextOffer() == nil)
    }

    @Test func anAnswerAtAnotherVersionIsARefusal() {
        var scan = SuiteScan(version: .tls11, candidates: [0xC013, 0x002F])
        _ = scan.nextOffer()
        scan.receive(.chose(suite: 0xC013, version: 0x0303))
        #expect(scan.accepted.isEmpty)
    }

    /// A server that accepted suites but chokes on long lists is asked again in halves before the scan concludes.
    @Test func aLongListRefusedAfterASuccessIsSplit() {
        let candidates = (0..<40).map { UInt16(0xC000 + $0) }
        var scan = SuiteScan(version: .tls12, candidates: candidates)
        // The server accepts 0xC001 from any list, and 0xC030 only from lists of 20 or fewer.
        var first = true
        while let offer = scan.nextOffer() {
            if first, offer.contains(0xC001) { first = false; scan.receive(.chose(suite: 0xC001, version: 0x0303)); continue }
            if offer.count <= 20, offer.contains(0xC020) {
                scan.receive(.chose(suite: 0xC020, version: 0x0303))
            } else {
                scan.receive(.refused)
            }
        }
        #expect(scan.accepted == [0xC001, 0xC020])
    }
}
