import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@testable import MailTLSDNS

/// A resolver that lives all day (the monitor) must not grow: answers come back through one pump thread, and a
/// query past its timeout is cancelled in libunbound, not left on an abandoned thread.
@Suite(.serialized) struct DNSResolverLoadTests {
    static var threads: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0
    }

    static var residentBytes: Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kilobytes * 1024
    }

    @Test(.timeLimit(.minutes(2)))
    func tenThousandLookupsLeaveThreadsAndMemoryFlat() async throws {
        let resolver = try DNSLab.resolver()
        // Warm up: the pump thread, libunbound's worker, the cache.
        for _ in 0..<100 { _ = try await resolver.txt("_smtp._tls.mailtls.test") }
        let threadsBefore = Self.threads
        let memoryBefore = Self.residentBytes
        var answered = 0
        for batch in 0..<100 {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<100 {
                    group.addTask {
                        let name = (batch * 100 + index).isMultiple(of: 2) ? "_smtp._tls.mailtls.test" : "mailtls.test"
                        return try await resolver.txt(name).records.isEmpty ? 0 : 1
                    }
                }
                for try await found in group { answered += found }
            }
        }
        #expect(answered == 5000, "every TXT lookup of _smtp._tls answered")
        let threadsAfter = Self.threads
        let memoryAfter = Self.residentBytes
        #expect(threadsAfter <= threadsBefore + 2, "threads \(threadsBefore) -> \(threadsAfter)")
        #expect(resolver.pendingQueries == 0, "every query answered and forgotten")
        // The whole test process, other suites running beside: a bound for gross leaks only (run this suite alone
        // for the figure).
        #expect(memoryAfter - memoryBefore < 64 << 20, "RSS \(memoryBefore >> 20) -> \(memoryAfter >> 20) MB")
        print("DNS load: 10,000 lookups, threads \(threadsBefore) -> \(threadsAfter), RSS \(memoryBefore >> 20) -> \(memoryAfter >> 20) MB")
    }

    /// A resolver that never answers (a UDP socket that reads and says nothing): each query ends at its timeout and
    /// is cancelled; no thread waits on it afterwards.
    @Test(.timeLimit(.minutes(1)))
    func timedOutQueriesAreCancelledNotAbandoned() async throws {
        let silent = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(silent) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, "127.0.0.63", &address.sin_addr)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(silent, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(bound == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(silent, $0, &length) }
        }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let resolver = try DNSResolver(.init(resolver: "127.0.0.63@\(port)", timeout: 0.3, useSystemRootKey: false))
        _ = try? await resolver.txt("warm.test")
        let threadsBefore = Self.threads
        let started = ContinuousClock.now
        var timedOut = 0
        await withTaskGroup(of: Bool.self) { group in
            for index in 0..<200 {
                group.addTask {
                    do {
                        _ = try await resolver.txt("q\(index).test")
                        return false
                    } catch {
                        return (error as? DNSError) == .timeout(seconds: 0.3)
                    }
                }
            }
            for await isTimeout in group where isTimeout { timedOut += 1 }
        }
        #expect(timedOut == 200)
        #expect(started.duration(to: .now) < .seconds(10), "200 timeouts at once, not one after another")
        #expect(Self.threads <= threadsBefore + 2, "threads \(threadsBefore) -> \(Self.threads)")
        #expect(resolver.pendingQueries == 0, "every timed-out query cancelled and forgotten")
    }
}
