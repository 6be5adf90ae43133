import Foundation
import MailTLSCore
import MailTLSEngine
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// One listening port: its address, the protocol session it serves, the rules that session follows and the TLS it
/// offers.
public struct ListenerEndpoint: Sendable {
    public var address: String
    public var port: SandboxPort
    public var policy: SessionPolicy
    public var tls: NIOSSLContext

    public init(address: String, port: SandboxPort, policy: SessionPolicy, tls: NIOSSLContext) {
        self.address = address
        self.port = port
        self.policy = policy
        self.tls = tls
    }
}

/// Mail listeners sharing one sink, one event log and one set of limits: the sandbox's ports, the relay's.
/// Each connection gets a `ServerConnectionHandler` with a fresh protocol session.
public final class MailListener: Sendable {
    /// The endpoints as bound (a configured port 0 becomes the port the system chose).
    public let endpoints: [ListenerEndpoint]
    private let channels: [Channel]
    private let openChannels: NIOLockedValueBox<[ObjectIdentifier: Channel]>

    private init(endpoints: [ListenerEndpoint], channels: [Channel],
                 openChannels: NIOLockedValueBox<[ObjectIdentifier: Channel]>) {
        self.endpoints = endpoints
        self.channels = channels
        self.openChannels = openChannels
    }

    /// Binds every endpoint, or none: a failure closes what was bound and says which address and port failed.
    /// - Parameters:
    ///   - mailbox: what IMAP and POP3 endpoints serve.
    ///   - admits: whether a client address may connect at all; others are told so and closed.
    public static func start(_ endpoints: [ListenerEndpoint], sink: any MessageSink, mailbox: MessageStore? = nil,
                             log: EventLog, limits: SandboxLimits,
                             admits: @escaping @Sendable (String) -> Bool = { _ in true },
                             onReport: @escaping @Sendable (ConnectionReport) -> Void = { _ in })
        async throws(SandboxError) -> MailListener {
        let shared = ListenerContext(sink: sink, mailbox: mailbox, admits: admits, log: log, onReport: onReport,
                                     connections: NIOLockedValueBox(0),
                                     connectionsPerAddress: NIOLockedValueBox([:]),
                                     authenticationFailures: NIOLockedValueBox([:]),
                                     openChannels: NIOLockedValueBox([:]), limits: limits)
        var bound: [ListenerEndpoint] = []
        var channels: [Channel] = []
        for var endpoint in endpoints {
            let configured = endpoint
            let channel: Channel
            do {
                channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .serverChannelOption(.backlog, value: 256)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            let session: any ServerSession
                            switch configured.port.mailProtocol {
                            case .smtp: session = SMTPServerSession(policy: configured.policy)
                            case .imap: session = IMAPServerSession(policy: configured.policy)
                            case .pop3: session = POP3ServerSession(policy: configured.policy)
                            }
                            try channel.pipeline.syncOperations.addHandler(
                                ServerConnectionHandler(port: configured.port, session: session,
                                                        tlsContext: configured.tls, shared: shared))
                        }
                    }
                    .bind(host: endpoint.address, port: endpoint.port.port)
                    .get()
            } catch {
                for open in channels { try? await open.close() }
                throw MailListener.bindError(error, address: endpoint.address, port: endpoint.port.port)
            }
            endpoint.port.port = channel.localAddress?.port ?? endpoint.port.port
            bound.append(endpoint)
            channels.append(channel)
        }
        return MailListener(endpoints: bound, channels: channels, openChannels: shared.openChannels)
    }

    /// Stops listening, lets open connections finish within `grace` (a message in DATA, a fetch), then closes the
    /// rest. Returns once every connection has ended and its report is written.
    /// `stoppedAccepting` is told, with the number of connections still open, once no new connection can come.
    public func stop(grace: Duration = .zero, stoppedAccepting: @Sendable (_ open: Int) -> Void = { _ in }) async {
        for channel in channels { try? await channel.close() }
        let open = openChannels.withLockedValue { Array($0.values) }
        stoppedAccepting(open.count)
        if grace > .zero {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for channel in open { try? await channel.closeFuture.get() }
                }
                group.addTask { try? await Task.sleep(for: grace) }
                await group.next()
                group.cancelAll()
            }
        }
        for channel in openChannels.withLockedValue({ Array($0.values) }) { try? await channel.close() }
        for channel in open { try? await channel.closeFuture.get() }
    }

    /// A server-side TLS context: the chain and key (PEM), the versions allowed, and every suite BoringSSL can
    /// speak, so that old devices complete a handshake wherever their version is allowed.
    public static func tlsContext(chainPEM: String, keyPEM: String, minimum: MailTLSCore.TLSVersion,
                                  maximum: MailTLSCore.TLSVersion) throws(SandboxError) -> NIOSSLContext {
        do {
            let chain = try NIOSSLCertificate.fromPEMBytes(Array(chainPEM.utf8))
            let privateKey = try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem)
            var tls = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
            tls.minimumTLSVersion = minimum.nioVersion
            tls.maximumTLSVersion = maximum.nioVersion
            tls.cipherSuiteValues = TLSClientSettings.allBoringSSLCiphers
            tls.shutdownTimeout = TLSClientSettings.closeNotifyWait
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw .certificate("\(error)")
        }
    }

    static func bindError(_ error: Error, address: String, port: Int) -> SandboxError {
        if let ioError = error as? IOError {
            switch ioError.errnoCode {
            case 98: return .portInUse(address: address, port: port)  // EADDRINUSE
            case 13: return .permissionDenied(address: address, port: port)  // EACCES
            case 99: return .addressUnavailable(address)  // EADDRNOTAVAIL
            default: break
            }
        }
        let text = String(describing: error)
        if text.contains("Address already in use") { return .portInUse(address: address, port: port) }
        if text.contains("Permission denied") { return .permissionDenied(address: address, port: port) }
        return .addressUnavailable("\(address): \(text)")
    }
}
