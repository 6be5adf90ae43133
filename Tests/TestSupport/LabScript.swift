import Foundation

/// The loopback labs under Tests/Lab (lab.sh, internet.sh, fixlab.sh), started the way every test target starts
/// them: `SCRIPT up`, which returns at once when the lab is healthy, then its KEY=VALUE file from the state directory
/// (overridable by an environment variable).
public enum LabScript {
    /// This file is Tests/TestSupport/LabScript.swift.
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public struct Failure: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }

        public init(message: String) {
            self.message = message
        }
    }

    public static func up(_ script: String, timeout: Double, directoryVariable: String, defaultDirectory: String,
                          environmentFile: String) -> Result<[String: String], Failure> {
        let path = packageRoot.appendingPathComponent("Tests/Lab/\(script)").path
        // Not Foundation's Process: the daemons the scripts start would keep its end-of-process pipe open.
        let result = Subprocess.runBlocking("/bin/bash", [path, "up"], timeout: timeout)
        guard result.status == 0 else {
            return .failure(Failure(message: "\(script) up failed (\(result.status)): \(result.stderr)"))
        }
        let directory = ProcessInfo.processInfo.environment[directoryVariable] ?? defaultDirectory
        guard let environment = readEnvironment(directory + "/" + environmentFile) else {
            return .failure(Failure(message: "no \(environmentFile) in \(directory)"))
        }
        return .success(environment)
    }

    /// A lab script's KEY=VALUE file (lab.env, internet.env, fixlab.env); nil when it cannot be read.
    public static func readEnvironment(_ path: String) -> [String: String]? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        var environment: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            environment[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return environment
    }
}
