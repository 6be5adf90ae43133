import Foundation

/// One hop of a message's path, read from one `Received:` header field (RFC 5321 section 4.4).
public struct ReceivedHop: Sendable, Equatable, Codable {
    /// Whether the transfer recorded by this hop was protected by TLS.
    ///
    /// The rules, applied in this order by `ReceivedChain.hop(_:)`:
    ///
    /// 1. `encrypted` when the `with` keyword is one of the RFC 3848 "S" keywords `ESMTPS`, `ESMTPSA`, `LMTPS`,
    ///    `LMTPSA` (RFC 3848, IANA "Mail Transmission Types"; compared case-insensitively, so Exim's
    ///    `esmtps`/`esmtpsa` count),
    ///    their RFC 6531 section 3.7.3 SMTPUTF8 forms `UTF8SMTPS`, `UTF8SMTPSA`, `UTF8LMTPS`, `UTF8LMTPSA`
    ///    (Gmail writes `with UTF8SMTPSA`), `HTTPS` (webmail submission, e.g. Horde's
    ///    `(Horde Framework) with HTTPS`), or the non-standard but unambiguous `SMTPS`.
    /// 2. `encrypted` when the header carries a TLS clause anywhere, even if the keyword says `ESMTP`:
    ///    - Postfix `smtpd` (`smtpd_tls_received_header = yes`) and Dovecot's LMTP/submission server
    ///      (`src/lib-smtp/smtp-server-transaction.c`, `(using <security string>)`):
    ///      `(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) ...)`;
    ///    - Sendmail's default template (`cf/m4/proto.m4` `_REC_TLS_`:
    ///      `(version=${tls_version} cipher=${cipher} bits=${cipher_bits} verify=${verify})`), also written by
    ///      Proofpoint (`pphosted.com`) and IBM gateways, e.g. `(version=TLSv1.2 cipher=ECDHE-RSA-AES256-GCM-SHA384
    ///      bits=256 verify=NO)`. The keyword there is `$r`, which Sendmail 8.14/8.15 and Proofpoint set to
    ///      `ESMTP` even over TLS, so this clause decides;
    ///    - Gmail: `with ESMTPS id ... (version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384 bits=256/256)`;
    ///    - Microsoft Exchange / Exchange Online: `with Microsoft SMTP Server (version=TLS1_2,
    ///      cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384)` and the older `with Microsoft SMTP Server (TLS)`;
    ///    - Exim 4.93+ default `received_header_text` (`($tls_in_ver)` then `tls $tls_in_cipher_std`):
    ///      `with esmtps (TLS1.3) tls TLS_AES_256_GCM_SHA384`; older Exim (`($tls_cipher)`, GnuTLS or OpenSSL
    ///      builds) and OpenSMTPD: `(TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256)`, `(TLSv1.2:ECDHE-RSA-AES256-GCM-SHA384:256)`;
    ///    - qmail with the TLS patch: `with (ECDHE-RSA-AES128-GCM-SHA256 encrypted) SMTP`.
    /// 3. `local` for delivery inside one machine:
    ///    - `with local`, `with local-esmtp`, `with local-smtp`, `with local-bsmtp` (Exim's `received_protocol`
    ///      for locally submitted messages);
    ///    - `with mapi` (Exchange: store to transport inside the server);
    ///    - `(Postfix, from userid NNN)` (Postfix `pickup`, i.e. the `sendmail` command);
    ///    - `(qmail NNN invoked by uid NNN)` (qmail-queue, local injection);
    ///    - Sendmail's local submission `(from user@localhost) by host (8.x/8.x/Submit)`, i.e. no `from` clause and
    ///      a `(from ...@localhost)` comment;
    ///    - a `from` clause whose address is loopback (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104), or whose HELO name
    ///      is `localhost`/`localhost.localdomain` when no address is recorded (a non-loopback address wins over
    ///      a `localhost` HELO name), for anything but plain SMTP: SMTP or ESMTP without TLS from loopback is
    ///      `unencrypted` (rule 4), a hop in the clear that stayed inside one machine;
    ///    - `LMTP`/`LMTPA`/`UTF8LMTP`/`UTF8LMTPA` (no TLS) with no `from` clause, or with a `from` clause that
    ///      records no IP address: Dovecot's LMTP server writes `([ip])` only when the peer has an IP, so no
    ///      address means a UNIX-socket delivery (Dovecot `src/lib-smtp/smtp-server-transaction.c`).
    /// 4. `unencrypted` for `SMTP`, `ESMTP`, `ESMTPA` (RFC 3848: authenticated, not encrypted), `LMTP`, `LMTPA`,
    ///    the `UTF8...` forms without `S` (RFC 6531), and `Microsoft SMTP Server` without a TLS clause, when a
    ///    `from` clause is present; and `HTTP` (webmail submission without TLS) always.
    /// 5. `unknown` for everything else: no `with` clause, an unrecognised keyword, or a plain keyword with no
    ///    `from` clause (e.g. Gmail-internal `Received: by 2002:a05:... with SMTP id ...`), where the header does
    ///    not say where the message came from.
    public enum Encryption: String, Sendable, Codable {
        case encrypted, unencrypted, local, unknown
    }

    /// The `from` clause's first word (HELO/EHLO name or address literal), as written.
    public var from: String?
    /// An IP address seen in the `from` clause (`[1.2.3.4]`, `(host [1.2.3.4])`, `(10.1.2.3)`, `user@1.2.3.4`), if any.
    public var fromAddress: String?
    /// The `by` clause's first word.
    public var by: String?
    /// The `with` keyword as written (`ESMTPS`, `esmtpsa`, `LMTP`, `Microsoft SMTP Server`, `HTTP`...).
    public var with: String?
    /// Normalised TLS version: `TLSv1.0` ... `TLSv1.3` (also `SSLv3`/`SSLv2`); nil when the header shows none or
    /// only an ambiguous one such as OpenSSL's `TLSv1/SSLv3` cipher family.
    public var tlsVersion: String?
    /// The cipher suite as written, if the header shows one.
    public var cipher: String?
    public var encryption: Encryption
    /// The date after the last `;` (RFC 5322 date-time, leniently parsed), if any.
    public var date: Date?
    /// The unfolded header value.
    public var raw: String

    public init(from: String? = nil, fromAddress: String? = nil, by: String? = nil, with: String? = nil,
                tlsVersion: String? = nil, cipher: String? = nil, encryption: Encryption = .unknown,
                date: Date? = nil, raw: String) {
        self.from = from
        self.fromAddress = fromAddress
        self.by = by
        self.with = with
        self.tlsVersion = tlsVersion
        self.cipher = cipher
        self.encryption = encryption
        self.date = date
        self.raw = raw
    }
}

extension ReceivedHop {
    /// The hop came from a loopback address: it stayed inside one machine.
    public var isWithinHost: Bool { fromAddress.map(IPLiteral.isLoopback) ?? false }
}

public enum ReceivedChain {
    /// The hops in the order the message travelled: the LAST Received header (bottom) is the first hop.
    public static func hops(in fields: [HeaderField]) -> [ReceivedHop] {
        MessageHeaders.values("Received", in: fields).reversed().map(hop)
    }

    /// Maximum number of UTF-8 bytes of one value that are analysed (the `raw` field keeps the whole value).
    public static let maxAnalysedBytes = 16 * 1024

    /// Parses one `Received:` field value. Never traps; see `ReceivedHop.Encryption` for the rules.
    public static func hop(_ value: String) -> ReceivedHop {
        var work = Array(value.utf8.prefix(maxAnalysedBytes))
        work.withUnsafeMutableBufferPointer { w in
            for i in 0..<w.count where w[i] == 0x09 || w[i] == 0x0D || w[i] == 0x0A || w[i] == 0x00 {
                w[i] = 0x20
            }
        }
        let semi = dateSeparator(work)
        let mainEnd = semi ?? work.count
        let tokens = Tokenizer.tokens(work[0..<mainEnd])
        let clauses = Clauses(tokens)
        let tls = TLSInfo(work: work, clauses: clauses)

        var hop = ReceivedHop(raw: value)
        hop.from = clauses.from.map(text)
        hop.by = clauses.by.map(text)
        hop.with = clauses.withWords.isEmpty ? nil : clauses.withWords.map(text).joined(separator: " ")
        hop.fromAddress = clauses.fromAddress()
        hop.tlsVersion = tls.version
        hop.cipher = tls.cipher
        if let semi, semi + 1 <= work.count {
            let dateText = String(decoding: work[(semi + 1)...], as: UTF8.self)
            hop.date = ReceivedDate.parse(Substring(dateText))
        }
        hop.encryption = classify(clauses: clauses, tls: tls, work: work, fromAddress: hop.fromAddress)
        return hop
    }

    // MARK: - Classification

    static let encryptedKeywords: Set<String> = [
        "ESMTPS", "ESMTPSA", "LMTPS", "LMTPSA",
        "UTF8SMTPS", "UTF8SMTPSA", "UTF8LMTPS", "UTF8LMTPSA",
        "HTTPS", "SMTPS",
    ]
    static let plainKeywords: Set<String> = [
        "SMTP", "ESMTP", "ESMTPA", "LMTP", "LMTPA",
        "UTF8SMTP", "UTF8SMTPA", "UTF8LMTP", "UTF8LMTPA",
    ]
    static let plainLMTPKeywords: Set<String> = ["LMTP", "LMTPA", "UTF8LMTP", "UTF8LMTPA"]

    static func classify(clauses: Clauses, tls: TLSInfo, work: [UInt8], fromAddress: String?) -> ReceivedHop.Encryption {
        let keyword = clauses.withWords.first.map { ASCII.uppercased(text($0)) }
        let isMicrosoft = keyword == "MICROSOFT" && clauses.withWords.count >= 2
            && ASCII.uppercased(text(clauses.withWords[1])).hasPrefix("SMTP")

        // 1 + 2: encrypted.
        if let keyword, encryptedKeywords.contains(keyword) { return .encrypted }
        if tls.found { return .encrypted }

        // 3: local.
        if let keyword {
            if keyword.hasPrefix("LOCAL") || keyword == "MAPI" { return .local }
        }
        if ASCII.find(Array("from userid ".utf8), in: work) != nil { return .local }
        for comment in clauses.leadingComments {
            let c = Array(comment)
            if ASCII.find(Array("invoked by uid".utf8), in: c) != nil, ASCII.find(Array("qmail".utf8), in: c) != nil {
                return .local
            }
            if clauses.from == nil, c.count > 5, ASCII.equalsLower(comment.prefix(5), "from "),
               ASCII.find(Array("@localhost".utf8), in: c) != nil {
                return .local
            }
        }
        let fromName = clauses.from.map { ASCII.lowercased(text($0)) }
        let loopbackAddress = fromAddress.map(IPLiteral.isLoopback) ?? false
        let localhostName = fromAddress == nil && (fromName == "localhost" || fromName == "localhost.localdomain")
        // SMTP in the clear between two processes of one machine (a content filter on 127.0.0.1, or two instances
        // on loopback addresses) is still SMTP in the clear: it stays `unencrypted`, and the report says the hop
        // stayed inside the machine. LMTP and local submission from loopback are local delivery.
        let plainSMTP = keyword.map { plainKeywords.contains($0) && !plainLMTPKeywords.contains($0) } ?? false
        if clauses.from != nil && (loopbackAddress || localhostName) && !plainSMTP { return .local }
        if let keyword, plainLMTPKeywords.contains(keyword) {
            if clauses.from == nil || fromAddress == nil { return .local }
        }

        // 4: unencrypted.
        if keyword == "HTTP" { return .unencrypted }
        if let keyword, plainKeywords.contains(keyword) || isMicrosoft {
            if clauses.from != nil { return .unencrypted }
        }
        // 5.
        return .unknown
    }

    // MARK: - Helpers

    static func text(_ s: ArraySlice<UInt8>) -> String { String(decoding: s, as: UTF8.self) }

    /// Index of the `;` that introduces the date: the last one outside comments and quoted strings,
    /// or, if parentheses are unbalanced, the last one anywhere.
    static func dateSeparator(_ bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { work -> Int? in
            var depth = 0
            var inQuote = false
            var lastTop: Int? = nil
            var lastAny: Int? = nil
            var i = 0
            while i < work.count {
                let b = work[i]
                if b == Byte.backslash { i += 2; continue }
                if inQuote {
                    if b == Byte.quote { inQuote = false }
                } else if b == Byte.quote && depth == 0 {
                    inQuote = true
                } else if b == Byte.lparen {
                    depth += 1
                } else if b == Byte.rparen {
                    if depth > 0 { depth -= 1 }
                } else if b == Byte.semicolon {
                    lastAny = i
                    if depth == 0 { lastTop = i }
                }
                i += 1
            }
            if depth == 0 && !inQuote { return lastTop ?? lastAny }
            return lastAny
        }
    }
}

// MARK: - Tokens and clauses

enum Token {
    case word(ArraySlice<UInt8>)
    case comment(ArraySlice<UInt8>)
}

enum Tokenizer {
    static let maxTokens = 1024

    /// Splits a Received value into words and (possibly nested) parenthesised comments. Quoted strings and
    /// backslash escapes are honoured; an unbalanced `(` makes the rest of the input one comment.
    static func tokens(_ slice: ArraySlice<UInt8>) -> [Token] {
        // Scan with an unsafe buffer (fast even in debug builds), recording ranges relative to the slice.
        var ranges: [(isComment: Bool, start: Int, end: Int)] = []
        slice.withUnsafeBufferPointer { s in
            var i = 0
            let end = s.count
            while i < end && ranges.count < maxTokens {
                let b = s[i]
                if b == 0x20 { i += 1; continue }
                if b == Byte.rparen { i += 1; continue }
                if b == Byte.lparen {
                    let start = i + 1
                    var depth = 1
                    i += 1
                    while i < end && depth > 0 {
                        let c = s[i]
                        if c == Byte.backslash { i += 2; continue }
                        if c == Byte.lparen { depth += 1 } else if c == Byte.rparen { depth -= 1 }
                        i += 1
                    }
                    if i > end { i = end }
                    let stop = depth == 0 ? i - 1 : end
                    ranges.append((true, start, max(start, stop)))
                    continue
                }
                let start = i
                var inQuote = false
                while i < end {
                    let c = s[i]
                    if inQuote {
                        if c == Byte.backslash { i += 2; continue }
                        if c == Byte.quote { inQuote = false }
                        i += 1
                        continue
                    }
                    if c == Byte.quote { inQuote = true; i += 1; continue }
                    if c == 0x20 || c == Byte.lparen || c == Byte.rparen { break }
                    i += 1
                }
                if i > end { i = end }
                ranges.append((false, start, i))
            }
        }
        let base = slice.startIndex
        return ranges.map { r in
            let part = slice[(base + r.start)..<(base + r.end)]
            return r.isComment ? .comment(part) : .word(part)
        }
    }
}

/// The RFC 5321 clauses of a Received value: `from`, `by`, `via`, `with`, `id`, `for`.
struct Clauses {
    var from: ArraySlice<UInt8>?
    var fromComments: [ArraySlice<UInt8>] = []
    var by: ArraySlice<UInt8>?
    var byComments: [ArraySlice<UInt8>] = []
    var withWords: [ArraySlice<UInt8>] = []
    /// Words that follow the `with` keyword inside the with clause (used for Exim's `tls <cipher>`).
    var withClauseWords: [ArraySlice<UInt8>] = []
    /// Comments before any clause keyword, e.g. `(qmail 1 invoked by uid 2)`.
    var leadingComments: [ArraySlice<UInt8>] = []
    /// Every top-level comment, in order.
    var comments: [ArraySlice<UInt8>] = []

    private enum Clause: Int { case none, from, by, via, with, id, `for` }

    init(_ tokens: [Token]) {
        var current = Clause.none
        var expectValue = false
        for token in tokens {
            switch token {
            case .comment(let c):
                comments.append(c)
                switch current {
                case .none: leadingComments.append(c)
                case .from: if from != nil { fromComments.append(c) }
                case .by: if by != nil { byComments.append(c) }
                case .with: if !withWords.isEmpty { expectValue = false }
                default: break
                }
            case .word(let w):
                // Clauses come in RFC 5321 order (from, by, via, with, id, for); a keyword only starts a clause
                // if it comes after the current one, so `... for <x> from <y>` (IBM) or `id X via Frontend
                // Transport` (Exchange) do not restart an earlier clause.
                if let kw = Clauses.keyword(w), kw.rawValue > current.rawValue {
                    current = kw
                    expectValue = true
                    continue
                }
                switch current {
                case .from:
                    if expectValue, from == nil { from = w }
                    expectValue = false
                case .by:
                    if expectValue, by == nil { by = w }
                    expectValue = false
                case .with:
                    if withWords.isEmpty {
                        withWords.append(w)
                    } else if expectValue, withWords.count < 4, ASCII.equalsLower(withWords[0], "microsoft") {
                        withWords.append(w)
                    } else {
                        expectValue = false
                        if withClauseWords.count < 16 { withClauseWords.append(w) }
                    }
                default:
                    expectValue = false
                }
            }
        }
    }

    private static func keyword(_ w: ArraySlice<UInt8>) -> Clause? {
        switch w.count {
        case 2:
            if ASCII.equalsLower(w, "by") { return .by }
            if ASCII.equalsLower(w, "id") { return .id }
        case 3:
            if ASCII.equalsLower(w, "via") { return .via }
            if ASCII.equalsLower(w, "for") { return .for }
        case 4:
            if ASCII.equalsLower(w, "from") { return .from }
            if ASCII.equalsLower(w, "with") { return .with }
        default: break
        }
        return nil
    }

    /// The first IP address recorded in the from clause: a bracketed literal in a comment, else a bare address
    /// in a comment (Microsoft `(10.1.2.3)`, qmail `(user@1.2.3.4)`), else the from word itself (`[::1]`).
    func fromAddress() -> String? {
        guard let from else { return nil }
        for comment in fromComments.prefix(8) {
            if let a = Clauses.bracketed(comment) { return a }
            if comment.count <= 512, let a = Clauses.bare(comment) { return a }
        }
        var word = from
        if word.first == Byte.lbracket { word = word.dropFirst() }
        if word.last == Byte.rbracket { word = word.dropLast() }
        return IPLiteral.normalise(Substring(ReceivedChain.text(word)))
    }

    static func bracketed(_ c: ArraySlice<UInt8>) -> String? {
        var i = c.startIndex
        var tries = 0
        while i < c.endIndex && tries < 16 {
            guard let open = c[i...].firstIndex(of: Byte.lbracket) else { return nil }
            guard let close = c[(open + 1)...].firstIndex(of: Byte.rbracket) else { return nil }
            if let a = IPLiteral.normalise(Substring(ReceivedChain.text(c[(open + 1)..<close]))) { return a }
            i = close + 1
            tries += 1
        }
        return nil
    }

    static func bare(_ c: ArraySlice<UInt8>) -> String? {
        var count = 0
        for part in c.split(whereSeparator: { $0 == 0x20 || $0 == Byte.lparen || $0 == Byte.rparen }) {
            count += 1
            if count > 32 { break }
            var p = part
            if let at = p.lastIndex(of: Byte.at) { p = p[(at + 1)...] }
            while let l = p.last, l == Byte.comma || l == Byte.semicolon || l == Byte.dot {
                p = p.dropLast()
            }
            if p.isEmpty || p.count > 64 { continue }
            if let a = IPLiteral.normalise(Substring(ReceivedChain.text(p))) { return a }
        }
        return nil
    }
}

// MARK: - TLS clauses

struct TLSInfo {
    var found = false
    var version: String?
    var cipher: String?

    init(work: [UInt8], clauses: Clauses) {
        // Postfix / Dovecot: "(using TLSv1.3 with cipher X (256/256 bits) ...)".
        if let at = ASCII.find(Array("(using ".utf8), in: work) {
            let v = TLSInfo.token(work, from: at + 7)
            if TLSInfo.isTLSName(v) {
                found = true
                version = TLSInfo.normaliseVersion(v)
                let windowEnd = min(work.count, at + 7 + v.count + 64)
                if let w = ASCII.find(Array(" with cipher ".utf8), in: Array(work[0..<windowEnd]), from: at) {
                    let c = TLSInfo.token(work, from: w + 13)
                    if !c.isEmpty { cipher = ReceivedChain.text(c) }
                }
            }
        }
        // Sendmail / Gmail / Microsoft / Proofpoint: "version=TLSv1.2 cipher=..." or "(version=TLS1_2, cipher=...)".
        if let v = TLSInfo.keyValue("version=", in: work), TLSInfo.isTLSName(v) {
            found = true
            if version == nil { version = TLSInfo.normaliseVersion(v) }
            if cipher == nil, let c = TLSInfo.keyValue("cipher=", in: work), !c.isEmpty {
                cipher = ReceivedChain.text(c)
            }
        }
        // Exim / OpenSMTPD / Microsoft: "(TLS1.3)", "(TLS1.2:CIPHER:256)", "(TLSv1.2:CIPHER:256)", "(TLS)".
        // qmail TLS patch: "(CIPHER encrypted)".
        for comment in clauses.comments.prefix(64) where comment.count <= 256 {
            // Real TLS comments are short: "(TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256)", "(X encrypted)".
            var c = comment
            while let f = c.first, f == 0x20 { c = c.dropFirst() }
            while let l = c.last, l == 0x20 { c = c.dropLast() }
            if c.isEmpty { continue }
            if !c.contains(0x20), TLSInfo.isTLSComment(c) {
                found = true
                let parts = c.split(separator: Byte.colon, maxSplits: 2, omittingEmptySubsequences: false)
                if version == nil { version = TLSInfo.normaliseVersion(parts[0]) }
                if cipher == nil, parts.count >= 2, !parts[1].isEmpty { cipher = ReceivedChain.text(parts[1]) }
                continue
            }
            let words = c.split(separator: 0x20)
            if words.count == 2, ASCII.equalsLower(words[1], "encrypted"),
               words[0].contains(Byte.hyphen) || words[0].contains(Byte.underscore) {
                found = true
                if cipher == nil { cipher = ReceivedChain.text(words[0]) }
            }
        }
        // Exim 4.93+: "with esmtps (TLS1.3) tls TLS_AES_256_GCM_SHA384".
        let ww = clauses.withClauseWords
        var k = 0
        while k + 1 < ww.count {
            if ASCII.equalsLower(ww[k], "tls") {
                found = true
                if cipher == nil { cipher = ReceivedChain.text(ww[k + 1]) }
                break
            }
            k += 1
        }
    }

    /// A run of bytes up to whitespace, `)`, `,` or `;`.
    static func token(_ work: [UInt8], from: Int) -> ArraySlice<UInt8> {
        guard from >= 0, from <= work.count else { return [] }
        var i = from
        while i < work.count, i - from < 128 {
            let b = work[i]
            if b == 0x20 || b == Byte.rparen || b == Byte.comma || b == Byte.semicolon { break }
            i += 1
        }
        return work[from..<i]
    }

    /// The value of `key` (lowercase, e.g. "version=") where the key starts a word.
    static func keyValue(_ key: String, in work: [UInt8]) -> ArraySlice<UInt8>? {
        let needle = Array(key.utf8)
        var from = 0
        var tries = 0
        while tries < 64, let at = ASCII.find(needle, in: work, from: from) {
            tries += 1
            let before: UInt8 = at > 0 ? work[at - 1] : 0x20
            if before == 0x20 || before == Byte.lparen || before == Byte.comma {
                return token(work, from: at + needle.count)
            }
            from = at + 1
        }
        return nil
    }

    /// `TLS`, `SSL`, a version (`TLS1.3`, `TLSv1.2`, `TLSv1/SSLv3`), optionally followed by `:cipher[:bits...]`.
    static func isTLSComment(_ c: ArraySlice<UInt8>) -> Bool {
        let head = c.prefix(while: { $0 != Byte.colon })
        return ASCII.equalsLower(head, "tls") || ASCII.equalsLower(head, "ssl")
            || ASCII.equalsLower(head, "tlsv1/sslv3") || normaliseVersion(head) != nil
    }

    static func isTLSName(_ v: ArraySlice<UInt8>) -> Bool {
        guard v.count >= 3 else { return false }
        return ASCII.equalsLower(v.prefix(3), "tls") || ASCII.equalsLower(v.prefix(3), "ssl")
    }

    /// "TLSv1.3", "TLS1_3", "TLS1.3", "tlsv1.2", "TLSv1", "TLS1" -> "TLSv1.x"; "SSLv3" -> "SSLv3";
    /// anything else (e.g. OpenSSL's cipher family "TLSv1/SSLv3", or bare "TLS") -> nil.
    static func normaliseVersion(_ v: ArraySlice<UInt8>) -> String? {
        guard v.count >= 3, v.count <= 16 else { return nil }
        let isSSL = ASCII.equalsLower(v.prefix(3), "ssl")
        var rest = v.dropFirst(3)
        if let f = rest.first, f == Byte.lowerV || f == Byte.upperV { rest = rest.dropFirst() }
        guard let major = rest.first, ASCII.isDigit(major) else { return nil }
        rest = rest.dropFirst()
        var minor: UInt8 = Byte.zero
        if let sep = rest.first {
            guard sep == Byte.dot || sep == Byte.underscore, rest.count == 2,
                  let m = rest.last, ASCII.isDigit(m) else { return nil }
            minor = m
        }
        if isSSL {
            // Only versions that exist: SSL 2.0 and 3.0.
            guard rest.isEmpty || minor == Byte.zero, major == Byte.zero + 2 || major == Byte.zero + 3 else { return nil }
            return "SSLv" + String(UnicodeScalar(major))
        }
        // TLS 1.0 to 1.3; "TLS1.7" is no version (found by fuzzing), and is not reported as one.
        guard major == Byte.one, minor >= Byte.zero, minor <= Byte.zero + 3 else { return nil }
        return "TLSv1." + String(UnicodeScalar(minor))
    }
}
