import Foundation
import MailTLSCore

/// The sandbox's IMAP server: enough of IMAP4rev1 for real clients to log in, list, fetch and delete what the
/// sandbox captured. One mailbox, INBOX.
/// - SeeAlso: RFC 3501, RFC 2595 (STARTTLS, LOGINDISABLED), RFC 4959 (SASL-IR), RFC 2177 (IDLE)
public struct IMAPServerSession: MailboxServerSession {
    private enum State: Sendable, Equatable {
        case notAuthenticated
        case authenticated
        case selected(readOnly: Bool)
    }

    private enum Pending: Sendable, Equatable {
        case none
        case authenticatePlain(tag: String)
        case idle(tag: String)
    }

    var mailbox: MailboxSessionState
    public var policy: SessionPolicy { mailbox.policy }
    private var state: State = .notAuthenticated
    private var pending: Pending = .none
    private var reader = IMAPCommandReader()
    private var flags: [UInt32: Set<String>] = [:]

    public init(policy: SessionPolicy) {
        mailbox = MailboxSessionState(policy: policy)
    }

    mutating func discardPlaintextState() {
        reader = IMAPCommandReader()
    }

    var greeting: SessionAction {
        .reply("* OK [CAPABILITY \(capabilities.joined(separator: " "))] mailtls sandbox IMAP ready")
    }

    private var capabilities: [String] {
        var list = ["IMAP4rev1", "LITERAL+", "SASL-IR", "ID", "IDLE", "NAMESPACE", "UNSELECT", "ENABLE"]
        if !mailbox.inTLS && policy.advertiseSTARTTLS { list.append("STARTTLS") }
        if mailbox.mayAuthenticate { list.append("AUTH=PLAIN") } else { list.append("LOGINDISABLED") }
        return list
    }

    public mutating func receive(line: [UInt8]) -> [SessionAction] {
        switch pending {
        case .authenticatePlain(let tag):
            pending = .none
            return finishPlain(tag: tag, token: String(decoding: line, as: UTF8.self))
        case .idle(let tag):
            if String(decoding: line, as: UTF8.self).uppercased() == "DONE" {
                pending = .none
                return [.reply("\(tag) OK IDLE terminated")]
            }
            return []
        case .none:
            break
        }
        switch reader.consume(line: line) {
        case .needMore(let sendContinuation):
            return sendContinuation ? [.reply("+ Ready for literal data")] : []
        case .tooLong:
            return [.event(.problem(.commandTooLong)), .reply("* BYE Command too long"), .close]
        case .command(let bytes):
            return command(bytes)
        }
    }

    private mutating func command(_ bytes: [UInt8]) -> [SessionAction] {
        guard let tokens = IMAPTokenizer.tokens(bytes), tokens.count >= 2,
              case .atom(let tag) = tokens[0], case .atom(let rawName) = tokens[1]
        else { return error("* BAD Malformed command") }
        var name = rawName.uppercased()
        var arguments = Array(tokens.dropFirst(2))
        var byUID = false
        if name == "UID", let first = arguments.first?.text {
            byUID = true
            name = first.uppercased()
            arguments.removeFirst()
        }
        var actions: [SessionAction] = []
        if !mailbox.inTLS && !["CAPABILITY", "STARTTLS", "LOGOUT", "NOOP", "ID"].contains(name) {
            actions.append(.event(.commandBeforeTLS(name)))
        }
        switch (name, state) {
        case ("CAPABILITY", _):
            actions += [.reply("* CAPABILITY \(capabilities.joined(separator: " "))"),
                        .reply("\(tag) OK CAPABILITY completed")]
        case ("NOOP", _), ("CHECK", .selected):
            actions.append(.reply("\(tag) OK \(name) completed"))
        case ("LOGOUT", _):
            actions += [.reply("* BYE mailtls sandbox logging out"), .reply("\(tag) OK LOGOUT completed"), .close]
        case ("ID", _):
            actions += [.reply("* ID (\"name\" \"mailtls sandbox\")"), .reply("\(tag) OK ID completed")]
        case ("ENABLE", .authenticated), ("ENABLE", .selected):
            actions += [.reply("* ENABLED"), .reply("\(tag) OK ENABLE completed")]
        case ("STARTTLS", .notAuthenticated):
            if mailbox.inTLS {
                actions += error("\(tag) BAD TLS already active")
            } else if !policy.advertiseSTARTTLS {
                actions += [.event(.startTLSWithoutAdvertisement),
                            .reply("\(tag) NO STARTTLS not available (sandbox test)")]
            } else {
                actions += [.reply("\(tag) OK Begin TLS negotiation now"), .startTLS]
            }
        case ("LOGIN", .notAuthenticated):
            guard arguments.count == 2, let user = arguments[0].text, let password = arguments[1].text else {
                return actions + error("\(tag) BAD LOGIN user password")
            }
            guard mailbox.mayAuthenticate else {
                // LOGINDISABLED was advertised, yet the client sent its password in the clear.
                return actions + [.event(.authentication(mechanism: "LOGIN", user: user, succeeded: false,
                                                         beforeTLS: true)),
                                  .reply("\(tag) NO [PRIVACYREQUIRED] LOGIN is disabled before TLS")]
            }
            actions += verify(tag: tag, mechanism: "LOGIN", user: user, password: password)
        case ("AUTHENTICATE", .notAuthenticated):
            guard arguments.first?.text?.uppercased() == "PLAIN" else {
                return actions + error("\(tag) NO [CANNOT] Unsupported mechanism")
            }
            guard mailbox.mayAuthenticate else {
                return actions + [.reply("\(tag) NO [PRIVACYREQUIRED] Authentication disabled before TLS")]
            }
            if arguments.count > 1, let token = arguments[1].text {
                actions += finishPlain(tag: tag, token: token)
            } else {
                pending = .authenticatePlain(tag: tag)
                actions.append(.reply("+ "))
            }
        case ("NAMESPACE", .authenticated), ("NAMESPACE", .selected):
            actions += [.reply("* NAMESPACE ((\"\" \"/\")) NIL NIL"), .reply("\(tag) OK NAMESPACE completed")]
        case ("LIST", .authenticated), ("LIST", .selected), ("LSUB", .authenticated), ("LSUB", .selected):
            let pattern = arguments.count > 1 ? arguments[1].text ?? "" : ""
            if pattern.isEmpty {
                actions.append(.reply("* \(name) (\\Noselect) \"/\" \"\""))
            } else if ["*", "%", "INBOX"].contains(pattern.uppercased()) {
                actions.append(.reply("* \(name) (\\HasNoChildren) \"/\" INBOX"))
            }
            actions.append(.reply("\(tag) OK \(name) completed"))
        case ("STATUS", .authenticated), ("STATUS", .selected):
            guard arguments.first?.text?.uppercased() == "INBOX" else {
                return actions + error("\(tag) NO [NONEXISTENT] No such mailbox")
            }
            let unseen = mailbox.messages.filter { !(flags[$0.uid]?.contains("\\Seen") ?? false) }.count
            actions += [.reply("* STATUS INBOX (MESSAGES \(mailbox.messages.count) RECENT 0 UIDNEXT \(uidNext) "
                                + "UIDVALIDITY 1 UNSEEN \(unseen))"),
                        .reply("\(tag) OK STATUS completed")]
        case ("SELECT", .authenticated), ("SELECT", .selected), ("EXAMINE", .authenticated),
             ("EXAMINE", .selected):
            guard arguments.first?.text?.uppercased() == "INBOX" else {
                state = .authenticated
                return actions + error("\(tag) NO [NONEXISTENT] Only INBOX exists in the sandbox")
            }
            let readOnly = name == "EXAMINE"
            state = .selected(readOnly: readOnly)
            actions += [
                .reply("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)"),
                .reply("* OK [PERMANENTFLAGS (\\Deleted \\Seen \\Answered \\Flagged \\Draft)] Flags permitted"),
                .reply("* \(mailbox.messages.count) EXISTS"), .reply("* 0 RECENT"),
                .reply("* OK [UIDVALIDITY 1] UIDs valid"), .reply("* OK [UIDNEXT \(uidNext)] Predicted next UID"),
                .reply("\(tag) OK [\(readOnly ? "READ-ONLY" : "READ-WRITE")] \(name) completed"),
            ]
        case ("UNSELECT", .selected):
            state = .authenticated
            actions.append(.reply("\(tag) OK UNSELECT completed"))
        case ("CLOSE", .selected(let readOnly)):
            if !readOnly { _ = expunge() }
            state = .authenticated
            actions += (readOnly ? [] : deletionEvent()) + [.reply("\(tag) OK CLOSE completed")]
        case ("EXPUNGE", .selected):
            let removed = expunge()
            actions += removed.map { .reply("* \($0) EXPUNGE") } + deletionEvent()
            actions.append(.reply("\(tag) OK EXPUNGE completed"))
        case ("SEARCH", .selected):
            let numbers = mailbox.messages.enumerated().map { byUID ? String($0.element.uid) : String($0.offset + 1) }
            actions += [.reply((["* SEARCH"] + numbers).joined(separator: " ")),
                        .reply("\(tag) OK SEARCH completed")]
        case ("FETCH", .selected(let readOnly)):
            guard arguments.count >= 2, let set = arguments[0].text else {
                return actions + error("\(tag) BAD FETCH sequence items")
            }
            let items = IMAPServerSession.fetchItems(Array(arguments[1...]))
            for index in resolve(set, byUID: byUID) {
                actions.append(.send(fetchResponse(index: index, items: items, byUID: byUID, readOnly: readOnly)))
            }
            actions.append(.reply("\(tag) OK FETCH completed"))
        case ("STORE", .selected(let readOnly)):
            guard !readOnly, arguments.count >= 3, let set = arguments[0].text, let mode = arguments[1].text else {
                return actions + error("\(tag) BAD STORE sequence mode flags")
            }
            let values: [String]
            if case .list(let list) = arguments[2] { values = list.compactMap(\.text) } else {
                values = arguments[2...].compactMap(\.text)
            }
            let silent = mode.uppercased().hasSuffix(".SILENT")
            for index in resolve(set, byUID: byUID) {
                let uid = mailbox.messages[index].uid
                var current = flags[uid] ?? []
                switch mode.uppercased().prefix(1) {
                case "+": current.formUnion(values)
                case "-": current.subtract(values)
                default: current = Set(values)
                }
                flags[uid] = current
                if !silent {
                    let uidPart = byUID ? "UID \(uid) " : ""
                    actions.append(.reply("* \(index + 1) FETCH (\(uidPart)FLAGS (\(current.sorted().joined(separator: " "))))"))
                }
            }
            actions.append(.reply("\(tag) OK STORE completed"))
        case ("IDLE", .authenticated), ("IDLE", .selected):
            pending = .idle(tag: tag)
            actions.append(.reply("+ idling"))
        default:
            if state == .notAuthenticated && !["CAPABILITY", "STARTTLS", "LOGIN", "AUTHENTICATE"].contains(name) {
                actions += error("\(tag) BAD Log in first")
            } else {
                actions += error("\(tag) BAD Unknown command or wrong state")
            }
        }
        return actions
    }

    private var uidNext: UInt32 { (mailbox.messages.map(\.uid).max() ?? 0) + 1 }

    private mutating func finishPlain(tag: String, token: String) -> [SessionAction] {
        if token == "*" { return [.reply("\(tag) BAD Authentication cancelled")] }
        guard let credentials = SASLPlain.decode(token) else { return error("\(tag) BAD Cannot decode") }
        return verify(tag: tag, mechanism: "PLAIN", user: credentials.user, password: credentials.password)
    }

    private mutating func verify(tag: String, mechanism: String, user: String, password: String) -> [SessionAction] {
        let succeeded = policy.accounts[user] == password
        let event = SessionAction.event(.authentication(mechanism: mechanism, user: user, succeeded: succeeded,
                                                        beforeTLS: !mailbox.inTLS))
        guard succeeded else { return [event] + error("\(tag) NO [AUTHENTICATIONFAILED] Authentication failed") }
        state = .authenticated
        mailbox.needsMailbox = true
        return [event, .reply("\(tag) OK [CAPABILITY \(capabilities.joined(separator: " "))] Logged in")]
    }

    private var pendingDeletions: [String] = []

    /// Removes \Deleted messages; returns the sequence numbers reported, in the order EXPUNGE reports them.
    private mutating func expunge() -> [Int] {
        var reported: [Int] = []
        var index = 0
        while index < mailbox.messages.count {
            if flags[mailbox.messages[index].uid]?.contains("\\Deleted") == true {
                pendingDeletions.append(mailbox.messages[index].id)
                mailbox.messages.remove(at: index)
                reported.append(index + 1)
            } else {
                index += 1
            }
        }
        return reported
    }

    private mutating func deletionEvent() -> [SessionAction] {
        guard !pendingDeletions.isEmpty else { return [] }
        defer { pendingDeletions = [] }
        return [.event(.messagesDeleted(pendingDeletions))]
    }

    /// Sequence numbers or UIDs (`1`, `2:4`, `3:*`, `*`, `1,5`) to message indexes. The work is bounded by the
    /// mailbox, never by the numbers a client sends (`1:4294967295` walks the messages, not the range).
    static func resolve(_ set: String, byUID: Bool, messages: [MailboxMessage]) -> [Int] {
        guard !messages.isEmpty else { return [] }
        let highest = byUID ? Int(messages.map(\.uid).max() ?? 0) : messages.count
        var wanted = Set<Int>()
        for part in set.split(separator: ",", omittingEmptySubsequences: false).prefix(1024) {
            let bounds = part.split(separator: ":", omittingEmptySubsequences: false).map {
                $0 == "*" ? highest : IMAPNumber.parse($0, atMost: Int(UInt32.max))
            }
            guard bounds.count <= 2, let low = bounds.first ?? nil, let high = bounds.last ?? nil else { continue }
            // `5:3` means `3:5` (RFC 3501 section 9, seq-range).
            let range = min(low, high)...max(low, high)
            if byUID {
                for (index, message) in messages.enumerated() where range.contains(Int(message.uid)) {
                    wanted.insert(index)
                }
            } else {
                let first = max(range.lowerBound, 1)
                let last = min(range.upperBound, messages.count)
                guard first <= last else { continue }
                for number in first...last { wanted.insert(number - 1) }
            }
        }
        return wanted.sorted()
    }

    private func resolve(_ set: String, byUID: Bool) -> [Int] {
        IMAPServerSession.resolve(set, byUID: byUID, messages: mailbox.messages)
    }

    static func fetchItems(_ tokens: [IMAPToken]) -> [String] {
        var items: [String] = []
        for token in tokens {
            switch token {
            case .list(let inner): items += fetchItems(inner)
            case .atom(let value), .string(let value): items.append(value)
            case .nilValue: continue
            }
        }
        var expanded: [String] = []
        for item in items {
            switch item.uppercased() {
            case "ALL": expanded += ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"]
            case "FAST": expanded += ["FLAGS", "INTERNALDATE", "RFC822.SIZE"]
            case "FULL": expanded += ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"]
            default: expanded.append(item)
            }
        }
        return expanded
    }

    private mutating func fetchResponse(index: Int, items: [String], byUID: Bool, readOnly: Bool) -> [UInt8] {
        let message = mailbox.messages[index]
        var parts: [[UInt8]] = []
        var wantsUID = byUID
        var markSeen = false
        for item in items {
            let upper = item.uppercased()
            switch upper {
            case "UID":
                wantsUID = true
                continue
            case "FLAGS":
                continue
            case "RFC822.SIZE":
                parts.append(Array("RFC822.SIZE \(message.data.count)".utf8))
            case "INTERNALDATE":
                parts.append(Array("INTERNALDATE \"\(IMAPServerSession.internalDate(message.receivedAt))\"".utf8))
            case "ENVELOPE":
                parts.append(Array("ENVELOPE \(IMAPServerSession.envelope(message.data))".utf8))
            case "BODY", "BODYSTRUCTURE":
                let body = message.data.dropFirst(MessageHeaders.headerBytes(of: message.data).count)
                parts.append(Array("\(upper) (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") NIL NIL \"8BIT\" \(body.count) \(MessageHeaders.lineCount(of: Array(body))))".utf8))
            case "RFC822":
                markSeen = true
                parts.append(Array("RFC822 ".utf8) + IMAPServerSession.literal(message.data))
            case "RFC822.HEADER":
                parts.append(Array("RFC822.HEADER ".utf8) + IMAPServerSession.literal(MessageHeaders.headerBytes(of: message.data)))
            case "RFC822.TEXT":
                markSeen = true
                parts.append(Array("RFC822.TEXT ".utf8)
                    + IMAPServerSession.literal(Array(message.data.dropFirst(MessageHeaders.headerBytes(of: message.data).count))))
            default:
                guard upper.hasPrefix("BODY[") || upper.hasPrefix("BODY.PEEK[") else { continue }
                if upper.hasPrefix("BODY[") { markSeen = true }
                let (name, content) = IMAPServerSession.section(item, of: message.data)
                parts.append(Array("\(name) ".utf8) + IMAPServerSession.literal(content))
            }
        }
        if markSeen && !readOnly { flags[message.uid, default: []].insert("\\Seen") }
        if items.contains(where: { $0.uppercased() == "FLAGS" }) || markSeen {
            parts.insert(Array("FLAGS (\((flags[message.uid] ?? []).sorted().joined(separator: " ")))".utf8), at: 0)
        }
        if wantsUID { parts.insert(Array("UID \(message.uid)".utf8), at: 0) }
        var response = Array("* \(index + 1) FETCH (".utf8)
        for (position, part) in parts.enumerated() {
            if position > 0 { response.append(0x20) }
            response += part
        }
        response += Array(")\r\n".utf8)
        return response
    }

    /// `BODY.PEEK[HEADER.FIELDS (FROM)]<0.100>` → the response name (`BODY[HEADER.FIELDS (FROM)]<0>`) and bytes.
    static func section(_ item: String, of data: [UInt8]) -> (String, [UInt8]) {
        guard let open = item.firstIndex(of: "["), let close = item.firstIndex(of: "]") else { return ("BODY[]", data) }
        let specifier = String(item[item.index(after: open)..<close])
        let upper = specifier.uppercased()
        let header = MessageHeaders.headerBytes(of: data)
        var content: [UInt8]
        if upper.isEmpty {
            content = data
        } else if upper == "HEADER" {
            content = header
        } else if upper == "TEXT" || upper == "1" {
            content = Array(data.dropFirst(header.count))
        } else if upper.hasPrefix("HEADER.FIELDS") {
            let fields = upper.drop { $0 != "(" }.dropFirst().prefix { $0 != ")" }.split(separator: " ").map(String.init)
            let negate = upper.hasPrefix("HEADER.FIELDS.NOT")
            content = filterHeader(header, fields: Set(fields), negate: negate)
        } else {
            content = []
        }
        var name = "BODY[\(specifier)]"
        let rest = item[item.index(after: close)...]
        if rest.hasPrefix("<"), let end = rest.firstIndex(of: ">") {
            // `<start.length>`, both 32-bit unsigned; clamped to the content, so no pair a client sends (negative,
            // past the end, overflowing) can build an invalid range.
            let numbers = rest[rest.index(after: rest.startIndex)..<end].split(separator: ".", maxSplits: 1)
                .map { IMAPNumber.parse($0, atMost: Int(UInt32.max)) ?? 0 }
            let start = min(numbers.first ?? 0, content.count)
            let length = numbers.count > 1 ? numbers[1] : content.count
            content = Array(content[start..<(start + min(length, content.count - start))])
            name += "<\(start)>"
        }
        return (name, content)
    }

    static func filterHeader(_ header: [UInt8], fields: Set<String>, negate: Bool) -> [UInt8] {
        let text = String(decoding: header, as: UTF8.self)
        var output = ""
        var keeping = false
        for line in text.components(separatedBy: "\r\n") where !line.isEmpty {
            if line.first == " " || line.first == "\t" {
                if keeping { output += line + "\r\n" }
                continue
            }
            let name = line.prefix { $0 != ":" }.uppercased()
            keeping = fields.contains(name) != negate
            if keeping { output += line + "\r\n" }
        }
        return Array((output + "\r\n").utf8)
    }

    static func literal(_ bytes: [UInt8]) -> [UInt8] {
        Array("{\(bytes.count)}\r\n".utf8) + bytes
    }

    static func quoted(_ text: String?) -> String {
        guard let text else { return "NIL" }
        return "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    static func envelope(_ data: [UInt8]) -> String {
        let date = quoted(MessageHeaders.value(of: "Date", in: data))
        let subject = quoted(MessageHeaders.value(of: "Subject", in: data))
        let messageID = quoted(MessageHeaders.value(of: "Message-ID", in: data))
        return "(\(date) \(subject) NIL NIL NIL NIL NIL NIL NIL \(messageID))"
    }

    static func internalDate(_ seconds: Double) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "dd-MMM-yyyy HH:mm:ss"
        return formatter.string(from: Date(timeIntervalSince1970: seconds)) + " +0000"
    }

    private mutating func error(_ reply: String) -> [SessionAction] {
        mailbox.errors.spend(reply: reply, farewell: "* BYE Too many errors")
    }
}
