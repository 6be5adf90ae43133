import Foundation
import MailTLSCore
import Testing

/// Certificates that attack the checker: a mesh of cross-signed keys that makes path building exponential, and
/// names that carry terminal escape sequences. `mailtls check` must finish within its --timeout with a clear finding,
/// and nothing a peer sent may reach the terminal raw.
@Suite struct HostileCertificateTests {
    func peer(_ mode: String) async throws -> (LiveProcess, Int) {
        let script = Lab.packageRoot.appendingPathComponent("Tests/MailTLSIntegrationTests/Fixtures/hostile_tls_peer.py")
        let peer = try LiveProcess("/usr/bin/env", ["python3", script.path, mode, "127.0.0.16", "0"])
        do {
            return (peer, try await peer.readyPort())
        } catch {
            peer.stop()
            throw error
        }
    }

    /// Every character a terminal would act on, with the line ends the report itself writes allowed.
    static func unsafeCharacters(in text: String) -> [String] {
        text.unicodeScalars.filter { $0 != "\n" && PeerText.isUnsafe($0) }.map { String(format: "U+%04X", $0.value) }
    }

    @Test(.timeLimit(.minutes(1)))
    func aMeshOf57CertificatesEndsWithinTheTimeout() async throws {
        let (peer, port) = try await peer("mesh")
        defer { peer.stop() }
        let started = ContinuousClock.now
        let result = await Tool.mailtls(["check", "127.0.0.16", "--ports", "\(port):smtp:tls",
                                                   "--servername", "mail.mailtls.test", "--timeout", "5", "--no-color"])
        #expect(started.duration(to: .now) < .seconds(30))
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("certificate-not-trusted"))
    }

    @Test(arguments: [["--no-color"], ["--no-color", "--transcript"], ["--json"], ["--lang", "ja", "--no-color"]])
    func escapesInTheCertificateAndRepliesNeverReachTheTerminal(options: [String]) async throws {
        let (peer, port) = try await peer("escapes")
        defer { peer.stop() }
        let result = await Tool.mailtls(["check", "127.0.0.16", "--ports", "\(port):smtp:tls",
                                                   "--servername", "mail.mailtls.test"] + options)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stdout.contains("certificate-self-signed"))
        #expect(HostileCertificateTests.unsafeCharacters(in: result.stdout + result.stderr) == [])
        #expect(result.stdout.contains("\\x1B[2J"), "the escape is shown as text")
    }
}
