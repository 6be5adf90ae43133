import Foundation
import MailTLSCheck
import MailTLSCore
import MailTLSEngine
import NIOCore
import NIOPosix

/// Probes one target: every address its host resolves to (or the addresses the configuration names), each with the
/// host's name as SNI and as the name the certificate must carry, with the check's own probes and rules. The
/// certificate is analysed even when it is invalid, so its dates are known then too.
public struct WatchProber: Sendable {
    public var defaults: WatchConfiguration.Defaults
    public var anchors: TrustAnchors

    public init(defaults: WatchConfiguration.Defaults, anchors: TrustAnchors) {
        self.defaults = defaults
        self.anchors = anchors
    }

    /// Why a target could not be probed at all.
    public enum Failure: Error, Equatable, Sendable {
        case unknownHost(String)
    }

    public func probe(_ target: WatchConfiguration.Target, now: Date = Date()) async throws(Failure) -> [PortSnapshot] {
        let addresses = target.addresses.isEmpty ? await Self.addresses(of: target.host) : target.addresses
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
