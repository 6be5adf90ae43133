import Foundation
import MailTLSSandbox

#if canImport(Glibc)
import Glibc
#endif

/// How a queued message lies on disk: one file, `queue/ID.msg`, the content as it will be sent (dot-stuffed, CRLF
/// lines) followed by a trailer, the envelope as it was when the device handed the message over:
///
///     content (size bytes) | envelope JSON | JSON length (8 bytes, big-endian) | "MTLSENV1"
///
/// One file means one fsync before the 250. What changes later (per-recipient state, the next attempt) goes in
/// `queue/ID.state`, replaced atomically after each attempt; it wins over the trailer when present.
enum SpoolFile {
    static let magic = Array("MTLSENV1".utf8)
    /// The trailer's bound: an envelope with many recipients is a few kilobytes.
    static let maximumEnvelopeBytes = 4 << 20

    static func trailer(for record: SpoolRecord) throws -> [UInt8] {
        let json = Array(try Spool.encoder.encode(record))
        let length = UInt64(json.count)
        return json + (0..<8).reversed().map { UInt8(truncatingIfNeeded: length >> (UInt64($0) * 8)) } + magic
    }

    /// The envelope in a message file's trailer, checked against the file's size.
    static func readTrailer(_ url: URL) -> SpoolRecord? {
        let descriptor = open(url.path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return nil }
        let fileSize = Int(status.st_size)
        guard fileSize >= 16, let tail = read(descriptor, at: fileSize - 16, count: 16),
              Array(tail[8...]) == magic
        else { return nil }
        let length = tail[..<8].reduce(0) { $0 << 8 | Int($1) }
        guard length > 0, length <= maximumEnvelopeBytes, length <= fileSize - 16,
              let json = read(descriptor, at: fileSize - 16 - length, count: length),
              let record = try? JSONDecoder().decode(SpoolRecord.self, from: Data(json)),
              record.size == fileSize - 16 - length
        else { return nil }
        return record
    }

    private static func read(_ descriptor: Int32, at offset: Int, count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes[done...].withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(offset + done)) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { return nil }
            done += got
        }
        return bytes
    }

    /// The record of a queued message: its state file if there is one, else its trailer.
    static func record(id: String, in queue: URL) -> SpoolRecord? {
        let state = queue.appendingPathComponent("\(id).state")
        if let bytes = try? PrivateFiles.read(state, limit: maximumEnvelopeBytes),
           let record = try? JSONDecoder().decode(SpoolRecord.self, from: Data(bytes)), record.id == id {
            return record
        }
        return readTrailer(queue.appendingPathComponent("\(id).msg"))
    }
}

/// fsync of one directory, shared by everyone who renamed into it: a sync that began after your rename covers it,
/// so concurrent commits share one directory fsync instead of one each (group commit). Blocking; called off the
/// event loops.
final class DirectorySync: @unchecked Sendable {
    let directory: URL
    private let condition = NSCondition()
    /// Renames announced so far, and how many of them the last finished sync covers.
    private var announced: UInt64 = 0
    private var covered: UInt64 = 0
    private var syncing = false

    init(_ directory: URL) {
        self.directory = directory
    }

    /// Returns once a directory fsync that began after this call has finished.
    func syncAfterRename() throws {
        condition.lock()
        announced += 1
        let mine = announced
        defer { condition.unlock() }
        while covered < mine {
            if syncing {
                condition.wait()
                continue
            }
            syncing = true
            let target = announced
            condition.unlock()
            var failure: Error?
            do {
                try PrivateFiles.syncDirectory(directory)
            } catch {
                failure = error
            }
            condition.lock()
            syncing = false
            if failure == nil { covered = max(covered, target) }
            condition.broadcast()
            if let failure { throw failure }
        }
    }
}
