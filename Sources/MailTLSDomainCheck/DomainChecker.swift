import Foundation
import MailTLSCheck
import MailTLSCore
import MailTLSDNS
import MailTLSDomain
import MailTLSEngine
import MailTLSWeb
import NIOCore
import SwiftASN1
import X509

/// What `mailtls domain` was asked to do.
public struct DomainRequest: Sendable {
    public var domain: String
    public var resolver: DNSResolver.Configuration
    /// Extra trust roots for the MTA-STS policy host and the MX certificates (`--ca-file`).
    public var caFile: String?
    public var timeouts: ConnectionEngine.Timeouts
    public var httpTimeout: Double
    public var warnDays: Int
    public var maximumConnections: Int
    public var prober: PortProber.Options
    public var now: Date

    public init(domain: String, resolver: DNSResolver.Configuration = .init(), caFile: String? = nil,
                timeouts: ConnectionEngine.Timeouts = .init(), httpTimeout: Double = 10, warnDays: Int = CertificateAssessment.defaultWarnDays,
                maximumConnections: Int = 4, prober: PortProber.Options? = nil, now: Date = Date()) {
        self.domain = domain
        self.resolver = resolver
        self.caFile = caFile
        self.timeouts = timeouts
        self.httpTimeout = httpTimeout
        self.warnDays = warnDays
        self.maximumConnections = maximumConnections
        if let prober {
            self.prober = prober
        } else {
            // Server-to-server: no login or MAIL probes on someone's MX, one handshake per address.
            var options = PortProber.Options()
            options.scanVersions = false
            options.loginProbe = nil
            self.prober = options
        }
        self.now = now
    }
}

/// Input `mailtls domain` cannot work with; each case is explained to the user with its fix.
public enum DomainInputError: RunContextInputError, Equatable, Sendable {
    case badDomain(String)
    case domainNotFound(String)
    case resolver(DNSError)
    /// `--ca-file` is unreadable or holds no certificate.
    case caFile(TrustAnchors.LoadError)
}

/// The outcome of `mailtls domain`.
public struct DomainReport: Sendable {
    public var observation: DomainObservation
    public var findings: [DomainFinding]
    public var startedAt: Date
    public var durationMilliseconds: Double

    public var domain: String { observation.domain }

    /// Nagios plugin convention, as `check`: 0 OK, 1 warning, 2 critical.
    public var exitCode: Int32 {
        switch findings.map(\.severity).max() ?? .info {
        case .critical: 2
        case .warning: 1
        case .info: 0
        }
    }
}

/// Looks up, connects to and judges everything that secures mail sent to a domain.
public struct DomainChecker: Sendable {
    public init() {}

    public func run(_ request: DomainRequest) async throws(DomainInputError) -> DomainReport {
        let startedAt = Date()
        let clock = ContinuousClock.now
        let domain = try DomainChecker.normalise(request.domain)
        let run: RunContext
        do {
            run = try RunContext(caFile: request.caFile, resolver: request.resolver)
        } catch {
            throw error.reported(as: DomainInputError.self)
        }
        let anchors = run.anchors
        let resolver = run.resolver
        let fetcher = HTTPSFetcher(resolver: resolver,
                                   options: .init(maximumBytes: STSPolicy.maximumBytes, timeout: request.httpTimeout,
                                                  extraRootsDER: anchors.extraRootsDER))

        async let stsObservation = DomainChecker.lookUpSTS(domain, resolver: resolver, fetcher: fetcher)
        async let tlsrptObservation = DomainChecker.lookUpTLSRPT(domain, resolver: resolver)
        let mx: MXLookup
        let mxAnswer: DNSAnswer<MXRecord>
        do {
            mxAnswer = try await resolver.mx(domain)
        } catch {
            _ = await (stsObservation, tlsrptObservation)
            throw .resolver(error)
        }
        if mxAnswer.nameDoesNotExist {
            _ = await (stsObservation, tlsrptObservation)
            throw .domainNotFound(domain)
        }
        let records = mxAnswer.records.sorted { ($0.preference, $0.exchange) < ($1.preference, $1.exchange) }
        if records.count == 1, records[0].exchange == "." || records[0].exchange.isEmpty {
            mx = MXLookup(records: records, status: mxAnswer.status, isNullMX: true)
        } else if records.isEmpty {
            // A bogus answer has no usable records; that is not "no MX".
            let bogus = if case .bogus = mxAnswer.status { true } else { false }
            mx = MXLookup(records: [], status: mxAnswer.status, isImplicit: !bogus)
        } else {
            mx = MXLookup(records: records, status: mxAnswer.status)
        }
        var hostNames: [(String, UInt16)] = records.map { (DomainName.canonical($0.exchange), $0.preference) }
        if mx.isImplicit { hostNames = [(domain, 0)] }
        if mx.isNullMX { hostNames = [] }

        let engine = ConnectionEngine(timeouts: request.timeouts)
        let prober = PortProber(engine: engine, limiter: ConnectionLimiter(limit: request.maximumConnections),
                                options: request.prober)
        let analyzer = CertificateAnalyzer(anchors: anchors, now: request.now)
        let mxStatus = mx.status
        var hosts = await withTaskGroup(of: MXHostObservation.self) { group in
            for (name, preference) in hostNames {
                group.addTask {
                    await DomainChecker.observe(host: name, preference: preference, mxStatus: mxStatus,
                                                resolver: resolver, prober: prober, analyzer: analyzer)
                }
            }
            var collected: [MXHostObservation] = []
            for await host in group { collected.append(host) }
            return collected
        }
        hosts.sort { ($0.preference, $0.name) < ($1.preference, $1.name) }
        let sts = await stsObservation
        if let policy = sts.policy, sts.policyProblems.isEmpty {
            for index in hosts.indices { hosts[index].listedInSTSPolicy = policy.allows(mx: hosts[index].name) }
        }
        let observation = DomainObservation(domain: domain, mx: mx, hosts: hosts, sts: sts,
                                            tlsrpt: await tlsrptObservation, warnDays: request.warnDays)
        return DomainReport(observation: observation, findings: DomainCheckRegistry.evaluate(observation),
                            startedAt: startedAt, durationMilliseconds: clock.duration(to: .now).inMilliseconds)
    }

    /// The domain, or the domain part of an address.
    public static func normalise(_ input: String) throws(DomainInputError) -> String {
        let domain = input.lastIndex(of: "@").map { String(input[input.index(after: $0)...]) } ?? input
        guard let valid = DomainName.validated(domain) else { throw .badDomain(input) }
        return valid
    }

    // MARK: MX hosts

    static func observe(host name: String, preference: UInt16, mxStatus: DNSSECStatus, resolver: DNSResolver,
                        prober: PortProber, analyzer: CertificateAnalyzer) async -> MXHostObservation {
        var host = MXHostObservation(name: name, preference: preference)
        async let tlsaLookup = lookUpTLSA(for: name, resolver: resolver)
        do {
            let answer = try await resolver.addresses(name)
            host.addressStatus = answer.status
            if answer.records.isEmpty {
                host.addressError = answer.nameDoesNotExist ? .nameDoesNotExist : .noAddressRecord
                if case .bogus(let reason) = answer.status { host.addressError = .bogus(reason: reason) }
            }
            let tlsa = await tlsaLookup
            host.tlsa = tlsa
            let spec = PortSpec(port: 25, mailProtocol: .smtp, mode: .startTLS)
            host.addresses = await withTaskGroup(of: MXAddressObservation?.self) { group in
                for address in answer.records {
                    group.addTask {
                        guard let target = try? SocketAddress(ipAddress: address, port: 25) else { return nil }
                        // SNI is the TLSA base domain, the MX host name (RFC 7672 section 8.1).
                        var port = await prober.probe(spec, at: target, serverName: name)
                        if let chain = port.handshake?.presentedChain, !chain.isEmpty {
                            port.certificate = await analyzer.analyse(presentedChain: chain, checkedName: name)
                        }
                        let dane = DomainChecker.daneVerdict(tlsa: tlsa, mxStatus: mxStatus, port: port)
                        return MXAddressObservation(address: address, port: port, dane: dane)
                    }
                }
                var collected: [MXAddressObservation] = []
                for await observation in group { if let observation { collected.append(observation) } }
                let order = answer.records
                return collected.sorted {
                    (order.firstIndex(of: $0.address) ?? 0) < (order.firstIndex(of: $1.address) ?? 0)
                }
            }
        } catch {
            host.addressError = .lookupFailed(error)
            host.tlsa = await tlsaLookup
        }
        return host
    }

    static func lookUpTLSA(for host: String, resolver: DNSResolver) async -> TLSALookup {
        let name = "_25._tcp.\(host)"
        do {
            let answer = try await resolver.tlsa(name)
            return TLSALookup(name: name, records: answer.records, status: answer.status)
        } catch {
            return TLSALookup(name: name, records: [], status: .insecure, error: error)
        }
    }

    /// RFC 7672 section 2.2: TLSA counts only when both the MX answer and the TLSA answer are DNSSEC-secure, and
    /// only usages DANE-TA(2) and DANE-EE(3); DANE-TA also needs the MX host name in the certificate.
    static func daneVerdict(tlsa: TLSALookup, mxStatus: DNSSECStatus, port: PortObservation) -> DANEVerdict {
        if case .bogus(let reason) = tlsa.status { return .bogus(reason) }
        guard !tlsa.records.isEmpty else { return .noRecords }
        // Senders look for TLSA only under a secure MX answer (RFC 7672 section 2.2.1), so that comes first.
        guard mxStatus == .secure else { return .unusable(.mxInsecure) }
        guard tlsa.status == .secure else { return .unusable(.tlsaInsecure) }
        guard let handshake = port.handshake else {
            return tlsa.records.contains(where: TLSAMatcher.isUsable) ? .noTLS : .unusable(.onlyUnusableUsages)
        }
        let results = TLSAMatcher.apply(tlsa.records, toChain: handshake.presentedChain)
        let usable = results.filter(\.usable)
        guard !usable.isEmpty else { return .unusable(.onlyUnusableUsages) }
        let nameMatches = port.certificate?.hostnameMatches ?? false
        if let endEntity = usable.first(where: { $0.record.usage == 3 && $0.matchedCertificate != nil }) {
            return .valid(endEntity.record)
        }
        if let authority = usable.first(where: { $0.record.usage == 2 && $0.matchedCertificate != nil }) {
            guard nameMatches else {
                return .mismatch(.nameMissing(port.certificate?.checkedName ?? "the MX host"))
            }
            return .valid(authority.record)
        }
        let leafSPKI = handshake.presentedChain.first.flatMap(SubjectPublicKeyInfoReader.bytes(ofCertificate:))
        let digest = leafSPKI.map { TLSADigest.sha256Hex($0) } ?? "?"
        return .mismatch(.noRecordMatches(leafDigest: digest))
    }

    // MARK: MTA-STS and TLS-RPT

    static func lookUpSTS(_ domain: String, resolver: DNSResolver, fetcher: HTTPSFetcher) async -> STSObservation {
        let host = "mta-sts.\(domain)"
        let path = "/.well-known/mta-sts.txt"
        var sts = STSObservation(policyURL: "https://\(host)\(path)")
        async let fetched = fetcher.get(host: host, path: path)
        if let answer = try? await resolver.txt("_mta-sts.\(domain)") {
            // RFC 8461 section 3.1: records that do not begin with v=STSv1 are not MTA-STS records.
            sts.records = answer.records.filter { $0.hasPrefix("v=STSv1") }
            if sts.records.count == 1 {
                switch STSRecord.parse(sts.records[0]) {
                case .success(let record): sts.record = record
                case .failure(let problem): sts.recordProblem = problem
                }
            }
        }
        switch await fetched {
        case .success(let response):
            sts.response = response
            if response.status == 200, response.mediaType == "text/plain" {
                switch STSPolicy.parse(response.body) {
                case .success(let policy): sts.policy = policy
                case .failure(let problems): sts.policyProblems = problems.list
                }
            }
        case .failure(let failure):
            // Without a TXT record senders never fetch; a missing policy host is then simply nothing.
            if !sts.records.isEmpty { sts.fetchFailure = failure }
        }
        return sts
    }

    static func lookUpTLSRPT(_ domain: String, resolver: DNSResolver) async -> TLSRPTObservation {
        var tlsrpt = TLSRPTObservation()
        guard let answer = try? await resolver.txt("_smtp._tls.\(domain)") else { return tlsrpt }
        tlsrpt.records = answer.records.filter { $0.hasPrefix("v=TLSRPTv1") }
        if tlsrpt.records.count == 1 {
            switch TLSRPTRecord.parse(tlsrpt.records[0]) {
            case .success(let record): tlsrpt.record = record
            case .failure(let problem): tlsrpt.problem = problem
            }
        }
        return tlsrpt
    }
}
