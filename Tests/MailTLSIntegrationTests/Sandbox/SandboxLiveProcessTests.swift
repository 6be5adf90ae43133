import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The event waits that the sandbox's command-line tests stand on (`LiveProcess` over `Subprocess.Background`): a
/// line is found when it is written, the end when the program ends, each wait bounded by its timeout. The time bounds
/// are far below the timeouts, so a wait that missed its event (and ran into the timeout) fails them however loaded
/// the machine, and one that woke on its event passes them.
@Suite struct SandboxLiveProcessTests {
    static let shell = "/bin/sh"

    @Test func aLineAndTheEndAreSeenWhenTheyHappen() async throws {
        let program = try LiveProcess(Self.shell, ["-c", "sleep 0.2; echo partial; echo ready 4711; sleep 0.2; exit 7"])
        let started = Date()
        #expect(try await program.readyPort(timeout: 60) == 4711)
        #expect(await program.waitForExit(timeout: 60) == 7)
        #expect(Date().timeIntervalSince(started) < 30, "woken by the events, not by the 60 s timeouts")
        #expect(program.lines == ["partial", "ready 4711"])
    }

    @Test func aLineThatNeverComesEndsTheWaitWhenTheProgramEnds() async throws {
        let program = try LiveProcess(Self.shell, ["-c", "echo other; sleep 0.2"])
        let started = Date()
        #expect(await program.waitForLine(timeout: 60) { $0 == "ready" } == nil)
        #expect(Date().timeIntervalSince(started) < 30, "the end woke the wait")
        #expect(await program.waitForExit(timeout: 60) == 0)
    }

    @Test func theBlockingWaitSeesTheLineToo() async throws {
        let program = try LiveProcess(Self.shell, ["-c", "sleep 0.2; printf 'no line end'; sleep 0.1; echo; echo done"])
        let line = await onOwnThread { program.waitForLineBlocking(timeout: 60) { $0.hasSuffix("end") } }
        #expect(line == "no line end", "only a complete line counts")
        #expect(await program.waitForExit(timeout: 60) == 0)
    }

    @Test func aWaitEndsAtItsTimeoutAndTheProgramIsStopped() async throws {
        let program = try LiveProcess(Self.shell, ["-c", "exec sleep 60"])
        let started = Date()
        #expect(await program.waitForLine(timeout: 0.3) { _ in true } == nil)
        #expect(await program.waitForExit(timeout: 0.3) == nil)
        #expect(Date().timeIntervalSince(started) >= 0.6, "neither wait ended before its timeout")
        // waitForExit stopped it (SIGTERM) at its timeout.
        #expect(await program.waitForExit(timeout: 60) == 128 + SIGTERM)
        #expect(Date().timeIntervalSince(started) < 30)
    }

    @Test func aCancelledWaitEndsAtOnce() async throws {
        let program = try LiveProcess(Self.shell, ["-c", "exec sleep 60"])
        defer { program.kill() }
        let started = Date()
        let waiting = Task { await program.waitForLine(timeout: 60) { _ in true } }
        waiting.cancel()
        #expect(await waiting.value == nil)
        #expect(Date().timeIntervalSince(started) < 30, "not the 60 s timeout")
    }

    @Test func runReturnsWhenTheProgramEnds() async {
        let result = await Tool.run(Self.shell, ["-c", "sleep 0.2; echo out; exit 3"], timeout: 60)
        #expect(result.status == 3)
        #expect(result.stdout == "out\n")
        #expect(result.seconds >= 0.2 && result.seconds < 30)
        let late = await Tool.run(Self.shell, ["-c", "exec sleep 60"], timeout: 0.3)
        #expect(late.status == -2, "timed out")
        #expect(late.seconds >= 0.3 && late.seconds < 30)
    }
}
