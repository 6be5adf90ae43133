import TestSupport
import Testing

@testable import MailTLSCore

/// Random and mutated input must never crash or loop: every parser either answers, asks for more, or throws.
@Suite struct FuzzTests {
    static let seeds: [[UInt8]] = [
        Array("220 mail ESMTP\r\n250-x\r\n250 STARTTLS\r\n".utf8),
        Array("* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\nm1 NO [AUTHENTICATIONFAILED] x\r\n".utf8),
        Array("+OK\r\nCAPA\r\n..x\r\n.\r\n-ERR [SYS/TEMP] y\r\n".utf8),
        TLSFixture.serverHello(cipher: 0x1301, supportedVersion: 0x0304),
    ]

    func mutate(_ input: [UInt8], using generator: inout SeededGenerator) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...8, using: &generator) {
            switch Int.random(in: 0..<4, using: &generator) {
            case 0 where !bytes.isEmpty: bytes[Int.random(in: 0..<bytes.count, using: &generator)] = .random(in: 0...255, using: &generator)
            case 1: bytes.insert(.random(in: 0...255, using: &generator), at: Int.random(in: 0...bytes.count, using: &generator))
            case 2 where !bytes.isEmpty: bytes.remove(at: Int.random(in: 0..<bytes.count, using: &generator))
            default: bytes += (0..<Int.random(in: 0...64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            }
        }
        return bytes
    }

    @Test func parsersSurviveMutatedInput() {
        var generator = SeededGenerator(state: 0x6D61_696C_746C_73)
        for iteration in 0..<4000 {
            let seed = FuzzTests.seeds[iteration % FuzzTests.seeds.count]
            let input = mutate(seed, using: &generator)
            var framer = LineFramer(maximumLineLength: 512)
            let readers: [DialogueRequest.Reader] = [.smtp, .imap(tag: nil), .imap(tag: "m1"), .pop3(multiline: true),
                                                     .pop3(multiline: false)]
            var assemblers = readers.map { $0.makeAssembler() }
            var failed = [Bool](repeating: false, count: assemblers.count)
            let chunk = Int.random(in: 1...max(1, input.count), using: &generator)
            var offset = 0
            while offset < input.count {
                framer.append(input[offset..<min(input.count, offset + chunk)])
                offset += chunk
                while let line = try? framer.nextLine() {
                    for index in assemblers.indices where !failed[index] {
                        do { _ = try assemblers[index].consume(line: line) } catch { failed[index] = true }
                    }
                }
            }
            var parser = ServerFlightParser()
            _ = parser.consume(input)
            _ = input.printableLine
        }
    }

    @Test func dialogueSurvivesRandomReplies() {
        var generator = SeededGenerator(state: 42)
        for _ in 0..<500 {
            let proto = [MailProtocol.smtp, .imap, .pop3].randomElement(using: &generator)!
            let method = LoginProbeMethod.allCases.randomElement(using: &generator)!
            var machine = DialogueStateMachine(plan: DialoguePlan(mailProtocol: proto, mode: .startTLS,
                                                                  loginProbe: method, probeMailBeforeTLS: true))
            var action = machine.start()
            var steps = 0
            loop: while steps < 50 {
                steps += 1
                switch action {
                case .exchange:
                    let outcome = [MailResponse.Outcome.positive, .intermediate, .transientFailure, .permanentFailure,
                                   .bye].randomElement(using: &generator)!
                    let code: String? = ["220", "250", "334", "421", "530", "535", "AUTHENTICATIONFAILED", nil]
                        .randomElement(using: &generator)!
                    action = machine.received(MailResponse(outcome: outcome, code: code, lines: ["x"]))
                case .startTLS:
                    action = machine.tlsEstablished(certificate: .notJudged)
                case .finish:
                    break loop
                }
            }
            #expect(steps < 50, "the dialogue must end")
        }
    }
}
