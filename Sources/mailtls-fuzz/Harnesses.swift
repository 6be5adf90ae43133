import Foundation
import MailTLSCore
import MailTLSDNS
import MailTLSDomain
import MailTLSSessions
import MailTLSSetup

/// Every parser that reads a peer's bytes, one harness each. A harness must return normally for any input: a trap
/// (an overflow, an index out of range, a precondition) is the bug libFuzzer looks for.
enum Harness: String, CaseIterable {
    case lineFramer = "line-framer"
    case smtpReply = "smtp-reply"
    case imapResponse = "imap-response"
    case pop3Response = "pop3-response"
    case clientHello = "client-hello"
    case serverFlight = "server-flight"
    case probeDialogue = "probe-dialogue"
    case loginDialogue = "login-dialogue"
    case smtpServer = "smtp-server"
    case imapServer = "imap-server"
    case pop3Server = "pop3-server"
    case base64
    case autoconfig
    case stsRecord = "sts-record"
    case stsPolicy = "sts-policy"
    case tlsrptRecord = "tlsrpt-record"
    case dnsRecords = "dns-records"
    case peerText = "peer-text"
    case relaySMTPServer = "relay-smtp-server"
    case oauthTokenReply = "oauth-token-reply"
    case receivedHeaders = "received-headers"
    case serverIdentification = "server-identification"
    case suiteScan = "suite-scan"

    func run(_ bytes: [UInt8]) {
        switch self {
        case .lineFramer:
            var framer = LineFramer(maximumLineLength: 512)
            for chunk in bytes.split(separator: 0xFF, omittingEmptySubsequences: false) {
                framer.append(chunk)
                while let line = try? framer.nextLine() { _ = line.printableLine }
            }
            _ = framer.takeUnframedBytes()
        case .smtpReply:
            Harness.assemble(bytes, SMTPReplyAssembler(maximumLines: 64))
        case .imapResponse:
            Harness.assemble(bytes, IMAPResponseAssembler(tag: bytes.first.map { $0 & 1 == 0 ? "a1" : nil } ?? nil,
                                                          maximumLines: 64))
        case .pop3Response:
            Harness.assemble(bytes, POP3ResponseAssembler(multiline: bytes.first.map { $0 & 1 == 0 } ?? false,
                                                          maximumLines: 64))
        case .clientHello:
            var parser = ClientHelloParser(maximumBytes: 16384)
            for chunk in bytes.split(separator: 0xAA, maxSplits: 4, omittingEmptySubsequences: false) {
                if parser.consume(chunk) != .needMoreBytes { break }
            }
        case .serverFlight:
            // Both ways: stopping at the ServerHello, and reading on to a DHE or ECDHE suite's ServerKeyExchange,
            // fed in pieces; the answer at the end is read too.
            var parser = ServerFlightParser(maximumBytes: 16384)
            _ = parser.consume(bytes)
            var keyExchange = ServerFlightParser(maximumBytes: 16384, keyExchangeKind: { $0 & 1 == 0 ? .finiteField : .ellipticCurve })
            for chunk in bytes.split(separator: 0xAA, maxSplits: 8, omittingEmptySubsequences: false) {
                if keyExchange.consume(chunk) != .needMoreBytes { break }
            }
            if case .serverHello(let hello) = keyExchange.verdictAtEnd { _ = hello.keyExchange?.primeBits }
        case .probeDialogue:
            let plan = DialoguePlan(mailProtocol: Harness.mailProtocol(bytes), mode: .startTLS,
                                    loginProbe: bytes.count % 3 == 0 ? nil : (bytes.count % 3 == 1 ? .cancel : .failedLogin),
                                    probeMailBeforeTLS: true)
            Harness.converse(DialogueStateMachine(plan: plan), replies: bytes)
        case .loginDialogue:
            let plan = LoginDialogue.Plan(mailProtocol: Harness.mailProtocol(bytes), mode: .startTLS, user: "user",
                                          password: "secret")
            Harness.converse(LoginDialogue(plan: plan), replies: bytes)
        case .smtpServer:
            Harness.serve(SMTPServerSession(policy: Harness.policy), lines: bytes, preamble: [
                "EHLO fuzz", "AUTH PLAIN " + Base64.encode(Array("\0device\0pw".utf8)), "MAIL FROM:<a@b>",
            ])
        case .imapServer:
            Harness.serve(IMAPServerSession(policy: Harness.policy), lines: bytes,
                          preamble: ["a1 LOGIN device pw", "a2 SELECT INBOX"])
        case .pop3Server:
            Harness.serve(POP3ServerSession(policy: Harness.policy), lines: bytes, preamble: ["USER device", "PASS pw"])
        case .base64:
            let text = String(decoding: bytes, as: UTF8.self)
            if let decoded = Base64.decode(text) { precondition(Base64.decode(Base64.encode(decoded)) == decoded) }
        case .autoconfig:
            _ = AutoconfigParser.parse(bytes)
        case .stsRecord:
            _ = STSRecord.parse(String(decoding: bytes, as: UTF8.self))
        case .stsPolicy:
            _ = STSPolicy.parse(bytes)
        case .tlsrptRecord:
            _ = TLSRPTRecord.parse(String(decoding: bytes, as: UTF8.self))
        case .dnsRecords:
            _ = RDataParser.mx(bytes)
            _ = RDataParser.srv(bytes)
            _ = RDataParser.txt(bytes)
            _ = RDataParser.tlsa(bytes)
            _ = RDataParser.a(bytes)
            _ = RDataParser.aaaa(bytes)
        case .peerText:
            let text = PeerText.escaped(bytes: bytes)
            precondition(!text.unicodeScalars.contains(where: PeerText.isUnsafe))
        case .relaySMTPServer:
            // The relay's rules: login required, allowed domains and senders, TLS required; no preamble login, so
            // the input has to find its own way through AUTH PLAIN and LOGIN.
            Harness.serve(SMTPServerSession(policy: Harness.relayPolicy(bytes.first ?? 0)), lines: Array(bytes.dropFirst()),
                          preamble: ["EHLO fuzz"])
        case .oauthTokenReply:
            let status = [200, 400, 401, 500][Int(bytes.first ?? 0) % 4]
            if let reply = try? OAuthTokenReply.parse(status: status, body: Array(bytes.dropFirst())) {
                precondition(!reply.accessToken.isEmpty && reply.accessToken.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F })
                precondition(reply.expiresIn >= 60 && reply.expiresIn <= 86400)
            }
        case .receivedHeaders:
            let fields = MessageHeaders.parse(bytes)
            precondition(fields.count <= MessageHeaders.maxFields)
            for hop in ReceivedChain.hops(in: fields) {
                precondition(hop.tlsVersion.map {
                    ["SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"].contains($0)
                } ?? true)
            }
        case .suiteScan:
            // A server answering each offer as the bytes say: a suite (offered or not, at any version) or a
            // refusal. The scan must end, within one offer per candidate plus one per bundle and its splits.
            let version = TLSVersion.allCases[Int(bytes.first ?? 0) % 4]
            let candidates = CipherSuiteRegistry.offer(for: version)
            var scan = SuiteScan(version: version, candidates: candidates)
            var answers = bytes.dropFirst().makeIterator()
            while let offer = scan.nextOffer() {
                precondition(scan.offers <= candidates.count + 8, "the scan does not end")
                guard let first = answers.next(), let second = answers.next() else { break }
                if first & 0x80 != 0 {
                    scan.receive(.refused)
                } else {
                    let pick = Int(second) < offer.count ? offer[Int(second)] : UInt16(first) << 8 | UInt16(second)
                    scan.receive(.chose(suite: pick, version: first & 0x40 != 0 ? 0x0301 : version.wireValue))
                }
            }
            precondition(Set(scan.accepted).count == scan.accepted.count)
        case .serverIdentification:
            // Greeting, capabilities and the STARTTLS go-ahead as a server sends them; the host name as DNS gives it.
            let lines = bytes.dropFirst().split(separator: 0x0A, omittingEmptySubsequences: false)
                .map { Array($0).printableLine }
            var record = DialogueRecord()
            let mailProtocol: MailProtocol = [.smtp, .imap, .pop3][Int(bytes.first ?? 0) % 3]
            record.greeting = lines.first.map { MailResponse(outcome: .positive, lines: [$0]) }
            record.capabilitiesBeforeTLS = Array(lines.dropFirst().dropLast())
            record.startTLSGoAhead = lines.last.map { MailResponse(outcome: .positive, code: "220", lines: [$0]) }
            let identification = ServerIdentification.identify(protocol: mailProtocol, record: record,
                                                               hostNames: lines.suffix(2))
            for evidence in identification?.evidence ?? [] {
                switch evidence {
                case .startTLSReply(let text), .implementationNames(let text):
                    precondition(!text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F })
                default:
                    break
                }
            }
        }
    }

    // MARK: Drivers

    static func mailProtocol(_ bytes: [UInt8]) -> MailProtocol {
        [MailProtocol.smtp, .imap, .pop3][Int(bytes.first ?? 0) % 3]
    }

    static func relayPolicy(_ selector: UInt8) -> SessionPolicy {
        SessionPolicy(hostname: "relay.fuzz", implicitTLS: selector & 1 == 0, accounts: ["device": "pw"],
                      maximumMessageBytes: 4096, maximumRecipients: 4, maximumErrors: 1000, role: .relay,
                      offerAuthentication: selector & 2 == 0, requireAuthentication: selector & 4 == 0,
                      recipientDomains: selector & 8 == 0 ? ["b", ".example.com"] : nil,
                      allowedSenders: selector & 16 == 0 ? ["a@b", "@example.com"] : nil, requireTLS: selector & 32 == 0)
    }

    static let policy = SessionPolicy(hostname: "fuzz.test", implicitTLS: true, accounts: ["device": "pw"],
                                      maximumMessageBytes: 4096, maximumRecipients: 4, maximumErrors: 1000)

    /// Lines through an assembler, as the engine feeds them.
    static func assemble(_ bytes: [UInt8], _ assembler: some ResponseAssembler) {
        var assembler = assembler
        var framer = LineFramer(maximumLineLength: 1024)
        framer.append(bytes)
        while let line = try? framer.nextLine() {
            do { _ = try assembler.consume(line: line) } catch { return }
        }
    }

    /// A client dialogue answered with the input's lines, one response per request, until it finishes.
    static func converse<Dialogue: ClientDialogue>(_ dialogue: Dialogue, replies bytes: [UInt8]) {
        var dialogue = dialogue
        var framer = LineFramer(maximumLineLength: 1024)
        framer.append(bytes.dropFirst())
        var step = dialogue.start()
        for _ in 0..<64 {
            switch step {
            case .exchange(let request):
                var assembler = request.reader.makeAssembler()
                var response: MailResponse?
                while response == nil {
                    guard let line = try? framer.nextLine() else {
                        _ = dialogue.interrupted()
                        return
                    }
                    do { response = try assembler.consume(line: line) } catch {
                        _ = dialogue.interrupted()
                        return
                    }
                }
                step = dialogue.received(response!)
            case .startTLS:
                step = dialogue.tlsEstablished(certificate: bytes.count % 2 == 0 ? .accepted : .rejected(reason: "x"))
            case .finish:
                return
            }
        }
    }

    /// A server session after its preamble, fed the input's lines, with a mailbox of a few messages.
    static func serve<Session: ServerSession>(_ session: Session, lines bytes: [UInt8], preamble: [String]) {
        var session = session
        let mailbox = (1...3).map { index in
            MailboxMessage(id: "m\(index)", uid: UInt32(index * 7),
                           data: Array("Subject: \(index)\r\nFrom: a@b\r\n\r\nbody \(index)\r\n.line\r\n".utf8),
                           receivedAt: 1_700_000_000)
        }
        func feed(_ line: [UInt8]) {
            if session.wantsMailbox { session.mailboxLoaded(mailbox) }
            for action in session.receive(line: line) {
                if case .finishMessage = action { _ = session.messageFinished(.stored(id: "x")) }
            }
        }
        _ = session.start()
        _ = session.tlsEstablished()
        for line in preamble { feed(Array(line.utf8)) }
        var framer = LineFramer(maximumLineLength: 4096)
        framer.append(bytes)
        while let line = try? framer.nextLine() { feed(line) }
    }
}
