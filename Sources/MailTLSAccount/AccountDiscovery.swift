import Foundation
import MailTLSCheck
import MailTLSCore
import MailTLSDNS
import MailTLSEngine
import MailTLSSetup
import MailTLSWeb
import NIOCore
import SwiftASN1
import X509

/// What `mailtls setup` was asked to do.
public struct DiscoveryRequest: Sendable {
    public var address: String
    public var resolver: DNSResolver.Configuration
    /// Extra trust roots for autoconfig hosts and mail servers (`--ca-file`).
    public var caFile: String?
    public var timeouts: ConnectionEngine.Timeouts
    public var httpTimeout: Double
    public var maximumConnections: Int
    /// Guess host names when nothing published works (Thunderbird's last resort).
    public var guess: Bool
    public var now: Date

    public init(address: String, resolver: DNSResolver.Configuration = .init(), caFile: String? = nil,
                timeouts: ConnectionEngine.Timeouts = .init(connect: 5, read: 10, greeting: 15, overall: 60),
                httpTimeout: Double = 10, maximumConnections: Int = 6, guess: Bool = true, now: Date = Date()) {
        self.address = address
        self.resolver = resolver
        self.caFile = caFile
        self.timeouts = timeouts
        self.httpTimeout = httpTimeout
        self.maximumConnections = maximumConnections
        self.guess = guess
        self.now = now
    }
}

/// Input `setup` cannot work with.
public enum DiscoveryInputError: RunContextInputError, Equatable, Sendable {
    case badAddress(String)
    case resolver(DNSError)
    /// `--ca-file` is unreadable or holds no certificate.
    case caFile(TrustAnchors.LoadError)
}

/// Everything `setup` found, tried and recommends.
public struct DiscoveryReport: Sendable {
    public var address: String
    public var domain: String
    public var sources: [SourceOutcome]
    public var verified: [VerifiedCandidate]
    public var recommendation: AccountRecommendation
    /// The published configuration, when one was found (its display name, its own order).
    public var publishedConfig: ProviderConfig?
    public var startedAt: Date
    public var durationMilliseconds: Double

    /// 0 when incoming and outgoing settings were found and verified, 1 when only one of them, 2 when none.
    public var exitCode: Int32 {
        let found = [recommendation.incoming, recommendation.outgoing].compactMap { $0 }.count
        return found == 2 ? 0 : (found == 1 ? 1 : 2)
    }
}

/// Finds the right settings for an address the way a careful mail client would, and verifies each one.
public struct AccountDiscovery: Sendable {
    public init() {}

    /// - Parameter context: the run's anchors and resolver when a caller already has them (`diagnose`); built from
    ///   the request's `caFile` and `resolver` otherwise.
    public func run(_ request: DiscoveryRequest, context: RunContext? = nil) async throws(DiscoveryInputError)
        -> DiscoveryReport {
        let startedAt = Date()
        let clock = ContinuousClock.now
        let (address, domain) = try AccountDiscovery.split(request.address)
        let run: RunContext
        if let context {
            run = context
        } else {
            do {
                run = try RunContext(caFile: request.caFile, resolver: request.resolver)
            } catch {
                throw error.reported(as: DiscoveryInputError.self)
            }
        }
        let anchors = run.anchors
        let resolver = run.resolver
        let fetcher = HTTPSFetcher(resolver: resolver, options: .init(
            maximumBytes: 256 * 1024, timeout: request.httpTimeout, extraRootsDER: anchors.extraRootsDER))
        let verifier = CandidateVerifier(resolver: resolver, anchors: anchors, now: request.now,
                                         timeouts: request.timeouts, maximumConnections: request.maximumConnections)
        // Thunderbird's request: the address in the query lets a provider tailor the file.
        let autoconfigPath = "/mail/config-v1.1.xml?emailaddress=\(AccountDiscovery.queryEscaped(address))"

        // Published sources, looked up together.
        async let autoconfig = AccountDiscovery.fetchConfig(
            fetcher, host: "autoconfig.\(domain)", path: autoconfigPath, source: .autoconfig)
        async let srv = AccountDiscovery.lookUpSRV(domain, resolver: resolver)
        async let mx = try? resolver.mx(domain)

        var sources: [SourceOutcome] = []
        var published: [Candidate] = []
        var publishedConfig: ProviderConfig?
        let first = await autoconfig
        sources.append(first.outcome)
        if let config = first.config {
            publishedConfig = config
            published += CandidatePlanner.candidates(from: config, source: .autoconfig, origin: first.outcome.origin)
        } else {
            let wellKnown = await AccountDiscovery.fetchConfig(
                fetcher, host: domain, path: "/.well-known/autoconfig/mail/config-v1.1.xml", source: .wellKnown)
            sources.append(wellKnown.outcome)
            if let config = wellKnown.config {
                publishedConfig = config
                published += CandidatePlanner.candidates(from: config, source: .wellKnown,
                                                         origin: wellKnown.outcome.origin)
            }
        }
        let srvAnswers = await srv
        let srvCandidates = CandidatePlanner.candidates(fromSRV: srvAnswers.records, domain: domain)
        sources.append(SourceOutcome(
            source: .srv, origin: "_submissions._tcp.\(domain) …",
            result: srvCandidates.isEmpty ? .notPublished(srvAnswers.summary) : .found(srvCandidates.count)))
        published += srvCandidates

        let mxAnswer = await mx
        let mxDomain = CandidatePlanner.mxDomain(of: mxAnswer?.records ?? [], addressDomain: domain)
        if let mxDomain {
            let fromMX = await AccountDiscovery.fetchConfig(
                fetcher, host: "autoconfig.\(mxDomain)", path: autoconfigPath, source: .mxAutoconfig)
            sources.append(fromMX.outcome)
            if let config = fromMX.config {
                publishedConfig = publishedConfig ?? config
                published += CandidatePlanner.candidates(from: config, source: .mxAutoconfig,
                                                         origin: fromMX.outcome.origin)
            }
        }

        var verified = await verifier.verify(AccountDiscovery.unique(published))

        // Guess only for what nothing published provides.
        let workingKinds = Set(verified.filter(\.works).map(\.candidate.setting.kind))
        var missing: Set<MailProtocol> = []
        if !workingKinds.contains(.smtp) { missing.insert(.smtp) }
        if !workingKinds.contains(.imap) && !workingKinds.contains(.pop3) { missing.formUnion([.imap, .pop3]) }
        if request.guess && !missing.isEmpty {
            let domains = [domain] + (mxDomain.map { [$0] } ?? [])
            // A guess that a published source already named was tried under that source.
            let tried = Set(verified.map { AccountDiscovery.key($0.candidate.setting) })
            let guesses = domains.flatMap { CandidatePlanner.guesses(for: $0, kinds: missing) }
                .filter { !tried.contains(AccountDiscovery.key($0.setting)) }
            let guessed = await verifier.verify(guesses, droppingUnresolved: true)
            sources.append(SourceOutcome(
                source: .guess, origin: domains.joined(separator: ", "),
                result: guessed.isEmpty ? .notPublished(.noGuessedHostResolves) : .found(guessed.count)))
            verified += guessed
        } else if !missing.isEmpty {
            sources.append(SourceOutcome(source: .guess, origin: domain, result: .skipped(.guessingOff)))
        }

        // The chosen submission server's TLS versions, for the device profile.
        var versions: [TLSVersion]?
        if let outgoing = RecommendationBuilder.best(.smtp, in: verified) {
            versions = await verifier.acceptedVersions(of: outgoing)
        }
        var recommendation = RecommendationBuilder.build(address: address, verified: verified,
                                                         outgoingVersions: versions)
        if let name = publishedConfig?.displayName, !name.isEmpty { recommendation.displayName = name }
        return DiscoveryReport(address: address, domain: domain, sources: sources, verified: verified,
                               recommendation: recommendation, publishedConfig: publishedConfig,
                               startedAt: startedAt, durationMilliseconds: clock.duration(to: .now).inMilliseconds)
    }

    static func split(_ input: String) throws(DiscoveryInputError) -> (String, String) {
        let address = input.trimmingCharacters(in: .whitespaces)
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty,
              !address.contains(where: { $0.isWhitespace || $0 == "/" || $0 == "\\" }),
              let domain = DomainName.validated(String(parts[1]))
        else { throw .badAddress(input) }
        return (address, domain)
    }

    static func queryEscaped(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: ".-_"))) ?? ""
    }

    /// The same host, port and security from two sources is tried once, under the better source.
    static func unique(_ candidates: [Candidate]) -> [Candidate] {
        var seen = Set<String>()
        return candidates.filter { seen.insert(key($0.setting)).inserted }
    }

    static func key(_ setting: ServerSetting) -> String {
        "\(setting.kind)|\(setting.hostname.lowercased())|\(setting.port)|\(setting.socketType)"
    }

    struct FetchedConfig: Sendable {
        var outcome: SourceOutcome
        var config: ProviderConfig?
    }

    static func fetchConfig(_ fetcher: HTTPSFetcher, host: String, path: String, source: DiscoverySource) async
        -> FetchedConfig {
        let origin = "https://\(host)\(path)"
        switch await fetcher.get(host: host, path: path) {
        case .failure(let failure):
            switch failure {
            case .hostNotFound:
                return FetchedConfig(outcome: SourceOutcome(source: source, origin: origin,
                                                            result: .notPublished(.fetch(failure))))
            default:
                return FetchedConfig(outcome: SourceOutcome(source: source, origin: origin,
                                                            result: .failed(.fetch(failure))))
            }
        case .success(let response):
            guard response.status == 200 else {
                return FetchedConfig(outcome: SourceOutcome(source: source, origin: origin,
                                                            result: .notPublished(.httpStatus(response.status))))
            }
            switch AutoconfigParser.parse(response.body) {
            case .success(let parsed):
                let count = parsed.config.incoming.count + parsed.config.outgoing.count
                return FetchedConfig(outcome: SourceOutcome(source: source, origin: origin, result: .found(count)),
                                     config: parsed.config)
            case .failure(let problem):
                return FetchedConfig(outcome: SourceOutcome(source: source, origin: origin,
                                                            result: .failed(.badAutoconfig(problem))))
            }
        }
    }

    struct SRVAnswers: Sendable {
        var records: [String: [SRVRecord]] = [:]
        var summary: SourceOutcome.Detail = .noSRVRecords
    }

    static func lookUpSRV(_ domain: String, resolver: DNSResolver) async -> SRVAnswers {
        var answers = SRVAnswers()
        var notOffered: [String] = []
        for service in CandidatePlanner.srvServices {
            guard let answer = try? await resolver.srv("\(service.name).\(domain)") else { continue }
            answers.records[service.name] = answer.records
            if answer.records.contains(where: \.isNotOffered) { notOffered.append(service.name) }
        }
        if !notOffered.isEmpty { answers.summary = .srvNotOffered(notOffered) }
        return answers
    }
}
