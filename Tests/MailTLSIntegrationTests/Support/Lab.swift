import Foundation
import MailTLSCheck
import MailTLSCore

/// The loopback lab of real Postfix and Dovecot instances (Tests/Lab/lab.sh), started once per test process.
struct Lab: Sendable {
    let environment: [String: String]

    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Starts the lab (idempotent: `lab.sh up` returns at once when it is healthy) and reads lab.env.
    static let shared: Result<Lab, LabError> = {
        let script = packageRoot.appendingPathComponent("Tests/Lab/lab.sh").path
        let result = ProcessRunner.run("/bin/bash", [script, "up"], timeout: 120)
        guard result.status == 0 else {
            return .failure(LabError(message: "lab.sh up failed (\(result.status)): \(result.stderr)"))
        }
        let labDirectory = ProcessInfo.processInfo.environment["LAB_DIR"] ?? "/tmp/mailtls-lab"
        guard let text = try? String(contentsOfFile: labDirectory + "/lab.env", encoding: .utf8) else {
            return .failure(LabError(message: "no lab.env in \(labDirectory)"))
        }
        var environment: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            environment[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return .success(Lab(environment: environment))
    }()

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

/// Runs a program with a deadline and collects its output.
enum ProcessRunner {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
        let seconds: Double
    }

    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                    timeout: Double = 60) -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let stdoutFile = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        let stderrFile = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        _ = FileManager.default.createFile(atPath: stdoutFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: stdoutFile)
            try? FileManager.default.removeItem(at: stderrFile)
        }
        let started = Date()
        do {
            process.standardOutput = try FileHandle(forWritingTo: stdoutFile)
            process.standardError = try FileHandle(forWritingTo: stderrFile)
            process.standardInput = FileHandle.nullDevice
            try process.run()
        } catch {
            return Result(status: -1, stdout: "", stderr: "could not start \(executable): \(error)", seconds: 0)
        }
        while process.isRunning && Date().timeIntervalSince(started) < timeout {
            usleep(20_000)
        }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            return Result(status: -2, stdout: read(stdoutFile), stderr: "timed out after \(timeout) s",
                          seconds: Date().timeIntervalSince(started))
        }
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: read(stdoutFile), stderr: read(stderrFile),
                      seconds: Date().timeIntervalSince(started))
    }

    private static func read(_ url: URL) -> String {
        (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }

    /// The `mailtls` binary built beside the test bundle.
    static var mailtlsBinary: String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("mailtls").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return Lab.packageRoot.appendingPathComponent(".build/debug/mailtls").path
    }
}
