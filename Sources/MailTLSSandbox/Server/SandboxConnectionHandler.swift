import Foundation
import MailTLSCore
import MailTLSEngine
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL
import NIOTLS

/// Shared by every connection of a running sandbox.
struct SandboxContext: Sendable {
    let store: MessageStore
    let log: EventLog
    let onReport: @Sendable (ConnectionReport) -> Void
    let connections: NIOLockedValueBox<Int>
    /// Open client channels, so that stopping the sandbox closes them too.
    let openChannels: NIOLockedValueBox<[ObjectIdentifier: Channel]>
    let maximumConnections: Int
    let maximumLineBytes: Int
}

/// One client connection: frames lines, feeds the protocol session, carries out its actions (write, STARTTLS,
/// close), and builds the client report. Runs on its channel's event loop.
final class SandboxConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let port: SandboxPort
    private let tlsContext: NIOSSLContext
    private let shared: SandboxContext
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
    private var violations: [String] = []
    /// Reads a TLS handshake that arrives where a plaintext command was expected (a client set to SSL/TLS on a
    /// STARTTLS port, or one that starts TLS although STARTTLS was refused).
    private var plaintextHello: ClientHelloParser?
    private var linesRead = 0

    init(port: SandboxPort, session: any ServerSession, tlsContext: NIOSSLContext, shared: SandboxContext) {
        self.port = port
        self.session = session
        self.tlsContext = tlsContext
        self.shared = shared
        framer = LineFramer(maximumLineLength: shared.maximumLineBytes)
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
        let admitted = shared.connections.withLockedValue { count -> Bool in
            guard count < shared.maximumConnections else { return false }
            count += 1
            return true
        }
        counted = admitted
        guard admitted else {
            violations.append("too many connections")
            // Say so, in the protocol's own words, where the connection is still plaintext.
            if port.mode == .startTLS {
                let refusal: String
                switch port.mailProtocol {
                case .smtp: refusal = "421 4.7.0 Too many connections, try again later"
                case .imap: refusal = "* BYE [UNAVAILABLE] Too many connections, try again later"
                case .pop3: refusal = "-ERR [SYS/TEMP] Too many connections, try again later"
                }
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: refusal + "\r\n")), promise: nil)
            }
            context.close(promise: nil)
            return
        }
        let channel = context.channel
        shared.openChannels.withLockedValue { $0[ObjectIdentifier(channel)] = channel }
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
        while !closing {
            let line: [UInt8]?
            do {
                line = try framer.nextLine()
            } catch {
                violations.append("line longer than \(shared.maximumLineBytes) bytes")
                closing = true
                context.close(promise: nil)
                return
            }
            guard let line else { break }
            linesRead += 1
            if tlsActive { commandsAfterTLS += 1 }
            if session.wantsMailbox { session.mailboxLoaded(shared.store.mailbox()) }
            perform(session.receive(line: line), context: context)
        }
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
        violations.append("TLS handshake without STARTTLS (is the client set to SSL/TLS?)")
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
        if event is IdleStateHandler.IdleStateEvent {
            violations.append("idle timeout")
            closing = true
            context.close(promise: nil)
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
        if counted {
            shared.connections.withLockedValue { $0 -= 1 }
            let channel = context.channel
            shared.openChannels.withLockedValue { $0[ObjectIdentifier(channel)] = nil }
        }
        let report = makeReport()
        shared.log.append(report)
        shared.onReport(report)
        context.fireChannelInactive()
    }

    private func perform(_ actions: [SessionAction], context: ChannelHandlerContext) {
        for action in actions {
            switch action {
            case .send(let bytes):
                context.write(wrapOutboundOut(ByteBuffer(bytes: bytes)), promise: nil)
            case .startTLS:
                context.flush()
                // RFC 3207 section 4: anything the client pipelined after STARTTLS is discarded, never read as TLS.
                let leftover = framer.takeUnframedBytes()
                if !leftover.isEmpty { violations.append("\(leftover.count) bytes pipelined after STARTTLS") }
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
            }
        }
        context.flush()
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
        case .messageCaptured(let message):
            if let entry = shared.store.add(message, clientAddress: clientAddress) {
                messages.append(.init(id: entry.id, from: entry.mailFrom, to: entry.recipients,
                                      subject: entry.subject, size: entry.size))
            } else {
                violations.append("message not stored: the store is full")
            }
        case .messagesDeleted(let ids):
            shared.store.delete(ids: ids)
        case .protocolViolation(let text):
            violations.append(text)
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
            violations.append("plaintext where TLS was expected: \(Array(plaintext.prefix(60)).printableLine)")
        }
        let credentialsBeforeTLS = authentications.contains { $0.beforeTLS }
        return ConnectionReport(
            startedAt: ISO8601DateFormatter().string(from: started),
            durationMs: Int(Date().timeIntervalSince(started) * 1000), clientAddress: clientAddress,
            clientPort: clientPort, serverPort: serverPort, protocol: port.mailProtocol.rawValue,
            mode: port.mode.rawValue, portTest: port.portTest, allowedVersions: port.versionRange, offer: offer,
            negotiatedVersion: negotiatedVersion?.rawValue,
            negotiatedCipher: seen.serverHello.map { CipherSuite(code: $0.cipherSuite).ianaName },
            handshakeError: handshakeError, startTLS: startTLS, commandsBeforeTLS: commandsBeforeTLS,
            credentialsBeforeTLS: credentialsBeforeTLS, authentications: authentications, messages: messages,
            certificateValidation: validationVerdict(), protocolViolations: violations)
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
