import MailTLSCore
import NIOCore

/// A client connection kept open across many exchanges, for a caller that decides each step itself (the relay's
/// upstream delivery, which reuses one connection for several messages). The same bounded reads, TLS upgrade and
/// certificate gate as `ConnectionEngine.converse`; every wait has a limit.
///
/// Used by one task at a time: the methods are `mutating`.
public struct MailClientSession: Sendable {
    let connection: MailConnection
    private var responses = ResponseReader()
    public let timeouts: ConnectionEngine.Timeouts
    private let contexts: TLSContextCache
    /// Commands and replies so far, secrets already replaced by placeholders.
    public private(set) var transcript: [TranscriptLine] = []
    private let started = ContinuousClock.now
    public private(set) var handshake: HandshakeFacts?

    /// Connects; the greeting is read by the caller's first `exchange` (with no command).
    public static func connect(to address: SocketAddress, engine: ConnectionEngine) async throws(EngineError)
        -> MailClientSession {
        do {
            let connection = try await MailConnection.connect(to: address, timeout: engine.timeouts.connect)
            return MailClientSession(connection: connection, timeouts: engine.timeouts, contexts: engine.contexts)
        } catch {
            throw MailConnection.connectError(error, timeout: engine.timeouts.connect)
        }
    }

    private init(connection: MailConnection, timeouts: ConnectionEngine.Timeouts, contexts: TLSContextCache) {
        self.connection = connection
        self.timeouts = timeouts
        self.contexts = contexts
    }

    private mutating func note(_ direction: TranscriptLine.Direction, _ text: String) {
        // A long-lived connection keeps only the recent past.
        if transcript.count >= 200 { transcript.removeFirst(100) }
        transcript.append(TranscriptLine(direction: direction, text: text,
                                         elapsedMilliseconds: started.duration(to: .now).inMilliseconds))
    }

    /// Sends `request.command` (if any) and reads one response, waiting at most the greeting or read timeout (or
    /// `request.minimumWait` if longer).
    public mutating func exchange(_ request: DialogueRequest) async throws(EngineError) -> MailResponse {
        do {
            if let command = request.command {
                note(.client, request.transcriptText ?? "")
                try await connection.write(command, timeout: timeouts.read)
            }
            let wait = request.purpose == .greeting ? timeouts.greeting : max(timeouts.read, request.minimumWait ?? 0)
            var lines: [String] = []
            let response = try await responses.read(request.reader, from: connection, wait: wait,
                                                    activity: request.purpose.rawValue, onLine: { lines.append($0) })
            for line in lines { note(.server, line) }
            return response
        } catch {
            let engineError = error as? EngineError ?? .closedByPeer(during: request.purpose.rawValue)
            note(.note, engineError.summary)
            throw engineError
        }
    }

    /// Writes bytes without reading (a message body in chunks); gives up after the read timeout if the server stops
    /// reading.
    public mutating func write(_ bytes: [UInt8]) async throws(EngineError) {
        do {
            try await connection.write(bytes, timeout: timeouts.read)
        } catch {
            throw error as? EngineError ?? .closedByPeer(during: "write")
        }
    }

    /// Upgrades to TLS (after a STARTTLS go-ahead, or at once for implicit TLS) and asks `gate` about the
    /// certificate before anything else is sent.
    public mutating func startTLS(_ settings: TLSClientSettings, serverName: String?, implicit: Bool,
                                  gate: CertificateGate) async throws(EngineError)
        -> (HandshakeFacts, CertificateAcceptance) {
        let leftover = responses.framer.takeUnframedBytes()
        note(.note, "TLS handshake")
        do {
            var facts = try await connection.startTLS(context: try contexts.context(for: settings),
                                                      serverName: serverName, timeout: timeouts.read,
                                                      plaintextExpected: implicit)
            facts.injectedBytes = leftover + facts.injectedBytes
            note(.note, "TLS established: \(facts.version?.rawValue ?? "?") \(facts.cipherSuite?.ianaName ?? "")")
            handshake = facts
            let acceptance = await gate(facts)
            if case .rejected(let reason) = acceptance { note(.note, "certificate rejected: \(reason)") }
            return (facts, acceptance)
        } catch {
            let engineError = EngineError.handshakeFailure(error)
            note(.note, engineError.summary)
            throw engineError
        }
    }

    /// Sends a raw ClientHello (`check --deep`, after the STARTTLS go-ahead or at once on an implicit-TLS port) and
    /// reads the server's first flight until it says what it chose: a ServerHello, an alert, or something else. With
    /// `keyExchangeKind`, a TLS 1.2-and-earlier ServerHello of a DHE or ECDHE suite is read on to its
    /// ServerKeyExchange. No handshake is completed; the connection is closed by the caller. A server that closes
    /// without a word has refused (`nil`); one that closes after its ServerHello has answered. Bounded: the parser's
    /// byte limit and the read timeout for the whole answer.
    public mutating func sendClientHello(
        _ hello: [UInt8], keyExchangeKind: (@Sendable (UInt16) -> ServerFlightParser.KeyExchangeKind?)? = nil
    ) async throws(EngineError) -> ServerFlightParser.Verdict? {
        _ = responses.framer.takeUnframedBytes()
        var parser = ServerFlightParser(maximumBytes: 32768, keyExchangeKind: keyExchangeKind)
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(Int64(timeouts.read * 1000)))
        func answered() -> ServerFlightParser.Verdict? {
            if case .serverHello = parser.verdictAtEnd { return parser.verdictAtEnd }
            return nil
        }
        do {
            // A server that refuses the connection ("421 too many connections") may have closed before the hello
            // is written: what it said is still read below.
            do {
                try await connection.write(hello, timeout: timeouts.read)
            } catch let error as EngineError {
                if case .readTimeout = error { throw error }
            }
            while true {
                let left = ContinuousClock.now.duration(to: deadline)
                guard left > .zero else { throw EngineError.readTimeout(seconds: timeouts.read, during: "ServerHello") }
                let chunk = try await connection.read(timeout: Double(left.components.seconds)
                                                        + Double(left.components.attoseconds) / 1e18,
                                                      wholeWait: timeouts.read, activity: "ServerHello")
                let verdict = parser.consume(chunk)
                if verdict != .needMoreBytes { return verdict }
            }
        } catch let error as EngineError {
            if let answer = answered() { return answer }
            if case .readTimeout = error { throw error }
            return nil
        } catch {
            return answered()
        }
    }

    /// Sends a farewell without waiting for its answer, then closes.
    public func close(farewell: [UInt8]? = nil) async {
        if let farewell { try? await connection.write(farewell, timeout: 2) }
        await connection.close()
    }

    /// Whether the server has closed the connection (an idle connection the server timed out).
    public var isOpen: Bool { connection.channel.isActive }
}
