import Foundation
import MailTLSCore
import MailTLSEngine
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// Errors starting the sandbox, each with what to do.
public enum SandboxError: Error, Equatable, Sendable {
    case portInUse(address: String, port: Int)
    case permissionDenied(address: String, port: Int)
    case addressUnavailable(String)
    case certificate(String)
    case stateDirectory(String)
}

/// The running sandbox: one listener per configured port, all sharing the message store and event log.
public final class SandboxServer: Sendable {
    /// The ports as bound (a configured port 0 becomes the port the system chose).
    public let ports: [SandboxPort]
    public let authority: SandboxAuthority
    public let store: MessageStore
    public let log: EventLog
    private let channels: [Channel]
    private let openChannels: NIOLockedValueBox<[ObjectIdentifier: Channel]>

    private init(ports: [SandboxPort], authority: SandboxAuthority, store: MessageStore, log: EventLog,
                 channels: [Channel], openChannels: NIOLockedValueBox<[ObjectIdentifier: Channel]>) {
        self.ports = ports
        self.authority = authority
        self.store = store
        self.log = log
        self.channels = channels
        self.openChannels = openChannels
    }

    public static func start(_ configuration: SandboxConfiguration,
                             onReport: @escaping @Sendable (ConnectionReport) -> Void = { _ in })
        async throws -> SandboxServer {
        let state = configuration.stateDirectory
        let authority: SandboxAuthority
        let store: MessageStore
        do {
            try PrivateFiles.makeDirectory(state)
            authority = try SandboxAuthority.loadOrCreate(directory: state.appendingPathComponent("tls"),
                                                          names: configuration.certificateNames)
            store = try MessageStore(directory: state.appendingPathComponent("messages"),
                                     maximumBytes: configuration.maximumStoreBytes)
        } catch {
            throw SandboxError.stateDirectory("\(state.path): \(error)")
        }
        let log = EventLog(path: state.appendingPathComponent("events.jsonl"))
        let shared = SandboxContext(store: store, log: log, onReport: onReport, connections: NIOLockedValueBox(0),
                                    connectionsPerAddress: NIOLockedValueBox([:]),
                                    authenticationFailures: NIOLockedValueBox([:]),
                                    openChannels: NIOLockedValueBox([:]), limits: configuration.limits)

        var contexts: [String: NIOSSLContext] = [:]
        func tlsContext(for port: SandboxPort) throws -> NIOSSLContext {
            let key = "\(port.certificate.rawValue)-\(port.minimumTLS.rawValue)-\(port.maximumTLS.rawValue)"
            if let existing = contexts[key] { return existing }
            let chainPEM: String
            let keyPEM: String
            if port.certificate == .valid, let custom = configuration.customCertificate {
                chainPEM = custom.chain
                keyPEM = custom.key
            } else {
                guard let identity = authority.identities[port.certificate] else {
                    throw SandboxError.certificate("no \(port.certificate.rawValue) certificate")
                }
                chainPEM = identity.chainPEM
                keyPEM = identity.keyPEM
            }
            do {
                let chain = try NIOSSLCertificate.fromPEMBytes(Array(chainPEM.utf8))
                let privateKey = try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem)
                var tls = TLSConfiguration.makeServerConfiguration(
                    certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
                tls.minimumTLSVersion = port.minimumTLS.nioVersion
                tls.maximumTLSVersion = port.maximumTLS.nioVersion
                tls.cipherSuiteValues = TLSClientSettings.allBoringSSLCiphers
                tls.shutdownTimeout = TLSClientSettings.closeNotifyWait
                let context = try NIOSSLContext(configuration: tls)
                contexts[key] = context
                return context
            } catch {
                throw SandboxError.certificate("\(error)")
            }
        }

        var bound: [SandboxPort] = []
        var channels: [Channel] = []
        do {
            for var port in configuration.ports {
                let context = try tlsContext(for: port)
                let policy = SessionPolicy(
                    hostname: configuration.hostnames.first ?? "localhost", implicitTLS: port.mode == .implicitTLS,
                    advertiseSTARTTLS: port.advertiseSTARTTLS,
                    allowAuthenticationBeforeTLS: port.mode == .startTLS && !port.advertiseSTARTTLS,
                    accounts: configuration.accounts, maximumMessageBytes: configuration.maximumMessageBytes)
                let portForHandlers = port
                let channel: Channel
                do {
                    channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                        .serverChannelOption(.backlog, value: 64)
                        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                        .childChannelInitializer { channel in
                            channel.eventLoop.makeCompletedFuture {
                                let session: any ServerSession
                                switch portForHandlers.mailProtocol {
                                case .smtp: session = SMTPServerSession(policy: policy)
                                case .imap: session = IMAPServerSession(policy: policy)
                                case .pop3: session = POP3ServerSession(policy: policy)
                                }
                                let sync = channel.pipeline.syncOperations
                                try sync.addHandler(SandboxConnectionHandler(port: portForHandlers, session: session,
                                                                             tlsContext: context, shared: shared))
                            }
                        }
                        .bind(host: configuration.listenAddress, port: port.port)
                        .get()
                } catch {
                    throw SandboxServer.bindError(error, address: configuration.listenAddress, port: port.port)
                }
                port.port = channel.localAddress?.port ?? port.port
                bound.append(port)
                channels.append(channel)
            }
        } catch {
            for channel in channels { try? await channel.close() }
            throw error
        }
        return SandboxServer(ports: bound, authority: authority, store: store, log: log, channels: channels,
                             openChannels: shared.openChannels)
    }

    /// Stops listening, lets open connections finish within `grace` (a message in DATA, a fetch), then closes the
    /// rest. Returns once every connection has ended and its report is written.
    public func stop(grace: Duration = .zero) async {
        for channel in channels { try? await channel.close() }
        let open = openChannels.withLockedValue { Array($0.values) }
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
