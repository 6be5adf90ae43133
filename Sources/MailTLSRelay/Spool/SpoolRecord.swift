import Foundation

/// Everything the spool knows about one message but its content: who sent it to whom, how it arrived, and how
/// delivery stands for each recipient. Kept as `queue/<id>.env` (JSON) beside the content `queue/<id>.eml`; the
/// envelope file is written last, so its presence is what makes a message queued.
public struct SpoolRecord: Codable, Sendable, Equatable {
    public enum RecipientStatus: String, Codable, Sendable, Equatable {
        case pending
        case delivered
        /// Refused for good (5xx), or still undelivered when the relay gave up.
        case failed
    }

    public struct Recipient: Codable, Sendable, Equatable {
        public var address: String
        public var status: RecipientStatus
        /// The upstream's last reply for this recipient, printable.
        public var reply: String?

        public init(address: String, status: RecipientStatus = .pending, reply: String? = nil) {
            self.address = address
            self.status = status
            self.reply = reply
        }
    }

    public var id: String
    /// The envelope sender as the device gave it (empty: the null sender).
    public var from: String
    public var recipients: [Recipient]
    /// Seconds since 1970.
    public var arrival: Double
    public var clientAddress: String
    public var receivedOverTLS: Bool
    public var authenticatedUser: String?
    /// Bytes of content as stored (dot-stuffed, CRLF lines).
    public var size: Int
    /// Content has bytes above 0x7F (sent with BODY=8BITMIME where the upstream offers it).
    public var eightBit: Bool
    public var subject: String?
    /// A failure notice the relay wrote itself: never answered with another notice.
    public var isNotice: Bool
    public var attempts: Int
    /// When to try next (seconds since 1970).
    public var nextAttempt: Double
    /// Why the last attempt did not deliver every recipient.
    public var lastProblem: RelayProblem? {
        get { StoredRelayProblem.problem(words: lastProblemWords, detail: lastProblemDetail) }
        set { (lastProblemWords, lastProblemDetail) = StoredRelayProblem.parts(of: newValue) }
    }
    /// The problem's English words, as relays before typed problems wrote them (they still read a newer spool, and
    /// scripts read the field), and the typed problem beside them.
    private var lastProblemWords: String?
    private var lastProblemDetail: StoredRelayProblem.Detail?
    /// The upstream last tried.
    public var lastUpstream: String?
    /// What kind of problem the last attempt met before any reply (`connect`, `certificate`, `login`...), for its
    /// explanation.
    public var lastProblemKind: String?

    public init(id: String, from: String, recipients: [Recipient], arrival: Double, clientAddress: String,
                receivedOverTLS: Bool, authenticatedUser: String?, size: Int, eightBit: Bool, subject: String?,
                isNotice: Bool, attempts: Int, nextAttempt: Double, lastProblem: RelayProblem?, lastUpstream: String?) {
        self.id = id
        self.from = from
        self.recipients = recipients
        self.arrival = arrival
        self.clientAddress = clientAddress
        self.receivedOverTLS = receivedOverTLS
        self.authenticatedUser = authenticatedUser
        self.size = size
        self.eightBit = eightBit
        self.subject = subject
        self.isNotice = isNotice
        self.attempts = attempts
        self.nextAttempt = nextAttempt
        self.lastProblem = lastProblem
        self.lastUpstream = lastUpstream
    }

    /// The record's JSON (the trailer of `queue/ID.msg`, `queue/ID.state`, `relay queue --json`): `lastProblem` is
    /// the problem's English words, `lastProblemDetail` the typed problem.
    enum CodingKeys: String, CodingKey {
        case id, from, recipients, arrival, clientAddress, receivedOverTLS, authenticatedUser, size, eightBit, subject,
             isNotice, attempts, nextAttempt, lastUpstream, lastProblemKind, lastProblemDetail
        case lastProblemWords = "lastProblem"
    }

    public var pendingRecipients: [String] { recipients.filter { $0.status == .pending }.map(\.address) }
    public var isFinished: Bool { recipients.allSatisfy { $0.status != .pending } }
    public var failedRecipients: [Recipient] { recipients.filter { $0.status == .failed } }
}

/// What one delivery attempt did, for the spool to record: per recipient, or for the whole message when the
/// attempt ended before any recipient was tried.
public struct AttemptResult: Sendable, Equatable {
    public enum Verdict: Sendable, Equatable {
        case delivered
        /// Try again later.
        case deferred
        /// Never try again.
        case failed
    }

    /// Verdict and reply per recipient address. Recipients not named here stay as they were (deferred).
    public var recipients: [String: (verdict: Verdict, reply: String)]
    /// Why the attempt ended early (connection, TLS, certificate, login, the spool), when it did.
    public var problem: RelayProblem?
    public var upstream: String?

    public init(recipients: [String: (verdict: Verdict, reply: String)] = [:], problem: RelayProblem? = nil,
                upstream: String? = nil) {
        self.recipients = recipients
        self.problem = problem
        self.upstream = upstream
    }

    /// `RelayProblem.Kind` of the problem, for its explanation.
    public var problemKind: String? { problem?.kind?.rawValue }

    public static func == (lhs: AttemptResult, rhs: AttemptResult) -> Bool {
        lhs.problem == rhs.problem && lhs.upstream == rhs.upstream
            && lhs.recipients.keys == rhs.recipients.keys
            && lhs.recipients.allSatisfy { key, value in
                rhs.recipients[key].map { $0.verdict == value.verdict && $0.reply == value.reply } ?? false
            }
    }
}
