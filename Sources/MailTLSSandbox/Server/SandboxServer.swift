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
    private let listener: MailListener

    private init(ports: [SandboxPort], authority: SandboxAuthority, store: MessageStore, log: EventLog,
                 listener: MailListener) {
        self.ports = ports
        self.authority = authority
        self.store = store
        self.log = log
        self.listener = listener
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
            let context = try MailListener.tlsContext(chainPEM: chainPEM, keyPEM: keyPEM, minimum: port.minimumTLS,
                                                      maximum: port.maximumTLS)
            contexts[key] = context
            return context
        }

        let endpoints = try configuration.ports.map { port in
            ListenerEndpoint(
                address: configuration.listenAddress, port: port,
                policy: SessionPolicy(
                    hostname: configuration.hostnames.first ?? "localhost", implicitTLS: port.mode == .implicitTLS,
                    advertiseSTARTTLS: port.advertiseSTARTTLS,
                    allowAuthenticationBeforeTLS: port.mode == .startTLS && !port.advertiseSTARTTLS,
                    accounts: configuration.accounts, maximumMessageBytes: configuration.maximumMessageBytes),
                tls: try tlsContext(for: port))
        }
        let listener = try await MailListener.start(endpoints, sink: store, mailbox: store, log: log,
                                                    limits: configuration.limits, onReport: onReport)
        return SandboxServer(ports: listener.endpoints.map(\.port), authority: authority, store: store, log: log,
                             listener: listener)
    }

    /// Stops listening, lets open connections finish within `grace` (a message in DATA, a fetch), then closes the
    /// rest. Returns once every connection has ended and its report is written.
    public func stop(grace: Duration = .zero) async {
        await listener.stop(grace: grace)
    }
}
