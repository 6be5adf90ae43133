import Foundation
import MailTLSCheck
import MailTLSCore
import MailTLSEngine
import MailTLSSessions
import NIOConcurrencyHelpers
import ServiceLifecycle

/// Delivers what the spool holds, as a long-running service: takes due messages, sends each over a reused
/// connection to the first upstream that works, records the outcome per recipient, schedules retries, and queues a
/// failure notice for what cannot be delivered. On shutdown it stops taking messages, lets the ones in flight finish
/// for `shutdownGrace`, then closes every connection (an interrupted message is tried again on the next start).
public final class DeliveryService: Service, Sendable {
    public struct Settings: Sendable {
        public var hostname: String
        public var upstreams: [RelayConfiguration.Upstream]
        public var notices: RelayConfiguration.Notices
        /// The pinned sender: the envelope sender of notices too, so the provider takes them.
        public var sender: String?
        /// How long an idle upstream connection is kept for the next message.
        public var idleConnectionSeconds: Double
        public var shutdownGrace: Duration
        public var timeouts: ConnectionEngine.Timeouts

        public init(hostname: String, upstreams: [RelayConfiguration.Upstream],
                    notices: RelayConfiguration.Notices = .init(), sender: String? = nil,
                    idleConnectionSeconds: Double = 5, shutdownGrace: Duration = .seconds(10),
                    timeouts: ConnectionEngine.Timeouts = .init(connect: 10, read: 60, greeting: 60, overall: 3600)) {
            self.hostname = hostname
            self.upstreams = upstreams
            self.notices = notices
            self.sender = sender
            self.idleConnectionSeconds = idleConnectionSeconds
            self.shutdownGrace = shutdownGrace
            self.timeouts = timeouts
        }
    }

    public let spool: Spool
    public let settings: Settings
    private let logins: [UpstreamLogin]
    private let anchors: [TrustAnchors]
    private let pool: ConnectionPool
    /// Upstreams that just failed to connect, verify or log in, until when.
    private let suspensions = NIOLockedValueBox<[Int: Suspension]>([:])

    struct Suspension: Sendable {
        var until: Double
        var problem: RelayProblem
    }
    private let engine: ConnectionEngine
    private let log: DeliveryLog
    private let onEvent: @Sendable (DeliveryEvent) -> Void
    private let wording: @Sendable (SpoolRecord) -> FailureNotice.Wording

    /// - Parameters:
    ///   - wording: the human part of a failure notice (the caller's localised text).
    public init(spool: Spool, settings: Settings, anchors: [TrustAnchors],
                onEvent: @escaping @Sendable (DeliveryEvent) -> Void = { _ in },
                wording: @escaping @Sendable (SpoolRecord) -> FailureNotice.Wording) {
        self.spool = spool
        self.settings = settings
        self.anchors = anchors
        logins = settings.upstreams.map { UpstreamLogin($0.authentication) }
        pool = ConnectionPool()
        engine = ConnectionEngine(timeouts: settings.timeouts)
        log = DeliveryLog(path: spool.directory.appendingPathComponent("deliveries.jsonl"))
        self.onEvent = onEvent
        self.wording = wording
    }

    /// The token sources, for status.
    public var tokenSources: [OAuthTokenSource] { logins.compactMap(\.tokens) }

    public func run() async throws {
        let workers = max(1, settings.upstreams.first?.connections ?? 1)
        let active = NIOLockedValueBox(0)
        let doorbell = spool.doorbell
        await withDiscardingTaskGroup { group in
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                spool.applyControlRequests()
                let now = Date().timeIntervalSince1970
                let capacity = workers - active.withLockedValue { $0 }
                if capacity > 0 {
                    for record in spool.takeDue(now: now, limit: capacity) {
                        active.withLockedValue { $0 += 1 }
                        group.addTask {
                            await self.deliver(record)
                            active.withLockedValue { $0 -= 1 }
                            doorbell.ring()
                        }
                    }
                }
                // Until new mail, a finished delivery, or the next due time; at least once a second, to see control
                // requests and shutdown.
                let wait = min(1.0, max(0.005, (spool.nextDue() ?? now + 1) - Date().timeIntervalSince1970))
                await doorbell.wait(seconds: wait)
                await pool.closeIdle(olderThan: settings.idleConnectionSeconds)
            }
            // Shutting down: deliveries in flight get the grace, then their connections are closed under them.
            let grace = settings.shutdownGrace
            let pool = self.pool
            let waiting = Task {
                try? await Task.sleep(for: grace)
                await pool.closeAll()
            }
            while active.withLockedValue({ $0 }) > 0 { await doorbell.wait(seconds: 0.1) }
            waiting.cancel()
        }
        await pool.closeAll()
    }

    /// One attempt for one message, over the first upstream that works. An upstream that could not be reached (or
    /// refused TLS or the login) is suspended for `retry_first`, as Postfix suspends a dead destination: messages due
    /// meanwhile wait for the suspension to end without a connection attempt, a log line or a counted attempt each.
    func deliver(_ record: SpoolRecord) async {
        var lastProblem: RelayProblem?
        var tried = false
        for (index, upstream) in settings.upstreams.enumerated() {
            let now = Date().timeIntervalSince1970
            if let suspension = suspensions.withLockedValue({ $0[index] }), suspension.until > now {
                lastProblem = lastProblem ?? suspension.problem
                continue
            }
            var reused = true
            var connection: UpstreamConnection
            if let idle = await pool.takeIdle(upstream: index) {
                connection = idle
            } else {
                reused = false
                tried = true
                do {
                    connection = try await UpstreamConnection.open(
                        upstream, clientName: upstream.clientName ?? settings.hostname, engine: engine,
                        anchors: anchors[index], login: logins[index])
                } catch {
                    lastProblem = error
                    let until = Date().timeIntervalSince1970 + min(spool.schedule.first, 300)
                    suspensions.withLockedValue { $0[index] = Suspension(until: until, problem: error) }
                    continue
                }
                suspensions.withLockedValue { $0[index] = nil }
            }
            guard let descriptor = spool.openContent(record.id) else {
                await pool.putIdle(connection, upstream: index)
                let problem = RelayProblem.spooledContentMissing
                settle(record, AttemptResult(recipients: Dictionary(uniqueKeysWithValues: record.pendingRecipients.map {
                    ($0, (AttemptResult.Verdict.failed, problem.description))
                }), problem: problem), connection: nil, reused: false)
                return
            }
            let token = await pool.markBusy(connection)
            let outcome: Result<AttemptResult, RelayProblem>
            do {
                outcome = .success(try await connection.deliver(record, content: descriptor))
            } catch {
                outcome = .failure(error)
            }
            close(descriptor)
            await pool.unmarkBusy(token)
            switch outcome {
            case .success(let result):
                connection.idleSince = .now
                await pool.putIdle(connection, upstream: index)
                settle(record, result, connection: connection, reused: reused)
            case .failure(let problem):
                await connection.close(polite: false)
                settle(record, AttemptResult(problem: problem, upstream: upstream.label), connection: connection,
                       reused: reused)
            }
            return
        }
        let result = AttemptResult(problem: lastProblem ?? .noUpstreamConfigured, upstream: settings.upstreams.last?.label)
        guard tried else {
            // Every upstream is suspended: wait for the first to come back, quietly.
            let until = suspensions.withLockedValue { $0.values.map(\.until).min() } ?? Date().timeIntervalSince1970
            let settled = spool.settle(record.id, result, now: Date().timeIntervalSince1970, countsAsAttempt: false,
                                       notBefore: until)
            if case .finished = settled {
                // Past the give-up time: the failure notice and the event are due after all.
                settle(record, result, connection: nil, reused: false, settled: settled)
            }
            return
        }
        settle(record, result, connection: nil, reused: false)
    }

    /// Records an attempt in the spool (unless `settled` says how that went already), then tells the log and queues
    /// a failure notice for what cannot be delivered.
    private func settle(_ record: SpoolRecord, _ result: AttemptResult, connection: UpstreamConnection?,
                        reused: Bool, settled: Spool.Settlement? = nil) {
        let now = Date().timeIntervalSince1970
        guard let settlement = settled ?? spool.settle(record.id, result, now: now) else { return }
        let delivered = result.recipients.filter { $0.value.verdict == .delivered }.keys.sorted()
        var failed: [String] = []
        var deferred: [String] = []
        var nextAttempt: Double?
        switch settlement {
        case .deferred(let next):
            nextAttempt = next
            let current = spool.record(record.id)
            deferred = current?.pendingRecipients ?? []
            failed = result.recipients.filter { $0.value.verdict == .failed }.keys.sorted()
        case .finished(let final, _):
            failed = final.failedRecipients.map(\.address)
        }
        let refusal = result.recipients.values.map(\.reply).first { !$0.hasPrefix("2") }
        let reply = refusal ?? result.recipients.values.first?.reply
        let kind: DeliveryEvent.Kind = !failed.isEmpty ? .failed : deferred.isEmpty ? .delivered : .deferred
        let event = DeliveryEvent(
            time: now, kind: kind, id: record.id, from: record.from.peerSafe, delivered: delivered.map(\.peerSafe),
            deferred: deferred.map(\.peerSafe), failed: failed.map(\.peerSafe), upstream: result.upstream,
            reply: result.problem?.description ?? reply, problem: result.problem ?? refusal.map(RelayProblem.upstreamReply),
            problemKind: result.problemKind,
            tlsVersion: connection?.handshake?.version?.rawValue, cipher: connection?.handshake?.cipherSuite?.ianaName,
            mechanism: connection?.mechanism, attempts: record.attempts + 1, nextAttempt: nextAttempt,
            reusedConnection: reused)
        log.append(event)
        onEvent(event)
        if case .finished(let final, let header) = settlement, !final.failedRecipients.isEmpty, !final.isNotice {
            queueNotice(for: final, originalHeader: header ?? [])
        }
    }

    private func queueNotice(for record: SpoolRecord, originalHeader header: [UInt8]) {
        var recipients: [String] = []
        switch settings.notices.to {
        case .sender: if !record.from.isEmpty { recipients.append(record.from) }
        case .address(let address): recipients.append(address)
        }
        if let copy = settings.notices.copyTo, !recipients.contains(copy) { recipients.append(copy) }
        guard !recipients.isEmpty else { return }
        let from = settings.sender ?? "MAILER-DAEMON@\(settings.hostname)"
        let content = FailureNotice.compose(record: record, wording: wording(record), hostname: settings.hostname,
                                            from: from, to: recipients, originalHeader: header)
        guard let id = try? spool.enqueueNotice(from: settings.sender ?? "", to: recipients, content: content) else {
            return
        }
        let event = DeliveryEvent(time: Date().timeIntervalSince1970, kind: .noticeQueued, id: id,
                                  from: settings.sender ?? "", deferred: recipients.map(\.peerSafe),
                                  reply: "about \(record.id)", attempts: 0)
        log.append(event)
        onEvent(event)
    }
}

/// Idle upstream connections by upstream, and the busy ones (so that shutdown can close them).
actor ConnectionPool {
    private var idle: [Int: [UpstreamConnection]] = [:]
    private var busy: [Int: UpstreamConnection] = [:]
    private var nextToken = 0

    func takeIdle(upstream: Int) async -> UpstreamConnection? {
        while var connection = idle[upstream]?.popLast() {
            if await connection.stillUsable() { return connection }
            await connection.close(polite: false)
        }
        return nil
    }

    func putIdle(_ connection: UpstreamConnection, upstream: Int) {
        idle[upstream, default: []].append(connection)
    }

    func markBusy(_ connection: UpstreamConnection) -> Int {
        nextToken += 1
        busy[nextToken] = connection
        return nextToken
    }

    func unmarkBusy(_ token: Int) {
        busy[token] = nil
    }

    func closeIdle(olderThan seconds: Double) async {
        for (upstream, connections) in idle {
            var kept: [UpstreamConnection] = []
            for connection in connections {
                if connection.idleSince.duration(to: .now) > .milliseconds(Int64(seconds * 1000)) || !connection.isOpen {
                    await connection.close()
                } else {
                    kept.append(connection)
                }
            }
            idle[upstream] = kept
        }
    }

    func closeAll() async {
        for connection in idle.values.flatMap({ $0 }) { await connection.close() }
        idle = [:]
        for connection in busy.values { await connection.close(polite: false) }
        busy = [:]
    }
}
