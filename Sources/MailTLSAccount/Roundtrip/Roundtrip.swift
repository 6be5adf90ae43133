import Foundation
import MailTLSCheck
import MailTLSCore
import MailTLSDNS
import MailTLSEngine
import NIOCore

/// One server of the round trip: where the message goes in (submission) or is read back (IMAP or POP3).
public struct RoundtripEndpoint: Sendable, Equatable, Codable {
    public var host: String
    public var port: Int
    public var security: SecurityMode
    public var mailProtocol: MailProtocol

    public init(host: String, port: Int, security: SecurityMode, mailProtocol: MailProtocol) {
        self.host = host
        self.port = port
        self.security = security
        self.mailProtocol = mailProtocol
    }

    /// In JSON `security` is `--security`'s word: ssl, starttls or none.
    enum CodingKeys: String, CodingKey {
        case host, port, security, mailProtocol
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        host = try container.decode(String.self, forKey: .host)
        port = try container.decode(Int.self, forKey: .port)
        guard let security = SecurityMode(option: try container.decode(String.self, forKey: .security)) else {
            throw DecodingError.dataCorruptedError(forKey: .security, in: container,
                                                   debugDescription: "security is ssl, starttls or none")
        }
        self.security = security
        mailProtocol = try container.decode(MailProtocol.self, forKey: .mailProtocol)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(host, forKey: .host)
        try container.encode(port, forKey: .port)
        try container.encode(security.optionName, forKey: .security)
        try container.encode(mailProtocol, forKey: .mailProtocol)
    }
}

/// `mailtls roundtrip`: send a message with a unique token through submission, wait for it in a mailbox, read how
/// it travelled, delete it.
public struct RoundtripRequest: Sendable {
    /// The account: the sender, and the recipient unless `recipient` says otherwise.
    public var address: String
    public var recipient: String
    public var outgoing: RoundtripEndpoint
    public var incoming: RoundtripEndpoint
    /// Sends with this login; nil sends without one (a server that takes mail from this network).
    public var user: String?
    public var password: String?
    /// Reads the mailbox with this login (`--read-as`, else the same account).
    public var readUser: String
    public var readPassword: String
    /// The name the certificates must carry (default: each host).
    public var serverName: String?
    public var caFile: String?
    public var resolver: DNSResolver.Configuration?
    /// How long to wait for the message.
    public var wait: Double
    public var timeouts: ConnectionEngine.Timeouts
    /// Keep the test message instead of deleting it.
    public var keep: Bool
    public var now: Date

    public init(address: String, recipient: String? = nil, outgoing: RoundtripEndpoint, incoming: RoundtripEndpoint,
                user: String?, password: String?, readUser: String? = nil, readPassword: String? = nil,
                serverName: String? = nil, caFile: String? = nil, resolver: DNSResolver.Configuration? = nil,
                wait: Double = 120, timeouts: ConnectionEngine.Timeouts = .init(), keep: Bool = false,
                now: Date = Date()) {
        self.address = address
        self.recipient = recipient ?? address
        self.outgoing = outgoing
        self.incoming = incoming
        self.user = user
        self.password = password
        self.readUser = readUser ?? user ?? address
        self.readPassword = readPassword ?? password ?? ""
        self.serverName = serverName
        self.caFile = caFile
        self.resolver = resolver
        self.wait = wait
        self.timeouts = timeouts
        self.keep = keep
        self.now = now
    }
}

/// What became of the message at submission.
public enum RoundtripSend: Sendable, Equatable {
    case accepted(reply: String, tlsVersion: String?)
    /// The server refused a step: the login, a recipient, the message.
    case refused(step: String, reply: String)
    /// The submission server's certificate was not accepted: nothing was sent, not even the password.
    case certificateRejected(CertificateAssessment.Problem?)
    /// No TLS on the submission connection: the password was not sent.
    case noTLS
    case failed(EngineError)
    /// The conversation ended before a reply, for no reason the engine named.
    case interrupted
    /// The server's name does not resolve.
    case notReached(CheckInputError)
    /// Not sent: the mailbox it would be read from could not be read (POP3 is looked at first).
    case mailboxUnreadable
}

/// Why the mailbox could not be read.
public enum RoundtripReadFailure: Error, Sendable, Equatable {
    case certificateRejected(CertificateAssessment.Problem?)
    case noTLS
    case loginRefused(reply: String)
    case refused(command: String, reply: String)
    case failed(EngineError)
    case notReached(CheckInputError)
}

/// Where the message was when it was not in the inbox in time.
public enum RoundtripMissing: Sendable, Equatable {
    /// Delivered, but to another folder (a spam folder, a filter's target).
    case inFolder(String)
    /// A delivery failure report came back for it.
    case bounced(subject: String, status: String?)
    /// Accepted at submission, never seen in the mailbox, no report either.
    case notDelivered
}

public enum RoundtripDeletion: String, Sendable, Equatable, Codable {
    /// UID EXPUNGE (IMAP with UIDPLUS) or DELE (POP3): gone.
    case deleted
    /// Flagged \Deleted only: without UIDPLUS an EXPUNGE would also remove the user's own deleted messages.
    case flaggedDeleted = "flagged-deleted"
    /// `--keep`.
    case kept
    case failed
    case notFound = "not-found"
}

/// One hop of the message's way without TLS, from its Received header.
public struct RoundtripFinding: Sendable, Equatable {
    public var hop: ReceivedHop
    /// The hop index in travel order (0 first).
    public var index: Int
    /// The hop stayed inside one machine (a loopback address): worth knowing, not a risk on the network.
    public var withinHost: Bool
}

public struct RoundtripResult: Sendable {
    public var request: RoundtripRequest
    public var token: String
    public var send: RoundtripSend
    public var sendSeconds: Double?
    /// From the submission's 250 to the moment the mailbox showed the message.
    public var deliverySeconds: Double?
    public var totalSeconds: Double?
    /// The mailbox that was read (INBOX over IMAP, the maildrop over POP3), or why it could not be.
    public var readFailure: RoundtripReadFailure?
    /// Whether IMAP IDLE told of the message (else the mailbox was polled).
    public var usedIdle = false
    public var hops: [ReceivedHop] = []
    public var authenticationResults: [String] = []
    public var missing: RoundtripMissing?
    public var deletion: RoundtripDeletion = .notFound
    public var findings: [RoundtripFinding] = []
    public var transcript: [TranscriptLine] = []

    public var arrived: Bool { !hops.isEmpty || deliverySeconds != nil }

    /// 0: sent, found, every hop encrypted; 1: found with a hop in the clear; 2: not sent, not found or not read.
    public var exitCode: Int32 {
        guard case .accepted = send, readFailure == nil, arrived else { return 2 }
        return findings.contains { !$0.withinHost } ? 1 : 0
    }
}

/// Runs a round trip. Every wait is bounded: the submission by the engine's timeouts, the mailbox by `wait`.
public struct Roundtripper: Sendable {
    public init() {}

    public func run(_ request: RoundtripRequest) async throws(CheckInputError) -> RoundtripResult {
        let anchors = try ServerChecker.anchors(caFile: request.caFile)
        let token = Roundtripper.makeToken()
        var result = RoundtripResult(request: request, token: token, send: .interrupted)
        let engine = ConnectionEngine(timeouts: request.timeouts)
        let started = ContinuousClock.now

        // Out: submission, the password only over TLS whose certificate was accepted.
        let outgoing: SocketAddress
        do {
            outgoing = try await Roundtripper.address(request.outgoing, resolver: request.resolver)
        } catch {
            result.send = .notReached(error)
            return result
        }
        // POP3 shows a maildrop by position: what is there before the message is sent is set aside first. A mailbox
        // that cannot be read is said before anything is sent.
        var reader = MailboxReader(request: request, engine: engine, anchors: anchors, token: token)
        if let failure = await reader.recordBaseline() {
            result.readFailure = failure
            result.send = .mailboxUnreadable
            result.transcript += reader.transcript
            return result
        }
        let gate = CertificateGateKeeper(anchors: anchors, now: request.now)
        let serverName = request.serverName ?? (HostnameMatcher.isIPAddress(request.outgoing.host)
            ? nil : request.outgoing.host)
        let plan = SubmissionDialogue.Plan(
            mode: request.outgoing.security.connectionMode,
            upgrade: request.outgoing.security == .startTLS, user: request.user, password: request.password,
            from: request.address, recipients: [request.recipient],
            message: Roundtripper.message(from: request.address, to: request.recipient, token: token,
                                          date: request.now))
        let conversation = await engine.converse(
            SubmissionDialogue(plan: plan), address: outgoing, tls: TLSClientSettings(), serverName: serverName,
            certificateGate: gate.gate(checking: request.serverName ?? request.outgoing.host))
        result.transcript += conversation.transcript
        let accepted = ContinuousClock.now
        result.sendSeconds = started.duration(to: accepted).inSeconds
        switch conversation.record.stop {
        case .delivered(let reply):
            result.send = .accepted(reply: reply.statusLine,
                                    tlsVersion: conversation.handshake?.version?.rawValue)
        case .refused(let step, let reply):
            result.send = .refused(step: step.rawValue, reply: reply.statusLine)
        case .untrustedCertificate:
            result.send = .certificateRejected(gate.lastRefusal)
        case .noTLSForPassword:
            result.send = .noTLS
        case .interrupted:
            result.send = conversation.error.map(RoundtripSend.failed) ?? .interrupted
        }
        guard case .accepted = result.send else { return result }

        // Back: the mailbox, until the token shows or the wait ends.
        let deadline = accepted + .milliseconds(Int(request.wait * 1000))
        let found = await reader.waitForMessage(until: deadline)
        result.usedIdle = reader.usedIdle
        switch found {
        case .failure(let failure):
            result.readFailure = failure
        case .success(let header?):
            let seen = reader.foundAt ?? ContinuousClock.now
            result.deliverySeconds = accepted.duration(to: seen).inSeconds
            result.totalSeconds = started.duration(to: seen).inSeconds
            let fields = MessageHeaders.parse(header)
            result.hops = ReceivedChain.hops(in: fields)
            result.authenticationResults = MessageHeaders.values("Authentication-Results", in: fields)
            result.findings = Roundtripper.findings(result.hops)
            result.deletion = request.keep ? .kept : await reader.deleteFound()
        case .success(nil):
            if let bounce = reader.bounce {
                result.missing = bounce
            } else {
                result.missing = await reader.diagnoseMissing()
            }
            // Found in another folder: it goes from there, as from the inbox.
            if case .inFolder? = result.missing { result.deletion = request.keep ? .kept : await reader.deleteFound() }
        }
        await reader.close()
        result.transcript += reader.transcript
        return result
    }

    /// Hops without TLS; LMTP and local handovers are not network hops.
    static func findings(_ hops: [ReceivedHop]) -> [RoundtripFinding] {
        hops.enumerated().compactMap { index, hop in
            guard hop.encryption == .unencrypted else { return nil }
            return RoundtripFinding(hop: hop, index: index, withinHost: hop.isWithinHost)
        }
    }

    /// 24 random letters and digits: unique, and safe in a header, a SEARCH and a Subject.
    static func makeToken() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return "mtls-" + String((0..<24).map { _ in alphabet.randomElement()! })
    }

    static let tokenHeader = "X-Mailtls-Roundtrip"

    static func message(from: String, to: String, token: String, date: Date) -> [UInt8] {
        Array(("From: <\(from)>\r\nTo: <\(to)>\r\nSubject: mailtls roundtrip \(token)\r\n"
            + "Date: \(RFC5322Date.format(date))\r\nMessage-ID: <\(token)@mailtls.invalid>\r\n"
            + "\(tokenHeader): \(token)\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            + "This message was sent by mailtls roundtrip to test sending and receiving; it deletes it again.\r\n"
            + "Token: \(token)\r\n").utf8)
    }

    static func address(_ endpoint: RoundtripEndpoint, resolver: DNSResolver.Configuration?)
        async throws(CheckInputError) -> SocketAddress {
        var address = try await ServerChecker.resolve(endpoint.host, using: resolver)
        address.port = endpoint.port
        return address
    }
}

extension Duration {
    var inSeconds: Double { inMilliseconds / 1000 }
}
