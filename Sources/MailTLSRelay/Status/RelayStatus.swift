import Foundation
import MailTLSSandbox

#if canImport(Glibc)
import Glibc
#endif

/// What `mailtls relay status` shows: whether the relay runs, its queue, how deliveries to each upstream went
/// lately, and which devices use it with what TLS. Read from the spool directory alone, so it works whether the
/// relay runs or not.
public struct RelayStatus: Codable, Sendable, Equatable {
    public struct Queue: Codable, Sendable, Equatable {
        public var messages: Int
        /// Messages that have failed at least one attempt.
        public var deferred: Int
        public var bytes: Int
        public var oldestArrival: Double?
        public var nextAttempt: Double?
    }

    public struct Upstream: Codable, Sendable, Equatable {
        public var upstream: String
        public var lastDelivery: Double?
        public var lastTLSVersion: String?
        public var lastCipher: String?
        public var lastMechanism: String?
        public var deliveredRecently: Int
        /// The latest attempt that did not deliver, if it came after the last delivery.
        public var lastProblem: DeliveryEvent?
    }

    public var running: Bool
    public var spoolDirectory: String
    public var queue: Queue
    public var upstreams: [Upstream]
    /// Per device address: TLS versions, cipher suites and logins seen, messages sent.
    public var devices: [DeviceSummary]

    public static func read(spoolDirectory: URL, now: Double = Date().timeIntervalSince1970) -> RelayStatus {
        let records = SpoolReader.records(in: spoolDirectory)
        let queue = Queue(messages: records.count, deferred: records.filter { $0.attempts > 0 }.count,
                          bytes: records.reduce(0) { $0 + $1.size }, oldestArrival: records.map(\.arrival).min(),
                          nextAttempt: records.map(\.nextAttempt).min())
        let events = DeliveryLog(path: spoolDirectory.appendingPathComponent("deliveries.jsonl")).entries()
        var upstreams: [String: Upstream] = [:]
        var order: [String] = []
        for event in events {
            guard let name = event.upstream else { continue }
            if upstreams[name] == nil {
                upstreams[name] = Upstream(upstream: name, deliveredRecently: 0)
                order.append(name)
            }
            if event.kind == .delivered || (!event.delivered.isEmpty && event.kind != .noticeQueued) {
                upstreams[name]?.lastDelivery = event.time
                upstreams[name]?.lastTLSVersion = event.tlsVersion
                upstreams[name]?.lastCipher = event.cipher
                upstreams[name]?.lastMechanism = event.mechanism
                upstreams[name]?.lastProblem = nil
                if now - event.time < 86400 { upstreams[name]?.deliveredRecently += event.delivered.count }
            }
            if event.kind == .deferred || event.kind == .failed { upstreams[name]?.lastProblem = event }
        }
        let reports = EventLog(path: spoolDirectory.appendingPathComponent("events.jsonl")).reports()
        return RelayStatus(running: SpoolReader.isLocked(spoolDirectory), spoolDirectory: spoolDirectory.path,
                           queue: queue, upstreams: order.compactMap { upstreams[$0] },
                           devices: DeviceSummary.summarise(reports))
    }
}

/// The spool as another process sees it (`mailtls relay queue` and `status`): read-only, or through requests the
/// running relay carries out.
public enum SpoolReader {
    /// Every queued message's record, oldest first.
    public static func records(in directory: URL) -> [SpoolRecord] {
        let queue = directory.appendingPathComponent("queue")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: queue.path)) ?? []
        return names.filter { $0.hasSuffix(".msg") }
            .compactMap { SpoolFile.record(id: String($0.dropLast(4)), in: queue) }
            .sorted { $0.arrival < $1.arrival }
    }

    /// Whether a relay holds the spool's lock (runs on it).
    public static func isLocked(_ directory: URL) -> Bool {
        let path = directory.appendingPathComponent("relay.lock").path
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        if flock(descriptor, LOCK_SH | LOCK_NB) == 0 {
            flock(descriptor, LOCK_UN)
            return false
        }
        return true
    }

    public enum Request: Sendable, Equatable {
        case retry(String?)
        case delete(String)
    }

    /// Hands a request to the running relay (it applies `control/` within a second), or, when none runs, carries it
    /// out on the spool directly. Returns whether the message exists.
    public static func submit(_ request: Request, directory: URL) throws -> Bool {
        let records = records(in: directory)
        switch request {
        case .retry(let id?), .delete(let id):
            guard records.contains(where: { $0.id == id }) else { return false }
            guard id.allSatisfy({ $0.isLetter || $0.isNumber }) else { return false }
        case .retry(nil):
            break
        }
        let name: String
        switch request {
        case .retry(let id): name = id.map { "retry-\($0)" } ?? "retry-all"
        case .delete(let id): name = "delete-\(id)"
        }
        if isLocked(directory) {
            let control = directory.appendingPathComponent("control")
            try PrivateFiles.makeDirectory(control)
            try PrivateFiles.replace(control.appendingPathComponent(name), with: [])
            return true
        }
        // No relay runs: the spool is ours for the moment.
        let spool = try Spool(directory: directory, stamping: .init(hostname: "localhost"))
        switch request {
        case .retry(let id): spool.retryNow(id)
        case .delete(let id): _ = spool.delete(id)
        }
        return true
    }
}
