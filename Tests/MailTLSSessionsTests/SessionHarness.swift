import MailTLSCore

@testable import MailTLSSessions

/// Feeds protocol text to a server session and collects what it sends and records.
struct SessionHarness<Session: ServerSession> {
    var session: Session
    var mailbox: [MailboxMessage] = []
    var output = ""
    var events: [SessionEvent] = []
    var tlsStarted = false
    var closed = false
    /// Messages as a sink would store them, and what the harness tells the session about each.
    var messages: [CapturedMessage] = []
    var storeIsFull = false
    private var receiving: (MessageEnvelope, [UInt8])?
    /// The most bytes the session ever asked the sink to hold at once in one action.
    var largestDataAction = 0

    init(_ session: Session) {
        self.session = session
        apply(self.session.start())
    }

    /// Sends lines (CRLF-separated text) and returns what the server answered to them.
    @discardableResult
    mutating func send(_ text: String) -> String {
        let before = output.count
        var lines = text.components(separatedBy: "\r\n")
        if lines.last == "" { lines.removeLast() }
        for line in lines {
            if session.wantsMailbox { session.mailboxLoaded(mailbox) }
            apply(session.receive(line: Array(line.utf8)))
        }
        return String(output.dropFirst(before))
    }

    mutating func completeTLS() {
        apply(session.tlsEstablished())
    }

    private mutating func apply(_ actions: [SessionAction]) {
        for action in actions {
            switch action {
            case .send(let bytes): output += String(decoding: bytes, as: UTF8.self)
            case .startTLS: tlsStarted = true
            case .close: closed = true
            case .event(let event): events.append(event)
            case .startMessage(let envelope): receiving = (envelope, [])
            case .messageData(let bytes):
                largestDataAction = max(largestDataAction, bytes.count)
                receiving?.1 += bytes
            case .abortMessage: receiving = nil
            case .finishMessage:
                var outcome = MessageOutcome.notStored(reason: .lowDiskSpace(freeBytes: 1024))
                if let (envelope, data) = receiving, !storeIsFull {
                    messages.append(CapturedMessage(mailFrom: envelope.mailFrom, recipients: envelope.recipients,
                                                    data: data, receivedOverTLS: envelope.receivedOverTLS,
                                                    authenticatedUser: envelope.authenticatedUser))
                    outcome = .stored(id: "m\(messages.count)")
                }
                receiving = nil
                apply(session.messageFinished(outcome))
            }
        }
    }
}

extension String {
    func components(separatedBy separator: String) -> [String] {
        var parts: [String] = []
        var rest = self[...]
        while let range = rest.firstRange(of: separator) {
            parts.append(String(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        parts.append(String(rest))
        return parts
    }
}

enum Policies {
    static let accounts = ["device": "s3cret"]

    static func starttls(advertise: Bool = true) -> SessionPolicy {
        SessionPolicy(hostname: "sandbox.test", implicitTLS: false, advertiseSTARTTLS: advertise,
                      allowAuthenticationBeforeTLS: !advertise, accounts: accounts, maximumMessageBytes: 1000)
    }

    static let implicit = SessionPolicy(hostname: "sandbox.test", implicitTLS: true, accounts: accounts)
}
