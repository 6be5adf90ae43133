import Foundation
#if canImport(Glibc)
import Glibc
#endif
import MailTLSCore
import NIOConcurrencyHelpers

/// Captured mail as `.eml` files with an index (`index.jsonl`) in the state directory. Shared by every connection;
/// operations are short and synchronous under a lock, so event-loop code can call them.
///
/// A message streams in through a `MessageWriter`: written to a private partial file as it arrives, renamed into
/// place at the end. Nothing holds a whole message in memory, the store never grows past `maximumBytes` on disk or
/// `maximumMessages` files, and every file is created 0600 in 0700 directories, never through a symbolic link.
public final class MessageStore: MessageSink {
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

    public enum StoreError: Error, Equatable, Sendable {
        case full(messages: Int)
        case overDiskAllowance(bytes: Int)
        case io(String)
    }

    public let directory: URL
    public let maximumMessages: Int
    /// The most all messages together, and those being received, may take on disk.
    public let maximumBytes: Int
    private let state: NIOLockedValueBox<State>

    struct State {
        var entries: [Entry]
        /// Bytes of the stored messages plus those still arriving.
        var bytesInUse: Int
        var nextUID: UInt32
    }

    public init(directory: URL, maximumMessages: Int = 10_000, maximumBytes: Int = 1 << 30) throws {
        self.directory = directory
        self.maximumMessages = maximumMessages
        self.maximumBytes = maximumBytes
        try PrivateFiles.makeDirectory(directory)
        var loaded: [Entry] = []
        if let text = try? PrivateFiles.read(directory.appendingPathComponent("index.jsonl"), limit: 64 << 20) {
            let decoder = JSONDecoder()
            for line in text.split(separator: 0x0A) {
                if let entry = try? decoder.decode(Entry.self, from: Data(line)),
                   FileManager.default.fileExists(atPath: directory.appendingPathComponent("\(entry.id).eml").path) {
                    loaded.append(entry)
                }
            }
        }
        // Partial files of an earlier run are never complete messages.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        where name.hasSuffix(".partial") {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
        state = NIOLockedValueBox(State(entries: loaded, bytesInUse: loaded.reduce(0) { $0 + $1.size },
                                        nextUID: (loaded.map(\.uid).max() ?? 0) + 1))
    }

    public var all: [Entry] { state.withLockedValue { $0.entries } }

    public func begin(_ envelope: MessageEnvelope, clientAddress: String) throws -> any IncomingMessage {
        do {
            return try open(envelope, clientAddress: clientAddress)
        } catch {
            throw MessageSinkError.noRoom(.systemError("\(error)"))
        }
    }

    /// Opens a message for streaming. Fails at once when the store already holds `maximumMessages`.
    public func open(_ envelope: MessageEnvelope, clientAddress: String) throws(StoreError) -> MessageWriter {
        let count = state.withLockedValue { $0.entries.count }
        guard count < maximumMessages else { throw .full(messages: maximumMessages) }
        let partial = directory.appendingPathComponent("\(UUID().uuidString).partial")
        let descriptor: Int32
        do {
            descriptor = try PrivateFiles.create(partial)
        } catch {
            throw .io("\(error)")
        }
        return MessageWriter(store: self, envelope: envelope, clientAddress: clientAddress, partial: partial,
                             descriptor: descriptor)
    }

    /// Stores a whole message at once, through the same writer (for seeding a store).
    @discardableResult
    public func add(_ message: CapturedMessage, clientAddress: String) -> Entry? {
        guard let writer = try? open(message.envelope, clientAddress: clientAddress) else { return nil }
        do {
            try writer.append(message.data)
            return try writer.file()
        } catch {
            writer.abort()
            return nil
        }
    }

    /// Takes `count` more bytes of the disk allowance, or says there are none.
    func reserve(_ count: Int) -> Bool {
        state.withLockedValue { state in
            let (total, overflow) = state.bytesInUse.addingReportingOverflow(count)
            guard !overflow, total <= maximumBytes else { return false }
            state.bytesInUse = total
            return true
        }
    }

    func release(_ count: Int) {
        state.withLockedValue { $0.bytesInUse -= count }
    }

    /// Files a finished message under its id and index entry.
    func file(_ writer: MessageWriter, size: Int, subject: String?) throws(StoreError) -> Entry {
        let result: Result<Entry, StoreError> = state.withLockedValue { state in
            guard state.entries.count < maximumMessages else { return .failure(.full(messages: maximumMessages)) }
            let uid = state.nextUID
            let now = Date().timeIntervalSince1970
            let id = String(format: "%.0f-%04d", now * 1000, uid % 10000)
            // The index is for people to read: the device's addresses and Subject are escaped here, once.
            let envelope = writer.envelope
            let entry = Entry(id: id, uid: uid, receivedAt: now, mailFrom: envelope.mailFrom.peerSafe,
                              recipients: envelope.recipients.map(\.peerSafe), subject: subject?.peerSafe,
                              size: size, clientAddress: writer.clientAddress, overTLS: envelope.receivedOverTLS,
                              user: envelope.authenticatedUser?.peerSafe)
            do {
                try PrivateFiles.rename(writer.partial, to: directory.appendingPathComponent("\(id).eml"))
                state.entries.append(entry)
                state.nextUID += 1
                try writeIndex(state.entries)
            } catch {
                return .failure(.io("\(error)"))
            }
            return .success(entry)
        }
        return try result.get()
    }

    public func delete(ids: [String]) {
        state.withLockedValue { state in
            let doomed = Set(ids)
            for entry in state.entries where doomed.contains(entry.id) {
                try? FileManager.default.removeItem(at: directory.appendingPathComponent("\(entry.id).eml"))
                state.bytesInUse -= entry.size
            }
            state.entries.removeAll { doomed.contains($0.id) }
            try? writeIndex(state.entries)
        }
    }

    /// The messages IMAP and POP3 serve: the newest ones, at most `limitBytes` of them in memory per session.
    public func mailbox(limitBytes: Int = 64 << 20) -> [MailboxMessage] {
        var budget = limitBytes
        var chosen: [Entry] = []
        for entry in all.reversed() {
            guard entry.size <= budget else { break }
            budget -= entry.size
            chosen.append(entry)
        }
        return chosen.reversed().compactMap { entry in
            guard let data = try? PrivateFiles.read(directory.appendingPathComponent("\(entry.id).eml"),
                                                    limit: entry.size + 1) else { return nil }
            return MailboxMessage(id: entry.id, uid: entry.uid, data: data, receivedAt: entry.receivedAt)
        }
    }

    public func path(of id: String) -> String { directory.appendingPathComponent("\(id).eml").path }

    private func writeIndex(_ entries: [Entry]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var bytes: [UInt8] = []
        for entry in entries { bytes += Array(try encoder.encode(entry)) + [0x0A] }
        try PrivateFiles.replace(directory.appendingPathComponent("index.jsonl"), with: bytes)
    }
}

/// One message arriving: bytes go to a private partial file as they come, within the store's disk allowance; the
/// first 64 KiB stay in memory to read the Subject from. Used from one connection's event loop only.
public final class MessageWriter: IncomingMessage, @unchecked Sendable {
    let store: MessageStore
    let envelope: MessageEnvelope
    let clientAddress: String
    let partial: URL
    private var descriptor: Int32
    private var size = 0
    private var head: [UInt8] = []
    static let headLimit = 64 << 10

    init(store: MessageStore, envelope: MessageEnvelope, clientAddress: String, partial: URL, descriptor: Int32) {
        self.store = store
        self.envelope = envelope
        self.clientAddress = clientAddress
        self.partial = partial
        self.descriptor = descriptor
    }

    public func append(_ bytes: [UInt8]) throws(MessageStore.StoreError) {
        try write(bytes)
    }

    private func write(_ bytes: [UInt8]) throws(MessageStore.StoreError) {
        guard descriptor >= 0 else { throw .io("closed") }
        guard store.reserve(bytes.count) else { throw .overDiskAllowance(bytes: store.maximumBytes) }
        size += bytes.count
        if head.count < MessageWriter.headLimit { head += bytes.prefix(MessageWriter.headLimit - head.count) }
        do {
            try PrivateFiles.write(descriptor, bytes)
        } catch {
            throw .io("\(error)")
        }
    }

    public func commit() throws -> MessageReceipt {
        let entry = try file()
        return MessageReceipt(id: entry.id, mailFrom: entry.mailFrom, recipients: entry.recipients,
                              subject: entry.subject, size: entry.size)
    }

    /// Files the message in the store and returns its index entry.
    public func file() throws(MessageStore.StoreError) -> MessageStore.Entry {
        close(descriptor)
        descriptor = -1
        do {
            return try store.file(self, size: size, subject: MessageHeaders.value(of: "Subject", in: head))
        } catch {
            abort()
            throw error
        }
    }

    /// Drops what arrived: the partial file goes, and its bytes return to the allowance.
    public func abort() {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
        try? FileManager.default.removeItem(at: partial)
        store.release(size)
        size = 0
    }
}

/// One JSON line per finished client connection (`events.jsonl`), read back by `mailtls sandbox report`.
public typealias EventLog = JSONLinesFile<ConnectionReport>

extension JSONLinesFile where Entry == ConnectionReport {
    /// Every report kept, oldest first.
    public func reports() -> [ConnectionReport] { entries() }
}

/// An append-only log of JSON lines (connection reports, delivery attempts). The file is private (0600), never
/// followed through a symbolic link, and bounded: past `maximumBytes` it moves to `NAME.1` (the older one goes) and
/// a new one starts.
public final class JSONLinesFile<Entry: Codable & Sendable>: Sendable {
    public let path: URL
    public let maximumBytes: Int
    /// The open file and its size: one append is one write, not an open and a close.
    private let state = NIOLockedValueBox<(descriptor: Int32, size: Int)>((-1, 0))

    public init(path: URL, maximumBytes: Int = 16 << 20) {
        self.path = path
        self.maximumBytes = maximumBytes
    }

    deinit {
        let descriptor = state.withLockedValue { $0.descriptor }
        if descriptor >= 0 { close(descriptor) }
    }

    public var previousPath: URL { path.appendingPathExtension("1") }

    public func append(_ entry: Entry) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(entry) else { return }
        let line = Array(data) + [0x0A]
        state.withLockedValue { state in
            if state.descriptor >= 0, state.size + line.count > maximumBytes {
                close(state.descriptor)
                state.descriptor = -1
                try? PrivateFiles.rename(path, to: previousPath)
            }
            if state.descriptor < 0 {
                guard let opened = try? PrivateFiles.openForAppending(path) else { return }
                state = (opened, PrivateFiles.size(path) ?? 0)
                if state.size + line.count > maximumBytes, state.size > 0 {
                    close(state.descriptor)
                    state.descriptor = -1
                    try? PrivateFiles.rename(path, to: previousPath)
                    guard let fresh = try? PrivateFiles.openForAppending(path) else { return }
                    state = (fresh, 0)
                }
            }
            if (try? PrivateFiles.write(state.descriptor, line)) != nil { state.size += line.count }
        }
    }

    /// Every entry kept, oldest first.
    public func entries() -> [Entry] {
        let decoder = JSONDecoder()
        return [previousPath, path].flatMap { file -> [Entry] in
            guard let bytes = try? PrivateFiles.read(file, limit: maximumBytes + 1) else { return [] }
            return bytes.split(separator: 0x0A).compactMap { try? decoder.decode(Entry.self, from: Data($0)) }
        }
    }
}
