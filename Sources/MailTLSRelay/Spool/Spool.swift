import Foundation
import MailTLSCore
import MailTLSSandbox
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// The relay's durable queue. A message is the relay's only once it is on disk, and only then does the device hear
/// `250`: content and envelope (`SpoolFile`) are written to `incoming/`, fsync'd, renamed into `queue/`, and `queue/`
/// itself fsync'd (Postfix's order; concurrent commits share that fsync). On start, whatever is in `incoming/` was
/// never acknowledged and goes; everything in `queue/` is tried again. Delivery state per recipient lives in a state
/// file beside the message, replaced atomically after each attempt; a crash between an upstream's `250` and that
/// update can only cause a duplicate, never a loss.
///
/// Thread-safe: connections stream into it from event loops, the delivery scheduler reads and updates it.
public final class Spool: MessageSink {
    public enum SpoolError: Error, Equatable, Sendable, CustomStringConvertible {
        case unusable(String)
        /// Another relay runs on this spool (it holds `relay.lock`).
        case inUse(String)

        public var description: String {
            switch self {
            case .unusable(let reason): reason
            case .inUse(let path): "another mailtls relay is using \(path)"
            }
        }
    }

    public let directory: URL
    let incoming: URL
    let queue: URL
    let control: URL
    /// One queue-directory fsync for every commit that renamed before it began.
    let queueSync: DirectorySync
    public let schedule: RetrySchedule
    public let minimumFreeBytes: Int
    /// What the relay adds and changes in each message (the Received line, the sender rules).
    let stamping: Stamping
    let rateLimit: RateLimiter
    private let state: NIOLockedValueBox<State>
    private let lockDescriptor: Int32
    private let lockHeld = NIOLockedValueBox(true)
    /// Wakes the delivery scheduler when a message arrives or a retry is asked for.
    public let doorbell = Doorbell()

    struct State {
        var records: [String: SpoolRecord] = [:]
        var inFlight: Set<String> = []
        /// Deleted by the admin while a delivery held them: removed when the attempt ends.
        var doomed: Set<String> = []
        /// When `control/` was last read.
        var controlReadAt: Double = 0
        var counter: UInt32 = 0
    }

    /// What every message gets on its way in.
    public struct Stamping: Sendable {
        public var hostname: String
        /// Replaces the envelope sender (the upstream account).
        public var sender: String?
        /// Replaces the From header with `sender`.
        public var rewriteFromHeader: Bool

        public init(hostname: String, sender: String? = nil, rewriteFromHeader: Bool = false) {
            self.hostname = hostname
            self.sender = sender
            self.rewriteFromHeader = rewriteFromHeader
        }
    }

    /// Opens (creating if need be) the spool, takes its lock, discards what was never acknowledged and loads the
    /// queue.
    public init(directory: URL, schedule: RetrySchedule = RetrySchedule(), minimumFreeBytes: Int = 64 << 20,
                stamping: Stamping, messagesPerMinutePerClient: Int = 120) throws(SpoolError) {
        self.directory = directory
        incoming = directory.appendingPathComponent("incoming")
        queue = directory.appendingPathComponent("queue")
        control = directory.appendingPathComponent("control")
        queueSync = DirectorySync(queue)
        self.schedule = schedule
        self.minimumFreeBytes = minimumFreeBytes
        self.stamping = stamping
        rateLimit = RateLimiter(perMinute: messagesPerMinutePerClient)
        do {
            for folder in [directory, incoming, queue, control] { try PrivateFiles.makeDirectory(folder) }
        } catch {
            throw .unusable("\(error)")
        }
        let lockPath = directory.appendingPathComponent("relay.lock").path
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .unusable("open \(lockPath): \(String(cString: strerror(errno)))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw .inUse(directory.path)
        }
        lockDescriptor = descriptor
        state = NIOLockedValueBox(State())
        let records = Spool.recover(incoming: incoming, queue: queue)
        state.withLockedValue { state in
            for record in records { state.records[record.id] = record }
        }
    }

    deinit {
        unlock()
    }

    /// Lets another relay take the spool: when the relay that held it has stopped, not whenever the last reference
    /// to it goes (a task that ends late must not keep the next start out). Once; later calls do nothing.
    public func unlock() {
        guard lockHeld.withLockedValue({ held in defer { held = false }; return held }) else { return }
        flock(lockDescriptor, LOCK_UN)
        close(lockDescriptor)
    }

    /// Empties `incoming/`, drops what is not a whole message from `queue/`, and reads every queued record.
    static func recover(incoming: URL, queue: URL) -> [SpoolRecord] {
        let files = FileManager.default
        for name in (try? files.contentsOfDirectory(atPath: incoming.path)) ?? [] {
            unlink(incoming.appendingPathComponent(name).path)
        }
        let names = Set((try? files.contentsOfDirectory(atPath: queue.path)) ?? [])
        var records: [SpoolRecord] = []
        for name in names {
            let path = queue.appendingPathComponent(name)
            if name.hasSuffix(".msg") {
                let id = String(name.dropLast(4))
                guard let record = SpoolFile.record(id: id, in: queue), record.id == id else {
                    // No valid trailer: never acknowledged (the trailer is written before the fsync and rename).
                    unlink(path.path)
                    unlink(queue.appendingPathComponent("\(id).state").path)
                    continue
                }
                records.append(record)
            } else if name.hasSuffix(".state") {
                if !names.contains(String(name.dropLast(6)) + ".msg") { unlink(path.path) }
            } else {
                // Temporary files of an interrupted state update.
                unlink(path.path)
            }
        }
        return records.sorted { $0.arrival < $1.arrival }
    }

    // MARK: Taking mail (MessageSink)

    public func begin(_ envelope: MessageEnvelope, clientAddress: String) throws -> any IncomingMessage {
        guard rateLimit.admit(clientAddress, now: Date().timeIntervalSince1970) else {
            throw MessageSinkError.refused(
                reply: "450 4.7.1 Too many messages from your address in the last minute, try again later")
        }
        if let free = Spool.freeBytes(directory), free < minimumFreeBytes {
            throw MessageSinkError.noRoom(.lowDiskSpace(freeBytes: Int64(free)))
        }
        let id = newID()
        do {
            return try SpoolWriter(spool: self, id: id, envelope: envelope, clientAddress: clientAddress)
        } catch {
            throw MessageSinkError.noRoom(.systemError("\(error)"))
        }
    }

    /// Queues a message the relay wrote itself (a failure notice): through the same durable path as devices' mail.
    @discardableResult
    public func enqueueNotice(from: String, to recipients: [String], content: [UInt8]) throws -> String {
        let writer = try SpoolWriter(
            spool: self, id: newID(),
            envelope: MessageEnvelope(mailFrom: from, recipients: recipients, receivedOverTLS: true,
                                      authenticatedUser: nil),
            clientAddress: "localhost", isNotice: true)
        do {
            var start = 0
            while start < content.count {
                let end = content[start...].firstIndex(of: 0x0A).map { $0 + 1 } ?? content.count
                var line = Array(content[start..<end])
                if line.last != 0x0A { line += [0x0D, 0x0A] }
                try writer.append(line)
                start = end
            }
            return try writer.commit().id
        } catch {
            writer.abort()
            throw error
        }
    }

    func newID() -> String {
        let serial = state.withLockedValue { state -> UInt32 in
            state.counter &+= 1
            return state.counter
        }
        let milliseconds = UInt64(Date().timeIntervalSince1970 * 1000)
        return String(milliseconds, radix: 36).uppercased() + String(format: "%04X", serial & 0xFFFF)
            + String(format: "%04X", UInt16.random(in: 0...UInt16.max))
    }

    /// Files a finished message: called by `SpoolWriter.commit()` once content and envelope are on disk.
    func accept(_ record: SpoolRecord) {
        state.withLockedValue { $0.records[record.id] = record }
        doorbell.ring()
    }

    func contentURL(_ id: String) -> URL { queue.appendingPathComponent("\(id).msg") }
    func stateURL(_ id: String) -> URL { queue.appendingPathComponent("\(id).state") }

    // MARK: Delivery

    /// Messages due now that no worker holds, oldest first; they are marked in flight.
    public func takeDue(now: Double, limit: Int) -> [SpoolRecord] {
        state.withLockedValue { state in
            let due = state.records.values
                .filter { $0.nextAttempt <= now && !state.inFlight.contains($0.id) && !$0.isFinished }
                .sorted { $0.arrival < $1.arrival }
                .prefix(limit)
            for record in due { state.inFlight.insert(record.id) }
            return Array(due)
        }
    }

    /// When the next message not in flight is due, if any.
    public func nextDue() -> Double? {
        state.withLockedValue { state in
            state.records.values.filter { !state.inFlight.contains($0.id) }.map(\.nextAttempt).min()
        }
    }

    public var count: Int { state.withLockedValue { $0.records.count } }

    public func records() -> [SpoolRecord] {
        state.withLockedValue { Array($0.records.values) }.sorted { $0.arrival < $1.arrival }
    }

    public func record(_ id: String) -> SpoolRecord? { state.withLockedValue { $0.records[id] } }

    /// What became of a message after an attempt.
    public enum Settlement: Sendable, Equatable {
        /// Some recipients wait for a later attempt.
        case deferred(nextAttempt: Double)
        /// Every recipient is delivered or has failed; the message is gone from the spool. `originalHeader` is its
        /// header as stored, kept for the failure notice when a recipient failed.
        case finished(SpoolRecord, originalHeader: [UInt8]?)
    }

    /// Records an attempt: per-recipient verdicts, the next attempt on Postfix's schedule, and, past the give-up
    /// time, failure for whoever is still pending. A finished message leaves the spool.
    ///
    /// - Parameters:
    ///   - countsAsAttempt: false when nothing was tried (the upstream is suspended after failing for others): the
    ///     message keeps its place in the schedule and waits until `notBefore`.
    @discardableResult
    public func settle(_ id: String, _ result: AttemptResult, now: Double, countsAsAttempt: Bool = true,
                       notBefore: Double? = nil) -> Settlement? {
        let updated: SpoolRecord? = state.withLockedValue { state in
            state.inFlight.remove(id)
            if state.doomed.remove(id) != nil { state.records[id] = nil }
            guard var record = state.records[id] else { return nil }
            if countsAsAttempt { record.attempts += 1 }
            record.lastUpstream = result.upstream ?? record.lastUpstream
            var deferredReply: String?
            for index in record.recipients.indices where record.recipients[index].status == .pending {
                let address = record.recipients[index].address
                guard let outcome = result.recipients[address] else { continue }
                record.recipients[index].reply = outcome.reply
                switch outcome.verdict {
                case .delivered: record.recipients[index].status = .delivered
                case .failed: record.recipients[index].status = .failed
                case .deferred: deferredReply = outcome.reply
                }
            }
            record.lastProblem = result.problem ?? deferredReply.map(RelayProblem.upstreamReply)
            record.lastProblemKind = result.problemKind
            if !record.isFinished && schedule.expired(arrival: record.arrival, now: now) {
                for index in record.recipients.indices where record.recipients[index].status == .pending {
                    record.recipients[index].status = .failed
                    let last = result.problem?.description ?? record.recipients[index].reply
                        ?? record.lastProblem?.description ?? "no reply"
                    record.recipients[index].reply = "gave up after \(Int(schedule.giveUpAfter / 3600)) h: \(last)"
                }
            }
            record.nextAttempt = countsAsAttempt ? now + schedule.delay(afterAttempts: record.attempts) : now
            if let notBefore { record.nextAttempt = max(record.nextAttempt, notBefore) }
            state.records[id] = record
            if record.isFinished { state.records[id] = nil }
            return record
        }
        guard let record = updated else {
            // Deleted meanwhile.
            unlink(contentURL(id).path)
            unlink(stateURL(id).path)
            return nil
        }
        if record.isFinished {
            var header: [UInt8]?
            if !record.failedRecipients.isEmpty, let content = try? PrivateFiles.read(contentURL(id), limit: 64 << 10) {
                header = FailureNotice.header(ofStored: content)
            }
            // The message first: a state file without its message is cleaned up on the next start.
            unlink(contentURL(id).path)
            unlink(stateURL(id).path)
            return .finished(record, originalHeader: header)
        }
        persist(record)
        return .deferred(nextAttempt: record.nextAttempt)
    }

    private func persist(_ record: SpoolRecord) {
        guard let data = try? Spool.encoder.encode(record) else { return }
        try? PrivateFiles.replace(stateURL(record.id), with: Array(data), durably: true)
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Opens a message's content for sending.
    public func openContent(_ id: String) -> Int32? {
        let descriptor = open(contentURL(id).path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        return descriptor >= 0 ? descriptor : nil
    }

    // MARK: Administration (mailtls relay queue)

    /// Makes one message (or every message) due now.
    @discardableResult
    public func retryNow(_ id: String?) -> Int {
        let changed = state.withLockedValue { state -> [SpoolRecord] in
            var changed: [SpoolRecord] = []
            for (key, var record) in state.records where id == nil || key == id {
                record.nextAttempt = 0
                state.records[key] = record
                changed.append(record)
            }
            return changed
        }
        for record in changed { persist(record) }
        doorbell.ring()
        return changed.count
    }

    /// Removes a message without delivering it. One being delivered right now goes when that attempt ends (what
    /// the upstream already took cannot be called back).
    public func delete(_ id: String) -> Bool {
        let removed = state.withLockedValue { state -> Bool in
            guard state.records[id] != nil else { return false }
            if state.inFlight.contains(id) {
                state.doomed.insert(id)
                return false
            }
            state.records[id] = nil
            return true
        }
        if removed {
            unlink(contentURL(id).path)
            unlink(stateURL(id).path)
        }
        return removed
    }

    /// Applies requests `mailtls relay queue` left in `control/` while this relay runs: `retry-ID`, `retry-all`,
    /// `delete-ID`.
    public func applyControlRequests(now: Double = Date().timeIntervalSince1970) {
        let due = state.withLockedValue { state -> Bool in
            guard now - state.controlReadAt >= 1 || now < state.controlReadAt else { return false }
            state.controlReadAt = now
            return true
        }
        guard due, let names = try? FileManager.default.contentsOfDirectory(atPath: control.path), !names.isEmpty else {
            return
        }
        for name in names {
            unlink(control.appendingPathComponent(name).path)
            if name == "retry-all" {
                retryNow(nil)
            } else if name.hasPrefix("retry-") {
                retryNow(String(name.dropFirst(6)))
            } else if name.hasPrefix("delete-") {
                _ = delete(String(name.dropFirst(7)))
            }
        }
    }

    /// Free bytes on the spool's file system for an unprivileged writer.
    static func freeBytes(_ url: URL) -> Int? {
        var info = statvfs()
        guard statvfs(url.path, &info) == 0 else { return nil }
        let (product, overflow) = Int(info.f_bavail).multipliedReportingOverflow(by: Int(info.f_frsize))
        return overflow ? Int.max : product
    }
}

/// Messages per client address per minute, in a sliding window. Bounded: at most `maximumClients` addresses are
/// tracked; the quietest go first.
final class RateLimiter: Sendable {
    let perMinute: Int
    static let maximumClients = 4096
    private let arrivals = NIOLockedValueBox<[String: [Double]]>([:])

    init(perMinute: Int) {
        self.perMinute = perMinute
    }

    func admit(_ client: String, now: Double) -> Bool {
        arrivals.withLockedValue { table in
            var recent = (table[client] ?? []).filter { now - $0 < 60 }
            guard recent.count < perMinute else {
                table[client] = recent
                return false
            }
            recent.append(now)
            table[client] = recent
            if table.count > RateLimiter.maximumClients {
                let stale = table.filter { $0.value.allSatisfy { now - $0 >= 60 } }.keys
                for key in stale { table[key] = nil }
                if table.count > RateLimiter.maximumClients, let quietest = table.min(by: {
                    ($0.value.last ?? 0) < ($1.value.last ?? 0)
                })?.key {
                    table[quietest] = nil
                }
            }
            return true
        }
    }
}
