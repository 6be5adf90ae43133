import Foundation
import MailTLSCheck
import MailTLSCore
import MailTLSSandbox
import MailTLSSessions
import NIOSSL
import ServiceLifecycle

/// Why the relay cannot start, each with what to do. Never contains a secret.
public enum RelayStartError: Error, Equatable, Sendable {
    case configuration(RelayConfigurationReader.Failure)
    case spool(String)
    case spoolInUse(String)
    case certificate(String)
    case accounts(String)
    case caFile(path: String, reason: String)
    case listener(SandboxError)
}

/// Everything the relay needs resolved before it takes a connection: the spool (locked), the certificate, the
/// device accounts and the roots each upstream is verified against. Built once by `RelayRuntime.prepare`.
public struct RelayRuntime: Sendable {
    public let configuration: RelayConfiguration
    public let spool: Spool
    /// The chain and key served to devices.
    public let certificate: (chain: String, key: String)
    /// The CA devices import when mailtls made the certificate (nil with the user's own).
    public let exportedCA: String?
    public let accounts: [String: String]
    public let anchors: [TrustAnchors]
    public let events: EventLog

    public static func prepare(_ configuration: RelayConfiguration) throws(RelayStartError) -> RelayRuntime {
        let state = configuration.stateDirectory
        let rules = configuration.rules
        let spool: Spool
        do {
            spool = try Spool(directory: state, schedule: configuration.spool.schedule,
                              minimumFreeBytes: configuration.spool.minimumFreeBytes,
                              stamping: .init(hostname: configuration.hostname, sender: rules.sender,
                                              rewriteFromHeader: rules.rewriteFromHeader),
                              messagesPerMinutePerClient: rules.maximumMessagesPerMinutePerClient)
        } catch {
            if case .inUse(let path) = error { throw .spoolInUse(path) }
            throw .spool(error.description)
        }
        var certificate: (chain: String, key: String)
        var exportedCA: String?
        if let files = configuration.certificate {
            guard let chain = try? String(contentsOfFile: files.chain, encoding: .utf8), chain.contains("BEGIN") else {
                throw .certificate("\(files.chain): cannot be read as a PEM certificate chain")
            }
            guard let key = try? String(contentsOfFile: files.key, encoding: .utf8), key.contains("PRIVATE KEY") else {
                throw .certificate("\(files.key): cannot be read as a PEM private key")
            }
            certificate = (chain, key)
        } else {
            var names = [configuration.hostname]
            for listener in configuration.listeners where !["0.0.0.0", "::"].contains(listener.address)
                && !names.contains(listener.address) {
                names.append(listener.address)
            }
            do {
                let authority = try SandboxAuthority.loadOrCreate(directory: state.appendingPathComponent("tls"),
                                                                  names: names)
                guard let identity = authority.identities[.valid] else { throw RelayStartError.certificate("none made") }
                certificate = (identity.chainPEM, identity.keyPEM)
                exportedCA = authority.caPEMPath
            } catch {
                throw .certificate("\(error)")
            }
        }
        var accounts: [String: String] = [:]
        if let file = configuration.devices.accountsFile {
            accounts = try RelayRuntime.readAccounts(file)
        }
        var anchors: [TrustAnchors] = []
        for upstream in configuration.upstreams {
            do {
                anchors.append(try TrustAnchors(caFile: upstream.caFile))
            } catch {
                switch error {
                case .unreadable(let path, let reason): throw .caFile(path: path, reason: reason)
                case .noCertificates(let path): throw .caFile(path: path, reason: "no certificates in it")
                }
            }
        }
        return RelayRuntime(configuration: configuration, spool: spool, certificate: certificate,
                            exportedCA: exportedCA, accounts: accounts, anchors: anchors,
                            events: EventLog(path: state.appendingPathComponent("events.jsonl")))
    }

    /// `user:password` lines (`#` comments); the file must not be readable by others.
    static func readAccounts(_ path: String) throws(RelayStartError) -> [String: String] {
        let text: String
        do {
            text = try RelayConfiguration.SecretSource.file(path).read()
        } catch {
            throw .accounts(error.description)
        }
        var accounts: [String: String] = [:]
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let colon = trimmed.firstIndex(of: ":"), colon != trimmed.startIndex,
                  trimmed.index(after: colon) != trimmed.endIndex
            else { throw .accounts("\(path):\(number + 1): expected user:password") }
            accounts[String(trimmed[..<colon])] = String(trimmed[trimmed.index(after: colon)...])
        }
        return accounts
    }

    /// The listeners as the mail listener serves them.
    public func endpoints() throws(RelayStartError) -> [ListenerEndpoint] {
        let rules = configuration.rules
        let devices = configuration.devices
        var contexts: [MailTLSCore.TLSVersion: NIOSSLContext] = [:]
        var endpoints: [ListenerEndpoint] = []
        for listener in configuration.listeners {
            let tls: NIOSSLContext
            if let existing = contexts[listener.minimumTLS] {
                tls = existing
            } else {
                do {
                    tls = try MailListener.tlsContext(chainPEM: certificate.chain, keyPEM: certificate.key,
                                                      minimum: listener.minimumTLS, maximum: .tls13)
                } catch {
                    throw .certificate("\(error)")
                }
                contexts[listener.minimumTLS] = tls
            }
            let implicit = listener.mode == .tls
            let plain = listener.mode == .plain
            let port = SandboxPort(port: listener.port, mailProtocol: .smtp, mode: implicit ? .implicitTLS : .startTLS,
                                   minimumTLS: listener.minimumTLS, maximumTLS: .tls13, advertiseSTARTTLS: !plain)
            let policy = SessionPolicy(
                hostname: configuration.hostname, implicitTLS: implicit, advertiseSTARTTLS: !plain,
                allowAuthenticationBeforeTLS: plain && devices.allowLoginWithoutTLS, accounts: accounts,
                maximumMessageBytes: rules.maximumMessageBytes, maximumRecipients: rules.maximumRecipients,
                role: .relay, offerAuthentication: !accounts.isEmpty, requireAuthentication: devices.requireLogin,
                recipientDomains: rules.recipientDomains, allowedSenders: rules.allowedSenders,
                requireTLS: listener.mode == .starttlsRequired)
            endpoints.append(ListenerEndpoint(address: listener.address, port: port, policy: policy, tls: tls))
        }
        return endpoints
    }

    public var limits: SandboxLimits {
        SandboxLimits(maximumConnections: configuration.rules.maximumConnections,
                      maximumConnectionsPerAddress: configuration.rules.maximumConnectionsPerClient,
                      idleSeconds: configuration.rules.idleSeconds,
                      sessionSeconds: configuration.rules.sessionSeconds, maximumLineBytes: 4096)
    }
}

/// The device side of the relay as a long-running service: listeners bound at start; on graceful shutdown they stop
/// taking connections and the transactions in flight get `shutdownGrace` to finish (a message in DATA is either
/// acknowledged after it is on disk, or never).
public final class RelayListenerService: Service, Sendable {
    public let runtime: RelayRuntime
    public let shutdownGrace: Duration
    private let onReport: @Sendable (ConnectionReport) -> Void
    private let onStart: @Sendable ([ListenerEndpoint]) async -> Void
    private let onStopAccepting: @Sendable (_ open: Int, _ grace: Duration) -> Void

    /// `onStopAccepting` is told when shutdown has closed the listeners: how many device connections are still open,
    /// and how long they get to finish.
    public init(_ runtime: RelayRuntime, shutdownGrace: Duration = .seconds(30),
                onReport: @escaping @Sendable (ConnectionReport) -> Void = { _ in },
                onStart: @escaping @Sendable ([ListenerEndpoint]) async -> Void = { _ in },
                onStopAccepting: @escaping @Sendable (_ open: Int, _ grace: Duration) -> Void = { _, _ in }) {
        self.runtime = runtime
        self.shutdownGrace = shutdownGrace
        self.onReport = onReport
        self.onStart = onStart
        self.onStopAccepting = onStopAccepting
    }

    public func run() async throws {
        let networks = runtime.configuration.allowedNetworks
        let listener: MailListener
        do {
            listener = try await MailListener.start(try runtime.endpoints(), sink: runtime.spool, log: runtime.events,
                                                    limits: runtime.limits, admits: { networks.allows($0) },
                                                    onReport: onReport)
        } catch let error as SandboxError {
            throw RelayStartError.listener(error)
        }
        await onStart(listener.endpoints)
        let grace = await graceAfterShutdown(shutdownGrace)
        await listener.stop(grace: grace, stoppedAccepting: { [onStopAccepting] open in onStopAccepting(open, grace) })
    }
}
