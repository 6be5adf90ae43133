import Foundation
import TestSupport
import Testing

/// The small internet proves itself: every record, DNSSEC state, policy, autoconfig file and certificate behaves as
/// documented at the top of Tests/Lab/internet.sh, so a domain or setup test that fails points at mailtls, not at
/// the fixture. (The lab's own servers are proven the same way by Tests/Lab/selfcheck.py and by the check tests.)
@Suite struct FixtureSelfCheckTests {
    @Test func theSmallInternetBehavesAsDocumented() async throws {
        _ = try Internet.get()
        let script = Lab.packageRoot.appendingPathComponent("Tests/Lab/internet-selfcheck.sh").path
        let result = await Subprocess.run("/bin/bash", [script], timeout: 120)
        #expect(result.status == 0, "\(result.stdout.split(separator: "\n").filter { !$0.hasPrefix("ok") })")
        #expect(result.stdout.contains("checks, 0 failed"))
    }
}
