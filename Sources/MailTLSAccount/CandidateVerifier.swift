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

    /// No throwaway logins on someone else's server; no version scan except for the chosen submission server.
    static var probeOptions: PortProber.Options {
        var options = PortProber.Options()
        options.scanVersions = false
        options.probeCleartext = false
        options.silenceBeforeTLSAttempt = 1
        return options
    }

    /// The candidates whose host name has an address; guesses that do not resolve are never probed.
    func resolvable(_ candidates: [Candidate]) async -> [Candidate] {
        var addresses: [String: Bool] = [:]
        for host in Set(candidates.map(\.setting.hostname)) {
            let answer = try? await resolver.addresses(host)
            addresses[host] = !(answer?.records.isEmpty ?? true)
        }
        return candidates.filter { addresses[$0.setting.hostname] == true }
    }

    func verify(_ candidates: [Candidate]) async -> [VerifiedCandidate] {
        await withTaskGroup(of: (Int, VerifiedCandidate).self) { group in
            for (index, candidate) in candidates.enumerated() {
                group.addTask { (index, await verify(candidate)) }
            }
            var results: [(Int, VerifiedCandidate)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    func verify(_ candidate: Candidate) async -> VerifiedCandidate {
        let setting = candidate.setting
        guard let address = await address(of: setting.hostname, port: setting.port) else {
            return VerifiedCandidate(candidate: candidate, observation: nil, failure: .hostNotFound)
        }
        var observation = await prober.probe(spec(for: setting), at: address, serverName: setting.hostname)
        if let chain = observation.handshake?.presentedChain, !chain.isEmpty {
            observation.certificate = await CertificateAnalyzer(anchors: anchors, now: now)
                .analyse(presentedChain: chain, checkedName: setting.hostname)
        }
        let mechanisms = observation.authAfterTLS ?? []
        return VerifiedCandidate(candidate: candidate, observation: observation,
                                 failure: CandidateVerifier.failure(of: observation, setting: setting),
                                 mechanisms: mechanisms)
    }

    /// The TLS versions the submission server accepts (for old devices), from one more probe with a version scan.
    func acceptedVersions(of setting: ServerSetting) async -> [TLSVersion]? {
        guard let address = await address(of: setting.hostname, port: setting.port) else { return nil }
        var options = CandidateVerifier.probeOptions
        options.scanVersions = true
        let scanner = PortProber(engine: prober.engine, limiter: prober.limiter, options: options)
        let observation = await scanner.probe(spec(for: setting), at: address, serverName: setting.hostname)
        return observation.versions.accepted.isEmpty ? nil : observation.versions.accepted
    }

    func address(of host: String, port: Int) async -> SocketAddress? {
        if let literal = try? SocketAddress(ipAddress: host, port: port) { return literal }
        guard let answer = try? await resolver.addresses(host), let first = answer.records.first else { return nil }
        return try? SocketAddress(ipAddress: first, port: port)
    }

    func spec(for setting: ServerSetting) -> PortSpec {
        let mailProtocol: MailProtocol
        switch setting.kind {
        case .imap: mailProtocol = .imap
        case .pop3: mailProtocol = .pop3
        case .smtp: mailProtocol = .smtp
        }
        return PortSpec(port: setting.port, mailProtocol: mailProtocol,
                        mode: setting.socketType == .ssl ? .implicitTLS : .startTLS,
                        isSubmission: setting.kind == .smtp)
    }

    /// Judges an observation as a client configured with `setting` experiences it.
    static func failure(of observation: PortObservation, setting: ServerSetting) -> CandidateFailure? {
        switch observation.state {
        case .closed: return .refused
        case .filtered: return .timedOut
        case .error, .open: break
        }
        if let wrongMode = observation.wrongMode {
            switch wrongMode {
            case .plaintextOnTLSPort(let greeting): return .wrongMode("plaintext greeting: \(greeting)")
            case .tlsOnSTARTTLSPort: return .wrongMode("TLS from the first byte")
            }
        }
        if observation.state == .error, observation.handshake == nil {
            return .other(observation.failure?.summary ?? "no answer")
        }
        if setting.socketType == .startTLS || setting.socketType == .plain {
            switch observation.record.startTLS {
            case .notOffered, .refused: return .startTLSNotOffered
            default: break
            }
        }
        guard observation.handshake != nil else {
            return .tlsFailed(observation.handshakeFailure?.summary ?? observation.failure?.summary ?? "no TLS")
        }
        if setting.socketType == .plain { return .plaintextOnly }
        if let certificate = observation.certificate {
            if certificate.isExpired { return .certificateExpired }
            if !certificate.hostnameMatches {
                return .certificateNameMismatch(names: certificate.leaf.subjectAlternativeNames)
            }
            if !certificate.isTrusted {
                return .certificateUntrusted(certificate.trustFailure.map { "\($0)" } ?? "untrusted")
            }
        }
        if setting.kind == .smtp, (observation.authAfterTLS ?? []).isEmpty { return .noAuthentication }
        return nil
    }
}
