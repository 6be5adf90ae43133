import Foundation
import Testing

/// A place for one test's watch.yaml, database and password file, removed at the end.
struct WatchWorkspace {
    let directory: URL
    let name: String

    init(_ prefix: String) throws {
        name = "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
        directory = try TestRelay.makeDirectory()
    }

    var configPath: String { directory.appendingPathComponent("watch.yaml").path }
    var passwordPath: String { directory.appendingPathComponent("password").path }

    func write(_ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: configPath), options: .atomic)
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    /// The e-mail route to the lab's mailbox: submission on the MAILBOX instance, verified against the lab CA, AUTH
    /// PLAIN as the lab user.
    func emailRoute() throws -> String {
        let lab = try Lab.get()
        return """
              - email:
                  to: alice@mailbox.mailtls.test
                  from: \(lab["LAB_USER"])
                  server:
                    host: \(lab["LAB_MAILBOX"])
                    port: 587
                    ca_file: \(lab.caFile)
                    server_name: \(lab["LAB_MAILBOX_SERVERNAME"])
                    auth: { mechanism: plain, user: \(lab["LAB_USER"]), password_file: \(passwordPath) }
            """
    }

    func once(_ extra: [String] = []) async -> ProcessRunner.Result {
        let language = extra.contains("--lang") ? [] : ["--lang", "en"]
        return await Tool.mailtls(["watch", "--once", "--config", configPath] + language + extra, timeout: 120)
    }
}

/// A forwarder on loopback whose backend the test switches: one address and port that is a good server, then a broken
/// one, then good again (Fixtures/tcp_proxy.py with a backend file).
final class SwitchProxy: Sendable {
    let process: LiveProcess
    let port: Int
    let backendFile: URL

    init(backend: (String, Int)) async throws {
        backendFile = FileManager.default.temporaryDirectory.appendingPathComponent("mailtls-switch-\(UUID().uuidString)")
        try Data("\(backend.0) \(backend.1)\n".utf8).write(to: backendFile)
        process = try LiveProcess(Tool.env, ["python3", Tool.fixture("tcp_proxy.py"), "127.0.0.1", "0", "--backend-file",
                                             backendFile.path])
        do {
            port = try await process.readyPort()
        } catch {
            process.stop()
            throw error
        }
    }

    func switchTo(_ host: String, _ port: Int) throws {
        try Data("\(host) \(port)\n".utf8).write(to: backendFile, options: .atomic)
    }

    func stop() {
        process.stop()
        try? FileManager.default.removeItem(at: backendFile)
    }
}

/// A webhook endpoint that keeps every POST (Fixtures/webhook_receiver.py).
final class WebhookReceiver: Sendable {
    let process: LiveProcess
    let port: Int
    let file: URL

    init() async throws {
        file = FileManager.default.temporaryDirectory.appendingPathComponent("mailtls-webhook-\(UUID().uuidString).jsonl")
        process = try LiveProcess(Tool.env, ["python3", Tool.fixture("webhook_receiver.py"), "127.0.0.1", file.path])
        do {
            port = try await process.readyPort()
        } catch {
            process.stop()
            throw error
        }
    }

    var url: String { "http://127.0.0.1:\(port)/hook" }

    /// Every notice received so far, as (kind, condition, target).
    func notices() throws -> [(kind: String, condition: String, target: String)] {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return [] }
        var notices: [(String, String, String)] = []
        for line in text.split(separator: "\n") {
            let request = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let body = (request?["body"] as? String) ?? ""
            let document = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
            for notice in (document?["notices"] as? [[String: Any]]) ?? [] {
                notices.append(((notice["kind"] as? String) ?? "", (notice["condition"] as? String) ?? "",
                                (notice["target"] as? String) ?? ""))
            }
        }
        return notices
    }

    func stop() {
        process.stop()
        try? FileManager.default.removeItem(at: file)
    }
}
