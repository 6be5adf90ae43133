import Foundation
import Crypto
import MailTLSCheck
import MailTLSCore
import MailTLSAccount
import MailTLSDNS
import MailTLSDomainCheck
import MailTLSEngine
import MailTLSSetup
import NIOCore
import NIOPosix

/// Probes one target: every address its host resolves to (or the addresses the configuration names), each with the
/// host's name as SNI and as the name the certificate must carry, with the check's own probes and rules. The
/// certificate is analysed even when it is invalid, so its dates are known then too.
public struct WatchProber: Sendable {
    public var defaults: WatchConfiguration.Defaults
    public var anchors: TrustAnchors
    /// The configured resolver's one libunbound context for host targets' lookups (nil without `resolver:`, or when
    /// it would not start: then those lookups find nothing), instead of one started per lookup.
    let lookups: DNSResolver?

    public init(defaults: WatchConfiguration.Defaults, anchors: TrustAnchors) {
        self.defaults = defaults
        self.anchors = anchors
        lookups = defaults.resolver == nil ? nil : try? DNSResolver(Self.resolverConfiguration(defaults))
    }

    /// Why a target could not be probed at all.
    public enum Failure: Error, Equatable, Sendable {
        case unknownHost(String)
        /// A domain target: the domain does not exist, or the resolver failed.
        case domain(DomainInputError)
        /// An address target: not an address, or the resolver failed.
        case address(DiscoveryInputError)
    }

    public func probe(_ target: WatchConfiguration.Target, now: Date = Date()) async throws(Failure) -> [PortSnapshot] {
        if case .domain(let domain) = target.kind { return try await probeDomain(domain, name: target.name, now: now) }
        if case .address(let address) = target.kind { return try await probeAddress(address, name: target.name, now: now) }
        let addresses = target.addresses.isEmpty ? await addresses(of: target.host) : target.addresses
        guard !addresses.isEmpty else { throw .unknownHost(target.host) }
        let serverName = target.serverName ?? (HostnameMatcher.isIPAddress(target.host) ? nil : target.host)
        var snapshots: [PortSnapshot] = []
        // One address after another: the host sees at most `connectionsPerHost` connections at once.
        for address in addresses {
            var request = CheckRequest(host: address, serverName: serverName, ports: target.ports,
                                       warnDays: 0,
                                       timeouts: .init(connect: defaults.timeout, read: defaults.timeout,
                                                       greeting: max(defaults.timeout, 30),
                                                       overall: max(defaults.timeout * 6, 60)),
                                       maximumConnections: defaults.connectionsPerHost, now: now)
            request.anchors = anchors
            guard let report = try? await ServerChecker().run(request) else { continue }
            for observation in report.ports {
                snapshots.append(PortSnapshot(target: target.name, report: report, observation: observation))
            }
        }
        return snapshots
    }

    /// The resolver domain targets use: validating, from the configured server and trust anchor or the system's.
    var resolver: DNSResolver.Configuration { Self.resolverConfiguration(defaults) }

    static func resolverConfiguration(_ defaults: WatchConfiguration.Defaults) -> DNSResolver.Configuration {
        DNSResolver.Configuration(resolver: defaults.resolver, trustAnchorFile: defaults.trustAnchor,
                                  timeout: defaults.timeout, useSystemRootKey: defaults.trustAnchor == nil)
    }

    /// A domain as `mailtls domain` sees it: one entry per MX address (port 25, its DANE verdict and the findings
    /// about it), and one for the domain itself (`domain:0`: MTA-STS, TLS-RPT and the findings about the domain).
    func probeDomain(_ domain: String, name: String, now: Date) async throws(Failure) -> [PortSnapshot] {
        let request = DomainRequest(domain: domain, resolver: resolver, caFile: defaults.caFile,
                                    timeouts: .init(connect: defaults.timeout, read: defaults.timeout,
                                                    greeting: max(defaults.timeout, 30), overall: max(defaults.timeout * 6, 60)),
                                    warnDays: 0, maximumConnections: defaults.connectionsPerHost, now: now)
        let report: DomainReport
        do {
            report = try await DomainChecker().run(request)
        } catch {
            throw .domain(error)
        }
        let observation = report.observation
        var claimed: Set<Int> = []
        var snapshots: [PortSnapshot] = []
        for host in observation.hosts {
            for address in host.addresses {
                let label = "\(host.name) (\(address.address))"
                let subjects: Set<String> = [label, host.name, "_25._tcp.\(host.name)"]
                var snapshot = PortSnapshot(key: PortKey(target: name, address: "\(host.name)/\(address.address)", port: 25),
                                            observation: address.port, analysedAt: report.startedAt)
                for (index, finding) in report.findings.enumerated() {
                    guard let subject = finding.subjects.first(where: subjects.contains) else { continue }
                    snapshot.domainFindings.append(.init(finding, subject: subject))
                    claimed.insert(index)
                }
                snapshot.dane = Self.daneText(address.dane)
                snapshots.append(snapshot)
            }
        }
        var own = PortSnapshot(key: PortKey(target: name, address: domain, port: 0), checkedAt: report.startedAt,
                               mailProtocol: .smtp, state: .open, security: .unknown, versions: [], cipher: nil,
                               certificate: nil, findings: [])
        for (index, finding) in report.findings.enumerated() where !claimed.contains(index) {
            own.domainFindings.append(.init(finding, subject: finding.subjects.first ?? domain))
        }
        let sts = observation.sts
        own.sts = PortSnapshot.STSFacts(
            id: sts.record?.id, mode: sts.policy?.mode.rawValue, mx: sts.policy?.mxPatterns ?? [],
            policyDigest: sts.response.flatMap { $0.status == 200 ? SHA256.hash(data: $0.body).map { String(format: "%02x", $0) }.joined() : nil })
        return [own] + snapshots
    }

    /// An address as a mail client sets it up: its settings discovered and verified as `mailtls setup` does, then
    /// each recommended server checked like a host target (every address, `host/address:port`), and one entry for the
    /// address itself (`address:0`: the settings found, and what was not).
    func probeAddress(_ address: String, name: String, now: Date) async throws(Failure) -> [PortSnapshot] {
        let request = DiscoveryRequest(address: address, resolver: resolver, caFile: defaults.caFile,
                                       timeouts: .init(connect: defaults.timeout, read: defaults.timeout,
                                                       greeting: max(defaults.timeout, 15), overall: max(defaults.timeout * 6, 60)),
                                       maximumConnections: defaults.connectionsPerHost, now: now)
        let discovery: DiscoveryReport
        do {
            discovery = try await AccountDiscovery().run(request)
        } catch {
            throw .address(error)
        }
        let recommendation = discovery.recommendation
        let settings = [recommendation.incoming, recommendation.outgoing].compactMap { $0 }
        var own = PortSnapshot(key: PortKey(target: name, address: address, port: 0), checkedAt: discovery.startedAt,
                               mailProtocol: recommendation.incoming?.kind ?? .imap, state: .open, security: .unknown,
                               versions: [], cipher: nil, certificate: nil, findings: [])
        own.accountSettings = settings.map { "\($0.kind.rawValue.uppercased()) \($0.hostname):\($0.port) \($0.socketType.deviceLabel)" }
            .joined(separator: "; ")
        if recommendation.incoming == nil { own.accountMissing.append("incoming") }
        if recommendation.outgoing == nil { own.accountMissing.append("outgoing") }
        var snapshots = [own]
        for setting in settings {
            let mode: SecurityMode = setting.socketType.connectionMode
            let spec = PortSpec(port: setting.port, mailProtocol: setting.kind, mode: mode, isExplicit: true)
            let target = WatchConfiguration.Target(kind: .host(setting.hostname), name: name, ports: [spec], interval: 0)
            for var snapshot in (try? await probe(target, now: now)) ?? [] {
                snapshot.key.address = "\(setting.hostname)/\(snapshot.key.address)"
                snapshots.append(snapshot)
            }
        }
        return snapshots
    }

    static func daneText(_ verdict: DANEVerdict) -> String {
        switch verdict {
        case .noRecords: "no-records"
        case .unusable: "unusable"
        case .bogus: "bogus"
        case .valid: "valid"
        case .mismatch: "mismatch"
        case .noTLS: "no-tls"
        }
    }

    /// Every address of a host: from the configured resolver when there is one (the same answers domain and address
    /// targets get), else from the system's.
    func addresses(of host: String) async -> [String] {
        guard defaults.resolver != nil, !HostnameMatcher.isIPAddress(host) else { return await Self.addresses(of: host) }
        guard let lookups, let answer = try? await lookups.addresses(host) else { return [] }
        let v4 = answer.records.filter { !$0.contains(":") }
        return v4 + answer.records.filter { $0.contains(":") }
    }

    /// Every IPv4 and IPv6 address of a host, IPv4 first, from the system's resolver (on NIO's thread pool: getaddrinfo
    /// blocks). An address literal is itself.
    static func addresses(of host: String) async -> [String] {
        let trimmed = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if HostnameMatcher.isIPAddress(trimmed) { return [trimmed] }
        return await withCheckedContinuation { continuation in
            NIOThreadPool.singleton.submit { _ in
                var hints = addrinfo()
                hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
                var result: UnsafeMutablePointer<addrinfo>?
                guard getaddrinfo(trimmed, nil, &hints, &result) == 0 else {
                    continuation.resume(returning: [])
                    return
                }
                defer { freeaddrinfo(result) }
                var v4: [String] = []
                var v6: [String] = []
                var cursor = result
                while let entry = cursor {
                    if let text = entry.pointee.ai_addr.flatMap(Self.text(of:)) {
                        if entry.pointee.ai_family == AF_INET6 {
                            if !v6.contains(text) { v6.append(text) }
                        } else if !v4.contains(text) {
                            v4.append(text)
                        }
                    }
                    cursor = entry.pointee.ai_next
                }
                continuation.resume(returning: v4 + v6)
            }
        }
    }

    /// The address a sockaddr holds, as text.
    static func text(of pointer: UnsafeMutablePointer<sockaddr>) -> String? {
        switch Int32(pointer.pointee.sa_family) {
        case AF_INET:
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { SocketAddress($0.pointee).ipAddress }
        case AF_INET6:
            return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { SocketAddress($0.pointee).ipAddress }
        default:
            return nil
        }
    }
}
