import Testing

@testable import MailTLSCore

/// Drives any client dialogue with scripted server replies, no sockets, and records what it would send: the
/// transcript text, and the raw commands before and after TLS.
struct ScriptedClient<Dialogue: ClientDialogue> {
    var dialogue: Dialogue
    /// Transcript texts of the commands sent (credentials hidden as the dialogue hides them).
    var sent: [String] = []
    var sentBeforeTLS: [String] = []
    var sentAfterTLS: [String] = []
    var record: Dialogue.Record?
    var tlsStarts = 0
    private var inTLS: Bool

    init(_ dialogue: Dialogue) {
        self.dialogue = dialogue
        inTLS = dialogue.mode == .implicitTLS
    }

    /// Runs until the dialogue finishes, answering each request with the next scripted reply (raw protocol text).
    /// `lenient`: a reply that stays incomplete ends the dialogue as a closed connection would (for fuzzing), instead
    /// of failing the test as a mistake in the script.
    /// `certificate`: what the caller decided about the server's certificate at the handshake.
    mutating func run(replies: [String], tlsSucceeds: Bool = true, certificate: CertificateAcceptance = .notJudged,
                      lenient: Bool = false) throws {
        var remaining = replies
        var step = dialogue.start()
        while true {
            switch step {
            case .exchange(let request):
                if let command = request.command {
                    sent.append(request.transcriptText ?? "")
                    let text = String(decoding: command, as: UTF8.self)
                    if inTLS { sentAfterTLS.append(text) } else { sentBeforeTLS.append(text) }
                }
                guard !remaining.isEmpty else {
                    record = dialogue.interrupted()
                    return
                }
                var framer = LineFramer()
                framer.append(Array(remaining.removeFirst().utf8))
                var assembler = request.reader.makeAssembler()
                var response: MailResponse?
                while response == nil, let line = try framer.nextLine() {
                    response = try assembler.consume(line: line)
                }
                if lenient, response == nil {
                    record = dialogue.interrupted()
                    return
                }
                step = dialogue.received(try #require(response))
            case .startTLS:
                tlsStarts += 1
                guard tlsSucceeds else {
                    record = dialogue.interrupted()
                    return
                }
                inTLS = true
                step = dialogue.tlsEstablished(certificate: certificate)
            case .finish(let finished, _):
                record = finished
                return
            }
        }
    }
}

typealias ScriptedDialogue = ScriptedClient<DialogueStateMachine>
typealias ScriptedLogin = ScriptedClient<LoginDialogue>

extension ScriptedClient where Dialogue == DialogueStateMachine {
    init(_ plan: DialoguePlan) {
        self.init(DialogueStateMachine(plan: plan))
    }
}

extension ScriptedClient where Dialogue == LoginDialogue {
    init(_ plan: LoginDialogue.Plan) {
        self.init(LoginDialogue(plan: plan))
    }

    var transcript: [String] { sent }
}
