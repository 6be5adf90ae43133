import Foundation
import MailTLSCore
import Testing

@testable import MailTLSAccount

/// `mailtls diagnose` against refusals only Microsoft 365 and Gmail produce: a scripted peer
/// (Fixtures/provider_smtp_peer.py) plays the provider on 127.0.0.19, with a lab-issued certificate for that address,
/// so every step up to the login passes and the provider's own code decides the cause.
@Suite struct ProviderCodeDiagnosisTests {
    static let address = "127.0.0.19"
    static let password = "not-the-real-one"

    /// The scripted provider: its process, its port and the directory holding its certificate.
    final class ProviderPeer: Sendable {
        let process: LiveProcess
        let port: Int
        let directory: URL

        private init(process: LiveProcess, port: Int, directory: URL) {
            self.process = process
            self.port = port
            self.directory = directory
        }

        /// Issues a certificate for `IP:127.0.0.19` from the lab's intermediate CA and starts the peer on a free port
        /// in 2700..<2999 (another port when the one drawn is in use), once it says `ready`.
        /// `validity`: the certificate's first and last day counted from today (a past start needs Python's
        /// cryptography, Fixtures/issue_leaf.py); nil issues a 2-day certificate from now with openssl.
        static func start(legacyGreeting: Bool = false, validity: (from: Double, to: Double)? = nil) async throws
            -> ProviderPeer {
            let directory: URL
            if let validity {
                directory = try await issueCertificate(from: validity.from, to: validity.to)
            } else {
                directory = try await issueCertificate()
            }
            var arguments: [String] = []
            if legacyGreeting { arguments.append("--legacy-greeting") }
            for _ in 0..<10 {
                let port = Int.random(in: 2700..<2999)
                let process = try LiveProcess(Tool.env, [
                    "python3", Tool.fixture("provider_smtp_peer.py"), ProviderCodeDiagnosisTests.address,
                    String(port), directory.appendingPathComponent("chain.pem").path,
                    directory.appendingPathComponent("leaf.key").path,
                ] + arguments)
                if await process.waitForLine(where: { $0 == "ready" }) != nil {
                    return ProviderPeer(process: process, port: port, directory: directory)
                }
                let status = await process.waitForExit(timeout: 5)
                if status == 3 { continue }  // the address is in use: draw another port
                try? FileManager.default.removeItem(at: directory)
                throw LabError(message: "provider_smtp_peer.py did not start (\(status.map(String.init) ?? "-")): "
                    + process.stderr)
            }
            try? FileManager.default.removeItem(at: directory)
            throw LabError(message: "no free port in 2700..<2999 on \(ProviderCodeDiagnosisTests.address)")
        }

        /// A P-256 leaf for the peer's address, chain (leaf + intermediate) and key in a new temporary directory.
        static func issueCertificate() async throws -> URL {
            let lab = try Lab.get()
            let intermediate = lab["LAB_INTERMEDIATE_CA"]
            let intermediateKey = lab["LAB_DIR"] + "/pki/intermediate-ca.key"
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("mailtls-provider-peer-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let path = { (name: String) in directory.appendingPathComponent(name).path }
            do {
                try """
                    basicConstraints=critical,CA:FALSE
                    keyUsage=critical,digitalSignature,keyEncipherment
                    extendedKeyUsage=serverAuth
                    subjectAltName=IP:\(ProviderCodeDiagnosisTests.address)
                    subjectKeyIdentifier=hash
                    authorityKeyIdentifier=keyid

                    """.write(toFile: path("leaf.ext"), atomically: true, encoding: .utf8)
                try await openssl([
                    "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", path("leaf.key"), "-out", path("leaf.csr"),
                    "-subj", "/O=mailtls test lab/CN=\(ProviderCodeDiagnosisTests.address)",
                ])
                let serial = "0x" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16)
                try await openssl([
                    "x509", "-req", "-in", path("leaf.csr"), "-CA", intermediate, "-CAkey", intermediateKey,
                    "-set_serial", serial, "-days", "2", "-sha256", "-extfile", path("leaf.ext"),
                    "-out", path("leaf.pem"),
                ])
                let chain = try String(contentsOfFile: path("leaf.pem"), encoding: .utf8)
                    + String(contentsOfFile: intermediate, encoding: .utf8)
                try chain.write(toFile: path("chain.pem"), atomically: true, encoding: .utf8)
                return directory
            } catch {
                try? FileManager.default.removeItem(at: directory)
                throw error
            }
        }

        /// A leaf for the peer's address valid from `from` to `to` days from now, chain and key in a new directory.
        static func issueCertificate(from: Double, to: Double) async throws -> URL {
            let lab = try Lab.get()
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("mailtls-provider-peer-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let result = await Tool.python("issue_leaf.py", [
                lab["LAB_INTERMEDIATE_CA"], lab["LAB_DIR"] + "/pki/intermediate-ca.key", directory.path,
                ProviderCodeDiagnosisTests.address, String(from), String(to),
            ])
            guard result.status == 0 else {
                try? FileManager.default.removeItem(at: directory)
                throw LabError(message: "issue_leaf.py failed (\(result.status)): \(result.stderr)")
            }
            return directory
        }

        static func openssl(_ arguments: [String]) async throws {
            let result = await Tool.run(Tool.openssl, arguments, timeout: 30)
            guard result.status == 0 else {
                throw LabError(message: "openssl \(arguments.first ?? "") failed (\(result.status)): \(result.stderr)")
            }
        }

        func stop() {
            process.stop()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    func diagnose(_ peer: ProviderPeer, user: String?, testRecipient: String? = nil,
                  clientMaximumTLS: TLSVersion? = nil) async throws -> Diagnosis {
        let internet = try Internet.get()
        let request = DiagnosisRequest(
            host: Self.address, port: peer.port, mailProtocol: .smtp, security: .startTLS, user: user,
            password: user == nil ? nil : Self.password, testRecipient: testRecipient,
            clientMaximumTLS: clientMaximumTLS, resolver: internet.resolver, caFile: try Lab.get().caFile,
            timeouts: .init(connect: 2, read: 10, greeting: 10, overall: 40))
        return try await Diagnoser().run(request)
    }

    func failedStep(_ diagnosis: Diagnosis) -> DiagnosisStep.Kind? {
        diagnosis.steps.first { $0.status == .failed }?.kind
    }

    func status(_ diagnosis: Diagnosis, _ kind: DiagnosisStep.Kind) -> DiagnosisStep.Status? {
        diagnosis.steps.first { $0.kind == kind }?.status
    }

    /// Everything a client checks before it logs in passed: the refusal is the provider's, not the connection's.
    func connectionWorked(_ diagnosis: Diagnosis, sourceLocation: SourceLocation = #_sourceLocation) {
        for kind in [DiagnosisStep.Kind.tcp, .greeting, .starttls, .tls, .certificate] {
            #expect(status(diagnosis, kind) == .passed, "\(kind): \(diagnosis.steps)", sourceLocation: sourceLocation)
        }
        #expect(!diagnosis.transcript.map(\.text).joined().contains(Self.password), sourceLocation: sourceLocation)
    }

    @Test func smtpAuthDisabledForTheTenant() async throws {
        let peer = try await ProviderPeer.start()
        defer { peer.stop() }
        let diagnosis = try await diagnose(peer, user: "basicauth@provider.test")
        connectionWorked(diagnosis)
        #expect(diagnosis.cause == .basicAuthDisabled, "\(diagnosis.evidence)")
        #expect(failedStep(diagnosis) == .authentication)
        #expect(diagnosis.evidence.contains("5.7.139"))
        #expect(diagnosis.exitCode == 2)
    }

    @Test func gmailWantsAnAppPassword() async throws {
        let peer = try await ProviderPeer.start()
        defer { peer.stop() }
        let diagnosis = try await diagnose(peer, user: "appassword@provider.test")
        connectionWorked(diagnosis)
        #expect(diagnosis.cause == .appPasswordRequired, "\(diagnosis.evidence)")
        #expect(failedStep(diagnosis) == .authentication)
        // The multi-line reply's last line is the evidence.
        #expect(diagnosis.evidence.contains("534 5.7.9"))
        #expect(diagnosis.evidence.contains("InvalidSecondFactor"))
    }

    /// Microsoft 365's bare "535 5.7.3 Authentication unsuccessful" means a wrong password or a blocked login: its own
    /// cause, whose fix covers both.
    @Test func microsoftAuthenticationUnsuccessful() async throws {
        let peer = try await ProviderPeer.start()
        defer { peer.stop() }
        let diagnosis = try await diagnose(peer, user: "badpass@provider.test")
        connectionWorked(diagnosis)
        #expect(diagnosis.cause == .authenticationUnsuccessful, "\(diagnosis.evidence)")
        #expect(failedStep(diagnosis) == .authentication)
        #expect(diagnosis.evidence.contains("5.7.3"))
    }

    @Test func aWrongPassword() async throws {
        let peer = try await ProviderPeer.start()
        defer { peer.stop() }
        let diagnosis = try await diagnose(peer, user: "other@provider.test")
        connectionWorked(diagnosis)
        #expect(diagnosis.cause == .badCredentials, "\(diagnosis.evidence)")
        #expect(failedStep(diagnosis) == .authentication)
        #expect(diagnosis.evidence.contains("5.7.8"))
    }

    @Test func aTestMessageWithoutLoggingIn() async throws {
        let peer = try await ProviderPeer.start()
        defer { peer.stop() }
        let diagnosis = try await diagnose(peer, user: nil, testRecipient: "someone@provider.test")
        connectionWorked(diagnosis)
        #expect(status(diagnosis, .authentication) == .skipped)
        #expect(diagnosis.cause == .notAuthenticated, "\(diagnosis.evidence)")
        #expect(failedStep(diagnosis) == .testMessage)
        #expect(diagnosis.evidence.contains("5.7.57"))
    }

    @Test func workingSettingsSendTheTestMessage() async throws {
        let peer = try await ProviderPeer.start()
        defer { peer.stop() }
        let diagnosis = try await diagnose(peer, user: "good@provider.test", testRecipient: "someone@provider.test")
        #expect(diagnosis.cause == nil, "\(diagnosis.steps)")
        #expect(diagnosis.exitCode == 0)
        #expect(diagnosis.steps.allSatisfy { $0.status != .failed })
        #expect(status(diagnosis, .authentication) == .passed)
        let message = try #require(diagnosis.steps.first { $0.kind == .testMessage })
        #expect(message.status == .passed)
        #expect(message.evidence.contains("250 2.0.0 OK queued"))
        #expect(!diagnosis.transcript.map(\.text).joined().contains(Self.password))
    }

    @Test func notAllowedToSendAsThisSender() async throws {
        let peer = try await ProviderPeer.start()
        defer { peer.stop() }
        let diagnosis = try await diagnose(peer, user: "sendas@provider.test", testRecipient: "someone@provider.test")
        connectionWorked(diagnosis)
        #expect(status(diagnosis, .authentication) == .passed, "the login itself works")
        #expect(diagnosis.cause == .sendAsDenied, "\(diagnosis.evidence)")
        #expect(failedStep(diagnosis) == .testMessage)
        #expect(diagnosis.evidence.contains("5.7.60"))
    }

    /// An old device (TLS 1.0, Microsoft 365 wants 1.2): the handshake and the certificate pass, then the EHLO after
    /// STARTTLS is answered 421 4.7.66 and the connection closed. The TLS step fails with the provider's words.
    @Test(arguments: ["good@provider.test", nil] as [String?])
    func microsoftRefusesTLS10AfterTheHandshake(user: String?) async throws {
        let peer = try await ProviderPeer.start(legacyGreeting: true)
        defer { peer.stop() }
        let diagnosis = try await diagnose(peer, user: user, testRecipient: "someone@provider.test",
                                           clientMaximumTLS: .tls10)
        let tls = diagnosis.steps.filter { $0.kind == .tls }
        #expect(tls.map(\.status) == [.failed], "one TLS step: \(diagnosis.steps)")
        #expect(tls.first?.evidence.hasPrefix("TLSv1.0") == true, "\(tls)")
        #expect(tls.first?.evidence.contains("4.7.66") == true, "\(tls)")
        #expect(status(diagnosis, .certificate) == .passed)
        #expect(diagnosis.cause == .legacyTLSRejected, "\(diagnosis.steps)")
        #expect(failedStep(diagnosis) == .tls)
        #expect(diagnosis.evidence.contains("421 4.7.66"))
        #expect(diagnosis.parameters["clientVersion"] == "TLSv1.0")
        #expect(!diagnosis.steps.contains { $0.kind == .authentication || $0.kind == .testMessage },
                "nothing is tried after the refusal")
    }

    /// The same peer serves a device that offers TLS 1.2 or later.
    @Test func theLegacyPeerServesACurrentDevice() async throws {
        let peer = try await ProviderPeer.start(legacyGreeting: true)
        defer { peer.stop() }
        let diagnosis = try await diagnose(peer, user: "good@provider.test", testRecipient: "someone@provider.test")
        #expect(diagnosis.cause == nil, "\(diagnosis.steps)")
    }
}
