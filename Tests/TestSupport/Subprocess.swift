import Foundation
import Glibc

/// Runs a program for a test, with a deadline, and never hangs on the program's descendants.
///
/// Foundation's `Process` learns that a child ended when a descriptor the child inherited is closed; a daemon the
/// child starts (unbound, Postfix, a relay) inherits that descriptor too and keeps it open, so `waitUntilExit` and
/// `terminationHandler` never return. Here the child gets only standard input, output and error (every other
/// descriptor is closed at spawn) and its end is learned from `waitpid` on its own pid.
public enum Subprocess {
    public struct Result: Sendable {
        /// The exit status; 128 + N for a signal N; -1 when the program could not start; -2 when it timed out.
        public let status: Int32
        public let stdout: String
        public let stderr: String
        public let seconds: Double

        public init(status: Int32, stdout: String, stderr: String, seconds: Double) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
            self.seconds = seconds
        }
    }

    private struct Spawned {
        let pid: pid_t
        let stdout: String
        let stderr: String
        let stdin: String
        let started: Date
    }

    /// Runs and waits without blocking a thread of the cooperative pool.
    public static func run(_ executable: String, _ arguments: [String], input: String? = nil,
                           environment: [String: String] = [:], timeout: Double = 60) async -> Result {
        let spawned: Spawned
        switch spawn(executable, arguments, input: input, environment: environment) {
        case .success(let value): spawned = value
        case .failure(let message): return Result(status: -1, stdout: "", stderr: message, seconds: 0)
        }
        let deadline = spawned.started.addingTimeInterval(timeout)
        // The blocking wait for the end runs on a thread of its own, off the cooperative pool.
        let pid = spawned.pid
        let status = await KernelEvents.onOwnThread { waitForEnd(pid, until: deadline) }
        if let status { return finish(spawned, status: status) }
        return kill(spawned, timeout: timeout)
    }

    /// Runs and waits on the calling thread: for one-time set-up in a static initialiser.
    public static func runBlocking(_ executable: String, _ arguments: [String], input: String? = nil,
                                   environment: [String: String] = [:], timeout: Double = 60) -> Result {
        let spawned: Spawned
        switch spawn(executable, arguments, input: input, environment: environment) {
        case .success(let value): spawned = value
        case .failure(let message): return Result(status: -1, stdout: "", stderr: message, seconds: 0)
        }
        let deadline = spawned.started.addingTimeInterval(timeout)
        if let status = waitForEnd(spawned.pid, until: deadline) { return finish(spawned, status: status) }
        return kill(spawned, timeout: timeout)
    }

    /// Blocks until child `pid` ends, woken by the kernel (a pidfd), and reaps it: its wait status, or nil when
    /// `deadline` passes first (the child is then still running and not reaped). Where the kernel offers no pidfd it
    /// looks every 10 ms instead.
    private static func waitForEnd(_ pid: pid_t, until deadline: Date) -> Int32? {
        let descriptor = KernelEvents.processDescriptor(pid)
        defer { if let descriptor { close(descriptor) } }
        while true {
            if let status = reap(pid) { return status }
            if Date() > deadline { return nil }
            if let descriptor {
                // Readable means ended: the blocking reap returns at once.
                if !KernelEvents.waitReadable([descriptor], until: deadline).isEmpty { return reap(pid, blocking: true) }
            } else {
                _ = KernelEvents.waitReadable([], until: min(deadline, Date().addingTimeInterval(0.01)))
            }
        }
    }

    private enum SpawnResult {
        case success(Spawned)
        case failure(String)
    }

    private static func spawn(_ executable: String, _ arguments: [String], input: String?,
                              environment: [String: String]) -> SpawnResult {
        let base = NSTemporaryDirectory() + "mailtls-subprocess-\(UUID().uuidString)"
        let paths = (stdout: base + ".out", stderr: base + ".err", stdin: base + ".in")
        FileManager.default.createFile(atPath: paths.stdin, contents: Data((input ?? "").utf8))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, paths.stdin, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, paths.stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, paths.stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        closeFrom(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, so that a timeout ends the program's helpers too (daemons leave it by setsid).
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK
                                                    | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let started = Date()
        let code = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard code == 0 else {
            for path in [paths.stdout, paths.stderr, paths.stdin] { unlink(path) }
            return .failure("could not start \(executable): \(String(cString: strerror(code)))")
        }
        return .success(Spawned(pid: pid, stdout: paths.stdout, stderr: paths.stderr, stdin: paths.stdin,
                                started: started))
    }

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which Swift's Glibc module does not import.
    private static let closeFromFunction: CloseFrom? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0),
                                 "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: CloseFrom.self)
    }()

    private static func closeFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ lowest: Int32) {
        if let closeFromFunction {
            _ = closeFromFunction(actions, lowest)
        } else {
            // Older C libraries: close the descriptors this process has open now.
            let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
            for name in open {
                if let descriptor = Int32(name), descriptor >= lowest {
                    posix_spawn_file_actions_addclose(actions, descriptor)
                }
            }
        }
    }

    /// The wait status once the child has ended, else nil. `blocking` waits for the end: for a child known to have
    /// ended (its pidfd is readable), so that it returns at once.
    private static func reap(_ pid: pid_t, blocking: Bool = false) -> Int32? {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, blocking ? 0 : WNOHANG)
            if result == pid { return status }
            if result == -1 && errno == EINTR && blocking { continue }
            if result == -1 && errno != EINTR { return -1 << 8 }  // Reaped elsewhere: report an unknown failure.
            return nil
        }
    }

    /// A wait status as a shell shows it: the exit status, or 128 + the signal.
    private static func exitCode(_ status: Int32) -> Int32 {
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }

    private static func finish(_ spawned: Spawned, status: Int32) -> Result {
        unlink(spawned.stdin)
        return Result(status: exitCode(status), stdout: read(spawned.stdout), stderr: read(spawned.stderr),
                      seconds: Date().timeIntervalSince(spawned.started))
    }

    private static func kill(_ spawned: Spawned, timeout: Double) -> Result {
        Glibc.kill(-spawned.pid, SIGKILL)
        Glibc.kill(spawned.pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(spawned.pid, &status, 0)
        unlink(spawned.stdin)
        let result = Result(status: -2, stdout: read(spawned.stdout),
                            stderr: read(spawned.stderr) + "\ntimed out after \(timeout) s",
                            seconds: Date().timeIntervalSince(spawned.started))
        return result
    }

    private static func read(_ path: String) -> String {
        defer { unlink(path) }
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    public struct SpawnError: Error, CustomStringConvertible {
        public let description: String
    }

    /// A program that keeps running while a test talks to it (a server, a peer, a capture), spawned the same way:
    /// only standard descriptors inherited, the signal mask reset (so SIGTERM and SIGINT reach it), its end learned
    /// from `waitpid`. Output goes to files that can be read at any time; a program still running when this is
    /// released is killed.
    ///
    /// Waits on it block on kernel events, not on a clock: `waitForOutput` wakes on each write to its output files
    /// (inotify) and on its end (a pidfd), `waitForExit` on its end. The exit status is collected once, by
    /// `waitpid` under a lock, whichever of `exitStatus` and the waits gets there first.
    public final class Background: @unchecked Sendable {
        private let spawned: Spawned
        private let lock = NSLock()
        private var status: Int32?
        /// Readable once the program has ended (nil without pidfd support: the waits then look every 50 ms).
        private let exitDescriptor: Int32?

        public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws {
            switch Subprocess.spawn(executable, arguments, input: nil, environment: environment) {
            case .success(let value): spawned = value
            case .failure(let message): throw SpawnError(description: message)
            }
            // Opened before anything reaps the child, so the pid cannot be another process's yet.
            exitDescriptor = KernelEvents.processDescriptor(spawned.pid)
        }

        deinit {
            if exitStatus == nil {
                Glibc.kill(spawned.pid, SIGKILL)
                var ignored: Int32 = 0
                _ = waitpid(spawned.pid, &ignored, 0)
            }
            if let exitDescriptor { close(exitDescriptor) }
            for path in [spawned.stdout, spawned.stderr, spawned.stdin] { unlink(path) }
        }

        /// After a wake-up: when the pidfd says the program has ended, reap it now (at once, since it has ended),
        /// so that no wait spins on a descriptor that stays readable while a non-blocking reap lags behind.
        private func collectIfEnded() {
            guard let exitDescriptor, !KernelEvents.waitReadable([exitDescriptor], until: .distantPast).isEmpty
            else { return }
            lock.lock()
            defer { lock.unlock() }
            if status == nil, let waited = Subprocess.reap(spawned.pid, blocking: true) {
                status = Subprocess.exitCode(waited)
            }
        }

        /// One wait's events: writes to the output files and, through the pidfd, the program's end (without a pidfd,
        /// a look every 50 ms for the end).
        private func events(watchingOutput: Bool) -> FileChanges {
            FileChanges(watching: watchingOutput ? [spawned.stdout, spawned.stderr] : [],
                        alsoWakingOn: exitDescriptor.map { [$0] } ?? [], orEvery: exitDescriptor == nil ? 0.05 : nil)
        }

        /// Blocks until `check` returns a value: it runs at once, then after each write to the program's standard
        /// output or error, and a last time after the program ended. Nil when the program ended without it, or
        /// when `timeout` seconds passed first.
        public func waitForOutputBlocking<T>(timeout: Double, _ check: () -> T?) -> T? {
            waitBlocking(watchingOutput: true, timeout: timeout, check)
        }

        /// `waitForOutputBlocking` for a task: `check` runs on the task, each wait for the next event on a thread
        /// of its own. Cancelling the task ends the wait (nil unless `check` then succeeds).
        public func waitForOutput<T>(timeout: Double, _ check: () -> T?) async -> T? {
            await wait(watchingOutput: true, timeout: timeout, check)
        }

        /// Blocks until the program ends, woken by its pidfd: its exit status, or nil when `timeout` seconds pass
        /// first (it is left running).
        public func waitForExitBlocking(timeout: Double) -> Int32? {
            waitBlocking(watchingOutput: false, timeout: timeout) { exitStatus }
        }

        /// `waitForExitBlocking` for a task, each wait on a thread of its own. Cancelling the task ends the wait.
        public func waitForExit(timeout: Double) async -> Int32? {
            await wait(watchingOutput: false, timeout: timeout) { exitStatus }
        }

        /// The waits' one loop: `check` at once, then after each event (a write to the output, if watched, and the
        /// end), and a last time at the deadline; nil once the program ended without it.
        private func waitBlocking<T>(watchingOutput: Bool, timeout: Double, _ check: () -> T?) -> T? {
            let deadline = Date().addingTimeInterval(timeout)
            let events = events(watchingOutput: watchingOutput)  // before the first look, so that no write is missed
            while true {
                let ended = exitStatus != nil  // before the look, so that a look after the end sees all the output
                if let value = check() { return value }
                if ended { return nil }
                if !events.next(until: deadline) { return check() }
                collectIfEnded()
            }
        }

        /// `waitBlocking` for a task.
        private func wait<T>(watchingOutput: Bool, timeout: Double, _ check: () -> T?) async -> T? {
            let deadline = Date().addingTimeInterval(timeout)
            let events = events(watchingOutput: watchingOutput)
            while true {
                let ended = exitStatus != nil
                if let value = check() { return value }
                if ended || Task.isCancelled { return nil }
                if await !events.next(until: deadline) { return check() }
                collectIfEnded()
            }
        }

        public var stdout: String { (try? String(contentsOfFile: spawned.stdout, encoding: .utf8)) ?? "" }
        public var stderr: String { (try? String(contentsOfFile: spawned.stderr, encoding: .utf8)) ?? "" }

        /// The exit status once the program has ended (as a shell shows it), else nil.
        public var exitStatus: Int32? {
            lock.lock()
            defer { lock.unlock() }
            if status == nil, let waited = Subprocess.reap(spawned.pid) { status = Subprocess.exitCode(waited) }
            return status
        }

        public func signal(_ number: Int32) {
            if exitStatus == nil { Glibc.kill(spawned.pid, number) }
        }

        public var processID: pid_t { spawned.pid }

        /// The program's peak resident set so far, in bytes (VmHWM), while it runs.
        public var peakResidentBytes: Int? {
            guard let status = try? String(contentsOfFile: "/proc/\(spawned.pid)/status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                  let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
            else { return nil }
            return kilobytes * 1024
        }
    }
}
