import Foundation
import MailTLSCore
import MailTLSSandbox

#if canImport(Glibc)
import Glibc
#endif

/// One message streaming into the spool. Lines arrive dot-unstuffed from the SMTP session and are stored in wire
/// form (dot-stuffed, CRLF), so that sending is a plain copy followed by the final dot. The relay's changes happen
/// here, on the way in: a `Received` line on top and, when configured, the From header replaced by the upstream
/// account's address (the original kept as `X-Original-From`).
final class SpoolWriter: IncomingMessage, @unchecked Sendable {
    private let spool: Spool
    let id: String
    private let envelope: MessageEnvelope
    private let clientAddress: String
    /// A failure notice the relay writes itself: no Received line, no rewriting, never answered with a notice.
    private let isNotice: Bool
    private let contentPath: URL
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private var size = 0
    private var eightBit = false
    private var inHeader = true
    private var head: [UInt8] = []
    private static let flushThreshold = 64 << 10
    private static let headLimit = 64 << 10

    init(spool: Spool, id: String, envelope: MessageEnvelope, clientAddress: String, isNotice: Bool = false) throws {
        self.spool = spool
        self.id = id
        self.envelope = envelope
        self.clientAddress = clientAddress
        self.isNotice = isNotice
        inHeader = !isNotice
        contentPath = spool.incoming.appendingPathComponent("\(id).msg")
        descriptor = try PrivateFiles.create(contentPath)
        if isNotice { return }
        try store(Array(SpoolWriter.receivedLine(id: id, envelope: envelope, clientAddress: clientAddress,
                                                 hostname: spool.stamping.hostname).utf8))
    }

    /// RFC 5321 section 4.4 trace line: `with ESMTP`, `ESMTPS` over TLS, `ESMTPA`/`ESMTPSA` after a login.
    static func receivedLine(id: String, envelope: MessageEnvelope, clientAddress: String, hostname: String,
                             date: Date = Date()) -> String {
        let with = "ESMTP" + (envelope.receivedOverTLS ? "S" : "") + (envelope.authenticatedUser != nil ? "A" : "")
        let forClause = envelope.recipients.count == 1 ? "\r\n\tfor <\(envelope.recipients[0].peerSafe)>" : ""
        return "Received: from [\(clientAddress)]\r\n\tby \(hostname) (mailtls relay) with \(with) id \(id)"
            + "\(forClause); \(RFC5322Date.format(date))\r\n"
    }

    func append(_ bytes: [UInt8]) throws {
        // One call is one line from the session, CRLF included.
        var line = bytes[...]
        if inHeader { line = rewriteHeader(line) }
        if !eightBit && line.contains(where: { $0 >= 0x80 }) { eightBit = true }
        if head.count < SpoolWriter.headLimit { head += line.prefix(SpoolWriter.headLimit - head.count) }
        if line.first == UInt8(ascii: ".") { try store([UInt8(ascii: ".")]) }
        try store(Array(line))
    }

    /// The header line as stored. A From header being replaced becomes `From: <sender>` followed by the original
    /// as `X-Original-From`, whose folded lines then follow it unchanged.
    private func rewriteHeader(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        if line.elementsEqual([0x0D, 0x0A]) || line.elementsEqual([0x0A]) {
            inHeader = false
            return line
        }
        guard spool.stamping.rewriteFromHeader, let sender = spool.stamping.sender,
              line.count >= 5, String(decoding: line.prefix(5), as: UTF8.self).lowercased() == "from:"
        else { return line }
        return ArraySlice(Array("From: <\(sender)>\r\nX-Original-".utf8) + line)
    }

    private func store(_ bytes: [UInt8]) throws {
        guard descriptor >= 0 else { throw MessageSinkError.noRoom(.writerClosed) }
        let (total, overflow) = size.addingReportingOverflow(bytes.count)
        guard !overflow else { throw MessageSinkError.noRoom(.tooLarge) }
        size = total
        buffer += bytes
        if buffer.count >= SpoolWriter.flushThreshold { try flush() }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        do {
            try PrivateFiles.write(descriptor, buffer)
        } catch {
            // ENOSPC and friends: the device hears 452 and keeps its message.
            throw MessageSinkError.noRoom(.systemError("\(error)"))
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Content and envelope on disk in one file, renamed into the queue, the queue directory on disk: only then is
    /// the message the relay's, and the caller may answer 250.
    func commit() throws -> MessageReceipt {
        let sender = isNotice ? envelope.mailFrom : spool.stamping.sender ?? envelope.mailFrom
        let now = Date().timeIntervalSince1970
        let subject = MessageHeaders.value(of: "Subject", in: head)
        let record = SpoolRecord(
            id: id, from: sender, recipients: envelope.recipients.map { .init(address: $0) }, arrival: now,
            clientAddress: clientAddress, receivedOverTLS: envelope.receivedOverTLS,
            authenticatedUser: envelope.authenticatedUser, size: size, eightBit: eightBit, subject: subject?.peerSafe,
            isNotice: isNotice, attempts: 0, nextAttempt: now, lastProblem: nil, lastUpstream: nil)
        do {
            buffer += try SpoolFile.trailer(for: record)
            try flush()
            try PrivateFiles.sync(descriptor, path: contentPath.path)
            close(descriptor)
            descriptor = -1
            try PrivateFiles.rename(contentPath, to: spool.contentURL(id))
            try spool.queueSync.syncAfterRename()
        } catch {
            abort()
            unlink(spool.contentURL(id).path)
            throw error as? MessageSinkError ?? MessageSinkError.noRoom(.systemError("\(error)"))
        }
        spool.accept(record)
        return MessageReceipt(id: id, mailFrom: envelope.mailFrom.peerSafe,
                              recipients: envelope.recipients.map(\.peerSafe), subject: subject?.peerSafe, size: size)
    }

    func abort() {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
        unlink(contentPath.path)
    }
}
