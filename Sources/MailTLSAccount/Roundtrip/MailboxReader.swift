import Foundation
import MailTLSCheck
import MailTLSCore
import MailTLSEngine
import NIOCore

/// Reads the round trip's mailbox over IMAP or POP3: logs in only over TLS whose certificate was accepted, waits for
/// the message by its token (IMAP IDLE where offered, polling otherwise), fetches its header, deletes it, and when
/// it never comes looks for it elsewhere. Every wait ends at the caller's deadline or the engine's timeouts.
struct MailboxReader {
    let request: RoundtripRequest
    let engine: ConnectionEngine
    let gate: CertificateGateKeeper
    let token: String
    private var session: MailClientSession?
    private var capabilities = MailCapabilities(.imap, keywords: [])
    private var tagNumber = 0
    /// IMAP: the UID of the message found; POP3: its message number in the session that found it.
    private var found: Int?
    private(set) var foundAt: ContinuousClock.Instant?
    private(set) var usedIdle = false
    /// A delivery failure report that names the token, seen while waiting.
    private(set) var bounce: RoundtripMissing?
    /// IMAP: the first UID not yet searched for a report (nil: none searched yet, the whole inbox is): each
    /// message's body is searched once, however much other mail arrives while the round trip waits.
    private var uidNext: Int?
    /// POP3: the maildrop's unique ids before the message was sent, and those looked at since.
    private var baseline: Set<String>?
    private var examined: Set<String> = []
    /// The conversations of the sessions already ended (POP3 opens one per poll).
    private var endedSessions: [TranscriptLine] = []
    /// Every session's conversation, the current one last.
    var transcript: [TranscriptLine] { endedSessions + (session?.transcript ?? []) }

    init(request: RoundtripRequest, engine: ConnectionEngine, anchors: TrustAnchors, token: String) {
        self.request = request
        self.engine = engine
        gate = CertificateGateKeeper(anchors: anchors, now: request.now)
        self.token = token
    }

    var isIMAP: Bool { request.incoming.mailProtocol == .imap }

    // MARK: Waiting

    /// The message's header block once the token shows; nil when the deadline passes first.
    mutating func waitForMessage(until deadline: ContinuousClock.Instant) async
        -> Result<[UInt8]?, RoundtripReadFailure> {
        while true {
            if let failure = await ensureOpen() { return .failure(failure) }
            let header: [UInt8]?
            do {
                header = isIMAP ? try await imapFind() : try await pop3Find()
            } catch {
                return .failure(error)
            }
            if let header { return .success(header) }
            // A failure report for it came back: no need to wait for what will not come.
            if bounce != nil { return .success(nil) }
            let now = ContinuousClock.now
            guard now < deadline else { return .success(nil) }
            if isIMAP, capabilities.offers("IDLE"), now.duration(to: deadline) > .seconds(engine.timeouts.read) {
                usedIdle = true
                do { try await imapIdle() } catch { return .failure(error) }
            } else {
                // POP3 sees new mail only in a new session (a maildrop is a snapshot taken at login): each poll is a
                // login, so it polls every 2 s, not as often as a search on an open IMAP session.
                let pause: Duration = isIMAP ? .milliseconds(500) : .seconds(2)
                try? await Task.sleep(for: min(pause, now.duration(to: deadline)))
                if !isIMAP { await close() }
            }
        }
    }

    // MARK: Sessions

    private mutating func ensureOpen() async -> RoundtripReadFailure? {
        guard session == nil || session?.isOpen == false else { return nil }
        if let ended = session { endedSessions += ended.transcript }
        let endpoint = request.incoming
        let address: SocketAddress
        do {
            address = try await Roundtripper.address(endpoint, resolver: request.resolver)
        } catch {
            return .notReached(error)
        }
        do {
            session = try await MailClientSession.connect(to: address, engine: engine)
        } catch {
            return .failed(error)
        }
        do {
            if isIMAP { try await imapLogin() } else { try await pop3Login() }
            return nil
        } catch {
            await close()
            return error
        }
    }

    private mutating func upgrade(implicit: Bool) async throws(RoundtripReadFailure) {
        let name = request.serverName ?? request.incoming.host
        let serverName = request.serverName ?? (HostnameMatcher.isIPAddress(request.incoming.host)
            ? nil : request.incoming.host)
        do {
            let (_, acceptance) = try await session!.startTLS(TLSClientSettings(), serverName: serverName,
                                                               implicit: implicit, gate: gate.gate(checking: name))
            if case .rejected = acceptance { throw RoundtripReadFailure.certificateRejected(gate.lastRefusal) }
        } catch let failure as RoundtripReadFailure {
            throw failure
        } catch {
            throw .failed(EngineError.handshakeFailure(error))
        }
    }

    private mutating func exchange(_ command: String?, shown: String? = nil, reader: DialogueRequest.Reader,
                                   minimumWait: Double? = nil) async throws(RoundtripReadFailure) -> MailResponse {
        var dialogue = DialogueRequest(purpose: .mailbox, command: command, transcriptText: shown, reader: reader)
        dialogue.minimumWait = minimumWait
        do {
            return try await session!.exchange(dialogue)
        } catch {
            throw .failed(error)
        }
    }

    /// Says goodbye (unless the session already did) and keeps the session's conversation.
    mutating func close(farewell: Bool = true) async {
        guard let open = session else { return }
        let goodbye = isIMAP ? "z LOGOUT\r\n" : "QUIT\r\n"
        await open.close(farewell: farewell ? Array(goodbye.utf8) : nil)
        endedSessions += open.transcript
        session = nil
    }

    // MARK: IMAP

    private mutating func nextTag() -> String {
        tagNumber += 1
        return "r\(tagNumber)"
    }

    private mutating func imap(_ command: String, shown: String? = nil) async throws(RoundtripReadFailure)
        -> MailResponse {
        let tag = nextTag()
        return try await exchange("\(tag) \(command)", shown: shown.map { "\(tag) \($0)" },
                                  reader: .imapMailbox(tag: tag))
    }

    private mutating func imapLogin() async throws(RoundtripReadFailure) {
        let implicit = request.incoming.security == .implicitTLS
        if implicit { try await upgrade(implicit: true) }
        let greeting = try await exchange(nil, reader: .imap(tag: nil))
        guard greeting.outcome == .positive else { throw .refused(command: "greeting", reply: greeting.statusLine) }
        if !implicit {
            let capability = try await imap("CAPABILITY")
            let offered = MailCapabilities(.imap, keywords: IMAPResponseAssembler.capabilities(in: capability) ?? [])
            guard offered.offersSTARTTLS else {
                throw .noTLS
            }
            let goAhead = try await imap("STARTTLS")
            guard goAhead.outcome == .positive else { throw .noTLS }
            try await upgrade(implicit: false)
        }
        // AUTHENTICATE PLAIN carries any password (quotes, backslashes, UTF-8) where LOGIN's quoted strings may not.
        let credentials = SASL.plain(user: request.readUser, password: request.readPassword)
        let tag = nextTag()
        let start = try await exchange("\(tag) AUTHENTICATE PLAIN", reader: .imap(tag: tag))
        var reply = start
        if start.outcome == .intermediate {
            reply = try await exchange(credentials, shown: "(credentials hidden)", reader: .imap(tag: tag))
        }
        guard reply.outcome == .positive else { throw .loginRefused(reply: reply.statusLine) }
        let listed = try await imap("CAPABILITY")
        capabilities = MailCapabilities(.imap, keywords: IMAPResponseAssembler.capabilities(in: listed) ?? [])
        let selected = try await imap("SELECT INBOX")
        guard selected.outcome == .positive else { throw .refused(command: "SELECT INBOX", reply: selected.statusLine) }
    }

    /// The header of the message carrying the token, if INBOX has it now.
    private mutating func imapFind() async throws(RoundtripReadFailure) -> [UInt8]? {
        // The whole inbox: the message may have come before the inbox was first selected.
        if let uid = try await imapSearch("HEADER \(Roundtripper.tokenHeader) \(token)") {
            foundAt = foundAt ?? ContinuousClock.now
            found = uid
            return try await imapHeader(uid)
        }
        // A new message that has the token in its body and not in its header is a report about it (the bounce
        // quotes the original's header).
        let from = uidNext ?? 1
        guard let last = try await imapSearch("UID *"), last >= from else { return nil }
        uidNext = last + 1
        guard let uid = try await imapSearch("UID \(from):\(last) BODY \(token)") else { return nil }
        let header = try await imapHeader(uid)
        if MailboxReader.carriesToken(header, token) {
            foundAt = foundAt ?? ContinuousClock.now
            found = uid
            return header
        }
        bounce = MailboxReader.bounce(header)
        return nil
    }

    private mutating func imapHeader(_ uid: Int) async throws(RoundtripReadFailure) -> [UInt8] {
        let fetched = try await imap("UID FETCH \(uid) (BODY.PEEK[HEADER])")
        guard fetched.outcome == .positive, let header = fetched.literals.first else {
            throw .refused(command: "UID FETCH", reply: fetched.statusLine)
        }
        return header
    }

    static func carriesToken(_ header: [UInt8], _ token: String) -> Bool {
        MessageHeaders.values(Roundtripper.tokenHeader, in: MessageHeaders.parse(header))
            .contains { $0.trimmingCharacters(in: .whitespaces) == token }
    }

    /// A delivery status notification (RFC 3464) or another automatic report, by its header.
    static func isReport(_ header: [UInt8]) -> Bool {
        let fields = MessageHeaders.parse(header)
        let type = MessageHeaders.values("Content-Type", in: fields).joined().lowercased()
        let from = MessageHeaders.values("From", in: fields).joined().lowercased()
        return type.contains("multipart/report") || from.contains("mailer-daemon") || from.contains("postmaster")
    }

    private mutating func imapSearch(_ criteria: String) async throws(RoundtripReadFailure) -> Int? {
        try await imapSearchAll(criteria).max()
    }

    private mutating func imapSearchAll(_ criteria: String) async throws(RoundtripReadFailure) -> [Int] {
        let searched = try await imap("UID SEARCH \(criteria)")
        guard searched.outcome == .positive else { throw .refused(command: "UID SEARCH", reply: searched.statusLine) }
        return searched.lines.filter { $0.uppercased().hasPrefix("* SEARCH") }
            .flatMap { $0.split(separator: " ").dropFirst(2).compactMap { Int($0) } }
    }

    /// Waits for news (a new message) for at most the read timeout, then leaves IDLE.
    private mutating func imapIdle() async throws(RoundtripReadFailure) {
        let tag = nextTag()
        let started = try await exchange("\(tag) IDLE", reader: .imapMailbox(tag: tag))
        guard started.outcome == .intermediate else { return }
        // News or not, IDLE ends here; a timeout only means nothing arrived in this slice.
        do {
            _ = try await session!.exchange(DialogueRequest(purpose: .mailbox, command: nil, reader: .imapIdle(tag: tag)))
        } catch {
            if case .readTimeout = error {} else { throw .failed(error) }
        }
        _ = try await exchange("DONE", reader: .imapMailbox(tag: tag))
    }

    // MARK: POP3

    private mutating func pop3(_ command: String, shown: String? = nil, multiline: Bool = false)
        async throws(RoundtripReadFailure) -> MailResponse {
        try await exchange(command, shown: shown, reader: .pop3(multiline: multiline))
    }

    private mutating func pop3Login() async throws(RoundtripReadFailure) {
        let implicit = request.incoming.security == .implicitTLS
        if implicit { try await upgrade(implicit: true) }
        let greeting = try await exchange(nil, reader: .pop3(multiline: false))
        guard greeting.outcome == .positive else { throw .refused(command: "greeting", reply: greeting.statusLine) }
        if !implicit {
            let goAhead = try await pop3("STLS")
            guard goAhead.outcome == .positive else { throw .noTLS }
            try await upgrade(implicit: false)
        }
        let user = try await pop3("USER \(request.readUser)")
        guard user.outcome == .positive else { throw .loginRefused(reply: user.statusLine) }
        let pass = try await pop3("PASS \(request.readPassword)", shown: "PASS (password hidden)")
        guard pass.outcome == .positive else { throw .loginRefused(reply: pass.statusLine) }
    }

    /// The maildrop's messages by unique id (UIDL), newest first: positions shift when another client deletes,
    /// unique ids do not.
    private mutating func pop3Listing() async throws(RoundtripReadFailure) -> [(number: Int, uid: String)] {
        let listed = try await exchange("UIDL", reader: .pop3(multiline: true, maximumLines: 200_000))
        guard listed.outcome == .positive else { throw .refused(command: "UIDL", reply: listed.statusLine) }
        return listed.lines.dropFirst().compactMap { line -> (Int, String)? in
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, let number = Int(parts[0]), number > 0 else { return nil }
            return (number, String(parts[1]))
        }.reversed()
    }

    /// What the maildrop holds before the message is sent: only messages that come after it are looked at, however
    /// many other mail arrives meanwhile (a busy mailbox buries a message under newer ones).
    mutating func recordBaseline() async -> RoundtripReadFailure? {
        guard !isIMAP else { return nil }
        if let failure = await ensureOpen() { return failure }
        do {
            baseline = Set(try await pop3Listing().map(\.uid))
        } catch {
            return error
        }
        await close()
        return nil
    }

    /// The messages that arrived since the baseline and were not looked at yet, newest first (at most 500 a poll).
    private mutating func pop3NewMessages() async throws(RoundtripReadFailure) -> [(number: Int, uid: String)] {
        try await pop3Listing().filter { !(baseline ?? []).contains($0.uid) && !examined.contains($0.uid) }
            .prefix(500).map { $0 }
    }

    /// Looks at the new messages for the token, by their headers (TOP n 0).
    private mutating func pop3Find() async throws(RoundtripReadFailure) -> [UInt8]? {
        for message in try await pop3NewMessages() {
            let header = try await pop3Header(message.number)
            if MailboxReader.carriesToken(header, token) {
                foundAt = foundAt ?? ContinuousClock.now
                found = message.number
                return header
            }
            examined.insert(message.uid)
            // A report that quotes the token in its body: the message will not come.
            if MailboxReader.isReport(header) {
                let text = try await pop3Header(message.number, bodyLines: 200)
                if String(decoding: text, as: UTF8.self).contains(token) {
                    bounce = MailboxReader.bounce(text)
                    return nil
                }
            }
        }
        return nil
    }

    private mutating func pop3Header(_ number: Int, bodyLines: Int = 0) async throws(RoundtripReadFailure) -> [UInt8] {
        let top = try await exchange("TOP \(number) \(bodyLines)", reader: .pop3(multiline: true, maximumLines: 5000))
        guard top.outcome == .positive else { throw .refused(command: "TOP", reply: top.statusLine) }
        return top.literals.first ?? []
    }

    // MARK: Deleting and the missing message

    mutating func deleteFound() async -> RoundtripDeletion {
        guard let found, session != nil else { return .notFound }
        do {
            if isIMAP {
                let stored = try await imap("UID STORE \(found) +FLAGS.SILENT (\\Deleted)")
                guard stored.outcome == .positive else { return .failed }
                // EXPUNGE would also remove the user's own messages marked deleted: only UID EXPUNGE (UIDPLUS).
                guard capabilities.offers("UIDPLUS") else { return .flaggedDeleted }
                let expunged = try await imap("UID EXPUNGE \(found)")
                return expunged.outcome == .positive ? .deleted : .flaggedDeleted
            }
            let deleted = try await pop3("DELE \(found)")
            guard deleted.outcome == .positive else { return .failed }
            // POP3 deletes at QUIT, and only at QUIT.
            let quit = try await pop3("QUIT")
            await close(farewell: false)
            return quit.outcome == .positive ? .deleted : .failed
        } catch {
            return .failed
        }
    }

    /// The message never showed in the inbox: another folder (IMAP), or a delivery failure report that names the
    /// token, or nothing at all.
    mutating func diagnoseMissing() async -> RoundtripMissing {
        if let failure = await ensureOpen() { _ = failure; return .notDelivered }
        do {
            if isIMAP {
                if let folder = try await imapOtherFolder() { return .inFolder(folder) }
                _ = try await imap("SELECT INBOX")
                if let uid = try await imapSearch("BODY \(token)") {
                    let fetched = try await imap("UID FETCH \(uid) (BODY.PEEK[HEADER])")
                    return MailboxReader.bounce(fetched.literals.first ?? [])
                }
            } else {
                // A failure report is a new message too: examined ones had no token header, its body may have it.
                examined = []
                for message in try await pop3NewMessages().prefix(200) {
                    let text = try await pop3Header(message.number, bodyLines: 200)
                    if String(decoding: text, as: UTF8.self).contains(token) { return MailboxReader.bounce(text) }
                }
            }
        } catch {
            return .notDelivered
        }
        return .notDelivered
    }

    /// Every folder but INBOX, at most 50, searched for the token (read-only: EXAMINE).
    private mutating func imapOtherFolder() async throws(RoundtripReadFailure) -> String? {
        let listed = try await imap("LIST \"\" \"*\"")
        let names = listed.lines.compactMap(MailboxReader.folderName).filter { $0.uppercased() != "INBOX" }
        for name in names.prefix(50) {
            let quoted = "\"" + name.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"") + "\""
            let examined = try await imap("EXAMINE \(quoted)")
            guard examined.outcome == .positive else { continue }
            guard try await imapSearch("HEADER \(Roundtripper.tokenHeader) \(token)") != nil else { continue }
            // Found: selected read-write, so that the test message can go from there too.
            let selected = try await imap("SELECT \(quoted)")
            if selected.outcome == .positive {
                found = try await imapSearch("HEADER \(Roundtripper.tokenHeader) \(token)")
            }
            return name
        }
        return nil
    }

    /// `* LIST (\HasNoChildren \Junk) "/" "Junk"` gives `Junk`; a name sent as a literal is skipped.
    static func folderName(_ line: String) -> String? {
        guard line.uppercased().hasPrefix("* LIST "), let close = line.firstIndex(of: ")") else { return nil }
        let flags = line[line.startIndex..<close].lowercased()
        if flags.contains("\\noselect") || flags.contains("\\nonexistent") { return nil }
        var rest = line[line.index(after: close)...].drop { $0 == " " }
        // The hierarchy delimiter: a quoted character or NIL.
        if rest.hasPrefix("\"") {
            rest = rest.dropFirst()
            if rest.hasPrefix("\\") { rest = rest.dropFirst() }
            rest = rest.dropFirst().drop { $0 == "\"" }
        } else if rest.uppercased().hasPrefix("NIL") {
            rest = rest.dropFirst(3)
        }
        rest = rest.drop { $0 == " " }
        if rest.hasPrefix("\"") && rest.hasSuffix("\"") && rest.count >= 2 {
            return String(rest.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
                .replacingOccurrences(of: "\\\\", with: "\\")
        }
        if rest.hasSuffix("}") { return nil }
        return rest.isEmpty ? nil : String(rest)
    }

    /// A delivery failure report: its Subject, and the status of RFC 3464's part when the header shows one.
    static func bounce(_ header: [UInt8]) -> RoundtripMissing {
        let fields = MessageHeaders.parse(header)
        let subject = MessageHeaders.values("Subject", in: fields).first ?? ""
        return .bounced(subject: PeerText.escaped(subject.prefix(200)), status: nil)
    }
}

/// SASL PLAIN (RFC 4616): authorization identity empty, then the user and the password, base64.
enum SASL {
    static func plain(user: String, password: String) -> String {
        Base64.encode([0] + Array(user.utf8) + [0] + Array(password.utf8))
    }
}
