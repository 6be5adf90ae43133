#if canImport(Glibc)
import Glibc
#endif
import MailTLSCore
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// One TCP connection to a mail server: bounded reads, writes, and an in-place TLS upgrade (implicit TLS is the same
/// upgrade done before the first byte).
final class MailConnection: Sendable {
    let channel: Channel
    private let bridge: NIOLoopBound<InboundBridge>

    private init(channel: Channel, bridge: NIOLoopBound<InboundBridge>) {
        self.channel = channel
        self.bridge = bridge
    }

    static func connect(to address: SocketAddress, timeout: Double,
                        group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> MailConnection {
        // The bridge is captured as it is added: a server that greets and hangs up at once (421) tears the pipeline
        // down before a later lookup could find it, and its greeting must still be read.
        let captured = NIOLockedValueBox<NIOLoopBound<InboundBridge>?>(nil)
        let channel: Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.milliseconds(Int64(timeout * 1000)))
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let bridge = InboundBridge()
                        try channel.pipeline.syncOperations.addHandler(bridge)
                        captured.withLockedValue { $0 = NIOLoopBound(bridge, eventLoop: channel.eventLoop) }
                    }
                }
                .connect(to: address)
                .get()
        } catch {
            throw MailConnection.connectError(error, timeout: timeout)
        }
        guard let bridge = captured.withLockedValue({ $0 }) else {
            throw EngineError.connectFailed(ConnectFailure(errno: nil, systemWords: "no pipeline"))
        }
        return MailConnection(channel: channel, bridge: bridge)
    }

    static func connectError(_ error: Error, timeout: Double) -> EngineError {
        if let engineError = error as? EngineError { return engineError }
        if let channelError = error as? ChannelError, case .connectTimeout = channelError {
            return .connectTimeout(seconds: timeout)
        }
        if let ioError = error as? IOError {
            if ioError.errnoCode == 111 { return .connectionRefused }  // ECONNREFUSED
            if ioError.errnoCode == 110 { return .connectTimeout(seconds: timeout) }  // ETIMEDOUT
            // The system's words for the errno ("Network is unreachable"), not NIO's description of the call.
            return .connectFailed(ConnectFailure(errno: ioError.errnoCode))
        }
        if let connectionError = error as? NIOConnectionError {
            for failure in connectionError.connectionErrors {
                return connectError(failure.error, timeout: timeout)
            }
            return .connectFailed(ConnectFailure(errno: nil, systemWords: "no address accepted the connection"))
        }
        return .connectFailed(ConnectFailure(errno: nil, systemWords: HandshakeFailureReason(describing: String(describing: error)).english))
    }

    /// The next bytes from the server, waiting at most `timeout` seconds.
    func read(timeout: Double, wholeWait: Double, activity: String) async throws -> [UInt8] {
        let bridge = self.bridge
        let buffer = try await channel.eventLoop.flatSubmit {
            bridge.value.activity = activity
            return bridge.value.nextChunk(on: bridge.eventLoop, timeout: .milliseconds(Int64(timeout * 1000)),
                                          reportedWait: wholeWait)
        }.get()
        return Array(buffer.readableBytesView)
    }

    func write(_ bytes: [UInt8]) async throws {
        do {
            try await channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
        } catch {
            throw EngineError.closedByPeer(during: "write")
        }
    }

    /// Writes, closing the connection if the peer has not taken the bytes within `timeout` seconds (a server that
    /// stops reading would otherwise hold the write forever).
    func write(_ bytes: [UInt8], timeout: Double) async throws {
        let channel = self.channel
        let stalled = NIOLockedValueBox(false)
        let guardTask = channel.eventLoop.scheduleTask(in: .milliseconds(Int64(timeout * 1000))) {
            stalled.withLockedValue { $0 = true }
            channel.close(promise: nil)
        }
        defer { guardTask.cancel() }
        do {
            try await channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
        } catch {
            if stalled.withLockedValue({ $0 }) { throw EngineError.readTimeout(seconds: timeout, during: "write") }
            throw EngineError.closedByPeer(during: "write")
        }
    }

    func close() async {
        try? await channel.close().get()
    }

    /// Upgrades the connection to TLS in place and reports what the handshake showed.
    ///
    /// Bytes already received in the clear are taken out of the buffer at the moment the TLS handler goes in and
    /// returned as `injectedBytes`: they never reach the TLS layer.
    func startTLS(context: NIOSSLContext, serverName: String?, timeout: Double,
                  plaintextExpected: Bool) async throws -> HandshakeFacts {
        let verdict = NIOLockedValueBox<ServerFlightParser.Verdict>(.needMoreBytes)
        let chain = NIOLockedValueBox<[[UInt8]]>([])
        let promise = channel.eventLoop.makePromise(of: MailTLSCore.TLSVersion?.self)
        let bridge = self.bridge
        let channel = self.channel
        let started = ContinuousClock.now
        let sni = serverName.flatMap { MailConnection.isIPAddress($0) ? nil : $0 }
        let drained: [UInt8]
        do {
            drained = try await channel.eventLoop.submit {
                let pending = bridge.value.drain()
                let tlsHandler = try NIOSSLClientHandler(
                    context: context, serverHostname: sni,
                    customVerificationCallback: { certificates, result in
                        chain.withLockedValue { stored in
                            stored = certificates.compactMap { try? $0.toDERBytes() }
                        }
                        result.succeed(.certificateVerified)
                    })
                let sync = channel.pipeline.syncOperations
                try sync.addHandler(tlsHandler, position: .first)
                try sync.addHandler(ServerFlightSniffer(verdict: verdict), position: .first)
                try sync.addHandler(HandshakeObserver(promise: promise), position: .after(tlsHandler))
                bridge.value.activity = "TLS handshake"
                return pending
            }.get()
        } catch {
            // The channel closed (or the handler could not be added) before the handshake began: the promise must
            // still be completed, or it leaks.
            promise.fail(error)
            throw error as? EngineError ?? EngineError.closedByPeer(during: "TLS handshake")
        }
        let timeoutTask = channel.eventLoop.scheduleTask(in: .milliseconds(Int64(timeout * 1000))) {
            promise.fail(EngineError.readTimeout(seconds: timeout, during: "TLS handshake"))
            channel.close(promise: nil)
        }
        defer { timeoutTask.cancel() }
        let version: MailTLSCore.TLSVersion?
        do {
            version = try await promise.futureResult.get()
        } catch {
            throw MailConnection.handshakeError(error, verdict: verdict.withLockedValue { $0 },
                                                drained: drained, plaintextExpected: plaintextExpected)
        }
        let elapsed = started.duration(to: .now)
        var cipher: CipherSuite?
        var negotiatedVersion = version
        if case .serverHello(let hello) = verdict.withLockedValue({ $0 }) {
            cipher = CipherSuite(code: hello.cipherSuite)
            negotiatedVersion = negotiatedVersion ?? MailTLSCore.TLSVersion(wireValue: hello.version)
        }
        return HandshakeFacts(version: negotiatedVersion, cipherSuite: cipher,
                              presentedChain: chain.withLockedValue { $0 },
                              durationMilliseconds: elapsed.inMilliseconds, injectedBytes: drained, serverName: sni)
    }

    static func handshakeError(_ error: Error, verdict: ServerFlightParser.Verdict, drained: [UInt8],
                               plaintextExpected: Bool) -> EngineError {
        if plaintextExpected, !drained.isEmpty {
            return .plaintextOnTLSPort(firstLine: firstLine(of: drained))
        }
        switch verdict {
        case .notTLS(let prefix):
            return .plaintextOnTLSPort(firstLine: firstLine(of: prefix))
        case .alert(_, let description):
            return .tlsHandshakeFailed(reason: .alertReceived, alert: TLSAlert(code: description))
        default:
            break
        }
        if case .closedByPeer? = error as? EngineError { return .tlsHandshakeFailed(reason: .connectionClosed, alert: nil) }
        return EngineError.handshakeFailure(error)
    }

    static func firstLine(of bytes: [UInt8]) -> String {
        let line = bytes.prefix { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") }
        return Array(line.prefix(300)).printableLine
    }

    static func isIPAddress(_ text: String) -> Bool {
        (try? SocketAddress(ipAddress: text, port: 0)) != nil
    }
}

extension Duration {
    public var inMilliseconds: Double {
        let parts = components
        return Double(parts.seconds) * 1000 + Double(parts.attoseconds) / 1e15
    }
}
