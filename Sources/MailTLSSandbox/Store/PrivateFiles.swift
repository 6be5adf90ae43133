import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Files the sandbox keeps (captured mail, its index, the event log) hold what devices sent, passwords in the clear
/// included when a device got it wrong: created 0600 in 0700 directories, and never opened through a symbolic link
/// someone planted (`O_NOFOLLOW`, `O_EXCL` for new files).
public enum PrivateFiles {
    public struct Failure: Error, CustomStringConvertible {
        public let path: String
        public let operation: String
        public let code: Int32
        public var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }
    }

    /// Creates the directory 0700, and any missing parents 0700 too; an existing one must be a real directory, not
    /// a link. Nothing that exists is changed: a user's `--state-dir /tmp` must not make `/tmp` private. The files
    /// inside are private whatever their directory's mode.
    public static func makeDirectory(_ url: URL) throws {
        var status = stat()
        if lstat(url.path, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFDIR else { throw Failure(path: url.path, operation: "use", code: ENOTDIR) }
            return
        }
        try makeDirectory(url.deletingLastPathComponent())
        guard mkdir(url.path, 0o700) == 0 || errno == EEXIST else {
            throw Failure(path: url.path, operation: "mkdir", code: errno)
        }
    }

    /// A new file, 0600, for writing; fails if anything (a file, a link) is already there.
    public static func create(_ url: URL) throws -> Int32 {
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failure(path: url.path, operation: "create", code: errno) }
        return descriptor
    }

    public static func write(_ descriptor: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw Failure(path: "fd \(descriptor)", operation: "write", code: errno)
            }
            offset += written
        }
    }

    /// Opens a private file for appending, creating it 0600; a link in its place is refused.
    public static func openForAppending(_ url: URL) throws -> Int32 {
        let descriptor = open(url.path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failure(path: url.path, operation: "open", code: errno) }
        return descriptor
    }

    /// Appends to a private file, creating it 0600; a link in its place is refused.
    public static func append(_ url: URL, _ bytes: [UInt8]) throws {
        let descriptor = open(url.path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failure(path: url.path, operation: "open", code: errno) }
        defer { close(descriptor) }
        try write(descriptor, bytes)
    }

    /// Replaces a file's content atomically: a new private file, then a rename over the old one. With `durably`, the
    /// new content is on disk (fsync) before the rename.
    public static func replace(_ url: URL, with bytes: [UInt8], durably: Bool = false) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(UUID().uuidString).tmp")
        let descriptor = try create(temporary)
        do {
            try write(descriptor, bytes)
            if durably { try sync(descriptor, path: temporary.path) }
            close(descriptor)
            try rename(temporary, to: url)
        } catch {
            close(descriptor)
            unlink(temporary.path)
            throw error
        }
    }

    /// Waits until a file's data is on disk.
    public static func sync(_ descriptor: Int32, path: String) throws {
        guard fsync(descriptor) == 0 else { throw Failure(path: path, operation: "fsync", code: errno) }
    }

    /// Waits until a directory's entries (a rename into it) are on disk.
    public static func syncDirectory(_ url: URL) throws {
        let descriptor = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure(path: url.path, operation: "open", code: errno) }
        defer { close(descriptor) }
        try sync(descriptor, path: url.path)
    }

    public static func rename(_ from: URL, to: URL) throws {
        guard Glibc.rename(from.path, to.path) == 0 else { throw Failure(path: to.path, operation: "rename", code: errno) }
    }

    /// At most `limit` bytes of a file that is not a link.
    public static func read(_ url: URL, limit: Int) throws -> [UInt8] {
        let descriptor = open(url.path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure(path: url.path, operation: "open", code: errno) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while bytes.count < limit {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, min($0.count, limit - bytes.count)) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(path: url.path, operation: "read", code: errno)
            }
            if count == 0 { break }
            bytes += chunk[0..<count]
        }
        return bytes
    }

    public static func size(_ url: URL) -> Int? {
        var status = stat()
        guard lstat(url.path, &status) == 0 else { return nil }
        return Int(status.st_size)
    }
}
