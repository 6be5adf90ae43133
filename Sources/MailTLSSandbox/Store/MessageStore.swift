import Foundation
import MailTLSCore
import NIOConcurrencyHelpers

/// Captured mail as `.eml` files with an index (`index.jsonl`) in the state directory. Shared by every connection;
/// operations are short and synchronous under a lock, so event-loop code can call them.
public final class MessageStore: Sendable {
    public struct Entry: Codable, Sendable, Equatable {
        public var id: String
        public var uid: UInt32
        public var receivedAt: Double
        public var mailFrom: String
        public var recipients: [String]
        public var subject: String?
        public var size: Int
        public var clientAddress: String
        public var overTLS: Bool
        public var user: String?
    }

    public let directory: URL
    public let maximumMessages: Int
    private let entries: NIOLockedValueBox<[Entry]>

    public init(directory: URL, maximumMessages: Int = 10_000) throws {
        self.directory = directory
        self.maximumMessages = maximumMessages
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var loaded: [Entry] = []
        if let text = try? String(contentsOf: directory.appendingPathComponent("index.jsonl"), encoding: .utf8) {
            let decoder = JSONDecoder()
            for line in text.split(separator: "\n") {
                if let entry = try? decoder.decode(Entry.self, from: Data(line.utf8)),
                   FileManager.default.fileExists(atPath: directory.appendingPathComponent("\(entry.id).eml").path) {
                    loaded.append(entry)
                }
            }
        }
        entries = NIOLockedValueBox(loaded)
    }

    public var all: [Entry] { entries.withLockedValue { $0 } }

    /// Stores a message; returns its entry, or nil when the store is full.
    @discardableResult
    public func add(_ message: CapturedMessage, clientAddress: String) -> Entry? {
        entries.withLockedValue { entries in
            guard entries.count < maximumMessages else { return nil }
            let uid = (entries.map(\.uid).max() ?? 0) + 1
            let now = Date().timeIntervalSince1970
            let id = String(format: "%.0f-%04d", now * 1000, uid % 10000)
            // The index is for people to read: the device's addresses and Subject are escaped here, once.
            let entry = Entry(id: id, uid: uid, receivedAt: now, mailFrom: message.mailFrom.peerSafe,
                              recipients: message.recipients.map(\.peerSafe), subject: message.subject?.peerSafe,
                              size: message.data.count,
                              clientAddress: clientAddress, overTLS: message.receivedOverTLS,
                              user: message.authenticatedUser)
            do {
                try Data(message.data).write(to: directory.appendingPathComponent("\(id).eml"))
                entries.append(entry)
                try writeIndex(entries)
            } catch {
                return nil
            }
            return entry
        }
    }

    public func delete(ids: [String]) {
        entries.withLockedValue { entries in
            let doomed = Set(ids)
            for id in doomed { try? FileManager.default.removeItem(at: directory.appendingPathComponent("\(id).eml")) }
            entries.removeAll { doomed.contains($0.id) }
            try? writeIndex(entries)
        }
    }

    public func mailbox() -> [MailboxMessage] {
        all.compactMap { entry in
            guard let data = try? Data(contentsOf: directory.appendingPathComponent("\(entry.id).eml")) else {
                return nil
            }
            return MailboxMessage(id: entry.id, uid: entry.uid, data: Array(data), receivedAt: entry.receivedAt)
        }
    }

    public func path(of id: String) -> String { directory.appendingPathComponent("\(id).eml").path }

    private func writeIndex(_ entries: [Entry]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var text = ""
        for entry in entries { text += String(decoding: try encoder.encode(entry), as: UTF8.self) + "\n" }
        try Data(text.utf8).write(to: directory.appendingPathComponent("index.jsonl"), options: .atomic)
    }
}

/// One JSON line per finished client connection (`events.jsonl`), read back by `mailtls sandbox report`.
public final class EventLog: Sendable {
    public let path: URL
    private let lock = NIOLock()

    public init(path: URL) {
        self.path = path
    }

    public func append(_ report: ConnectionReport) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(report) else { return }
        lock.withLock {
            if !FileManager.default.fileExists(atPath: path.path) {
                _ = FileManager.default.createFile(atPath: path.path, contents: nil)
            }
            guard let handle = try? FileHandle(forWritingTo: path) else { return }
            defer { try? handle.close() }
            _ = try? handle.seekToEnd()
            try? handle.write(contentsOf: data + Data("\n".utf8))
        }
    }

    public func reports() -> [ConnectionReport] {
        guard let text = try? String(contentsOf: path, encoding: .utf8) else { return [] }
        let decoder = JSONDecoder()
        return text.split(separator: "\n").compactMap { try? decoder.decode(ConnectionReport.self, from: Data($0.utf8)) }
    }
}
