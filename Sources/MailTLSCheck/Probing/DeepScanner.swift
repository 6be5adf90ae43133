import Foundation
import MailTLSCore
import MailTLSEngine
import NIOCore

/// What `check --deep` learned on one port: every suite each version accepts, whether the server or the client
/// orders them, and what it cost.
public struct DeepScanResult: Sendable, Equatable {
    public struct VersionResult: Sendable, Equatable {
        public var version: TLSVersion
        /// Suites the server chose, in the order it chose them.
        public var accepted: [CipherSuite]
        /// True when the server picks by its own order (a reversed offer gets the same first choice), false when it
        /// follows the client's; nil with fewer than two suites.
        public var serverOrder: Bool?
    }

    public var port: Int
    /// The versions with at least one accepted suite, oldest first.
    public var versions: [VersionResult]
    /// Versions whose every offer was refused.
    public var refused: [TLSVersion]
    /// ClientHellos sent (one connection each).
    public var handshakes: Int
    public var milliseconds: Double
    /// Why the scan could not finish (the server chose a suite it was not offered, the port stopped answering).
    public var problem: String?
    /// TLS 1.3's key exchange groups the server accepts, in its order of preference (learned from
    /// HelloRetryRequests); empty without TLS 1.3.
    public var groups: [UInt16] = []
    /// Whether the server's TLS 1.2-and-earlier ServerHellos carry renegotiation_info (RFC 5746); nil when no
    /// version before TLS 1.3 was accepted.
    public var secureRenegotiation: Bool?
    /// Whether the server accepts TLS compression (DEFLATE, CRIME); nil when not tested.
    public var compression: Bool?
    /// Whether a ServerHello before TLS 1.3 announced OCSP stapling (status_request); nil when none was seen.
    public var ocspStapling: Bool?
    /// Whether the server refuses a fallback below its best version (TLS_FALLBACK_SCSV, RFC 7507); nil when it
    /// accepts only one version, or its answer was neither an alert nor a ServerHello.
    public var fallbackSCSV: Bool?
    /// SSL 3.0 and SSL 2.0, each tried with one hello.
    public var sslv3 = false
    public var sslv2 = false
    /// The finite-field DH groups the server's DHE suites used (from their ServerKeyExchange), smallest first;
    /// empty when no DHE suite was accepted before TLS 1.3.
    public var dhGroups: [FiniteFieldGroup] = []

    /// Whether another port answered the scan alike: the same suites, order, groups and handshake properties,
    /// whatever it cost.
    public func answersAlike(_ other: DeepScanResult) -> Bool {
        func answers(_ result: DeepScanResult) -> DeepScanResult {
            var answers = result
            answers.port = 0
            answers.handshakes = 0
            answers.milliseconds = 0
            return answers
        }
        return answers(self) == answers(other)
    }
}

/// One version's scan: the suites, the order, the connections it took, what stopped it, and whether its
/// ServerHellos carried renegotiation_info.
struct Lane: Sendable {
    var version: TLSVersion
    var scan: SuiteScan
    var serverOrder: Bool?
    var handshakes: Int
    var problem: String?
    var renegotiationInfo: Bool?
    var ocspStapling: Bool?
    /// Every distinct DH group the version's DHE and DH_anon suites used.
    var dhGroups: [FiniteFieldGroup] = []
}

/// What one ClientHello asks for.
struct HelloOffer: Sendable {
    enum Format: Sendable { case tls, sslv3, sslv2 }

    var version: TLSVersion
    var suites: [UInt16]
    var groups: [UInt16] = ClientHelloBuilder.groups
    var keyShare = true
    var compression: [UInt8] = [0]
    var fallback = false
    var format = Format.tls

    func bytes(serverName: String?) -> [UInt8] {
        var random = [UInt8](repeating: 0, count: 32)
        for index in random.indices { random[index] = UInt8.random(in: 0...255) }
        switch format {
        case .tls:
            return ClientHelloBuilder.hello(version: version, suites: suites, serverName: serverName, random: random,
                                            groups: groups, keyShare: keyShare, compression: compression,
                                            fallback: fallback)
        case .sslv3:
            return ClientHelloBuilder.sslv3Hello(suites: suites, random: random)
        case .sslv2:
            return ClientHelloBuilder.sslv2Hello(challenge: Array(random.prefix(16)))
        }
    }
}

/// Runs the suite scans of `check --deep` on one port: one TLS version per lane, at most `maximumConnections`
/// lanes at once, each handshake on its own connection (after the STARTTLS go-ahead on STARTTLS ports), never
/// completed. A `421` greeting makes the lane wait and try again, at most three times.
public struct DeepScanner: Sendable {
    public var engine: ConnectionEngine
    public var clientName: String
    public var maximumConnections: Int

    public init(engine: ConnectionEngine, clientName: String = "mailtls.invalid", maximumConnections: Int = 2) {
        self.engine = engine
        self.clientName = clientName
        self.maximumConnections = max(1, maximumConnections)
    }

    public func scan(address: SocketAddress, spec: PortSpec, mode: SecurityMode, serverName: String?,
                     versions: [TLSVersion] = TLSVersion.allCases) async -> DeepScanResult {
        let started = ContinuousClock.now
        let target = Target(address: address, spec: spec, mode: mode, serverName: serverName)
        let lane: @Sendable (TLSVersion) async -> Lane = { version in await self.scan(version: version, target) }
        let lanes = await withTaskGroup(of: Lane.self) { group in
            var results: [Lane] = []
            var pending = versions[...]
            for _ in 0..<min(maximumConnections, pending.count) {
                let version = pending.removeFirst()
                group.addTask { await lane(version) }
            }
            for await result in group {
                results.append(result)
                if let version = pending.first {
                    pending.removeFirst()
                    group.addTask { await lane(version) }
                }
            }
            return results
        }
        var result = DeepScanResult(port: spec.port, versions: [], refused: [], handshakes: 0, milliseconds: 0)
        for lane in lanes.sorted(by: { $0.version < $1.version }) {
            result.handshakes += lane.handshakes
            if let problem = lane.problem, result.problem == nil { result.problem = problem }
            if lane.scan.accepted.isEmpty {
                result.refused.append(lane.version)
            } else {
                result.versions.append(.init(version: lane.version,
                                             accepted: lane.scan.accepted.map(CipherSuite.init(code:)),
                                             serverOrder: lane.serverOrder))
                if let seen = lane.renegotiationInfo {
                    result.secureRenegotiation = (result.secureRenegotiation ?? true) && seen
                }
                if let stapling = lane.ocspStapling { result.ocspStapling = (result.ocspStapling ?? false) || stapling }
            }
            for group in lane.dhGroups {
                FiniteFieldGroup.note(group.prime, anonymous: group.anonymousOnly, in: &result.dhGroups)
            }
        }
        result.dhGroups.sort { $0.bits < $1.bits }
        // TLS 1.3's groups: an empty key share asks the server to name the group it wants (a HelloRetryRequest);
        // that group is taken out and the rest offered again.
        if let tls13 = result.versions.first(where: { $0.version == .tls13 }) {
            var remaining = ClientHelloBuilder.groups
            while !remaining.isEmpty, result.groups.count < ClientHelloBuilder.groups.count {
                result.handshakes += 1
                let offer = HelloOffer(version: .tls13, suites: tls13.accepted.map(\.code), groups: remaining,
                                       keyShare: false)
                guard case .success(let hello?) = await handshake(offer, target),
                      let group = hello.helloRetryGroup, let index = remaining.firstIndex(of: group) else { break }
                result.groups.append(group)
                remaining.remove(at: index)
            }
        }
        // SSL 3.0 and SSL 2.0: one hello each.
        result.handshakes += 2
        let sslv3Suites = Array(CipherSuiteRegistry.offer(for: .tls10).prefix(ClientHelloBuilder.maximumSuites))
        if case .success(let hello?) = await handshake(HelloOffer(version: .tls10, suites: sslv3Suites,
                                                                  format: .sslv3), target) {
            result.sslv3 = hello.version == 0x0300
        }
        if case .success(.notTLS(let prefix)?) = await answer(HelloOffer(version: .tls10, suites: [], format: .sslv2),
                                                             target) {
            result.sslv2 = ClientHelloBuilder.isSSLv2ServerHello(prefix)
        }
        // TLS_FALLBACK_SCSV: a hello one version below the best, marked as a fallback, must be refused
        // (inappropriate_fallback, 86) by a server that knows the signal.
        let accepted = result.versions.map(\.version)
        if let lower = accepted.dropLast().last(where: { $0 < .tls13 }),
           let suites = result.versions.first(where: { $0.version == lower })?.accepted.map(\.code) {
            result.handshakes += 1
            // The same hello without the signal got a ServerHello during the scan: a refusal now (an alert, or a
            // close without one, as Dovecot does) is the signal's doing.
            switch await answer(HelloOffer(version: lower, suites: suites, fallback: true), target) {
            case .success(.serverHello?): result.fallbackSCSV = false
            case .success(.alert?), .success(nil): result.fallbackSCSV = true
            default: break
            }
        }
        // Compression: DEFLATE offered before null at the newest version before TLS 1.3.
        if let legacy = result.versions.last(where: { $0.version < .tls13 }) {
            result.handshakes += 1
            let offer = HelloOffer(version: legacy.version, suites: legacy.accepted.map(\.code), compression: [1, 0])
            if case .success(let hello?) = await handshake(offer, target) {
                result.compression = hello.compressionMethod != 0
            }
        }
        result.milliseconds = started.duration(to: .now).inMilliseconds
        return result
    }

    struct Target: Sendable {
        var address: SocketAddress
        var spec: PortSpec
        var mode: SecurityMode
        var serverName: String?
    }

    /// One version: offer-all-and-remove, then one reversed offer of what was accepted for the order.
    func scan(version: TLSVersion, _ target: Target) async -> Lane {
        var lane = Lane(version: version, scan: SuiteScan(version: version,
                                                          candidates: CipherSuiteRegistry.offer(for: version)),
                        handshakes: 0)
        while let suites = lane.scan.nextOffer() {
            lane.handshakes += 1
            switch await handshake(HelloOffer(version: version, suites: suites), target) {
            case .success(let hello?):
                lane.scan.receive(.chose(suite: hello.cipherSuite, version: hello.version))
                if version < .tls13, hello.version == version.wireValue {
                    lane.renegotiationInfo = (lane.renegotiationInfo ?? true) && hello.extensionTypes.contains(0xFF01)
                    lane.ocspStapling = (lane.ocspStapling ?? false) || hello.extensionTypes.contains(5)
                }
                if case .finiteField(let prime, _)? = hello.keyExchange {
                    FiniteFieldGroup.note(prime, anonymous: CipherSuite(code: hello.cipherSuite).weakness == .anonymous,
                                          in: &lane.dhGroups)
                }
            case .success(nil):
                lane.scan.receive(.refused)
            case .failure(let error):
                lane.problem = error.summary
                lane.scan.receive(.refused)
                if case .connectionRefused = error { return lane }
            }
        }
        if case .unofferedSuite(let suite) = lane.scan.outcome {
            lane.problem = "the server chose \(CipherSuite(code: suite).ianaName), which was not offered"
        }
        if lane.scan.accepted.count >= 2 {
            lane.handshakes += 1
            let reversed = Array(lane.scan.accepted.reversed().prefix(ClientHelloBuilder.maximumSuites))
            if case .success(let hello?) = await handshake(HelloOffer(version: version, suites: reversed), target) {
                lane.serverOrder = hello.cipherSuite == lane.scan.accepted[0]
            }
        }
        return lane
    }

    /// One connection: the plaintext preamble on a STARTTLS port, the ClientHello, the server's answer (nil: it
    /// refused). A `421` greeting is waited out, at most three times.
    func handshake(_ offer: HelloOffer, _ target: Target) async
        -> Result<ServerFlightParser.ServerHello?, EngineError> {
        switch await answer(offer, target) {
        case .success(.serverHello(let hello)?): .success(hello)
        case .success: .success(nil)
        case .failure(let error): .failure(error)
        }
    }

    /// The server's whole answer to one ClientHello (an alert, an SSL 2.0 SERVER-HELLO, ...), for the probes that
    /// need more than the chosen suite.
    func answer(_ offer: HelloOffer, _ target: Target) async -> Result<ServerFlightParser.Verdict?, EngineError> {
        var attempt = 0
        while true {
            attempt += 1
            do throws(ScanError) {
                return .success(try await exchange(offer, target))
            } catch {
                switch error {
                case .busy where attempt < 4:
                    // 421: the server limits connections; wait and try again, a little longer each time.
                    try? await Task.sleep(for: .seconds(Double(attempt) * 2))
                case .busy:
                    return .failure(.closedByPeer(during: "greeting (421)"))
                case .engine(let engineError):
                    return .failure(engineError)
                }
            }
        }
    }

    /// A plaintext "come back later" where a ServerHello was expected: SMTP 421, IMAP `* BYE`, POP3 `-ERR`.
    static func isBusyAnswer(_ prefix: [UInt8]) -> Bool {
        let text = String(decoding: prefix.prefix(16), as: UTF8.self).uppercased()
        return text.hasPrefix("421") || text.hasPrefix("* BYE") || text.hasPrefix("-ERR")
    }

    enum ScanError: Error {
        case busy
        case engine(EngineError)
    }

    func exchange(_ offer: HelloOffer, _ target: Target) async throws(ScanError) -> ServerFlightParser.Verdict? {
        var session: MailClientSession
        do {
            session = try await MailClientSession.connect(to: target.address, engine: engine)
        } catch {
            throw .engine(error)
        }
        let outcome = await answer(on: &session, offer, target)
        await session.close()
        return try outcome.get()
    }

    private func answer(on session: inout MailClientSession, _ offer: HelloOffer, _ target: Target) async
        -> Result<ServerFlightParser.Verdict?, ScanError> {
        if target.mode == .startTLS {
            for request in STARTTLSPreamble.requests(for: target.spec.mailProtocol, clientName: clientName) {
                let response: MailResponse
                do {
                    response = try await session.exchange(request)
                } catch {
                    return .failure(.engine(error))
                }
                if request.purpose == .greeting, response.isTemporaryUnavailability { return .failure(.busy) }
                guard response.outcome == .positive else {
                    return .failure(.engine(.closedByPeer(during: request.purpose.rawValue)))
                }
            }
        }
        do {
            let verdict = try await session.sendClientHello(
                offer.bytes(serverName: target.serverName),
                keyExchangeKind: offer.format == .tls ? CipherSuiteRegistry.keyExchangeKind : nil)
            // On an implicit-TLS port a server that limits connections answers in plaintext (Exim: "421 ... too many
            // connections") instead of a ServerHello: that is a wait-and-retry, not a refusal of the suites.
            if case .notTLS(let prefix)? = verdict, Self.isBusyAnswer(prefix) { return .failure(.busy) }
            return .success(verdict)
        } catch {
            return .failure(.engine(error))
        }
    }
}
