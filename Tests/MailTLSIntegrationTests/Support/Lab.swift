import Foundation
import MailTLSCheck
import MailTLSCore
import TestSupport

/// The loopback lab of real Postfix and Dovecot instances (Tests/Lab/lab.sh), started once per test process.
struct Lab: Sendable {
    let environment: [String: String]

    static let packageRoot: URL = LabScript.packageRoot

    /// Starts the lab (idempotent: `lab.sh up` returns at once when it is healthy) and reads lab.env.
    static let shared: Result<Lab, LabError> = up(script: "lab.sh", timeout: 120, directoryVariable: "LAB_DIR",
                                                  defaultDirectory: "/tmp/mailtls-lab", environmentFile: "lab.env")
        .map(Lab.init(environment:))

    /// `Tests/Lab/SCRIPT up`, then its KEY=VALUE file: the way lab.sh, internet.sh and fixlab.sh are started.
    static func up(script: String, timeout: Double, directoryVariable: String, defaultDirectory: String,
                   environmentFile: String) -> Result<[String: String], LabError> {
        LabScript.up(script, timeout: timeout, directoryVariable: directoryVariable, defaultDirectory: defaultDirectory,
                     environmentFile: environmentFile).mapError { LabError(message: $0.message) }
    }

    static func get() throws -> Lab { try shared.get() }

    subscript(key: String) -> String { environment[key] ?? "" }

    var caFile: String { self["LAB_CA"] }
    var serverName: String { self["LAB_SERVERNAME"] }

    /// A check request against one lab address, as the tests' "done when" describes it.
    func request(_ addressKey: String, ports: [PortSpec] = PortSpec.wellKnown) -> CheckRequest {
        var request = CheckRequest(host: self[addressKey], serverName: serverName, ports: ports, caFile: caFile,
                                   timeouts: .init(connect: 1, read: 5, greeting: 15, overall: 60))
        request.prober.silenceBeforeTLSAttempt = 1
        return request
    }
}

struct LabError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// Runs a program with a deadline and collects its output (blocking the calling thread; see `Subprocess`).
enum ProcessRunner {
    typealias Result = Subprocess.Result

    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                    timeout: Double = 60) -> Result {
        Subprocess.runBlocking(executable, arguments, environment: environment, timeout: timeout)
    }

    /// The `mailtls` binary built beside the test bundle.
    static var mailtlsBinary: String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("mailtls").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return Lab.packageRoot.appendingPathComponent(".build/debug/mailtls").path
    }
}
