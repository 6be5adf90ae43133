/// What a client conversation asks the connection engine to do next.
public enum DialogueStep<Record: Sendable>: Sendable {
    /// Write `request.command` (if any) and read one response with `request.reader`.
    case exchange(DialogueRequest)
    /// Start the TLS handshake now (implicit TLS at connect, or after the STARTTLS go-ahead).
    case startTLS
    /// Done: optionally send a farewell (QUIT / LOGOUT) without waiting, then close.
    case finish(Record, farewell: [UInt8]?)
}

extension DialogueStep: Equatable where Record: Equatable {}

/// A client conversation as a state machine: events in, steps out. The connection engine runs any of them (the
/// probe dialogue of `check`, the submission of a test message), so framing, timeouts and STARTTLS live in one place.
public protocol ClientDialogue: Sendable {
    associatedtype Record: Sendable
    /// Whether the connection starts with TLS.
    var mode: SecurityMode { get }
    mutating func start() -> DialogueStep<Record>
    mutating func received(_ response: MailResponse) -> DialogueStep<Record>
    /// The TLS handshake completed; `certificate` is what the caller decided about the server's certificate before
    /// anything else is sent. A dialogue that carries credentials sends none over a rejected certificate.
    mutating func tlsEstablished(certificate: CertificateAcceptance) -> DialogueStep<Record>
    /// The connection ended or failed before the dialogue finished: what was learned so far.
    mutating func interrupted() -> Record
}

/// What the caller decided about the server's certificate at the handshake, before the first credential byte.
public enum CertificateAcceptance: Sendable, Equatable {
    /// Nobody judged it (probes that send no secret).
    case notJudged
    case accepted
    /// Not accepted; `reason` says why, in a few words for the record.
    case rejected(reason: String)
}
