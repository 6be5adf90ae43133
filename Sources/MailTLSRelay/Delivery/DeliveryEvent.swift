import Foundation
import MailTLSSandbox

/// What one delivery attempt did, for the live log, `deliveries.jsonl` and `mailtls relay status`. Peer text in it
/// (replies) is already printable and escaped.
public struct DeliveryEvent: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// Every recipient of this attempt was accepted upstream.
        case delivered
        /// Some or all recipients wait for a later attempt.
        case deferred
        /// Some recipients were refused for good (or given up on): a notice goes out.
        case failed
        /// A failure notice was queued.
        case noticeQueued = "notice-queued"
    }

    public var time: Double
    public var kind: Kind
    public var id: String
    public var from: String
    public var delivered: [String]
    public var deferred: [String]
    public var failed: [String]
    public var upstream: String?
    /// The last upstream reply, or why the attempt could not reach one, in English.
    public var reply: String?
    /// Why the attempt did not deliver every recipient, as a value: what `reply` says (nil when every reply was
    /// positive, and in lines an earlier relay wrote, or a later relay's that this one cannot read).
    public var problem: RelayProblem? {
        get { storedProblem?.problem }
        set { storedProblem = newValue.map(StoredRelayProblem.Detail.init) }
    }
    private var storedProblem: StoredRelayProblem.Detail?
    /// For a problem before any reply: unresolvable, connect, noSTARTTLS, tls, certificate, credential, login...
    public var problemKind: String?
    public var tlsVersion: String?
    public var cipher: String?
    public var mechanism: String?
    public var attempts: Int
    public var nextAttempt: Double?
    /// Whether the connection had already carried another message.
    public var reusedConnection: Bool

    public init(time: Double, kind: Kind, id: String, from: String, delivered: [String] = [], deferred: [String] = [],
                failed: [String] = [], upstream: String? = nil, reply: String? = nil, problem: RelayProblem? = nil,
                problemKind: String? = nil,
                tlsVersion: String? = nil, cipher: String? = nil, mechanism: String? = nil, attempts: Int = 0,
                nextAttempt: Double? = nil, reusedConnection: Bool = false) {
        self.time = time
        self.kind = kind
        self.id = id
        self.from = from
        self.delivered = delivered
        self.deferred = deferred
        self.failed = failed
        self.upstream = upstream
        self.reply = reply
        self.storedProblem = problem.map(StoredRelayProblem.Detail.init)
        self.problemKind = problemKind
        self.tlsVersion = tlsVersion
        self.cipher = cipher
        self.mechanism = mechanism
        self.attempts = attempts
        self.nextAttempt = nextAttempt
        self.reusedConnection = reusedConnection
    }

    enum CodingKeys: String, CodingKey {
        case time, kind, id, from, delivered, deferred, failed, upstream, reply, problemKind, tlsVersion, cipher,
             mechanism, attempts, nextAttempt, reusedConnection
        case storedProblem = "problem"
    }
}

/// `deliveries.jsonl` in the spool directory: one line per attempt, private, rotated past its size.
public typealias DeliveryLog = JSONLinesFile<DeliveryEvent>
