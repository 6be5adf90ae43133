import Foundation
import MailTLSCheck
import MailTLSCore
import MailTLSDNS
import MailTLSEngine
import MailTLSSetup
import NIOCore

/// What `mailtls diagnose` was asked to replay.
public struct DiagnosisRequest: Sendable {
    public var host: String
    public var port: Int
    public var mailProtocol: MailProtocol
    public var security: SecurityMode
    public var user: String?
    /// Never printed, never logged, never sent before TLS unless `allowPlaintextAuthentication`.
    public var password: String?
    public var allowPlaintextAuthentication: Bool
    /// Send the password even over TLS whose certificate fails (`--insecure-send-password`); the report says so.
    public var sendPasswordDespiteCertificate: Bool
    /// Compare with what `setup` discovers for this address.
    public var address: String?
    /// Send a test message to this address after logging in (SMTP only).
    public var testRecipient: String?
    /// Simulates an old device: the highest TLS version the client offers.
    public var clientMaximumTLS: TLSVersion?
    public var resolver: DNSResolver.Configuration?
    public var caFile: String?
    public var timeouts: ConnectionEngine.Timeouts
    public var now: Date

    public init(host: String, port: Int, mailProtocol: MailProtocol, security: SecurityMode, user: String? = nil,
                password: String? = nil, allowPlaintextAuthentication: Bool = false,
                sendPasswordDespiteCertificate: Bool = false, address: String? = nil,
                testRecipient: String? = nil, clientMaximumTLS: TLSVersion? = nil,
                resolver: DNSResolver.Configuration? = nil, caFile: String? = nil,
                timeouts: ConnectionEngine.Timeouts = .init(connect: 5, read: 10, greeting: 15, overall: 60),
                now: Date = Date()) {
        self.host = host
        self.port = port
        self.mailProtocol = mailProtocol
        self.security = security
        self.user = user
        self.password = password
        self.allowPlaintextAuthentication = allowPlaintextAuthentication
        self.sendPasswordDespiteCertificate = sendPasswordDespiteCertificate
        self.address = address
        self.testRecipient = testRecipient
        self.clientMaximumTLS = clientMaximumTLS
        self.resolver = resolver
        self.caFile = caFile
        self.timeouts = timeouts
        self.now = now
    }

    public var setting: ServerSetting {
        ServerSetting(kind: mailProtocol, hostname: host, port: port, socketType: security,
                      username: user ?? "%EMAILADDRESS%")
    }
}

/// One step a client takes, and how it went.
public struct DiagnosisStep: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case dns, tcp, greeting, starttls, tls, certificate, authentication
        case testMessage = "test-message"
    }

    public enum Status: String, Sendable, Codable {
        case passed, failed, skipped
    }

    public var kind: Kind
    public var status: Status
    /// What the step saw, as values: the report says it in the reader's language.
    public var facts: StepEvidence
    /// The same in English, for JSON and logs.
    public var evidence: String { facts.english }

    public init(_ kind: Kind, _ status: Status, _ facts: StepEvidence) {
        self.kind = kind
        self.status = status
        self.facts = facts
    }
}

/// What one diagnosis step saw: measured values, the server's own words (always quoted as such), or a typed
/// failure. The report renders each case in the reader's language; `english` is the JSON's wording.
public enum StepEvidence: Sendable, Equatable {
    /// A value that reads the same in every language: a host name or an address.
    case value(String)
    /// The server's own words.
    case serverSaid(String)
    case resolved(host: String, addresses: [String])
    case nameDoesNotExist(host: String)
    case noAddress(host: String)
    case resolverFailed(host: String, DNSError)
    case connected(endpoint: String)
    case connectionRefused(endpoint: String)
    case connectTimedOut(endpoint: String, seconds: Double)
    case connectFailed(endpoint: String, ConnectFailure)
    /// The engine stopped the conversation (a timeout, a reset, a failed handshake).
    case failure(EngineError)
    case noGreeting
    case interrupted
    case handshakeFailed
    case handshake(version: String?, cipher: String?)
    /// The TLS step passed, then the server refused the session (Microsoft's 4.7.66 for TLS 1.0/1.1).
    case refusedAfterHandshake(version: String?, cipher: String?, reply: String)
    /// The port completes a TLS handshake without any greeting: it expects "SSL/TLS".
    case tlsWithoutGreeting
    case startTLSNotOffered(capabilities: [String])
    case startTLSAccepted
    case securityNone
    case certificateRefused(CertificateAssessment.Problem)
    case noCertificate
    case certificateAccepted(names: [String], daysLeft: Int, issuer: String)
    case authenticationReply(mechanism: String, reply: String)
    /// No login attempted: no `--user` was given; what the server offers.
    case noUserGiven(offered: [String])
    case offered([String])
    case noAuthenticationBeforeTLS(offered: [String])
    case authenticationMechanisms([String])
    case passwordWithheldWithoutTLS
    case testMessageAccepted(recipient: String, reply: String)
    case testMessageWithoutTLS
    case testMessageSkippedWithoutTLS
    case certificateRejectedOnSecondConnection(reason: String)

    public var english: String {
        switch self {
        case .value(let text), .serverSaid(let text): text
        case .resolved(let host, let addresses): "\(host) -> \(addresses.joined(separator: ", "))"
        case .nameDoesNotExist(let host): "\(host): NXDOMAIN"
        case .noAddress(let host): "\(host): no address"
        case .resolverFailed(let host, let error): "\(host): \(error.evidence)"
        case .connected(let endpoint): "\(endpoint) connected"
        case .connectionRefused(let endpoint): "\(endpoint): connection refused"
        case .connectTimedOut(let endpoint, let seconds): "\(endpoint): no answer within \(seconds.formatted()) s"
        case .connectFailed(let endpoint, let failure): "\(endpoint): \(failure.systemWords)"
        case .failure(let error): error.summary
        case .noGreeting: "no greeting"
        case .interrupted: "interrupted"
        case .handshakeFailed: "TLS handshake failed"
        case .handshake(let version, let cipher): [version, cipher].compactMap { $0 }.joined(separator: ", ")
        case .refusedAfterHandshake(let version, let cipher, let reply):
            "\([version, cipher].compactMap { $0 }.joined(separator: ", ")), then: \(reply)"
        case .tlsWithoutGreeting: "no greeting; the port completes a TLS handshake at once"
        case .startTLSNotOffered(let capabilities):
            capabilities.isEmpty ? "no STARTTLS" : capabilities.joined(separator: " ")
        case .startTLSAccepted: "STARTTLS accepted"
        case .securityNone: "security: none"
        case .certificateRefused(let problem): problem.evidence
        case .noCertificate: "no certificate"
        case .certificateAccepted(let names, let days, let issuer):
            "\(names.joined(separator: ", ")); \(days) days left; \(issuer)"
        case .authenticationReply(let mechanism, let reply): "\(mechanism): \(reply)"
        case .noUserGiven(let offered): "no --user; offered: \(offered.joined(separator: " "))"
        case .offered(let offered): offered.joined(separator: " ")
        case .noAuthenticationBeforeTLS(let offered): "no AUTH before TLS; offered: " + offered.joined(separator: " ")
        case .authenticationMechanisms(let mechanisms):
            mechanisms.isEmpty ? "no AUTH offered" : "offered: " + mechanisms.joined(separator: " ")
        case .passwordWithheldWithoutTLS: "no TLS on this connection; the password was not sent"
        case .testMessageAccepted(let recipient, let reply): "\(recipient): \(reply)"
        case .testMessageWithoutTLS: "no TLS"
        case .testMessageSkippedWithoutTLS: "security: none; the password is not sent"
        case .certificateRejectedOnSecondConnection(let reason):
            "certificate rejected (\(reason)); the password was not sent"
        }
    }
}

/// The outcome of `mailtls diagnose`.
public struct Diagnosis: Sendable {
    public var request: DiagnosisRequest
    public var address: String?
    public var steps: [DiagnosisStep]
    /// The first failure's cause; nil when the settings work.
    public var cause: DiagnosisCause?
    /// What shows the cause.
    public var facts: StepEvidence?
    public var evidence: String { facts?.english ?? "" }
    /// Values for the explanation (`{names}`, `{version}`, ...).
    public var parameters: [String: String]
    /// Other settings on the same host that do work.
    public var alternatives: [VerifiedCandidate]
    /// What `setup` recommends for `--address`, when given.
    public var discovered: AccountRecommendation?
    public var transcript: [TranscriptLine]
    public var durationMilliseconds: Double
    /// What became of the password: never sent, or sent, and on what terms.
    public var password: PasswordFate = .notGiven

    /// 0 the settings work; 2 they do not.
    public var exitCode: Int32 { cause == nil ? 0 : 2 }
}

/// What happened to the user's password, said plainly in every report.
public enum PasswordFate: String, Sendable, Codable {
    /// No password was given (`--user` without one, or no `--user`).
    case notGiven = "not-given"
    /// Sent over TLS whose certificate was accepted.
    case sentOverVerifiedTLS = "sent-over-verified-tls"
    /// Not sent: the certificate was not accepted.
    case withheldUntrustedCertificate = "withheld-untrusted-certificate"
    /// Not sent: there was no TLS.
    case withheldWithoutTLS = "withheld-without-tls"
    /// Not sent: the dialogue stopped before the login (connection, greeting, STARTTLS or TLS failed).
    case notReached = "not-reached"
    /// Sent although the certificate failed, because the user forced it (`--insecure-send-password`).
    case sentDespiteCertificate = "sent-despite-certificate"
    /// Sent without TLS, because the user forced it (`--allow-plaintext-auth`).
    case sentWithoutTLS = "sent-without-tls"
}

/// Input `diagnose` cannot work with.
public enum DiagnosisInputError: RunContextInputError, Equatable, Sendable {
    case resolver(DNSError)
    /// `--ca-file` is unreadable or holds no certificate.
    case caFile(TrustAnchors.LoadError)
    case badAddress(String)
}

/// Replays what a client with the entered settings does, step by step, and stops at the first failure.
public struct Diagnoser: Sendable {
    public init() {}

    public func run(_ request: DiagnosisRequest) async throws(DiagnosisInputError) -> Diagnosis {
        let clock = ContinuousClock.now
        let run: RunContext
        do {
            run = try RunContext(caFile: request.caFile,
                                 resolver: request.resolver ?? DNSResolver.Configuration(useSystemRootKey: false))
        } catch {
            throw error.reported(as: DiagnosisInputError.self)
        }
        let anchors = run.anchors
        let resolver = run.resolver
        if let address = request.address, (try? AccountDiscovery.split(address)) == nil {
            throw .badAddress(address)
        }
        var replay = Replay(request: request, anchors: anchors, resolver: resolver)
        await replay.run()

        var diagnosis = Diagnosis(
            request: request, address: request.address, steps: replay.steps, cause: replay.cause,
            facts: replay.facts, parameters: replay.parameters, alternatives: [], discovered: nil,
            transcript: replay.transcript, durationMilliseconds: 0, password: replay.password)
        if replay.cause != nil && replay.cause != .hostNotFound {
            diagnosis.alternatives = await Diagnoser.alternatives(for: request, anchors: anchors, resolver: resolver)
        }
        if let address = request.address {
            let discovery = DiscoveryRequest(address: address, resolver: request.resolver ?? .init(),
                                             caFile: request.caFile, timeouts: request.timeouts, now: request.now)
            // The same resolver when the user named one; otherwise discovery's own, which validates DNSSEC with
            // the system's root key where diagnose's does not.
            diagnosis.discovered = (try? await AccountDiscovery().run(discovery,
                                                                      context: request.resolver == nil ? nil : run))?
                .recommendation
        }
        diagnosis.durationMilliseconds = clock.duration(to: .now).inMilliseconds
        return diagnosis
    }

    /// The standard settings for the protocol on the same host, except the one entered; for SMTP that includes
    /// 2525, the port that often gets through where 25 and 587 are blocked.
    static func alternatives(for request: DiagnosisRequest, anchors: TrustAnchors, resolver: DNSResolver) async
        -> [VerifiedCandidate] {
        let kind = request.setting.kind
        let standard: [(Int, SecurityMode)]
        switch kind {
        case .smtp: standard = [(465, .implicitTLS), (587, .startTLS), (2525, .startTLS)]
        case .imap: standard = [(993, .implicitTLS), (143, .startTLS)]
        case .pop3: standard = [(995, .implicitTLS), (110, .startTLS)]
        }
        let candidates = standard.filter { $0.0 != request.port || $0.1 != request.security }.map {
            Candidate(setting: ServerSetting(kind: kind, hostname: request.host, port: $0.0, socketType: $0.1),
                      source: .guess, origin: "\(request.host):\($0.0)")
        }
        let verifier = CandidateVerifier(resolver: resolver, anchors: anchors, now: request.now,
                                         timeouts: request.timeouts, maximumConnections: 4)
        return await verifier.verify(candidates)
    }
}
