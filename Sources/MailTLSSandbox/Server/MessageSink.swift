import MailTLSCore
import MailTLSSessions

/// Where the SMTP listener puts the messages it takes: the sandbox's capture store, or the relay's spool. A message
/// streams in line by line and is acknowledged only after `commit()` returns.
public protocol MessageSink: Sendable {
    /// Opens a message for streaming, or refuses it at once (store full, disk allowance spent, rate limit).
    func begin(_ envelope: MessageEnvelope, clientAddress: String) throws -> any IncomingMessage
}

/// One message arriving. Used from one connection at a time; `commit()` may run off the event loop (it may wait for
/// the disk).
public protocol IncomingMessage: AnyObject, Sendable {
    func append(_ bytes: [UInt8]) throws
    /// Makes the message the sink's for good; its `250` is sent after this returns.
    func commit() throws -> MessageReceipt
    /// Drops what arrived.
    func abort()
}

/// What the sink says about a message it took, for the connection's report.
public struct MessageReceipt: Sendable, Equatable {
    public var id: String
    public var mailFrom: String
    public var recipients: [String]
    public var subject: String?
    public var size: Int

    public init(id: String, mailFrom: String, recipients: [String], subject: String?, size: Int) {
        self.id = id
        self.mailFrom = mailFrom
        self.recipients = recipients
        self.subject = subject
        self.size = size
    }
}

/// Why a sink would not take a message.
public enum MessageSinkError: Error, Equatable, Sendable {
    /// A temporary lack of room (disk, allowance, count): the client hears 452 and tries again later.
    case noRoom(StorageShortfall)
    /// Refused with this exact SMTP reply (a rate limit's `450 4.7.1 ...`).
    case refused(reply: String)
}
