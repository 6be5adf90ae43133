import Foundation
import MailTLSCore
import MailTLSEngine
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// Shared by every connection of a running listener (the sandbox's, the relay's).
struct ListenerContext: Sendable {
    let sink: any MessageSink
    /// What IMAP and POP3 serve (the sandbox's capture store); nil where nothing is served.
    let mailbox: MessageStore?
    /// Whether a client address may connect at all (the relay's network allow-list).
    let admits: @Sendable (String) -> Bool
    let log: EventLog
    let onReport: @Sendable (ConnectionReport) -> Void
    let connections: NIOLockedValueBox<Int>
    /// Open connections per client address: one address cannot take every slot.
    let connectionsPerAddress: NIOLockedValueBox<[String: Int]>
    /// Failed logins per client address, for the growing delay before each refusal.
    let authenticationFailures: NIOLockedValueBox<[String: AuthenticationThrottle]>
    /// Open client channels, so that stopping the sandbox closes them too.
    let openChannels: NIOLockedValueBox<[ObjectIdentifier: Channel]>
    let limits: SandboxLimits
}

/// How much of the sandbox one client may take. A LAN-bound sandbox is reachable by anyone on the LAN.
public struct SandboxLimits: Sendable, Equatable {
    public var maximumConnections: Int
    public var maximumConnectionsPerAddress: Int
    /// A connection that completes no line (a command, a DATA line) for this long is closed: a byte now and then
    /// does not keep it open.
    public var idleSeconds: Double
    /// No connection lives longer than this, whatever it does.
    public var sessionSeconds: Double
    public var maximumLineBytes: Int

    public init(maximumConnections: Int = 64, maximumConnectionsPerAddress: Int = 16, idleSeconds: Double = 60,
                sessionSeconds: Double = 600, maximumLineBytes: Int = 4096) {
        self.maximumConnections = maximumConnections
        self.maximumConnectionsPerAddress = maximumConnectionsPerAddress
        self.idleSeconds = idleSeconds
        self.sessionSeconds = sessionSeconds
        self.maximumLineBytes = maximumLineBytes
    }
}

/// Failed logins from one address: each refusal waits longer (0.5 s doubling to 8 s), so guessing is slow; the
/// count fades after ten quiet minutes and ends at a successful login.
struct AuthenticationThrottle: Sendable {
    var failures = 0
    var last = ContinuousClock.now

    static let forgetAfter = Duration.seconds(600)

    mutating func fail(now: ContinuousClock.Instant) -> Duration {
        if last.duration(to: now) > AuthenticationThrottle.forgetAfter { failures = 0 }
        failures += 1
        last = now
        let exponent = min(failures - 1, 4)
        return .milliseconds(500 << exponent)
    }
}

/// One client connection: frames lines, feeds the protocol session, carries out its actions (write, STARTTLS,
/// close), and builds the client report. Runs on its channel's event loop.
final class ServerConnectionHandler: ChannelInboundHandler {
    /// Where commits wait for the disk. A commit spends its time in fsync, not on a core: as many wait at once as
    /// connections finish messages together (Postfix runs a cleanup process per message), not as many as there are
    /// cores (NIOThreadPool.singleton's size), which made every fifth concurrent message wait for another's fsync.
    static let diskPool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 32)
        pool.start()
        return pool
    }()

    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let port: SandboxPort
    private let tlsContext: NIOSSLContext
    private let shared: ListenerContext
    private var session: any ServerSession
    private var framer: LineFramer
    private let observation = NIOLockedValueBox(HandshakeObservation())
    private let started = Date()
    private var clientAddress = "?"
    private var clientPort = 0
    private var serverPort = 0
    private var tlsActive = false
    private var closing = false
    private var counted = false

    // Report material
    private var negotiatedVersion: MailTLSCore.TLSVersion?
    private var handshakeError: String?
    private var startTLS = "not-used"
    private var commandsBeforeTLS: [String] = []
    private var commandsAfterTLS = 0
    private var authentications: [ConnectionReport.Authentication] = []
    private var messages: [ConnectionReport.Message] = []
    private var problems: [ConnectionProblem] = []
    /// Reads a TLS handshake that arrives where a plaintext command was expected (a client set to SSL/TLS on a
    /// STARTTLS port, or one that starts TLS although STARTTLS was refused).
    private var plaintextHello: ClientHelloParser?
    private var linesRead = 0
    /// The message being received, streamed to the store.
    private var writer: (any IncomingMessage)?
    private var writerFailure: MessageSinkError?
    private var idleTimer: Scheduled<Void>?
    private var sessionTimer: Scheduled<Void>?
    /// Set while a failed login's refusal waits out its delay: lines are read but not acted on.
    private var throttled = false
    private var countedAddress: String?

    init(port: SandboxPort, session: any ServerSession, tlsContext: NIOSSLContext, shared: ListenerContext) {
        self.port = port
        self.session = session
        self.tlsContext = tlsContext
        self.shared = shared
        framer = LineFramer(maximumLineLength: shared.limits.maximumLineBytes)
        if port.mode == .implicitTLS { startTLS = "not-applicable" }
    }

    /// The TLS handler and, in front of it, the recorder that reads both hellos. Implicit TLS adds them before the
    /// first byte; STARTTLS right after the go-ahead.
    private func addTLSHandlers(_ context: ChannelHandlerContext) throws {
        let sync = context.pipeline.syncOperations
        try sync.addHandler(NIOSSLServerHandler(context: tlsContext), position: .first)
        try sync.addHandler(TLSHandshakeRecorder(observation: observation), position: .first)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if let remote = context.channel.remoteAddress {
            clientAddress = remote.ipAddress ?? "?"
            clientPort = remote.port ?? 0
        }
        serverPort = context.channel.localAddress?.port ?? port.port
    }

    func channelActive(context: ChannelHandlerContext) {
        let limits = shared.limits
        let address = clientAddress
        guard shared.admits(address) else {
            problems.append(.clientNetworkNotAllowed)
            refuse(smtp: "554 5.7.1 This relay does not accept connections from your network",
                   imap: "* BYE [UNAVAILABLE] Not allowed from your network",
                   pop3: "-ERR [AUTH] Not allowed from your network", context: context)
            return
        }
        let admitted = shared.connections.withLockedValue { count -> Bool in
            guard count < limits.maximumConnections else { return false }
            let perAddress = shared.connectionsPerAddress.withLockedValue { open -> Bool in
                guard open[address, default: 0] < limits.maximumConnectionsPerAddress else { return false }
                open[address, default: 0] += 1
                return true
            }
            guard perAddress else { return false }
            count += 1
            return true
        }
        counted = admitted
        if admitted { countedAddress = address }
        guard admitted else {
            problems.append(.tooManyConnections)
            refuse(smtp: "421 4.7.0 Too many connections, try again later",
                   imap: "* BYE [UNAVAILABLE] Too many connections, try again later",
                   pop3: "-ERR [SYS/TEMP] Too many connections, try again later", context: context)
            return
        }
        let channel = context.channel
        shared.openChannels.withLockedValue { $0[ObjectIdentifier(channel)] = channel }
        resetIdleTimer(context)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        sessionTimer = context.eventLoop.scheduleTask(in: .milliseconds(Int64(limits.sessionSeconds * 1000))) {
            let (handler, context) = loopBound.value
            handler.end(context, because: .sessionDeadline(seconds: Int(limits.sessionSeconds)))
        }
        if port.mode == .implicitTLS {
            do {
                try addTLSHandlers(context)
            } catch {
                context.close(promise: nil)
                return
            }
        }
        perform(session.start(), context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        let bytes = unwrapInboundIn(data)
        if port.mode == .startTLS && !tlsActive && startTLS != "used" && readTLSHandshakeInPlaintext(bytes, context) {
            return
        }
        framer.append(bytes.readableBytesView)
        processLines(context)
    }

    /// Acts on every complete line buffered, unless a refusal is waiting out its delay.
    private func processLines(_ context: ChannelHandlerContext) {
        while !closing && !throttled {
            let line: [UInt8]?
            do {
                line = try framer.nextLine()
            } catch {
                problems.append(.lineTooLong(limit: shared.limits.maximumLineBytes))
                closing = true
                context.close(promise: nil)
                return
            }
            guard let line else { break }
            linesRead += 1
            resetIdleTimer(context)
            if tlsActive { commandsAfterTLS += 1 }
            if session.wantsMailbox { session.mailboxLoaded(shared.mailbox?.mailbox() ?? []) }
            perform(session.receive(line: line), context: context)
        }
    }

    /// Idle means no complete line: the timer restarts on each one, not on each byte.
    private func resetIdleTimer(_ context: ChannelHandlerContext) {
        idleTimer?.cancel()
        let seconds = shared.limits.idleSeconds
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        idleTimer = context.eventLoop.scheduleTask(in: .milliseconds(Int64(seconds * 1000))) {
            let (handler, context) = loopBound.value
            handler.end(context, because: .idleTimeout)
        }
    }

    private func end(_ context: ChannelHandlerContext, because reason: ConnectionProblem) {
        guard !closing else { return }
        problems.append(reason)
        closing = true
        context.close(promise: nil)
    }

    /// A TLS record (0x16) where the first command, or the first line after a refused STARTTLS, was expected is a
    /// ClientHello: record the offer and close at once, rather than read binary as commands and wait for a line end
    /// that may never come. Returns whether the bytes were taken.
    private func readTLSHandshakeInPlaintext(_ bytes: ByteBuffer, _ context: ChannelHandlerContext) -> Bool {
        if plaintextHello == nil {
            guard linesRead == 0 || startTLS == "asked-without-advertisement", framer.bufferedByteCount == 0,
                  bytes.readableBytesView.first == 0x16
            else { return false }
            plaintextHello = ClientHelloParser()
        }
        guard var parser = plaintextHello else { return false }
        let verdict = parser.consume(bytes.readableBytesView)
        plaintextHello = parser
        if verdict == .needMoreBytes { return true }
        if case .clientHello(let hello) = verdict { observation.withLockedValue { $0.clientHello = hello } }
        problems.append(.tlsHandshakeWithoutSTARTTLS)
        closing = true
        context.close(promise: nil)
        return true
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tlsEvent = event as? TLSUserEvent, case .handshakeCompleted = tlsEvent {
            tlsActive = true
            if let handler = try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self),
               let version = handler.tlsVersion {
                negotiatedVersion = MailTLSCore.TLSVersion(nio: version)
            }
            perform(session.tlsEstablished(), context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if !tlsActive && (port.mode == .implicitTLS || startTLS == "used") {
            handshakeError = TLSFailureReason.short(error)
        }
        closing = true
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        idleTimer?.cancel()
        sessionTimer?.cancel()
        writer?.abort()
        writer = nil
        // The report first: stopping the sandbox waits for connections to end, and their reports with them.
        let report = makeReport()
        shared.log.append(report)
        shared.onReport(report)
        if counted {
            shared.connections.withLockedValue { $0 -= 1 }
            if let address = countedAddress {
                shared.connectionsPerAddress.withLockedValue { open in
                    open[address, default: 1] -= 1
                    if open[address] == 0 { open[address] = nil }
                }
            }
            let channel = context.channel
            shared.openChannels.withLockedValue { $0[ObjectIdentifier(channel)] = nil }
        }
        context.fireChannelInactive()
    }

    private func perform(_ actions: [SessionAction], context: ChannelHandlerContext) {
        for (index, action) in actions.enumerated() {
            switch action {
            case .send(let bytes):
                context.write(wrapOutboundOut(ByteBuffer(bytes: bytes)), promise: nil)
            case .startTLS:
                context.flush()
                // RFC 3207 section 4: anything the client pipelined after STARTTLS is discarded, never read as TLS.
                let leftover = framer.takeUnframedBytes()
                if !leftover.isEmpty { problems.append(.pipelinedAfterSTARTTLS(bytes: leftover.count)) }
                startTLS = "used"
                do {
                    try addTLSHandlers(context)
                } catch {
                    closing = true
                    context.close(promise: nil)
                }
            case .close:
                closing = true
                context.writeAndFlush(wrapOutboundOut(ByteBuffer()), promise: nil)
                context.close(promise: nil)
            case .event(let event):
                record(event)
                // A refused login: the refusal, and everything after it, waits a growing delay.
                if case .authentication(_, _, false, _) = event {
                    let delay = shared.authenticationFailures.withLockedValue {
                        $0[clientAddress, default: AuthenticationThrottle()].fail(now: .now)
                    }
                    throttle(Array(actions[(index + 1)...]), for: delay, context: context)
                    context.flush()
                    return
                }
                if case .authentication(_, _, true, _) = event {
                    shared.authenticationFailures.withLockedValue { $0[clientAddress] = nil }
                }
            case .startMessage(let envelope):
                writerFailure = nil
                do {
                    writer = try shared.sink.begin(envelope, clientAddress: clientAddress)
                } catch {
                    writerFailure = error as? MessageSinkError ?? .noRoom(.systemError("\(error)"))
                }
            case .messageData(let bytes):
                guard let open = writer else { continue }
                do {
                    try open.append(bytes)
                } catch {
                    open.abort()
                    writer = nil
                    writerFailure = error as? MessageSinkError ?? .noRoom(.systemError("\(error)"))
                }
            case .abortMessage:
                writer?.abort()
                writer = nil
            case .finishMessage:
                guard let open = writer else {
                    finish(.failure(writerFailure ?? .noRoom(.unknown)), context: context)
                    continue
                }
                writer = nil
                // Committing may wait for the disk (the relay's fsync): off the event loop, with this connection's
                // lines held back until the reply is out. The commit is the last action of its batch.
                throttled = true
                let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                ServerConnectionHandler.diskPool.runIfActive(eventLoop: context.eventLoop) {
                    () -> Result<MessageReceipt, MessageSinkError> in
                    do {
                        return .success(try open.commit())
                    } catch {
                        return .failure(error as? MessageSinkError ?? .noRoom(.systemError("\(error)")))
                    }
                }.whenComplete { result in
                    let (handler, context) = loopBound.value
                    handler.throttled = false
                    guard !handler.closing else { return }
                    handler.finish((try? result.get()) ?? .failure(.noRoom(.unknown)), context: context)
                    context.flush()
                    handler.processLines(context)
                }
            }
        }
        context.flush()
    }

    /// The reply to a message's final dot, once the sink has taken it or not.
    private func finish(_ result: Result<MessageReceipt, MessageSinkError>, context: ChannelHandlerContext) {
        let outcome: MessageOutcome
        switch result {
        case .success(let receipt):
            messages.append(.init(id: receipt.id, from: receipt.mailFrom, to: receipt.recipients,
                                  subject: receipt.subject, size: receipt.size))
            outcome = .stored(id: receipt.id)
        case .failure(.refused(let reply)):
            problems.append(.messageRefused(reply: reply))
            outcome = .refused(reply: reply)
        case .failure(.noRoom(let reason)):
            problems.append(.messageNotStored(reason: reason))
            outcome = .notStored(reason: reason)
        }
        perform(session.messageFinished(outcome), context: context)
    }

    /// Says why a connection is not served, in its protocol's words where the connection is still plaintext, and
    /// closes it.
    private func refuse(smtp: String, imap: String, pop3: String, context: ChannelHandlerContext) {
        if port.mode != .implicitTLS {
            let refusal: String
            switch port.mailProtocol {
            case .smtp: refusal = smtp
            case .imap: refusal = imap
            case .pop3: refusal = pop3
            }
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: refusal + "\r\n")), promise: nil)
        }
        closing = true
        context.close(promise: nil)
    }

    /// Holds `actions` back for `delay`, and every line that arrives meanwhile.
    private func throttle(_ actions: [SessionAction], for delay: Duration, context: ChannelHandlerContext) {
        throttled = true
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: .nanoseconds(Int64(delay.inMilliseconds * 1_000_000))) {
            let (handler, context) = loopBound.value
            handler.throttled = false
            guard !handler.closing else { return }
            handler.perform(actions, context: context)
            handler.processLines(context)
        }
    }

    private func record(_ event: SessionEvent) {
        switch event {
        case .commandBeforeTLS(let verb):
            if port.mode == .startTLS { commandsBeforeTLS.append(Self.reportableVerb(verb, port.mailProtocol)) }
        case .startTLSWithoutAdvertisement:
            startTLS = "asked-without-advertisement"
        case .authentication(let mechanism, let user, let succeeded, let beforeTLS):
            authentications.append(.init(mechanism: mechanism, user: user.peerSafe, succeeded: succeeded,
                                         beforeTLS: beforeTLS))
        case .messagesDeleted(let ids):
            shared.mailbox?.delete(ids: ids)
        case .problem(let problem):
            problems.append(problem)
        }
    }

    /// A command verb as the report may show it. Known verbs as sent; anything else (a TLS handshake sent in the
    /// clear, garbage, the base64 user name and password of an AUTH LOGIN that was refused before TLS) as
    /// `(unknown)`, so that no credential and no binary junk reaches the report, the live output or events.jsonl.
    static func reportableVerb(_ verb: String, _ mailProtocol: MailProtocol) -> String {
        let known: Set<String>
        switch mailProtocol {
        case .smtp:
            known = ["HELO", "EHLO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA", "BDAT", "RSET", "NOOP", "QUIT",
                     "VRFY", "EXPN", "HELP", "ETRN", "TURN", "ATRN"]
        case .imap:
            known = ["CAPABILITY", "NOOP", "LOGOUT", "STARTTLS", "AUTHENTICATE", "LOGIN", "ID", "ENABLE", "SELECT",
                     "EXAMINE", "CREATE", "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE", "LIST", "LSUB", "STATUS",
                     "APPEND", "CHECK", "CLOSE", "UNSELECT", "EXPUNGE", "SEARCH", "FETCH", "STORE", "COPY", "MOVE",
                     "UID", "IDLE", "NAMESPACE", "GETQUOTAROOT", "COMPRESS"]
        case .pop3:
            known = ["USER", "PASS", "APOP", "AUTH", "STLS", "CAPA", "STAT", "LIST", "UIDL", "RETR", "TOP", "DELE",
                     "RSET", "NOOP", "QUIT"]
        }
        return known.contains(verb) ? verb : "(unknown)"
    }

    private func makeReport() -> ConnectionReport {
        let seen = observation.withLockedValue { $0 }
        let offer = seen.clientHello.map(ConnectionReport.Offer.init(hello:))
        if let plaintext = seen.clientSentPlaintext, !tlsActive, handshakeError != nil || port.mode == .implicitTLS {
            problems.append(.plaintextWhereTLSExpected(sample: Array(plaintext.prefix(60)).printableLine))
        }
        let credentialsBeforeTLS = authentications.contains { $0.beforeTLS }
        return ConnectionReport(
            startedAt: ServerConnectionHandler.timestamp(started),
            durationMs: Int(Date().timeIntervalSince(started) * 1000), clientAddress: clientAddress,
            clientPort: clientPort, serverPort: serverPort, protocol: port.mailProtocol.rawValue,
            mode: port.mode.rawValue, portTest: port.portTest, allowedVersions: port.versionRange, offer: offer,
            negotiatedVersion: negotiatedVersion?.rawValue,
            negotiatedCipher: seen.serverHello.map { CipherSuite(code: $0.cipherSuite).ianaName },
            handshakeError: handshakeError, startTLS: startTLS, commandsBeforeTLS: commandsBeforeTLS,
            credentialsBeforeTLS: credentialsBeforeTLS, authentications: authentications, messages: messages,
            certificateValidation: validationVerdict(), problems: problems)
    }

    /// `2026-12-06T12:00:00Z`, as ISO8601DateFormatter writes it, without making a formatter per connection.
    static func timestamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }

    /// A device that goes on after being shown a bad certificate does not validate; one that aborts the handshake
    /// with a certificate alert does.
    private func validationVerdict() -> ConnectionReport.Validation {
        let rejectedCertificate = handshakeError.map { error in
            ["BAD_CERTIFICATE", "UNKNOWN_CA", "CERTIFICATE_UNKNOWN", "CERTIFICATE_EXPIRED", "DECRYPT_ERROR",
             "ACCESS_DENIED", "UNSUPPORTED_CERTIFICATE", "CERTIFICATE_REVOKED"].contains { error.contains($0) }
        } ?? false
        if rejectedCertificate { return .validates }
        guard port.certificate != .valid else { return .unknown }
        if tlsActive && (commandsAfterTLS > 0 || !authentications.isEmpty || !messages.isEmpty) {
            return .doesNotValidate
        }
        if tlsActive || handshakeError != nil { return .validates }
        return .unknown
    }
}


extension ConnectionReport.Offer {
    init(hello: ClientHello) {
        self.init(versions: hello.offeredVersions.map(\.rawValue), maximumVersion: hello.maximumVersion?.rawValue,
                  cipherSuites: hello.cipherSuiteNames, serverName: hello.serverName, alpn: hello.alpn,
                  groups: hello.supportedGroups.map(TLSNames.group),
                  signatureAlgorithms: hello.signatureAlgorithms.map(TLSNames.signatureScheme))
    }
}
