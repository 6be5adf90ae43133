import Foundation
import MailTLSCore
import MailTLSEngine
import Testing

@testable import MailTLSCheck

/// Observations built by hand, so each check's rule is tested without a server.
enum ObservationFixture {
    static func open(_ port: Int, _ proto: MailProtocol, _ mode: SecurityMode) -> PortObservation {
        var observation = PortObservation(spec: PortSpec(port: port, mailProtocol: proto, mode: mode),
                                          address: "192.0.2.1")
        observation.state = .open
        observation.record.greeting = MailResponse(outcome: .positive, code: "220", lines: ["220 mail"])
        return observation
    }

    static func handshake(_ version: TLSVersion = .tls13, cipher: UInt16 = 0x1301) -> HandshakeFacts {
        HandshakeFacts(version: version, cipherSuite: CipherSuite(code: cipher), presentedChain: [[1]],
                       durationMilliseconds: 3, injectedBytes: [], serverName: "mail.example.com")
    }

    static func certificate(daysLeft: Int = 200, trustFailure: TrustFailure? = nil, matches: Bool = true)
        -> CertificateReport {
        let now = Date()
        let summary = CertificateSummary(
            subject: "CN=mail.example.com", issuer: "CN=Example CA", subjectAlternativeNames: ["mail.example.com"],
            notBefore: now.addingTimeInterval(-86400), notAfter: now.addingTimeInterval(Double(daysLeft) * 86400 + 60),
            keyType: "RSA", keyBits: 2048, signatureAlgorithm: "sha256WithRSAEncryption", isSelfSigned: false,
            sha256Fingerprint: "00")
        return CertificateReport(leaf: summary, chain: [summary], daysLeft: daysLeft, isExpired: daysLeft < 0,
                                 isNotYetValid: false, isTrusted: trustFailure == nil, trustFailure: trustFailure,
                                 checkedName: "mail.example.com", hostnameMatches: matches, weakKeys: [],
                                 weakSignatures: [])
    }
}

@Suite struct CheckRegistryTests {
    func ids(_ observation: PortObservation, context: CheckContext = CheckContext()) -> [String: Severity] {
        Dictionary(CheckRegistry.evaluate([observation], context: context).map { ($0.id.rawValue, $0.severity) },
                   uniquingKeysWith: max)
    }

    @Test func aHealthyPortHasNoFindings() {
        var port = ObservationFixture.open(993, .imap, .implicitTLS)
        port.handshake = ObservationFixture.handshake()
        port.versions.accepted = [.tls12, .tls13]
        port.certificate = ObservationFixture.certificate()
        #expect(CheckRegistry.evaluate([port], context: CheckContext()).isEmpty)
    }

    /// `--deep`: each kind of weak suite a port accepts is one finding listing the suites by version; a port with
    /// only sound suites has none.
    @Test func deepScanNamesEachWeakness() throws {
        var port = ObservationFixture.open(465, .smtp, .implicitTLS)
        port.handshake = ObservationFixture.handshake()
        port.versions.accepted = [.tls12, .tls13]
        port.certificate = ObservationFixture.certificate()
        port.deep = DeepScanResult(port: 465, versions: [
            .init(version: .tls12, accepted: [0xC02F, 0x002F, 0x000A, 0x0005].map(CipherSuite.init(code:)),
                  serverOrder: true),
        ], refused: [.tls10, .tls11], handshakes: 9, milliseconds: 10)
        #expect(ids(port) == ["cipher-broken": .critical, "cipher-sweet32": .warning,
                              "cipher-no-forward-secrecy": .warning])
        let broken = try #require(CheckRegistry.evaluate([port], context: CheckContext()).first { $0.id == .cipherBroken })
        #expect(broken.evidence.english == "TLSv1.2: TLS_RSA_WITH_RC4_128_SHA")
        port.deep?.versions = [.init(version: .tls13, accepted: [CipherSuite(code: 0x1301)], serverOrder: nil)]
        #expect(ids(port).isEmpty)
    }

    /// DHE's group from the ServerKeyExchange: below 2048 bits a warning, below 1024 critical; a group only
    /// anonymous suites used weighs like them (a note on 25). TLS 1.0 with nothing but CBC is a note of its own.
    @Test func weakDHGroupsAndTLS10WithCBCOnly() throws {
        func port(_ number: Int, groups: [FiniteFieldGroup], tls10: [UInt16] = []) -> PortObservation {
            var port = ObservationFixture.open(number, .smtp, number == 465 ? .implicitTLS : .startTLS)
            port.record.startTLS = number == 465 ? .notApplicable : .accepted
            port.handshake = ObservationFixture.handshake()
            port.versions.accepted = [.tls12, .tls13]
            port.certificate = ObservationFixture.certificate()
            var versions: [DeepScanResult.VersionResult] = [
                .init(version: .tls12, accepted: [CipherSuite(code: 0xC02F)], serverOrder: nil),
            ]
            if !tls10.isEmpty {
                versions.insert(.init(version: .tls10, accepted: tls10.map(CipherSuite.init(code:)), serverOrder: nil), at: 0)
            }
            port.deep = DeepScanResult(port: number, versions: versions, refused: [], handshakes: 5, milliseconds: 5)
            port.deep?.dhGroups = groups
            return port
        }
        let prime1024 = [UInt8](repeating: 0xFF, count: 128)
        let prime2048 = [UInt8](repeating: 0xFF, count: 256)
        #expect(ids(port(465, groups: [FiniteFieldGroup(prime: prime1024)]))["dh-weak"] == .warning)
        #expect(ids(port(465, groups: [FiniteFieldGroup(prime: [UInt8](repeating: 0xFF, count: 64))]))["dh-weak"] == .critical)
        #expect(ids(port(25, groups: [FiniteFieldGroup(prime: prime1024, anonymousOnly: true)]))["dh-weak"] == .info)
        #expect(ids(port(587, groups: [FiniteFieldGroup(prime: prime1024, anonymousOnly: true)]))["dh-weak"] == .warning)
        #expect(ids(port(465, groups: [FiniteFieldGroup(prime: prime2048)]))["dh-weak"] == nil)
        let finding = try #require(CheckRegistry.evaluate([port(465, groups: [FiniteFieldGroup(prime: prime1024)])],
                                                          context: CheckContext()).first { $0.id == .dhWeak })
        #expect(finding.parameters["bits"] == "1024")
        // CBC only (AES-CBC, 3DES) on TLS 1.0: a note; with RC4 beside it, not CBC only.
        #expect(ids(port(465, groups: [], tls10: [0x002F, 0xC013]))["tls10-cbc-only"] == .info)
        #expect(ids(port(465, groups: [], tls10: [0x002F, 0x0005]))["tls10-cbc-only"] == nil)
        #expect(ids(port(465, groups: []))["tls10-cbc-only"] == nil)
    }

    /// Anonymous suites are Postfix's default for opportunistic TLS on 25: a note there, a warning on submission.
    @Test func anonymousSuitesAreANoteOnPort25AndAWarningElsewhere() {
        for (number, severity) in [(25, Severity.info), (587, .warning)] {
            var port = ObservationFixture.open(number, .smtp, .startTLS)
            port.record.startTLS = .accepted
            port.handshake = ObservationFixture.handshake()
            port.versions.accepted = [.tls12, .tls13]
            port.certificate = ObservationFixture.certificate()
            port.deep = DeepScanResult(port: number, versions: [
                .init(version: .tls12, accepted: [CipherSuite(code: 0xC02F), CipherSuite(code: 0x0034)],
                      serverOrder: true),
            ], refused: [], handshakes: 4, milliseconds: 1)
            #expect(ids(port)["cipher-anonymous"] == severity, "\(number)")
        }
    }

    @Test func closedDefaultPortIsInfoButNamedPortIsWarning() {
        var port = PortObservation(spec: PortSpec(port: 2525, mailProtocol: .smtp, mode: .startTLS), address: "x")
        port.state = .closed
        #expect(ids(port) == ["port-closed": .info])
        port.spec.isExplicit = true
        #expect(ids(port) == ["port-closed": .warning])
        port.spec.isExplicit = false
        #expect(ids(port, context: CheckContext(anyPortOpen: false)) == ["port-closed": .warning])
    }

    @Test func unavailableIsNeverMissingSTARTTLS() {
        var port = ObservationFixture.open(587, .smtp, .startTLS)
        port.record.unavailable = MailResponse(outcome: .transientFailure, code: "421", lines: ["421 busy"])
        port.record.startTLS = .notApplicable
        #expect(ids(port) == ["server-unavailable": .warning])
    }

    @Test func missingSTARTTLSIsCriticalOnSubmissionButWarningOnPort25() {
        var submission = ObservationFixture.open(587, .smtp, .startTLS)
        submission.record.capabilitiesBeforeTLS = ["PIPELINING"]
        submission.record.startTLS = .notOffered
        #expect(ids(submission)["starttls-not-supported"] == .critical)
        var relay = ObservationFixture.open(25, .smtp, .startTLS)
        relay.record.capabilitiesBeforeTLS = ["PIPELINING"]
        relay.record.startTLS = .notOffered
        #expect(ids(relay)["starttls-not-supported"] == .warning)
    }

    @Test func starttlsOptionalNeedsMailAcceptedBeforeTLS() {
        var port = ObservationFixture.open(587, .smtp, .startTLS)
        port.record.startTLS = .accepted
        port.handshake = ObservationFixture.handshake()
        port.record.mailBeforeTLS = .acceptedBeforeTLS(evidence: "250 2.1.0 Ok")
        #expect(ids(port)["starttls-optional"] == .warning)
        #expect(port.security == .startTLSOffered)
        port.record.mailBeforeTLS = .refusedBeforeTLS(evidence: "530 5.7.0 Must issue a STARTTLS command first")
        #expect(ids(port)["starttls-optional"] == nil)
        #expect(port.security == .startTLSRequired)
    }

    @Test func injectedBytesAreCritical() {
        var port = ObservationFixture.open(25, .smtp, .startTLS)
        port.record.startTLS = .accepted
        var handshake = ObservationFixture.handshake()
        handshake.injectedBytes = Array("250 injected\r\n".utf8)
        port.handshake = handshake
        let findings = CheckRegistry.evaluate([port], context: CheckContext())
        let injection = findings.first { $0.id == .starttlsInjection }
        #expect(injection?.severity == .critical)
        #expect(injection?.parameters["bytes"] == "14")
    }

    @Test func versionsAndCiphers() {
        var port = ObservationFixture.open(465, .smtp, .implicitTLS)
        port.handshake = ObservationFixture.handshake(.tls12, cipher: 0x002F)
        port.versions.accepted = [.tls10, .tls11, .tls12]
        #expect(ids(port) == ["tls-version-deprecated": .warning, "weak-cipher": .warning])
        port.versions.accepted = [.tls10]
        #expect(ids(port)["tls-version-modern-missing"] == .critical)
    }

    @Test(arguments: [
        (TrustFailure.selfSigned, "certificate-self-signed"),
        (.incompleteChain(missingIssuer: "CN=Intermediate"), "certificate-chain-incomplete"),
        (.unknownRoot(issuer: "CN=Private Root"), "certificate-not-trusted"),
    ])
    func mostSpecificTrustFailureAlone(failure: TrustFailure, id: String) {
        var port = ObservationFixture.open(993, .imap, .implicitTLS)
        port.handshake = ObservationFixture.handshake()
        port.versions.accepted = [.tls13]
        port.certificate = ObservationFixture.certificate(trustFailure: failure)
        #expect(ids(port) == [id: .critical])
    }

    @Test func expiryThresholds() {
        var port = ObservationFixture.open(993, .imap, .implicitTLS)
        port.handshake = ObservationFixture.handshake()
        port.versions.accepted = [.tls13]
        port.certificate = ObservationFixture.certificate(daysLeft: 10)
        #expect(ids(port) == ["certificate-expiring-soon": .warning])
        #expect(ids(port, context: CheckContext(warnDays: 5)).isEmpty)
        port.certificate = ObservationFixture.certificate(daysLeft: -3)
        #expect(ids(port) == ["certificate-expired": .critical])
    }

    @Test func identicalFindingsMergeAcrossPorts() {
        var ports: [PortObservation] = []
        for (number, proto) in [(465, MailProtocol.smtp), (993, .imap), (995, .pop3)] {
            var port = ObservationFixture.open(number, proto, .implicitTLS)
            port.handshake = ObservationFixture.handshake()
            port.versions.accepted = [.tls13]
            port.certificate = ObservationFixture.certificate(matches: false)
            ports.append(port)
        }
        let findings = CheckRegistry.evaluate(ports, context: CheckContext())
        #expect(findings.count == 1)
        #expect(findings.first?.ports == [465, 993, 995])
    }

    @Test func everyFindingIdComesFromSomeCheck() {
        let producible = Set(CheckRegistry.standard.flatMap(\.producibleFindings))
        #expect(producible == Set(FindingID.allCases))
    }
}

@Suite struct FindingMergeTests {
    @Test func differingEvidenceIsKeptPerPort() {
        var ports: [PortObservation] = []
        for (number, proto, evidence) in [(143, MailProtocol.imap, "m2 NO [AUTHENTICATIONFAILED] x"),
                                          (110, .pop3, "-ERR [AUTH] x")] {
            var port = ObservationFixture.open(number, proto, .startTLS)
            port.record.startTLS = .accepted
            port.handshake = ObservationFixture.handshake()
            port.versions.accepted = [.tls13]
            port.record.cleartextLogin = .acceptedInClear(.exchange(evidence))
            ports.append(port)
        }
        let findings = CheckRegistry.evaluate(ports, context: CheckContext())
        #expect(findings.count == 1)
        #expect(findings.first?.ports == [110, 143])
        #expect(findings.first?.evidence.english == "143: m2 NO [AUTHENTICATIONFAILED] x; 110: -ERR [AUTH] x")
    }
}

/// Mozilla's profiles against a deep scan: every departure named, versions counted once.
@Suite struct MozillaProfileTests {
    static func result(_ versions: [(TLSVersion, [UInt16])]) -> DeepScanResult {
        DeepScanResult(port: 993, versions: versions.map {
            .init(version: $0.0, accepted: $0.1.map(CipherSuite.init(code:)), serverOrder: nil)
        }, refused: [], handshakes: 1, milliseconds: 1)
    }

    @Test func aModernServerMeetsEveryProfile() {
        let result = Self.result([(.tls12, [0xC02F, 0xCCA8]), (.tls13, [0x1301, 0x1302])])
        #expect(!MozillaProfile.modern.departures(of: result).meets)
        #expect(MozillaProfile.modern.departures(of: result).versions == [.tls12])
        #expect(MozillaProfile.intermediate.departures(of: result).meets)
        #expect(MozillaProfile.old.departures(of: result).meets)
    }

    @Test func staticRSAAndTLS10DepartFromIntermediate() {
        let result = Self.result([(.tls10, [0xC013, 0x002F]), (.tls12, [0xC02F, 0x002F, 0x009C]), (.tls13, [0x1301])])
        let intermediate = MozillaProfile.intermediate.departures(of: result)
        #expect(intermediate.versions == [.tls10])
        #expect(intermediate.suites == ["TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_AES_128_GCM_SHA256"])
        #expect(MozillaProfile.old.departures(of: result).meets)
        let rc4 = Self.result([(.tls12, [0xC02F, 0x0005])])
        #expect(MozillaProfile.old.departures(of: rc4).suites == ["TLS_RSA_WITH_RC4_128_SHA"])
    }
}

/// A plaintext "come back later" where a ServerHello was expected is a retry, not a refusal of the suites.
@Suite struct DeepScannerBusyTests {
    @Test(arguments: ["421 Too many concurrent SMTP connections; please try again later.\r\n", "* BYE Too many\r\n",
                      "-ERR [SYS/TEMP] busy\r\n"])
    func busyAnswers(text: String) {
        #expect(DeepScanner.isBusyAnswer(Array(text.utf8)))
    }

    @Test(arguments: ["220 mail ESMTP\r\n", "* OK ready\r\n", "\u{15}\u{03}\u{03}\u{00}\u{02}\u{02}\u{28}"])
    func otherAnswersAreNot(text: String) {
        #expect(!DeepScanner.isBusyAnswer(Array(text.utf8)))
    }
}
