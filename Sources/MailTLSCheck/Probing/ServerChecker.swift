import Foundation
import MailTLSCore
import MailTLSDNS
import MailTLSEngine
import NIOCore
import NIOPosix

/// What `mailtls check` was asked to do.
public struct CheckRequest: Sendable {
    public var host: String
    /// The name the certificate must carry and the SNI sent; defaults to `host` when that is a name.
    public var serverName: String?
    public var ports: [PortSpec]
    public var caFile: String?
    public var warnDays: Int
    public var timeouts: ConnectionEngine.Timeouts
    public var maximumConnections: Int
    public var prober: PortProber.Options
    /// The clock certificate expiry is judged against.
    public var now: Date
    /// Resolve HOST through this DNS server (`--resolver`, `--trust-anchor`) instead of the system's resolver.
    public var resolver: DNSResolver.Configuration?
    /// `--deep`: every version and suite each TLS port accepts, at most `deepConnections` connections at once.
    public var deep = false
    public var deepConnections = 2
    /// The server software, as the user knows it (`--server-software`): replaces the identification on the ports
    /// of the protocols each serves (Exim on SMTP ports, Dovecot on IMAP and POP3 ports).
    public var serverSoftware: [ServerSoftware] = []
    /// Trust anchors already loaded (a monitor loads them once); nil loads the system's and `caFile`'s.
    public var anchors: TrustAnchors?

    public init(host: String, serverName: String? = nil, ports: [PortSpec] = PortSpec.wellKnown, caFile: String? = nil,
                warnDays: Int = CertificateAssessment.defaultWarnDays, timeouts: ConnectionEngine.Timeouts = .init(), maximumConnections: Int = 8,
                prober: PortProber.Options = .init(), now: Date = Date(),
                resolver: DNSResolver.Configuration? = nil) {
        self.host = host
        self.serverName = serverName
        self.ports = ports
        self.caFile = caFile
        self.warnDays = warnDays
        self.timeouts = timeouts
        self.maximumConnections = maximumConnections
        self.prober = prober
        self.now = now
        self.resolver = resolver
    }
}

/// Input mailtls cannot work with; each case is explained to the user with its fix.
public enum CheckInputError: Error, Equatable, Sendable {
    case unknownHost(String)
    case resolver(DNSError)
    case unreadableCAFile(path: String, reason: String)
    case noCertificatesInCAFile(path: String)
}

/// The outcome of `mailtls check`.
public struct CheckReport: Sendable {
    public var host: String
    public var address: String
    public var checkedName: String
    public var ports: [PortObservation]
    public var findings: [Finding]
    /// How a password before TLS was probed for (nil: it was not).
    public var loginProbe: LoginProbeMethod?
    public var startedAt: Date
    public var durationMilliseconds: Double

    /// The software identified on the finding's ports: its fix is given in their terms.
    public func software(of finding: Finding) -> Set<ServerSoftware> {
        Set(ports.filter { finding.ports.contains($0.spec.port) }.compactMap(\.software))
    }

    /// The hosted providers the finding's ports belong to (their fixes are the provider's to make).
    public func providers(of finding: Finding) -> Set<HostedProvider> {
        Set(ports.filter { finding.ports.contains($0.spec.port) }.compactMap(\.identification?.provider))
    }

    /// Nagios plugin convention: 0 OK, 1 warning, 2 critical.
    public var exitCode: Int32 {
        let worst = findings.map(\.severity).max() ?? .info
        switch worst {
        case .critical: return 2
        case .warning: return 1
        case .info: return 0
        }
    }
}

/// Runs every port probe against one server and judges the result.
public struct ServerChecker: Sendable {
    public init() {}

    public func run(_ request: CheckRequest) async throws(CheckInputError) -> CheckReport {
        let startedAt = Date()
        let clock = ContinuousClock.now
        let anchors: TrustAnchors
        if let loaded = request.anchors {
            anchors = loaded
        } else {
            anchors = try ServerChecker.anchors(caFile: request.caFile)
        }
        let address = try await ServerChecker.resolve(request.host, using: request.resolver)
        let checkedName = request.serverName ?? request.host
        let serverName: String? = request.serverName ?? (HostnameMatcher.isIPAddress(request.host) ? nil : request.host)

        let engine = ConnectionEngine(timeouts: request.timeouts)
        let prober = PortProber(engine: engine, limiter: ConnectionLimiter(limit: request.maximumConnections),
                                options: request.prober)
        var observations = await withTaskGroup(of: PortObservation.self) { group in
            for spec in request.ports {
                group.addTask {
                    var target = address
                    target.port = spec.port
                    return await prober.probe(spec, at: target, serverName: serverName)
                }
            }
            var collected: [PortObservation] = []
            for await observation in group { collected.append(observation) }
            return collected
        }
        let order = request.ports.map(\.port)
        observations.sort { (order.firstIndex(of: $0.spec.port) ?? 0) < (order.firstIndex(of: $1.spec.port) ?? 0) }

        // Most servers present one chain on every port: analyse each distinct chain once.
        let analyzer = CertificateAnalyzer(anchors: anchors, now: request.now)
        var analysed: [[[UInt8]]: CertificateReport] = [:]
        for index in observations.indices {
            guard let chain = observations[index].handshake?.presentedChain, !chain.isEmpty else { continue }
            if analysed[chain] == nil {
                analysed[chain] = await analyzer.analyse(presentedChain: chain, checkedName: checkedName)
            }
            observations[index].certificate = analysed[chain]
        }

        if request.deep {
            // Port by port, so the server sees at most `deepConnections` connections at once.
            let scanner = DeepScanner(engine: engine, clientName: request.prober.clientName,
                                      maximumConnections: request.deepConnections)
            for index in observations.indices where observations[index].tlsEstablished {
                var target = address
                target.port = observations[index].spec.port
                observations[index].deep = await scanner.scan(address: target, spec: observations[index].spec,
                                                              mode: observations[index].effectiveMode,
                                                              serverName: serverName)
            }
        }

        let context = CheckContext(warnDays: request.warnDays,
                                   anyPortOpen: observations.contains { $0.state == .open })
        let findings = CheckRegistry.evaluate(observations, context: context)
        let hostNames = [request.host, checkedName]
        for index in observations.indices {
            let mailProtocol = observations[index].spec.mailProtocol
            observations[index].identification = request.serverSoftware.first { $0.protocols.contains(mailProtocol) }
                .map(ServerIdentification.chosen)
                ?? ServerIdentification.identify(protocol: observations[index].spec.mailProtocol,
                                                 record: observations[index].record, hostNames: hostNames)
        }
        return CheckReport(host: request.host, address: address.ipAddress ?? request.host, checkedName: checkedName,
                           ports: observations, findings: findings, loginProbe: request.prober.loginProbe,
                           startedAt: startedAt,
                           durationMilliseconds: clock.duration(to: .now).inMilliseconds)
    }

    /// The system's roots and `--ca-file`'s, or the input error that says what is wrong with the file.
    public static func anchors(caFile: String?) throws(CheckInputError) -> TrustAnchors {
        do {
            return try TrustAnchors(caFile: caFile)
        } catch {
            switch error {
            case .unreadable(let path, let reason): throw .unreadableCAFile(path: path, reason: reason)
            case .noCertificates(let path): throw .noCertificatesInCAFile(path: path)
            }
        }
    }

    /// A host name or address as the user gave it: a literal, `--resolver`'s answer, or the system resolver's.
    public static func resolve(_ host: String, using resolver: DNSResolver.Configuration?) async throws(CheckInputError)
        -> SocketAddress {
        let trimmed = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if let literal = try? SocketAddress(ipAddress: trimmed, port: 0) { return literal }
        if let resolver {
            let answer: DNSAnswer<String>
            do {
                answer = try await DNSResolver(resolver).addresses(trimmed)
            } catch {
                throw .resolver(error)
            }
            // IPv4 first: the answer lists A records before AAAA.
            guard let first = answer.records.first, let address = try? SocketAddress(ipAddress: first, port: 0) else {
                throw .unknownHost(host)
            }
            return address
        }
        guard !trimmed.isEmpty, trimmed.count <= 253 else { throw .unknownHost(host) }
        // getaddrinfo blocks: it runs on NIO's thread pool, not on a thread of the cooperative pool.
        let resolved: SocketAddress? = await withCheckedContinuation { continuation in
            NIOThreadPool.singleton.submit { _ in
                continuation.resume(returning: try? SocketAddress.makeAddressResolvingHost(trimmed, port: 0))
            }
        }
        guard let resolved else { throw .unknownHost(host) }
        return resolved
    }
}
