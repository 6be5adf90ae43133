import MailTLSCore
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// The one connection engine every command uses: connect, run a probe dialogue with bounded waits, upgrade to TLS
/// (implicit or STARTTLS), and report what was seen.
public struct ConnectionEngine: Sendable {
    public struct Timeouts: Sendable, Equatable {
        /// TCP connect.
        public var connect: Double
        /// Each reply after the greeting, and the TLS handshake.
        public var read: Double
        /// The greeting; long enough for ordinary tarpits (Postfix's postscreen, greet delays).
        public var greeting: Double
        /// The whole conversation on one connection.
        public var overall: Double

        public init(connect: Double = 5, read: Double = 10, greeting: Double = 30, overall: Double = 90) {
            self.connect = connect
            self.read = read
            self.greeting = greeting
            self.overall = overall
        }
    }

    public let timeouts: Timeouts
    let contexts: TLSContextCache

    public init(timeouts: Timeouts = Timeouts()) {
        self.timeouts = timeouts
        contexts = TLSContextCache()
    }

    /// Runs the probe dialogue `plan` against `address` and returns everything learned, also when the server
    /// misbehaves.
    /// - Parameter onServerBytes: called once, when the server's first bytes arrive (lets a caller tell a silent
    ///   implicit-TLS server on a STARTTLS port from a slow greeting).
    public func probe(address: SocketAddress, plan: DialoguePlan, tls: TLSClientSettings = TLSClientSettings(),
                      serverName: String?, onServerBytes: (@Sendable () -> Void)? = nil) async -> ProbeOutcome {
        await converse(DialogueStateMachine(plan: plan), address: address, tls: tls, serverName: serverName,
                       onServerBytes: onServerBytes)
    }

    /// Runs any client dialogue over one connection: connect, bounded reads, TLS upgrade, transcript.
    /// - Parameter certificateGate: judges the server's certificate right after the handshake, before the dialogue
    ///   sends anything more; a dialogue that carries credentials sends none when it says `.rejected`.
    public func converse<Dialogue: ClientDialogue>(
        _ dialogue: Dialogue, address: SocketAddress, tls: TLSClientSettings = TLSClientSettings(),
        serverName: String?, onServerBytes: (@Sendable () -> Void)? = nil, certificateGate: CertificateGate? = nil
    ) async -> Conversation<Dialogue.Record> {
        let started = ContinuousClock.now
        var unstarted = dialogue
        var outcome = Conversation(record: unstarted.interrupted())
        let connection: MailConnection
        do {
            connection = try await MailConnection.connect(to: address, timeout: timeouts.connect)
        } catch {
            outcome.error = MailConnection.connectError(error, timeout: timeouts.connect)
            return outcome
        }
        let deadlineHit = NIOLockedValueBox(false)
        let channel = connection.channel
        let overall = timeouts.overall
        let deadline = channel.eventLoop.scheduleTask(in: .milliseconds(Int64(overall * 1000))) {
            deadlineHit.withLockedValue { $0 = true }
            channel.close(promise: nil)
        }
        // Cancellation (a sibling probe already has the answer) closes the socket, which ends every wait at once.
        outcome = await withTaskCancellationHandler {
            var result = outcome
            await run(dialogue, tls: tls, serverName: serverName, on: connection, started: started,
                      onServerBytes: onServerBytes, certificateGate: certificateGate, into: &result)
            return result
        } onCancel: {
            channel.close(promise: nil)
        }
        deadline.cancel()
        if deadlineHit.withLockedValue({ $0 }) { outcome.error = .deadlineExceeded(seconds: overall) }
        await connection.close()
        outcome.totalMilliseconds = started.duration(to: .now).inMilliseconds
        return outcome
    }

    private func run<Dialogue: ClientDialogue>(
        _ dialogue: Dialogue, tls: TLSClientSettings, serverName: String?, on connection: MailConnection,
        started: ContinuousClock.Instant, onServerBytes: (@Sendable () -> Void)?, certificateGate: CertificateGate?,
        into outcome: inout Conversation<Dialogue.Record>
    ) async {
        var machine = dialogue
        var responses = ResponseReader()
        var notifyServerBytes = onServerBytes
        var action = machine.start()
        func note(_ direction: TranscriptLine.Direction, _ text: String) {
            outcome.transcript.append(TranscriptLine(direction: direction, text: text,
                                                     elapsedMilliseconds: started.duration(to: .now).inMilliseconds))
        }
        do {
            dialogue: while true {
                switch action {
                case .exchange(let request):
                    if let command = request.command {
                        note(.client, request.transcriptText ?? "")
                        try await connection.write(command)
                    }
                    let isGreeting = request.purpose == .greeting
                    let wait = isGreeting ? timeouts.greeting : max(timeouts.read, request.minimumWait ?? 0)
                    let waitStarted = ContinuousClock.now
                    let response = try await responses.read(
                        request.reader, from: connection, wait: wait, activity: request.purpose.rawValue,
                        onLine: { note(.server, $0) },
                        onBytes: {
                            if let notify = notifyServerBytes {
                                notify()
                                notifyServerBytes = nil
                            }
                        })
                    if isGreeting { outcome.greetingMilliseconds = waitStarted.duration(to: .now).inMilliseconds }
                    action = machine.received(response)

                case .startTLS:
                    let leftover = responses.framer.takeUnframedBytes()
                    note(.note, "TLS handshake")
                    var facts = try await connection.startTLS(
                        context: try contexts.context(for: tls), serverName: serverName, timeout: timeouts.read,
                        plaintextExpected: machine.mode == .implicitTLS)
                    facts.injectedBytes = leftover + facts.injectedBytes
                    if !facts.injectedBytes.isEmpty {
                        note(.note, "discarded \(facts.injectedBytes.count) bytes sent in the clear after the go-ahead")
                    }
                    note(.note, "TLS established: \(facts.version?.rawValue ?? "?") \(facts.cipherSuite?.ianaName ?? "")")
                    outcome.handshake = facts
                    var acceptance = CertificateAcceptance.notJudged
                    if let certificateGate {
                        acceptance = await certificateGate(facts)
                        if case .rejected(let reason) = acceptance { note(.note, "certificate rejected: \(reason)") }
                    }
                    outcome.certificate = acceptance
                    action = machine.tlsEstablished(certificate: acceptance)

                case .finish(let record, let farewell):
                    outcome.record = record
                    if let farewell {
                        note(.client, String(decoding: farewell.dropLast(2), as: UTF8.self))
                        try? await connection.write(farewell)
                    }
                    break dialogue
                }
            }
        } catch {
            outcome.record = machine.interrupted()
            let engineError = EngineError.handshakeFailure(error)
            outcome.error = engineError
            note(.note, engineError.summary)
        }
    }
}

/// Everything one conversation showed: the dialogue's own record plus what the connection saw.
public struct Conversation<Record: Sendable>: Sendable {
    public var record: Record
    public var handshake: HandshakeFacts?
    /// What the certificate gate decided, when there was one.
    public var certificate: CertificateAcceptance = .notJudged
    public var error: EngineError?
    public var transcript: [TranscriptLine] = []
    public var greetingMilliseconds: Double?
    public var totalMilliseconds: Double = 0

    public init(record: Record) {
        self.record = record
    }
}

extension Conversation: Equatable where Record: Equatable {}

/// Everything one probe connection learned.
public typealias ProbeOutcome = Conversation<DialogueRecord>

/// Judges a server's certificate at the handshake, before a dialogue sends credentials.
public typealias CertificateGate = @Sendable (HandshakeFacts) async -> CertificateAcceptance

/// `NIOSSLContext` creation parses configuration and loads BoringSSL state: build one per distinct offer and reuse.
final class TLSContextCache: Sendable {
    private let contexts = NIOLockedValueBox<[TLSClientSettings: NIOSSLContext]>([:])

    func context(for settings: TLSClientSettings) throws -> NIOSSLContext {
        try contexts.withLockedValue { cache in
            if let existing = cache[settings] { return existing }
            let context = try NIOSSLContext(configuration: settings.makeConfiguration())
            cache[settings] = context
            return context
        }
    }
}
