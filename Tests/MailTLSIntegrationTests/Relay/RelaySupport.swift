import Foundation
import Logging
import MailTLSRelay
import MailTLSReport
import MailTLSSandbox
import NIOConcurrencyHelpers
import ServiceLifecycle
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A relay started in-process for one test, as `mailtls relay run` runs it (its runtime, delivery and listener
/// services in one ServiceGroup), with its own spool and ephemeral ports, in front of the lab's MAILBOX instance
/// (real Postfix submission with Dovecot SASL, delivering into a real Maildir).
final class TestRelay: Sendable {
    let directory: URL
    let runtime: RelayRuntime
    let endpoints: [ListenerEndpoint]
    private let events: Arrivals<DeliveryEvent>
    private let collectedEvents: NIOLockedValueBox<[DeliveryEvent]>
    private let reports: Arrivals<ConnectionReport>
    private let collectedReports: NIOLockedValueBox<[ConnectionReport]>
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    private init(directory: URL, runtime: RelayRuntime, endpoints: [ListenerEndpoint], events: Arrivals<DeliveryEvent>,
                 collectedEvents: NIOLockedValueBox<[DeliveryEvent]>, reports: Arrivals<ConnectionReport>,
                 collectedReports: NIOLockedValueBox<[ConnectionReport]>, group: ServiceGroup,
                 running: Task<Void, any Error>) {
        self.directory = directory
        self.runtime = runtime
        self.endpoints = endpoints
        self.events = events
        self.collectedEvents = collectedEvents
        self.reports = reports
        self.collectedReports = collectedReports
        self.group = group
        self.running = running
    }

    /// A fresh directory with a private copy of the lab user's password, for a configuration to name.
    static func makeDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mailtls-relay-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let lab = try Lab.get()
        let password = try String(contentsOfFile: lab["LAB_PASSWORD_FILE"], encoding: .utf8)
        FileManager.default.createFile(atPath: directory.appendingPathComponent("password").path,
                                       contents: Data(password.utf8), attributes: [.posixPermissions: 0o600])
        return directory
    }

    /// The upstream part of a configuration: the MAILBOX instance's submission port, verified against the lab CA,
    /// AUTH PLAIN as the lab user.
    static func labUpstream(_ directory: URL, port: Int = 587, host: String? = nil, extra: String = "") throws -> String {
        let lab = try Lab.get()
        return """
            upstream:
              host: \(host ?? lab["LAB_MAILBOX"])
              port: \(port)
              ca_file: \(lab.caFile)
              server_name: \(lab["LAB_MAILBOX_SERVERNAME"])
              auth: { mechanism: plain, user: \(lab["LAB_USER"]), password_file: \(directory.path)/password }
            \(extra)
            """
    }

    /// Listeners on ephemeral ports: STARTTLS, implicit TLS and no TLS at all, each down to TLS 1.0.
    static let standardListeners = """
        listen:
          - { address: 127.0.0.1, port: 0, mode: starttls, tls_minimum: "1.0" }
          - { address: 127.0.0.1, port: 0, mode: tls, tls_minimum: "1.0" }
          - { address: 127.0.0.1, port: 0, mode: plain }
        """

    /// Starts a relay from YAML (the spool goes in `directory`/spool unless the text names one).
    static func start(_ yaml: String, directory: URL) async throws -> TestRelay {
        var text = yaml
        if !text.contains("spool:") { text += "\nspool: { directory: \(directory.path)/spool, retry_first: 1s, retry_max: 2s }\n" }
        if !text.contains("hostname:") { text = "hostname: relay.test\n" + text }
        let configuration = try RelayConfigurationReader.parse(text, file: "test relay.yaml")
        let runtime = try RelayRuntime.prepare(configuration)
        let events = Arrivals<DeliveryEvent>()
        let collectedEvents = NIOLockedValueBox<[DeliveryEvent]>([])
        let reports = Arrivals<ConnectionReport>()
        let collectedReports = NIOLockedValueBox<[ConnectionReport]>([])
        let (started, starting) = AsyncStream.makeStream(of: [ListenerEndpoint].self)
        let delivery = DeliveryService(
            spool: runtime.spool,
            settings: .init(hostname: configuration.hostname, upstreams: configuration.upstreams,
                            notices: configuration.notices, sender: configuration.rules.sender,
                            idleConnectionSeconds: 5, shutdownGrace: .seconds(2),
                            timeouts: .init(connect: 5, read: 30, greeting: 30, overall: 600)),
            anchors: runtime.anchors,
            onEvent: { event in
                events.arrived(collectedEvents.withLockedValue { $0.append(event); return $0 })
            },
            wording: { RelayText.noticeWording($0, hostname: configuration.hostname) })
        let listener = RelayListenerService(runtime, shutdownGrace: .seconds(2), onReport: { report in
            reports.arrived(collectedReports.withLockedValue { $0.append(report); return $0 })
        }, onStart: { endpoints in
            starting.yield(endpoints)
            starting.finish()
        })
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: delivery), .init(service: listener)],
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })))
        let running = Task {
            defer { starting.finish() }
            try await group.run()
        }
        guard let endpoints = await started.first(where: { _ in true }) else {
            try await running.value
            throw LabError(message: "the relay did not start")
        }
        return TestRelay(directory: directory, runtime: runtime, endpoints: endpoints, events: events,
                         collectedEvents: collectedEvents, reports: reports, collectedReports: collectedReports,
                         group: group, running: running)
    }

    static func with<T>(_ yaml: (URL) throws -> String, _ body: (TestRelay) async throws -> T) async throws -> T {
        let directory = try makeDirectory()
        let relay = try await start(try yaml(directory), directory: directory)
        do {
            let result = try await body(relay)
            await relay.stop()
            return result
        } catch {
            await relay.stop()
            throw error
        }
    }

    func stop(keepingDirectory: Bool = false) async {
        await group.triggerGracefulShutdown()
        _ = await running.result
        runtime.spool.unlock()
        if !keepingDirectory { try? FileManager.default.removeItem(at: directory) }
    }

    func port(_ index: Int) -> Int { endpoints[index].port.port }
    var caFile: String { runtime.exportedCA ?? "" }
    var deliveryEvents: [DeliveryEvent] { collectedEvents.withLockedValue { $0 } }
    var connectionReports: [ConnectionReport] { collectedReports.withLockedValue { $0 } }

    /// Waits for an attempt on the message queued as `id` that satisfies `condition`.
    @discardableResult
    func waitForEvent(timeout: Double = 30, sourceLocation: SourceLocation = #_sourceLocation,
                      where condition: @escaping @Sendable (DeliveryEvent) -> Bool) async -> DeliveryEvent? {
        await events.wait(timeout: timeout) { $0.contains(where: condition) }
        let found = deliveryEvents.first(where: condition)
        if found == nil {
            Issue.record("no such delivery event; got \(deliveryEvents.map { "\($0.kind) \($0.id) \($0.reply ?? "")" })",
                         sourceLocation: sourceLocation)
        }
        return found
    }

    func waitForReports(_ count: Int, timeout: Double = 15) async -> [ConnectionReport] {
        await reports.wait(timeout: timeout) { $0.count >= count }
        return connectionReports
    }
}

/// What the relay test device (Fixtures/relay_device.py) reported.
struct DeviceResult: Decodable {
    var tls: [String]?
    var starttls: Int?
    var auth: [Reply]?
    var quit: [Reply]?
    var mail: [Reply]?
    var rcpt: [[Reply]]?
    var data: [Reply]?
    var sent: String?
    var error: String?
    var accepted: [String]?
    var failures: Int?
    var messages: [String]?

    enum Reply: Decodable, Equatable {
        case code(Int)
        case text(String)

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Int.self) { self = .code(number) } else {
                self = .text(try container.decode(String.self))
            }
        }

        var code: Int? { if case .code(let value) = self { value } else { nil } }
        var text: String? { if case .text(let value) = self { value } else { nil } }
    }

    var dataCode: Int? { data?.first?.code }
    var dataText: String { data?.last?.text ?? "" }
    /// The queue ID from `250 2.0.0 Ok: queued as ID`.
    var queuedID: String? { dataText.components(separatedBy: "queued as ").last.map { String($0.prefix { !$0.isWhitespace }) } }
    var sentBytes: [UInt8] { sent.flatMap { Data(base64Encoded: $0) }.map(Array.init) ?? [] }

    static func run(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 60) async throws
        -> DeviceResult {
        let result = await Tool.run(Tool.env, ["python3", Tool.fixture("relay_device.py")] + arguments,
                                    environment: environment, timeout: timeout)
        guard let data = result.stdout.split(separator: "\n").last.map({ Data($0.utf8) }),
              let decoded = try? JSONDecoder().decode(DeviceResult.self, from: data) else {
            throw LabError(message: "relay_device.py \(arguments.joined(separator: " ")): \(result.status) \(result.stdout) \(result.stderr)")
        }
        return decoded
    }
}

/// The lab mailbox, read as its user reads it (IMAPS as alice, the lab password).
enum LabMailbox {
    /// The messages with the marker, or the reason the mailbox could not be read (a login refused, a connection
    /// limit reached while other tests read the same mailbox).
    static func messages(marker: String, delete: Bool = true) async throws -> Result<[[UInt8]], LabError> {
        let lab = try Lab.get()
        let result = try await DeviceResult.run(["fetch", "--host", lab["LAB_MAILBOX"], "--port", "993", "--ca", lab.caFile,
                                                 "--user", lab["LAB_USER"], "--password-file", lab["LAB_PASSWORD_FILE"],
                                                 "--marker", marker] + (delete ? ["--delete"] : []))
        if let error = result.error { return .failure(LabError(message: "reading the lab mailbox: \(error)")) }
        return .success((result.messages ?? []).compactMap { Data(base64Encoded: $0).map(Array.init) })
    }

    /// Waits until `count` messages with the marker have landed in the Maildir (delivery by LMTP follows Postfix's
    /// 250), then takes them out as the user reads them. A mailbox that cannot be read is asked again until the
    /// deadline, then reported as the error it is rather than as an empty mailbox.
    static func waitFor(_ count: Int, marker: String, timeout: Double = 30) async throws -> [[UInt8]] {
        let deadline = Date().addingTimeInterval(timeout)
        let arrivals = MaildirArrivals(try Lab.get()["LAB_MAILBOX_MAILDIR"], marker: marker)
        await arrivals.wait(until: deadline) { arrivals.marked >= count }
        while true {
            switch try await messages(marker: marker) {
            case .success(let taken): return taken
            case .failure(let error) where Date() > deadline.addingTimeInterval(timeout): throw error
            case .failure: try await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    /// Splits a stored message into the trace fields on top (Return-Path, Delivered-To, Received, unfolded) and the
    /// rest, which must be the device's message byte for byte.
    static func trace(of stored: [UInt8], endingWith original: [UInt8]) -> [String]? {
        guard stored.count >= original.count, Array(stored.suffix(original.count)) == original else { return nil }
        let prefix = String(decoding: stored.prefix(stored.count - original.count), as: UTF8.self)
        var fields: [String] = []
        for line in prefix.components(separatedBy: "\r\n") where !line.isEmpty {
            if line.first == " " || line.first == "\t", !fields.isEmpty {
                fields[fields.count - 1] += " " + line.trimmingCharacters(in: .whitespaces)
            } else {
                fields.append(line)
            }
        }
        return fields
    }
}

/// The messages with a marker that have landed in a Maildir, read from the files Dovecot wrote: each file read once
/// however often it is scanned, and counted once although Dovecot renames it from new/ to cur/ (adding ":2,S") when
/// a session opens the mailbox. The marker must stand in the first 4 KB (the Subject).
final class MaildirArrivals {
    let folders: [String]
    let marker: String
    /// By a file's base name: nil without the marker, else its Message-ID (empty when it has none).
    private var landed: [String: String?] = [:]

    init(_ maildir: String, marker: String) {
        folders = [maildir + "/new", maildir + "/cur"]
        self.marker = marker
    }

    /// How many files with the marker have landed.
    var marked: Int { landed.values.filter { $0 != nil }.count }

    /// The messages with the marker by Message-ID, and how many files hold each.
    var messageIDs: [String: Int] {
        var counts: [String: Int] = [:]
        for case let id? in landed.values where !id.isEmpty { counts[id, default: 0] += 1 }
        return counts
    }

    /// Reads the files that landed since the last look, until `condition` holds: at once, then each time Dovecot
    /// moves a file into new/ or cur/. False when `deadline` passes first.
    @discardableResult
    func wait(until deadline: Date, for condition: () -> Bool) async -> Bool {
        let changes = FileChanges(watching: folders, events: UInt32(IN_CREATE | IN_MOVED_TO))  // before the first look
        while true {
            scan()
            if condition() { return true }
            if await !changes.next(until: deadline) {
                scan()
                return condition()
            }
        }
    }

    /// Deletes every file with the marker.
    func removeAll() {
        for (folder, name) in files() where (landed[Self.base(name)] ?? nil) != nil {
            try? FileManager.default.removeItem(atPath: folder + "/" + name)
        }
    }

    private func scan() {
        for (folder, name) in files() where landed[Self.base(name)] == nil {
            guard let handle = FileHandle(forReadingAtPath: folder + "/" + name) else { continue }
            let head = String(decoding: handle.readData(ofLength: 4096), as: UTF8.self)
            try? handle.close()
            let id = head.components(separatedBy: "\n").first { $0.lowercased().hasPrefix("message-id:") }
                .map { $0.dropFirst("Message-ID:".count).trimmingCharacters(in: .whitespacesAndNewlines) }
            landed[Self.base(name)] = .some(head.contains(marker) ? id ?? "" : nil)
        }
    }

    private static func base(_ name: String) -> String { String(name.prefix { $0 != ":" }) }

    private func files() -> [(String, String)] {
        folders.flatMap { folder in
            ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).map { (folder, $0) }
        }
    }
}

extension RawClient {
    /// Every line until the peer closes, or until `timeout` seconds pass without a line.
    func readAll(timeout: Double) -> String {
        var text = ""
        setTimeout(timeout)
        while let line = readLine() { text += line + "\n" }
        return text
    }
}
