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
    var mode: TransportMode { get }
    mutating func start() -> DialogueStep<Record>
    mutating func received(_ response: MailResponse) -> DialogueStep<Record>
    mutating func tlsEstablished() -> DialogueStep<Record>
    /// The connection ended or failed before the dialogue finished: what was learned so far.
    mutating func interrupted() -> Record
}
