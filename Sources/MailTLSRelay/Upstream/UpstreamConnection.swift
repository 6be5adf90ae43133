import Foundation
import MailTLSCheck
import MailTLSCore
import MailTLSEngine
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// How the relay logs in upstream: the configuration, with the token source shared by every connection.
public struct UpstreamLogin: Sendable {
    public let authentication: RelayConfiguration.Authentication
    public let tokens: OAuthTokenSource?

    public init(_ authentication: RelayConfiguration.Authentication) {
        self.authentication = authentication
        if case .oauth2(_, let settings) = authentication {
            tokens = OAuthTokenSource(settings: settings)
        } else {
            tokens = nil
        }
    }
}

/// One open, verified, logged-in connection to an upstream, reused for several messages. Encryption is not
/// optional: STARTTLS (or implicit TLS) with TLS 1.2 or later, and a certificate valid for the upstream's name from
/// a trusted root, before the first credential byte.
public struct UpstreamConnection: Sendable {
    public let upstream: RelayConfiguration.Upstream
    private var session: MailClientSession
    public private(set) var capabilities: SMTPCapabilities
    public private(set) var handshake: HandshakeFacts?
    /// The mechanism the login used, if any.
    public private(set) var mechanism: String?
    public private(set) var messagesSent = 0
    public var idleSince = ContinuousClock.now

    /// How long the final reply to a message may take (RFC 5321 section 4.5.3.2 suggests 10 minutes).
    static let finalReplyWait = 600.0

    public var transcript: [TranscriptLine] { session.transcript }
    public var isOpen: Bool { session.isOpen }

    private init(upstream: RelayConfiguration.Upstream, session: MailClientSession) {
        self.upstream = upstream
        self.session = session
        capabilities = SMTPCapabilities(keywords: [])
    }

    /// Connects, upgrades, verifies and logs in.
    public static func open(_ upstream: RelayConfiguration.Upstream, clientName: String, engine: ConnectionEngine,
                            anchors: TrustAnchors, login: UpstreamLogin) async throws(RelayProblem)
        -> UpstreamConnection {
        let addresses = try await resolve(upstream.host, port: upstream.port)
        var lastError: RelayProblem = .noAddress
        var opened: MailClientSession?
        for address in addresses {
            do {
                opened = try await MailClientSession.connect(to: address, engine: engine)
                break
            } catch {
                lastError = .connectFailed(address: address.ipAddress ?? upstream.host, error: error)
            }
        }
        guard let session = opened else { throw lastError }
        var connection = UpstreamConnection(upstream: upstream, session: session)
        do {
            try await connection.prepare(clientName: clientName, anchors: anchors, login: login)
        } catch {
            await connection.close(polite: false)
            throw error
        }
        return connection
    }

    static func resolve(_ host: String, port: Int) async throws(RelayProblem) -> [SocketAddress] {
        do {
            var address = try await ServerChecker.resolve(host, using: nil)
            address.port = port
            return [address]
        } catch {
            throw RelayProblem.unresolvable(host: host)
        }
    }

    private mutating func prepare(clientName: String, anchors: TrustAnchors,
                                  login: UpstreamLogin) async throws(RelayProblem) {
        let implicit = upstream.mode == .implicitTLS
        if implicit { try await upgrade(anchors: anchors, implicit: true) }
        let greeting = try await exchange(nil, .greeting)
        guard greeting.code == "220" else { throw RelayProblem.greetingRefused(reply: ReplyVerdict.text(greeting)) }
        var ehlo = try await exchange("EHLO \(clientName)", .capabilities)
        guard ehlo.outcome == .positive else { throw RelayProblem.ehloRefused(reply: ReplyVerdict.text(ehlo)) }
        if !implicit {
            guard SMTPCapabilities(ehloReply: ehlo).offersSTARTTLS else {
                throw RelayProblem.startTLSNotOffered
            }
            let goAhead = try await exchange("STARTTLS", .startTLS)
            guard goAhead.code == "220" else { throw RelayProblem.startTLSRefused(reply: ReplyVerdict.text(goAhead)) }
            try await upgrade(anchors: anchors, implicit: false)
            ehlo = try await exchange("EHLO \(clientName)", .capabilities)
            guard ehlo.outcome == .positive else { throw RelayProblem.ehloRefused(reply: ReplyVerdict.text(ehlo)) }
        }
        capabilities = SMTPCapabilities(ehloReply: ehlo)
        try await logIn(login)
    }

    private mutating func upgrade(anchors: TrustAnchors, implicit: Bool) async throws(RelayProblem) {
        let name = upstream.serverName ?? upstream.host
        let serverName = upstream.serverName ?? (HostnameMatcher.isIPAddress(upstream.host) ? nil : upstream.host)
        let settings = TLSClientSettings(minimum: upstream.minimumTLS, maximum: .tls13)
        // Accepts a certificate only if a validating client would: trusted, valid today, carrying the upstream's
        // name (the rules every command shares); the keeper remembers why it refused one.
        let keeper = CertificateGateKeeper(anchors: anchors)
        let acceptance: CertificateAcceptance
        do {
            let facts: HandshakeFacts
            (facts, acceptance) = try await session.startTLS(settings, serverName: serverName, implicit: implicit,
                                                             gate: keeper.gate(checking: name))
            handshake = facts
        } catch {
            throw error.isVersionRefusal ? RelayProblem.tlsVersionRefused(minimum: upstream.minimumTLS, error: error)
                : .tlsFailed(error: error)
        }
        if case .rejected = acceptance {
            throw keeper.lastRefusal.map(RelayProblem.certificateRefused) ?? .noCertificate
        }
    }

    private mutating func logIn(_ login: UpstreamLogin) async throws(RelayProblem) {
        let offered = capabilities.authMechanisms
        switch login.authentication {
        case .none:
            return
        case .password(let preferred, let user, let source):
            let password: String
            do {
                password = try source.read()
            } catch {
                throw RelayProblem.credential(error)
            }
            let choice = offered.contains(preferred.rawValue) ? preferred
                : offered.contains("PLAIN") ? .plain : offered.contains("LOGIN") ? .login : nil
            guard let choice else {
                throw offered.isEmpty ? RelayProblem.noAuthenticationAfterTLS : .plainAndLoginNotOffered(offered: offered)
            }
            let reply: MailResponse
            switch choice {
            case .plain:
                let token = Base64.encode(Array("\0\(user)\0\(password)".utf8))
                reply = try await exchange("AUTH PLAIN \(token)", .authenticate, shown: "AUTH PLAIN <credentials hidden>")
            case .login:
                let first = try await exchange("AUTH LOGIN", .authenticate)
                guard first.code == "334" else { throw RelayProblem.authLoginRefused(reply: ReplyVerdict.text(first)) }
                let second = try await exchange(Base64.encode(Array(user.utf8)), .authenticate, shown: "<user name>")
                guard second.code == "334" else { throw RelayProblem.userNameRefused(reply: ReplyVerdict.text(second)) }
                reply = try await exchange(Base64.encode(Array(password.utf8)), .authenticate, shown: "<password hidden>")
            }
            guard reply.code == "235" else { throw RelayProblem.loginRefused(reply: ReplyVerdict.text(reply)) }
            mechanism = choice.rawValue
        case .oauth2(let user, _):
            guard let tokens = login.tokens else { throw RelayProblem.noTokenSource }
            guard offered.contains("XOAUTH2") else {
                throw offered.isEmpty ? RelayProblem.noAuthenticationAfterTLS : .xoauth2NotOffered(offered: offered)
            }
            let token: String
            do {
                token = try await tokens.token()
            } catch {
                throw RelayProblem.credential(error)
            }
            let initial = Base64.encode(Array("user=\(user)\u{1}auth=Bearer \(token)\u{1}\u{1}".utf8))
            var reply = try await exchange("AUTH XOAUTH2 \(initial)", .authenticate, shown: "AUTH XOAUTH2 <token hidden>")
            if reply.code == "334" {
                // RFC 7628 / Google: the error comes as a challenge; an empty response gets the final failure.
                reply = try await exchange("", .authenticate, shown: "<empty response to the error challenge>")
            }
            guard reply.code == "235" else {
                await tokens.invalidate()
                throw RelayProblem.tokenRefused(reply: ReplyVerdict.text(reply))
            }
            mechanism = "XOAUTH2"
        }
    }

    private mutating func exchange(_ command: String?, _ purpose: DialogueRequest.Purpose, shown: String? = nil,
                                   wait: Double? = nil) async throws(RelayProblem) -> MailResponse {
        var request = DialogueRequest(purpose: purpose, command: command, transcriptText: shown, reader: .smtp)
        request.minimumWait = wait
        do {
            return try await session.exchange(request)
        } catch {
            throw RelayProblem.dialogueFailed(error: error)
        }
    }

    /// Checks a reused connection is still good (`RSET`, as Postfix does before reuse).
    public mutating func stillUsable() async -> Bool {
        guard session.isOpen else { return false }
        guard let reply = try? await exchange("RSET", .reset) else { return false }
        return reply.code == "250"
    }

    /// Sends one message to its pending recipients. A reply decides per recipient; a broken connection throws (then
    /// every pending recipient waits for the next attempt).
    public mutating func deliver(_ record: SpoolRecord, content descriptor: Int32) async throws(RelayProblem)
        -> AttemptResult {
        try await deliver(record, content: .descriptor(descriptor))
    }

    /// Where a message's content comes from: a spool file, or bytes the caller composed (a monitor's alert).
    public enum Content: Sendable {
        /// Stored content: dot-stuffed CRLF lines, the record's `size` bytes of it.
        case descriptor(Int32)
        /// A message in memory with CRLF lines, not yet dot-stuffed.
        case message([UInt8])
    }

    /// Sends one message to its pending recipients (see above), from a spool file or from memory.
    public mutating func deliver(_ record: SpoolRecord, content: Content) async throws(RelayProblem)
        -> AttemptResult {
        var result = AttemptResult(upstream: upstream.label)
        let pending = record.pendingRecipients
        func all(_ addresses: [String], _ reply: MailResponse) {
            let verdict = ReplyVerdict.verdict(for: reply)
            for address in addresses { result.recipients[address] = (verdict, ReplyVerdict.text(reply)) }
        }
        if let limit = capabilities.sizeLimit, record.size > limit {
            let reply = MailResponse(outcome: .permanentFailure, code: "552", enhancedCode: "5.3.4",
                                     lines: ["552 5.3.4 message of \(record.size) bytes is larger than the upstream's limit of \(limit) bytes"])
            all(pending, reply)
            return result
        }
        var parameters = capabilities.has("SIZE") ? " SIZE=\(record.size)" : ""
        if record.eightBit && capabilities.has("8BITMIME") { parameters += " BODY=8BITMIME" }
        let mail = try await exchange("MAIL FROM:<\(record.from)>\(parameters)", .mailFrom)
        guard mail.outcome == .positive else {
            all(pending, mail)
            _ = try? await exchange("RSET", .reset)
            return result
        }
        var accepted: [String] = []
        for address in pending {
            let reply = try await exchange("RCPT TO:<\(address)>", .recipient)
            if reply.outcome == .positive {
                accepted.append(address)
            } else {
                all([address], reply)
            }
        }
        guard !accepted.isEmpty else {
            _ = try? await exchange("RSET", .reset)
            return result
        }
        let data = try await exchange("DATA", .data)
        guard data.code == "354" else {
            all(accepted, data)
            _ = try? await exchange("RSET", .reset)
            return result
        }
        switch content {
        case .descriptor(let descriptor): try await sendContent(descriptor, bytes: record.size)
        case .message(let bytes): try await sendMessage(bytes)
        }
        let final = try await exchange(".", .messageBody, shown: "<message, \(record.size) bytes>",
                                       wait: UpstreamConnection.finalReplyWait)
        all(accepted, final)
        messagesSent += 1
        return result
    }

    /// The stored content as it is (already dot-stuffed, CRLF lines), its first `bytes` bytes (the envelope trailer
    /// follows them), in 64 KiB writes.
    private mutating func sendContent(_ descriptor: Int32, bytes total: Int) async throws(RelayProblem) {
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        var lastTwo: [UInt8] = []
        var remaining = total
        while remaining > 0 {
            let wanted = min(chunk.count, remaining)
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, wanted) }
            if count < 0 {
                if errno == EINTR { continue }
                throw RelayProblem.spooledMessageUnreadable
            }
            if count == 0 { throw RelayProblem.spooledMessageTruncated }
            remaining -= count
            let piece = Array(chunk[0..<count])
            lastTwo = Array((lastTwo + piece).suffix(2))
            do {
                try await session.write(piece)
            } catch {
                throw RelayProblem.dialogueFailed(error: error)
            }
        }
        // Content always ends with CRLF (the session adds it to every line); an empty message needs none.
        if !lastTwo.isEmpty && lastTwo != [0x0D, 0x0A] {
            do {
                try await session.write([0x0D, 0x0A])
            } catch {
                throw RelayProblem.dialogueFailed(error: error)
            }
        }
    }

    /// A composed message, dot-stuffed here (a line that starts with "." gets another), ending with CRLF.
    private mutating func sendMessage(_ bytes: [UInt8]) async throws(RelayProblem) {
        var stuffed: [UInt8] = []
        stuffed.reserveCapacity(bytes.count + 64)
        var atLineStart = true
        for byte in bytes {
            if atLineStart && byte == UInt8(ascii: ".") { stuffed.append(byte) }
            stuffed.append(byte)
            atLineStart = byte == 0x0A
        }
        if !stuffed.isEmpty && !stuffed.suffix(2).elementsEqual([0x0D, 0x0A]) { stuffed += [0x0D, 0x0A] }
        do {
            try await session.write(stuffed)
        } catch {
            throw RelayProblem.dialogueFailed(error: error)
        }
    }

    /// Says QUIT (when `polite`) and closes.
    public func close(polite: Bool = true) async {
        await session.close(farewell: polite ? Array("QUIT\r\n".utf8) : nil)
    }
}
