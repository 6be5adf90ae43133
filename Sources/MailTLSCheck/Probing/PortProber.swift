import MailTLSCore
import MailTLSEngine
import NIOConcurrencyHelpers
import NIOCore

/// Probes one port: the main dialogue, the wrong-mode fallbacks, and the TLS version scan.
///
/// Connections per port: one for the dialogue, one per TLS version not already learned (at most three), and only
/// when the server misbehaves one more (silence on a STARTTLS port, a plaintext greeting on a TLS port, a server that
/// hangs up after a failed cleartext login).
public struct PortProber: Sendable {
    public struct Options: Sendable {
        /// How long a STARTTLS port may stay silent before mailtls also tries TLS on a second connection.
        public var silenceBeforeTLSAttempt: Double = 2
        public var scanVersions = true
        /// How to learn whether a password could cross before TLS; nil skips that and the MAIL FROM probe.
        public var loginProbe: LoginProbeMethod? = .cancel
        public var clientName = "mailtls.invalid"

        public init() {}
    }

    let engine: ConnectionEngine
    let limiter: ConnectionLimiter
    let options: Options

    public init(engine: ConnectionEngine, limiter: ConnectionLimiter, options: Options) {
        self.engine = engine
        self.limiter = limiter
        self.options = options
    }

    public func probe(_ spec: PortSpec, at address: SocketAddress, serverName: String?) async -> PortObservation {
        let started = ContinuousClock.now
        var observation = PortObservation(spec: spec, address: address.ipAddress ?? "?")
        let plan = DialoguePlan(
            mailProtocol: spec.mailProtocol, mode: spec.mode, loginProbe: options.loginProbe,
            probeMailBeforeTLS: options.loginProbe != nil && spec.isSubmission, clientName: options.clientName,
            throwawayCredentials: ThrowawayCredentials.random())

        var main: ProbeOutcome
        if spec.mode == .startTLS {
            main = await probeWatchingForSilence(plan: plan, address: address, serverName: serverName,
                                                 observation: &observation)
        } else {
            main = await limited { await engine.probe(address: address, plan: plan, serverName: serverName) }
            if case .plaintextOnTLSPort(let line) = main.error {
                // Learn what the plaintext server offers, as a client configured for STARTTLS would see it.
                observation.wrongMode = .plaintextOnTLSPort(greeting: line)
                var plaintextPlan = plan
                plaintextPlan.mode = .startTLS
                observation.effectiveMode = .startTLS
                let transcript = main.transcript
                let fallbackPlan = plaintextPlan
                main = await limited { await engine.probe(address: address, plan: fallbackPlan, serverName: serverName) }
                main.transcript = transcript + main.transcript
            }
        }
        absorb(main, into: &observation)

        // A server that hangs up after a failed cleartext login still deserves a TLS check.
        if observation.state == .open, observation.handshake == nil, observation.handshakeFailure == nil,
           observation.record.interruptedDuring == .cleartextLogin || observation.record.interruptedDuring == .mailBeforeTLS
            || observation.record.interruptedDuring == .reset {
            var tlsOnly = plan
            tlsOnly.mode = observation.effectiveMode
            tlsOnly.loginProbe = nil
            tlsOnly.probeMailBeforeTLS = false
            let retryPlan = tlsOnly
            let retry = await limited { await engine.probe(address: address, plan: retryPlan, serverName: serverName) }
            observation.transcript += retry.transcript
            if let handshake = retry.handshake {
                observation.handshake = handshake
                observation.record.startTLS = retry.record.startTLS
                observation.record.capabilitiesAfterTLS = retry.record.capabilitiesAfterTLS
                observation.record.tlsEstablished = true
            }
        }

        if options.scanVersions, let negotiated = observation.handshake?.version {
            observation.versions = await scanVersions(negotiated: negotiated, mode: observation.effectiveMode,
                                                      spec: spec, address: address, serverName: serverName)
        }
        observation.durationMilliseconds = started.duration(to: .now).inMilliseconds
        return observation
    }

    /// Runs the STARTTLS dialogue; if the server stays silent past the threshold, tries implicit TLS on a second
    /// connection. A completed handshake there means the port is in the wrong mode; otherwise the silence was a slow
    /// greeting (a tarpit) and the first connection keeps waiting.
    private func probeWatchingForSilence(plan: DialoguePlan, address: SocketAddress, serverName: String?,
                                         observation: inout PortObservation) async -> ProbeOutcome {
        let spoke = NIOLockedValueBox(false)
        let engine = self.engine
        let threshold = min(options.silenceBeforeTLSAttempt, engine.timeouts.greeting)
        enum Branch: Sendable {
            case dialogue(ProbeOutcome)
            case tlsAttempt(ProbeOutcome?)
        }
        var implicitPlan = plan
        implicitPlan.mode = .implicitTLS
        implicitPlan.loginProbe = nil
        implicitPlan.probeMailBeforeTLS = false
        let tlsPlan = implicitPlan
        let result: (dialogue: ProbeOutcome?, tls: ProbeOutcome?) = await withTaskGroup(of: Branch.self) { group in
            group.addTask {
                .dialogue(await limited {
                    await engine.probe(address: address, plan: plan, serverName: serverName,
                                       onServerBytes: { spoke.withLockedValue { $0 = true } })
                })
            }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(Int(threshold * 1000)))
                if Task.isCancelled || spoke.withLockedValue({ $0 }) { return .tlsAttempt(nil) }
                return .tlsAttempt(await limited {
                    await engine.probe(address: address, plan: tlsPlan, serverName: serverName)
                })
            }
            var dialogue: ProbeOutcome?
            var tls: ProbeOutcome?
            for await branch in group {
                switch branch {
                case .dialogue(let outcome):
                    dialogue = outcome
                    group.cancelAll()
                case .tlsAttempt(let outcome):
                    tls = outcome
                    if outcome?.handshake != nil {
                        group.cancelAll()
                        return (nil, outcome)
                    }
                }
            }
            return (dialogue, tls)
        }
        if let tls = result.tls, tls.handshake != nil, result.dialogue == nil {
            observation.wrongMode = .tlsOnSTARTTLSPort
            observation.effectiveMode = .implicitTLS
            return tls
        }
        var outcome = result.dialogue ?? ProbeOutcome(record: DialogueRecord())
        if let tls = result.tls { outcome.transcript += tls.transcript }
        return outcome
    }

    private func absorb(_ outcome: ProbeOutcome, into observation: inout PortObservation) {
        observation.record = outcome.record
        observation.transcript += outcome.transcript
        observation.greetingMilliseconds = outcome.greetingMilliseconds
        observation.handshake = outcome.handshake
        let connectProblem = TransportAssessment.connectProblem(outcome.error)
        observation.state = TransportAssessment.state(after: connectProblem)
        if connectProblem != nil {
            observation.failure = outcome.error
            return
        }
        guard let error = outcome.error else { return }
        let handshakeExpected = observation.effectiveMode == .implicitTLS || outcome.record.startTLS == .accepted
        if handshakeExpected && outcome.handshake == nil {
            observation.handshakeFailure = error
        } else {
            observation.failure = error
        }
    }

    /// The version scan for a port already probed without one (`setup` scans only the server it recommends).
    public func versionSupport(of observation: PortObservation, at address: SocketAddress, serverName: String?) async
        -> VersionSupport? {
        guard let negotiated = observation.handshake?.version else { return nil }
        return await scanVersions(negotiated: negotiated, mode: observation.effectiveMode, spec: observation.spec,
                                  address: address, serverName: serverName)
    }

    /// Learns which of TLS 1.0-1.3 the port accepts, one pinned handshake per version not already known.
    private func scanVersions(negotiated: TLSVersion, mode: SecurityMode, spec: PortSpec, address: SocketAddress,
                              serverName: String?) async -> VersionSupport {
        var support = VersionSupport()
        support.accepted = [negotiated]
        // The first handshake offered up to TLS 1.3: a lower choice means every higher version is refused.
        let toTest = TLSVersion.allCases.filter { $0 < negotiated }
        support.refused = TLSVersion.allCases.filter { $0 > negotiated }
        let plan = DialoguePlan(mailProtocol: spec.mailProtocol, mode: mode, stopAfterHandshake: true,
                                clientName: options.clientName)
        let engine = self.engine
        let results = await withTaskGroup(of: (TLSVersion, ProbeOutcome).self) { group in
            for version in toTest {
                group.addTask {
                    (version, await limited {
                        await engine.probe(address: address, plan: plan, tls: .only(version), serverName: serverName)
                    })
                }
            }
            var collected: [(TLSVersion, ProbeOutcome)] = []
            for await result in group { collected.append(result) }
            return collected
        }
        for (version, outcome) in results {
            if outcome.handshake != nil {
                support.accepted.append(version)
            } else if outcome.record.startTLS == .accepted || mode == .implicitTLS,
                      case .tlsHandshakeFailed? = outcome.error {
                support.refused.append(version)
            } else if outcome.record.startTLS == .accepted || mode == .implicitTLS,
                      case .closedByPeer? = outcome.error {
                support.refused.append(version)
            } else {
                support.untested.append(version)
            }
        }
        support.accepted.sort()
        support.refused.sort()
        support.untested.sort()
        return support
    }

    private func limited<T: Sendable>(_ body: @Sendable () async -> T) async -> T {
        await limiter.withSlot(body)
    }
}

extension ThrowawayCredentials {
    /// A user name and password that exist nowhere: never a real credential.
    static func random() -> ThrowawayCredentials {
        let hex = "0123456789abcdef"
        func token(_ count: Int) -> String {
            String((0..<count).map { _ in hex.randomElement()! })
        }
        return ThrowawayCredentials(user: "mailtls-probe-\(token(8))", password: token(24))
    }
}

/// Caps concurrent connections to one server: scanners that open dozens at once get blocklisted.
public actor ConnectionLimiter {
    private let limit: Int
    private var inUse = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init(limit: Int) {
        self.limit = max(1, limit)
    }

    public func withSlot<T: Sendable>(_ body: @Sendable () async -> T) async -> T {
        await acquire()
        let result = await body()
        release()
        return result
    }

    private func acquire() async {
        if inUse < limit {
            inUse += 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty {
            inUse -= 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}
