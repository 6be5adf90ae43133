import Foundation
import Glibc

/// Waits that block on a kernel event instead of polling a clock: a file written (inotify), a process ended (a
/// pidfd), a wait given up (a pipe written by a cancellation handler). Every wait is bounded by a deadline, checked
/// again after each wake-up, so a wait never outlasts its timeout and never sleeps past the event it waits for.
public enum KernelEvents {
    private typealias PidfdOpen = @convention(c) (pid_t, UInt32) -> Int32

    /// glibc's `pidfd_open` (2.36+), looked up at run time: Swift's Glibc module imports neither it nor `syscall`.
    private static let pidfdOpen: PidfdOpen? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pidfd_open") else { return nil }
        return unsafeBitCast(symbol, to: PidfdOpen.self)
    }()

    /// A descriptor that becomes readable once process `pid` (a child not yet reaped) has ended, and stays readable.
    /// It only tells that the process ended: its status is still collected by `waitpid`, once, by whoever reaps it.
    /// Nil when the C library or the kernel has no pidfd (before glibc 2.36 or Linux 5.3). The caller closes it.
    public static func processDescriptor(_ pid: pid_t) -> Int32? {
        guard let pidfdOpen else { return nil }
        let descriptor = pidfdOpen(pid, 0)
        guard descriptor >= 0 else { return nil }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        return descriptor
    }

    /// Blocks in `poll(2)` until one of `descriptors` is readable (or hung up, or in error) or `deadline` passes.
    /// Returns the ready descriptors; none when the deadline passed. A signal's interruption polls again with the time
    /// left. Without descriptors it just waits for the deadline (the fallback where the kernel offers no event).
    public static func waitReadable(_ descriptors: [Int32], until deadline: Date) -> [Int32] {
        var entries = descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        while true {
            let left = deadline.timeIntervalSinceNow
            // Rounded up, so that a wait that ends without an event ends at or after the deadline, never just before.
            let milliseconds = left <= 0 ? 0 : Int32(min((left * 1000).rounded(.up), Double(Int32.max)))
            let result = entries.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), milliseconds) }
            if result > 0 { return entries.filter { $0.revents != 0 }.map(\.fd) }
            if result == -1 && errno != EINTR { return [] }
            if Date() >= deadline { return [] }
        }
    }

    /// Runs blocking work (a `poll`, a `waitpid`) on a thread of its own, so that it never holds one of the few
    /// threads of Swift's cooperative pool.
    public static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.stackSize = 512 << 10
            thread.start()
        }
    }
}

/// Writes to files as events, for a wait that must wake when a program writes its output: an inotify instance
/// watching the files for `IN_MODIFY` and `IN_CLOSE_WRITE`, waited on with `poll(2)` together with other descriptors
/// (a pidfd, so that the program's end wakes the wait too) and a pipe that a cancelled task writes to.
///
/// One instance per wait: each consumes its own events, so two waits on the same file never take each other's
/// wake-ups. Make it before the first look at the files, so that no write between the look and the wait is missed
/// (a write after the watch began is queued until `next` consumes it).
public final class FileChanges: @unchecked Sendable {
    private let inotify: Int32
    private let watching: Bool
    private let others: [Int32]
    /// How often a wait wakes by itself where an event it stands for is missing; nil when every one is there.
    private let interval: Double?
    private let cancelRead: Int32
    private let cancelWrite: Int32

    /// Watches `paths`. `others` are woken on too, and stay the caller's to close; a descriptor that stays readable (a
    /// pidfd after the end) makes every `next` return at once, so the caller must check what it stands for. Where an
    /// event is missing (a path that cannot be watched, or `fallback` seconds given by a caller that lacks a
    /// descriptor, such as a pidfd on an old kernel), `next` also wakes every 50 ms, or `fallback` seconds, so that the
    /// waiter still sees what it waits for, only later.
    /// `events` are inotify's: a file written by default, or a directory's entries (`IN_CREATE | IN_MOVED_TO`).
    public init(watching paths: [String], events: UInt32 = UInt32(IN_MODIFY | IN_CLOSE_WRITE),
                alsoWakingOn others: [Int32] = [], orEvery fallback: Double? = nil) {
        inotify = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        var watches = 0
        if inotify >= 0 {
            for path in paths where inotify_add_watch(inotify, path, events) >= 0 {
                watches += 1
            }
        }
        watching = watches > 0
        interval = watches < paths.count ? min(fallback ?? 0.05, 0.05) : fallback
        self.others = others
        var pipeDescriptors: [Int32] = [-1, -1]
        if pipe(&pipeDescriptors) == 0 {
            for descriptor in pipeDescriptors { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        }
        cancelRead = pipeDescriptors[0]
        cancelWrite = pipeDescriptors[1]
    }

    deinit {
        for descriptor in [inotify, cancelRead, cancelWrite] where descriptor >= 0 { close(descriptor) }
    }

    /// Blocks until a watched file is written, another descriptor is readable, or `deadline` passes (false), and
    /// consumes the file events it woke on. False too once `cancel()` was called. True means: look again.
    public func next(until deadline: Date) -> Bool {
        var descriptors = others
        if watching { descriptors.append(inotify) }
        if cancelRead >= 0 { descriptors.append(cancelRead) }
        let slice = interval.map { min(deadline, Date().addingTimeInterval($0)) } ?? deadline
        let ready = KernelEvents.waitReadable(descriptors, until: slice)
        if cancelRead >= 0 && ready.contains(cancelRead) { return false }
        if watching && ready.contains(inotify) { drain() }
        return !ready.isEmpty || Date() < deadline
    }

    /// `next`, on a thread of its own; the task's cancellation ends it at once (false).
    public func next(until deadline: Date) async -> Bool {
        await withTaskCancellationHandler {
            await KernelEvents.onOwnThread { self.next(until: deadline) }
        } onCancel: {
            cancel()
        }
    }

    /// Ends the current and every later `next` with false.
    public func cancel() {
        guard cancelWrite >= 0 else { return }
        var byte: UInt8 = 1
        _ = write(cancelWrite, &byte, 1)
    }

    private func drain() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while buffer.withUnsafeMutableBytes({ read(inotify, $0.baseAddress, $0.count) }) > 0 {}
    }
}

extension FileChanges {
    /// Waits until `check` returns a value: it runs at once, then after each write to one of `paths` (a server's log
    /// that a daemon appends to on its own time), and a last time when `timeout` seconds have passed (nil then).
    public static func waitFor<T>(writesTo paths: [String], timeout: Double, _ check: () throws -> T?) async rethrows
        -> T? {
        let deadline = Date().addingTimeInterval(timeout)
        let events = FileChanges(watching: paths)  // before the first look, so that no write is missed
        while true {
            if let value = try check() { return value }
            if await !events.next(until: deadline) { return try check() }
        }
    }
}
