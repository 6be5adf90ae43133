import Foundation
import MailTLSCheck
import MailTLSCore
import MailTLSDNS
import MailTLSEngine
import MailTLSSetup
import NIOCore

/// Connects to each candidate as a client with that setting would, and says whether it works.
struct CandidateVerifier: Sendable {
    let resolver: DNSResolver
    let anchors: TrustAnchors
    let now: Date
    let prober: PortProber

    /// No throwaway logins on someone else's server, no version scan (only the recommended submission server gets
    /// one, afterwards), and a short wait before trying TLS on a silent STARTTLS port.
    init(resolver: DNSResolver, anchors: TrustAnchors, now: Date, timeouts: ConnectionEngine.Timeouts,
         maximumConnections: Int) {
        self.resolver = resolver
        self.anchors = anchors
        self.now = now
        var options = PortProber.Options()
        options.scanVersions = false
        options.loginProbe = nil
        options.silenceBeforeTLSAttempt = 1
        prober = PortProber(engine: ConnectionEngine(timeouts: timeouts),
                            limiter: ConnectionLimiter(limit: maximumConnections), options: options)
    }

    /// Every candidate, each host name looked up once. With `droppingUnresolved`, candidates whose host has no
    /// address are left out (guesses that do not resolve are never reported, let alone probed); otherwise they are
    /// reported as host not found.
    func verify(_ candidates: [Candidate], droppingUnresolved: Bool = false) async -> [VerifiedCandidate] {
        var addresses: [String: String] = [:]
        for host in Set(candidates.map(\.setting.hostname)) {
            if let address = await address(of: host) { addresses[host] = address }
        }
        let kept = droppingUnresolved ? candidates.filter { addresses[$0.setting.hostname] != nil } : candidates
        return await withTaskGroup(of: (Int, VerifiedCandidate).self) { group in
            for (index, candidate) in kept.enumerated() {
                let address = addresses[candidate.setting.hostname]
                group.addTask { (index, await verify(candidate, address: address)) }
            }
            var results: [(Int, VerifiedCandidate)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    private func verify(_ candidate: Candidate, address: String?) async -> VerifiedCandidate {
        let setting = candidate.setting
        guard let address, let target = try? SocketAddress(ipAddress: address, port: setting.port) else {
            return VerifiedCandidate(candidate: candidate, observation: nil, failure: .hostNotFound)
        }
        var observation = await prober.probe(spec(for: setting), at: target, serverName: setting.hostname)
        if let chain = observation.handshake?.presentedChain, !chain.isEmpty {
            observation.certificate = await CertificateAnalyzer(anchors: anchors, now: now)
                .analyse(presentedChain: chain, checkedName: setting.hostname)
        }
        return VerifiedCandidate(candidate: candidate, observation: observation,
                                 failure: CandidateVerifier.failure(of: observation, setting: setting),
                                 mechanisms: observation.authAfterTLS ?? [])
    }

    /// The TLS versions a verified server accepts (for old devices): the version scan, on the address it was
    /// verified at, without repeating the dialogue.
    func acceptedVersions(of verified: VerifiedCandidate) async -> [TLSVersion]? {
        guard let observation = verified.observation,
              let target = try? SocketAddress(ipAddress: observation.address, port: observation.spec.port),
              let support = await prober.versionSupport(of: observation, at: target,
                                                        serverName: verified.candidate.setting.hostname)
        else { return nil }
        return support.accepted.isEmpty ? nil : support.accepted
    }

    /// The first address of a host (IPv4 first), or the host itself when it is an address.
    func address(of host: String) async -> String? {
        if (try? SocketAddress(ipAddress: host, port: 0)) != nil { return host }
        return try? await resolver.addresses(host).records.first
    }

    func spec(for setting: ServerSetting) -> PortSpec {
        PortSpec(port: setting.port, mailProtocol: setting.kind,
                 mode: setting.socketType.connectionMode, isSubmission: setting.kind == .smtp)
    }

    /// Judges an observation as a client configured with `setting` experiences it, by the rules every command
    /// shares: the transport first, then the certificate, then AUTH on a submission port.
    static func failure(of observation: PortObservation, setting: ServerSetting) -> CandidateFailure? {
        if let refusal = TransportAssessment.refusal(of: observation) { return .transport(refusal) }
        if setting.socketType == .plaintext { return .plaintextOnly }
        if let certificate = observation.certificate, let refusal = CertificateAssessment.refusal(of: certificate) {
            return .certificate(refusal)
        }
        if TransportAssessment.problems(of: observation).contains(.noAuthenticationAfterTLS) {
            return .transport(.noAuthenticationAfterTLS)
        }
        return nil
    }
}
