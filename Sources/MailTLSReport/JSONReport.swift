import Foundation
import MailTLSCheck
import MailTLSCore

/// `mailtls check --json`: a stable, versioned document. See docs/json-schema.md and docs/check-report.schema.json.
public enum JSONReport {
    /// Bump the major number on any change that can break a consumer; add fields in minor versions.
    public static let schemaVersion = "1.3"

    public struct Document: Codable, Sendable {
        public var schemaVersion: String
        public var tool: Tool
        public var host: String
        public var address: String
        public var checkedName: String
        public var startedAt: String
        public var durationMs: Int
        public var exitCode: Int
        /// How a password before TLS was probed for: `cancel`, `failed-login` or `off`.
        public var loginProbe: String
        public var ports: [Port]
        public var findings: [FindingEntry]
    }

    public struct Tool: Codable, Sendable {
        public var name: String
        public var version: String
    }

    public struct Port: Codable, Sendable {
        public var port: Int
        public var `protocol`: String
        public var expectedMode: String
        public var state: String
        public var security: String
        public var wrongMode: String?
        public var greeting: String?
        /// The server software identified (1.2; from 1.3 also from behaviour, the host name or --server-software).
        public var software: String?
        /// How the software or provider was identified (1.3).
        public var identification: Identification?
        /// `--deep`: every suite each version accepts (1.3).
        public var deep: Deep?
        public var greetingMs: Int?
        public var capabilitiesBeforeTLS: [String]?
        public var capabilitiesAfterTLS: [String]?
        public var authBeforeTLS: [String]?
        public var authAfterTLS: [String]?
        public var startTLS: String
        public var cleartextLogin: Probe
        public var mailBeforeTLS: Probe
        public var error: String?
        public var tls: TLS?
        public var certificate: CertificateEntry?
        public var durationMs: Int
    }

    public struct Probe: Codable, Sendable {
        public var result: String
        public var evidence: String?
    }

    public struct TLS: Codable, Sendable {
        public var version: String?
        public var cipher: String?
        public var cipherOpenSSL: String?
        public var cipherCode: String?
        public var acceptedVersions: [String]
        public var refusedVersions: [String]
        public var untestedVersions: [String]
        public var handshakeMs: Double
        public var serverName: String?
        public var injectedBytes: Int
    }

    public struct CertificateEntry: Codable, Sendable {
        public var subject: String
        public var sans: [String]
        public var issuer: String
        public var notBefore: String
        public var notAfter: String
        public var daysLeft: Int
        public var trusted: Bool
        public var trustFailure: String?
        public var hostnameMatches: Bool
        public var checkedName: String
        public var chainLength: Int
        public var selfSigned: Bool
        public var keyType: String
        public var keyBits: Int?
        public var signatureAlgorithm: String
        public var sha256: String
        public var chain: [ChainEntry]
    }

    public struct ChainEntry: Codable, Sendable {
        public var subject: String
        public var issuer: String
        public var notAfter: String
    }

    public struct FindingEntry: Codable, Sendable {
        public var id: String
        public var severity: String
        public var ports: [Int]
        public var evidence: String
        public var message: String
        public var fix: String
    }

    /// `check --deep` on one port (1.3).
    public struct Deep: Codable, Sendable {
        public struct Version: Codable, Sendable {
            public var version: String
            public var serverOrder: Bool?
            public var suites: [Suite]
        }
        public struct Suite: Codable, Sendable {
            public var code: String
            public var name: String
            public var openSSL: String?
            public var weakness: String?
        }
        public var versions: [Version]
        public var refused: [String]
        public var handshakes: Int
        public var durationMs: Int
        public var problem: String?
        public var groups: [String]
        public var secureRenegotiation: Bool?
        public var compression: Bool?
        public var ocspStapling: Bool?
        public var fallbackSCSV: Bool?
        public var sslv3: Bool
        public var sslv2: Bool
        /// Mozilla's profiles: for each, whether the port meets it and what departs from it.
        public var profiles: [Profile]

        public struct Profile: Codable, Sendable {
            public var name: String
            public var meets: Bool
            public var versions: [String]
            public var suites: [String]
            public var dhGroups: [String]
        }

        /// A DHE group the server used: its size, and the published group it is.
        public struct DHGroup: Codable, Sendable {
            public var bits: Int
            public var published: String?
            /// Only anonymous (DH_anon) suites used it.
            public var anonymousOnly: Bool
        }
        public var dhGroups: [DHGroup]

        init(_ result: DeepScanResult) {
            versions = result.versions.map { version in
                Version(version: version.version.rawValue, serverOrder: version.serverOrder,
                        suites: version.accepted.map {
                            Suite(code: $0.hexCode, name: $0.ianaName, openSSL: $0.openSSLName,
                                  weakness: $0.weakness?.rawValue)
                        })
            }
            refused = result.refused.map(\.rawValue)
            handshakes = result.handshakes
            durationMs = Int(result.milliseconds.rounded())
            problem = result.problem
            groups = result.groups.map(ClientHelloBuilder.groupName)
            secureRenegotiation = result.secureRenegotiation
            compression = result.compression
            ocspStapling = result.ocspStapling
            fallbackSCSV = result.fallbackSCSV
            sslv3 = result.sslv3
            sslv2 = result.sslv2
            dhGroups = result.dhGroups.map { DHGroup(bits: $0.bits, published: $0.publishedName, anonymousOnly: $0.anonymousOnly) }
            profiles = MozillaProfile.allCases.map { profile in
                let departures = profile.departures(of: result)
                return Profile(name: profile.rawValue, meets: departures.meets,
                               versions: departures.versions.map(\.rawValue), suites: departures.suites,
                               dhGroups: departures.dhGroups)
            }
        }
    }

    /// Who runs a port: software, hosted provider, confidence, evidence (1.3).
    public struct Identification: Codable, Sendable {
        public var software: String?
        public var provider: String?
        public var confidence: String
        public var evidence: [Evidence]
        public var summary: String

        public struct Evidence: Codable, Sendable {
            public var kind: String
            public var value: String?
        }

        init(_ identification: ServerIdentification, language: Language) {
            software = identification.software?.rawValue
            provider = identification.provider?.rawValue
            confidence = identification.confidence.rawValue
            evidence = identification.evidence.map {
                let (kind, value) = IdentificationText.jsonEvidence($0)
                return Evidence(kind: kind, value: value)
            }
            summary = IdentificationText.line(identification, language)
        }
    }

    public static func document(_ report: CheckReport, language: Language, toolVersion: String) -> Document {
        Document(
            schemaVersion: schemaVersion, tool: Tool(name: "mailtls", version: toolVersion), host: report.host,
            address: report.address, checkedName: report.checkedName, startedAt: ISO8601.format(report.startedAt),
            durationMs: Int(report.durationMilliseconds.rounded()), exitCode: Int(report.exitCode),
            loginProbe: report.loginProbe?.rawValue ?? "off", ports: report.ports.map { port($0, language: language) },
            findings: report.findings.map { finding in
                FindingEntry(id: finding.id.rawValue, severity: finding.severity.rawValue, ports: finding.ports,
                             evidence: finding.evidence.english,
                             message: FindingCatalog.message(for: finding, in: language),
                             fix: FindingCatalog.fix(for: finding, in: language,
                                                     software: report.software(of: finding),
                                                     providers: report.providers(of: finding)))
            })
    }

    public static func render(_ report: CheckReport, language: Language, toolVersion: String) -> String {
        pretty(document(report, language: language, toolVersion: toolVersion))
    }

    /// Every `--json` document: indented, keys sorted (stable diffs), slashes unescaped (readable URLs).
    public static func pretty<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func port(_ observation: PortObservation, language: Language) -> Port {
        let wrongMode: String?
        switch observation.wrongMode {
        case .plaintextOnTLSPort?: wrongMode = "plaintext-on-tls-port"
        case .tlsOnSTARTTLSPort?: wrongMode = "tls-on-starttls-port"
        case nil: wrongMode = nil
        }
        let startTLS: String
        switch observation.record.startTLS {
        case .notApplicable: startTLS = "not-applicable"
        case .notOffered: startTLS = "not-offered"
        case .refused: startTLS = "refused"
        case .accepted: startTLS = "accepted"
        }
        var tls: TLS?
        if let handshake = observation.handshake {
            tls = TLS(version: handshake.version?.rawValue, cipher: handshake.cipherSuite?.ianaName,
                      cipherOpenSSL: handshake.cipherSuite?.openSSLName, cipherCode: handshake.cipherSuite?.hexCode,
                      acceptedVersions: observation.versions.accepted.map(\.rawValue),
                      refusedVersions: observation.versions.refused.map(\.rawValue),
                      untestedVersions: observation.versions.untested.map(\.rawValue),
                      handshakeMs: (handshake.durationMilliseconds * 10).rounded() / 10,
                      serverName: handshake.serverName, injectedBytes: handshake.injectedBytes.count)
        }
        return Port(
            port: observation.spec.port, protocol: observation.spec.mailProtocol.rawValue,
            expectedMode: observation.spec.mode.rawValue, state: observation.state.rawValue,
            security: observation.security.rawValue, wrongMode: wrongMode,
            greeting: observation.record.greeting?.lines.first, software: observation.software?.rawValue,
            identification: observation.identification.map { Identification($0, language: language) },
            deep: observation.deep.map(Deep.init),
            greetingMs: observation.greetingMilliseconds.map { Int($0.rounded()) },
            capabilitiesBeforeTLS: observation.capabilitiesBeforeTLS,
            capabilitiesAfterTLS: observation.capabilitiesAfterTLS,
            authBeforeTLS: observation.authBeforeTLS, authAfterTLS: observation.authAfterTLS,
            startTLS: startTLS, cleartextLogin: loginProbe(observation.record.cleartextLogin),
            mailBeforeTLS: mailProbe(observation.record.mailBeforeTLS),
            error: (observation.failure ?? observation.handshakeFailure)?.summary, tls: tls,
            certificate: observation.certificate.map(certificate),
            durationMs: Int(observation.durationMilliseconds.rounded()))
    }

    static func loginProbe(_ outcome: DialogueRecord.LoginOutcome) -> Probe {
        switch outcome {
        case .notTried: Probe(result: "not-tried", evidence: nil)
        case .notOffered(let evidence): Probe(result: "not-offered", evidence: evidence)
        case .refusedBeforeTLS(let evidence): Probe(result: "refused", evidence: evidence)
        case .acceptedInClear(let evidence): Probe(result: "accepted", evidence: evidence.english)
        case .inconclusive(let evidence): Probe(result: "inconclusive", evidence: evidence)
        }
    }

    static func mailProbe(_ outcome: DialogueRecord.MailOutcome) -> Probe {
        switch outcome {
        case .notTried: Probe(result: "not-tried", evidence: nil)
        case .acceptedBeforeTLS(let evidence): Probe(result: "accepted", evidence: evidence)
        case .refusedBeforeTLS(let evidence): Probe(result: "refused", evidence: evidence)
        case .inconclusive(let evidence): Probe(result: "inconclusive", evidence: evidence)
        }
    }

    static func certificate(_ report: CertificateReport) -> CertificateEntry {
        let failure = report.trustFailure?.key
        return CertificateEntry(
            subject: report.leaf.subject, sans: report.leaf.subjectAlternativeNames, issuer: report.leaf.issuer,
            notBefore: ISO8601.format(report.leaf.notBefore), notAfter: ISO8601.format(report.leaf.notAfter),
            daysLeft: report.daysLeft, trusted: report.isTrusted, trustFailure: failure,
            hostnameMatches: report.hostnameMatches, checkedName: report.checkedName,
            chainLength: report.chainLength, selfSigned: report.leaf.isSelfSigned, keyType: report.leaf.keyType,
            keyBits: report.leaf.keyBits, signatureAlgorithm: report.leaf.signatureAlgorithm,
            sha256: report.leaf.sha256Fingerprint,
            chain: report.chain.map {
                ChainEntry(subject: $0.subject, issuer: $0.issuer, notAfter: ISO8601.format($0.notAfter))
            })
    }
}
