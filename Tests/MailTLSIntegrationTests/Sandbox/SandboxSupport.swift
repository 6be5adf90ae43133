import Foundation
import TestSupport
import MailTLSCore
import MailTLSSandbox
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A sandbox started in-process for one test, as the command runs it: a `SandboxService` in its own `ServiceGroup`.
/// Its own state directory, ephemeral ports on loopback, and the client reports it produced. Every test gets its own,
/// so tests run in parallel without sharing ports or state.
final class TestSandbox: Sendable {
    static let user = "device"

    let server: SandboxServer
    let stateDirectory: URL
    let address: String
    let password: String
    private let collected: NIOLockedValueBox<[ConnectionReport]>
    private let reportArrivals: Arrivals<ConnectionReport>
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    private init(server: SandboxServer, stateDirectory: URL, address: String, password: String,
                 collected: NIOLockedValueBox<[ConnectionReport]>, arrivals: Arrivals<ConnectionReport>,
                 group: ServiceGroup, running: Task<Void, any Error>) {
        reportArrivals = arrivals
        self.server = server
        self.stateDirectory = stateDirectory
        self.address = address
        self.password = password
        self.collected = collected
        self.group = group
        self.running = running
    }

    /// Runs `body` with a fresh sandbox on `address` (ports 0 become ephemeral ports), then stops it and removes its
    /// state directory.
    static func with<T>(_ ports: [SandboxPort], address: String = "127.0.0.1", maximumConnections: Int = 64,
                        perAddress: Int? = nil, idleSeconds: Double = 30, sessionSeconds: Double = 600,
                        maximumLineBytes: Int = 4096, maximumStoreBytes: Int = 1 << 30,
                        _ body: (TestSandbox) async throws -> T) async throws -> T {
        let sandbox = try await start(ports, address: address, maximumConnections: maximumConnections,
                                      perAddress: perAddress, idleSeconds: idleSeconds,
                                      sessionSeconds: sessionSeconds, maximumLineBytes: maximumLineBytes,
                                      maximumStoreBytes: maximumStoreBytes)
        do {
            let result = try await body(sandbox)
            await sandbox.stop()
            return result
        } catch {
            await sandbox.stop()
            throw error
        }
    }

    /// Every test client comes from 127.0.0.1: the per-address cap is the total one unless a test sets it.
    static func start(_ ports: [SandboxPort], address: String = "127.0.0.1", maximumConnections: Int = 64,
                      perAddress: Int? = nil, idleSeconds: Double = 30, sessionSeconds: Double = 600,
                      maximumLineBytes: Int = 4096, maximumStoreBytes: Int = 1 << 30) async throws -> TestSandbox {
        let state = FileManager.default.temporaryDirectory
            .appendingPathComponent("mailtls-sandbox-test-\(UUID().uuidString)")
        let password = "pw-" + UUID().uuidString.prefix(12).lowercased()
        let collected = NIOLockedValueBox<[ConnectionReport]>([])
        let arrivals = Arrivals<ConnectionReport>()
        let configuration = SandboxConfiguration(
            listenAddress: address, ports: ports, stateDirectory: state, hostnames: ["localhost"],
            accounts: [user: password], maximumConnections: maximumConnections,
            maximumConnectionsPerAddress: perAddress ?? maximumConnections, idleSeconds: idleSeconds,
            sessionSeconds: sessionSeconds, maximumLineBytes: maximumLineBytes, maximumStoreBytes: maximumStoreBytes)
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: try authorityTemplate(names: configuration.certificateNames),
                                         to: state.appendingPathComponent("tls"))
        let (started, starting) = AsyncStream.makeStream(of: SandboxServer.self)
        let service = SandboxService(configuration, shutdownGrace: .zero,
                                     onReport: { report in
                                         let all = collected.withLockedValue { reports in
                                             reports.append(report)
                                             return reports
                                         }
                                         arrivals.arrived(all)
                                     },
                                     onStart: { server in
                                         starting.yield(server)
                                         starting.finish()
                                     })
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: service)], logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })))
        // Ended by stop(), which awaits it: the group runs exactly as long as the test's sandbox.
        let running = Task {
            defer { starting.finish() }
            try await group.run()
        }
        guard let server = await started.first(where: { _ in true }) else {
            try await running.value
            throw SandboxStartError()
        }
        return TestSandbox(server: server, stateDirectory: state, address: address, password: password,
                           collected: collected, arrivals: arrivals, group: group, running: running)
    }

    /// The test CA and server certificates, made once per test process for each set of names and copied into each
    /// sandbox's state directory (the sandbox loads them from there), so that tests do not each spend CPU on RSA keys.
    private static let templates = NIOLockedValueBox<[String: URL]>([:])
    private static let templateRoot = FileManager.default.temporaryDirectory
        .appendingPathComponent("mailtls-sandbox-test-ca-\(getpid())")

    private static func authorityTemplate(names: [String]) throws -> URL {
        try templates.withLockedValue { cache in
            if let directory = cache[names.joined(separator: ",")] { return directory }
            if cache.isEmpty { atexit { try? FileManager.default.removeItem(at: TestSandbox.templateRoot) } }
            let directory = templateRoot.appendingPathComponent(UUID().uuidString)
            _ = try SandboxAuthority.loadOrCreate(directory: directory, names: names)
            cache[names.joined(separator: ",")] = directory
            return directory
        }
    }

    /// A graceful shutdown of the group: it returns once every connection has ended and its report is written.
    func stop() async {
        await group.triggerGracefulShutdown()
        _ = await running.result
        try? FileManager.default.removeItem(at: stateDirectory)
    }

    /// The bound port of the `index`th configured port.
    func port(_ index: Int) -> Int { server.ports[index].port }

    var caFile: String { server.authority.caPEMPath }
    var store: MessageStore { server.store }

    var reports: [ConnectionReport] { collected.withLockedValue { $0 } }

    /// Waits until at least `count` reports (for `port`, if given) have arrived; records an issue and returns what
    /// there is when they do not come within `timeout` seconds.
    @discardableResult
    func waitForReports(_ count: Int, port: Int? = nil, timeout: Double = 10,
                        sourceLocation: SourceLocation = #_sourceLocation) async -> [ConnectionReport] {
        func matching() -> [ConnectionReport] { reports.filter { port == nil || $0.serverPort == port } }
        // Woken by each report as it arrives; the timeout only bounds the wait.
        await reportArrivals.wait(timeout: timeout) { reports in
            reports.filter { port == nil || $0.serverPort == port }.count >= count
        }
        let found = matching()
        if found.count < count {
            let wanted = port.map(String.init) ?? "any"
            Issue.record("expected \(count) reports for port \(wanted), got \(found.map(\.summary))",
                         sourceLocation: sourceLocation)
        }
        return found
    }

    /// The one report for `port`, waiting for it.
    func report(port: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws -> ConnectionReport {
        let found = await waitForReports(1, port: port, sourceLocation: sourceLocation)
        #expect(found.count <= 1, "one connection expected: \(found.map(\.summary))", sourceLocation: sourceLocation)
        return try #require(found.last, sourceLocation: sourceLocation)
    }
}

extension SandboxPort {
    /// A port on an ephemeral number (0), for a test sandbox.
    static func any(_ mailProtocol: MailProtocol, _ mode: SecurityMode,
                    tls: ClosedRange<TLSVersion> = .tls10 ... .tls13,
                    certificate: SandboxAuthority.CertificateKind = .valid,
                    advertiseSTARTTLS: Bool = true) -> SandboxPort {
        SandboxPort(port: 0, mailProtocol: mailProtocol, mode: mode, minimumTLS: tls.lowerBound,
                    maximumTLS: tls.upperBound, certificate: certificate, advertiseSTARTTLS: advertiseSTARTTLS)
    }
}

/// Client programs (swaks, curl, openssl, python3, mailtls) run without blocking Swift's cooperative threads, so many
/// tests can wait on their clients at once.
enum Tool {
    /// Validates a JSON document with Python's jsonschema (draft 2020-12, formats checked) against a schema of
    /// docs/, as a user's program would read it.
    static func validate(json: String, schema: String) async -> ProcessRunner.Result {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString).json")
        try? json.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let path = Lab.packageRoot.appendingPathComponent("docs/\(schema)").path
        let script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            jsonschema.Draft202012Validator.check_schema(schema)
            jsonschema.validate(json.load(open(sys.argv[2])), schema,
                                format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
            """
        return await run("/usr/bin/env", ["python3", "-c", script, path, file.path])
    }

    static let swaks = "/usr/bin/swaks"
    static let curl = "/usr/bin/curl"
    static let openssl = "/usr/bin/openssl"
    static let env = "/usr/bin/env"

    static func fixture(_ name: String) -> String {
        Lab.packageRoot.appendingPathComponent("Tests/MailTLSIntegrationTests/Fixtures/\(name)").path
    }

    static func run(_ executable: String, _ arguments: [String], input: String? = nil,
                    environment: [String: String] = [:], timeout: Double = 30) async -> ProcessRunner.Result {
        await Subprocess.run(executable, arguments, input: input,
                             environment: ["LANG": "C", "LC_ALL": "C"].merging(environment) { $1 }, timeout: timeout)
    }

    static func python(_ script: String, _ arguments: [String], timeout: Double = 30) async -> ProcessRunner.Result {
        await run(env, ["python3", fixture(script)] + arguments, timeout: timeout)
    }

    static func mailtls(_ arguments: [String], environment: [String: String] = [:],
                        timeout: Double = 30) async -> ProcessRunner.Result {
        await run(ProcessRunner.mailtlsBinary, arguments, environment: environment, timeout: timeout)
    }
}

/// A program that keeps running while the test talks to it: standard output is read as it comes.
final class LiveProcess: Sendable {
    private let program: Subprocess.Background

    init(_ executable: String, _ arguments: [String]) throws {
        program = try Subprocess.Background(executable, arguments, environment: ["LANG": "C", "LC_ALL": "C"])
    }

    var stdout: String { program.stdout }
    var stderr: String { program.stderr }
    var peakResidentBytes: Int? { program.peakResidentBytes }
    var processID: pid_t { program.processID }
    var lines: [String] { stdout.split(separator: "\n").map(String.init) }

    /// `waitForLine`, blocking: for a thread that must act the moment the line appears.
    func waitForLineBlocking(timeout: Double = 15, where predicate: (String) -> Bool) -> String? {
        program.waitForOutputBlocking(timeout: timeout) { completeLines.first(where: predicate) }
    }

    /// Waits for a complete output line that satisfies `predicate`: woken by each write to the program's output and
    /// by its end (see `Subprocess.Background.waitForOutput`); nil when it ends without one or `timeout` passes.
    func waitForLine(timeout: Double = 15, where predicate: (String) -> Bool) async -> String? {
        await program.waitForOutput(timeout: timeout) { completeLines.first(where: predicate) }
    }

    /// Waits until `check` returns a value, looking again after each write to the program's standard output or error
    /// (see `Subprocess.Background.waitForOutput`): for what a program says on standard error.
    func waitForOutput<T>(timeout: Double = 15, _ check: () -> T?) async -> T? {
        await program.waitForOutput(timeout: timeout, check)
    }

    /// For a peer started on port 0 that prints `ready PORT` once it listens: the port the kernel gave it. Throws
    /// with the peer's standard error when it exits or stays silent instead, so a test never checks a closed port.
    func readyPort(timeout: Double = 30) async throws -> Int {
        let line = await waitForLine(timeout: timeout) { $0.hasPrefix("ready ") }
        guard let line, let port = Int(line.dropFirst("ready ".count)), (1...65535).contains(port) else {
            throw LabError(message: "the peer did not say 'ready PORT': \(stderr)")
        }
        return port
    }

    /// The output lines that have their line end.
    private var completeLines: [String] {
        let text = stdout
        let complete = text.hasSuffix("\n") ? text : String(text[..<(text.lastIndex(of: "\n") ?? text.startIndex)])
        return complete.split(separator: "\n").map(String.init)
    }

    /// Waits for the process to end by itself; terminates it after `timeout` seconds and returns nil then.
    func waitForExit(timeout: Double) async -> Int32? {
        if let status = await program.waitForExit(timeout: timeout) { return status }
        stop()
        return nil
    }

    /// SIGTERM. (A program still running when the test lets go of it is killed.)
    func stop() {
        program.signal(SIGTERM)
    }

    /// Any signal: SIGHUP asks a daemon to read its configuration again.
    func signal(_ number: Int32) {
        program.signal(number)
    }

    /// Ctrl-C.
    func interrupt() {
        program.signal(SIGINT)
    }

    /// kill -9: no chance to clean up (the relay's crash test).
    func kill() {
        program.signal(SIGKILL)
    }
}

/// Runs blocking work (sockets, the drip's pacing) on a thread of its own, off Swift's cooperative pool.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.stackSize = 1 << 20
        thread.start()
    }
}

/// A plain blocking TCP client for scripted and hostile conversations. Writes never raise SIGPIPE.
final class RawClient {
    let descriptor: Int32
    private var buffer: [UInt8] = []

    init?(host: String, port: Int, timeout: Double = 5) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            return nil
        }
        descriptor = fd
        setTimeout(timeout)
    }

    deinit { close(descriptor) }

    func setTimeout(_ seconds: Double) {
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1_000_000))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Sends everything; false when the peer has gone (reset, closed) or the send timed out.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    enum ReadOutcome: Equatable {
        case data
        /// The peer closed (EOF) or reset the connection.
        case closed
        case timedOut
    }

    /// Reads once into the buffer.
    private func fill() -> ReadOutcome {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        if count > 0 {
            buffer += chunk[..<count]
            return .data
        }
        if count == 0 { return .closed }
        return errno == EAGAIN || errno == EWOULDBLOCK ? .timedOut : .closed
    }

    /// The next line (without CRLF), or nil on close or timeout.
    func readLine() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                var line = Array(buffer[..<newline])
                buffer.removeFirst(newline + 1)
                if line.last == 0x0D { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard fill() == .data else { return nil }
        }
    }

    /// An SMTP reply: lines until one with a space after the code. Returns all lines, or nil on close or timeout.
    func readSMTPReply() -> [String]? {
        var lines: [String] = []
        while let line = readLine() {
            lines.append(line)
            if line.count < 4 || line[line.index(line.startIndex, offsetBy: 3)] != "-" { return lines }
        }
        return nil
    }

    /// Reads and discards until the peer closes (true) or `seconds` pass without it (false). Each read blocks until
    /// data, the close or the time left runs out.
    func waitForClose(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { return false }
            setTimeout(max(left, 0.001))  // never 0, which would mean no timeout at all
            switch fill() {
            case .closed: return true
            case .data: buffer.removeAll()
            case .timedOut: continue
            }
        }
    }
}

/// A well-behaved SMTP client: greeting, EHLO, QUIT. Returns how long the conversation took, or nil if the server
/// did not serve it within `timeout` seconds.
func plainSMTPConversation(host: String, port: Int, timeout: Double = 5) async -> Double? {
    await onOwnThread { RawClient.smtpConversation(host: host, port: port, timeout: timeout) }
}

extension RawClient {
    /// `plainSMTPConversation`, blocking.
    static func smtpConversation(host: String, port: Int, timeout: Double = 5) -> Double? {
        let started = Date()
        guard let client = RawClient(host: host, port: port, timeout: timeout),
              let greeting = client.readSMTPReply(), greeting.last?.hasPrefix("220") == true,
              client.send("EHLO normal.client.test\r\n"),
              let ehlo = client.readSMTPReply(), ehlo.last?.hasPrefix("250") == true,
              client.send("QUIT\r\n"),
              let bye = client.readSMTPReply(), bye.last?.hasPrefix("221") == true
        else { return nil }
        return Date().timeIntervalSince(started)
    }
}

extension ConnectionReport {
    /// Compact enough for an expectation message.
    var summary: String {
        "port \(serverPort) \(self.protocol)/\(mode) startTLS=\(startTLS) version=\(negotiatedVersion ?? "-") "
            + "error=\(handshakeError ?? "-") auth=\(authentications) messages=\(messages.count) "
            + "validation=\(certificateValidation.rawValue) violations=\(protocolViolations) "
            + "before=\(commandsBeforeTLS)"
    }
}

struct SandboxStartError: Error {}

/// Waiters woken when something arrives (a report), each with its own condition: a test waits for an event, not for a
/// clock, and the timeout only bounds that wait.
final class Arrivals<Element: Sendable>: Sendable {
    private struct Waiter {
        let condition: @Sendable ([Element]) -> Bool
        let continuation: CheckedContinuation<Void, Never>
    }

    private let state = NIOLockedValueBox<(all: [Element], waiters: [UUID: Waiter])>(([], [:]))

    func arrived(_ all: [Element]) {
        let ready = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.all = all
            let met = state.waiters.filter { $0.value.condition(all) }
            for id in met.keys { state.waiters[id] = nil }
            return met.values.map(\.continuation)
        }
        for continuation in ready { continuation.resume() }
    }

    /// Returns when `condition` holds for what has arrived, or after `timeout` seconds: the arrival resumes the wait,
    /// and so does a timer at the deadline (a dispatch timer, not a sleeping task), whichever comes first; the other
    /// then finds the waiter gone.
    func wait(timeout: Double, until condition: @escaping @Sendable ([Element]) -> Bool) async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = self.state.withLockedValue { state -> Bool in
                    if condition(state.all) || Task.isCancelled { return true }
                    state.waiters[id] = Waiter(condition: condition, continuation: continuation)
                    return false
                }
                if resumeNow {
                    continuation.resume()
                    return
                }
                DispatchQueue.global().asyncAfter(deadline: .now() + max(timeout, 0)) {
                    self.state.withLockedValue { $0.waiters.removeValue(forKey: id) }?.continuation.resume()
                }
            }
        } onCancel: {
            self.state.withLockedValue { $0.waiters.removeValue(forKey: id) }?.continuation.resume()
        }
    }
}
