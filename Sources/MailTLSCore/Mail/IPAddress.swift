// Minimal, bounded IP literal validation used to recognise addresses in `from` clauses.

enum IPLiteral {
    /// Normalises a candidate such as `1.2.3.4`, `IPv6:::1`, `fe80::1%6`, `2603:1096:203:82::18`
    /// to the address text (without `IPv6:` prefix and zone), or nil when it is not an IP address.
    static func normalise(_ candidate: Substring) -> String? {
        var s = candidate
        if s.count > 64 { return nil }
        if s.utf8.count >= 5, ASCII.equalsLower(ArraySlice(s.utf8.prefix(5)), "ipv6:") {
            s = s.dropFirst(5)
        }
        if let pct = s.firstIndex(of: "%") { s = s[s.startIndex..<pct] }
        let text = String(s)
        if ipv4(text) != nil || ipv6(text) != nil { return text }
        return nil
    }

    /// Parses a strict dotted quad.
    static func ipv4(_ s: String) -> [UInt8]? {
        let parts = s.utf8.split(separator: Byte.dot, omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for p in parts {
            guard !p.isEmpty, p.count <= 3 else { return nil }
            var v = 0
            for b in p {
                guard ASCII.isDigit(b) else { return nil }
                v = v * 10 + Int(b - 0x30)
            }
            guard v <= 255 else { return nil }
            out.append(UInt8(v))
        }
        return out
    }

    /// Parses an IPv6 address (RFC 4291 section 2.2 text forms) to eight 16-bit groups.
    static func ipv6(_ s: String) -> [UInt16]? {
        let bytes = Array(s.utf8)
        guard bytes.count >= 2, bytes.count <= 45, bytes.contains(Byte.colon) else { return nil }
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var sawDouble = false
        // Split on "::" once.
        if let dbl = ASCII.find(Array("::".utf8), in: bytes) {
            sawDouble = true
            let left = bytes[0..<dbl]
            let right = bytes[(dbl + 2)...]
            if ASCII.find(Array("::".utf8), in: Array(right)) != nil { return nil }
            guard let l = groups(left, allowV4: false), let r = groups(right, allowV4: true) else { return nil }
            head = l
            tail = r
        } else {
            guard let all = groups(bytes[...], allowV4: true) else { return nil }
            head = all
        }
        if sawDouble {
            guard head.count + tail.count <= 7 else { return nil }
            return head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard head.count == 8 else { return nil }
        return head
    }

    private static func groups(_ slice: ArraySlice<UInt8>, allowV4: Bool) -> [UInt16]? {
        if slice.isEmpty { return [] }
        let pieces = slice.split(separator: Byte.colon, omittingEmptySubsequences: false)
        guard pieces.count <= 8 else { return nil }
        var out: [UInt16] = []
        for (idx, piece) in pieces.enumerated() {
            if allowV4 && idx == pieces.count - 1 && piece.contains(Byte.dot) {
                guard let v4 = ipv4(String(decoding: piece, as: UTF8.self)) else { return nil }
                out.append(UInt16(v4[0]) << 8 | UInt16(v4[1]))
                out.append(UInt16(v4[2]) << 8 | UInt16(v4[3]))
                continue
            }
            guard !piece.isEmpty, piece.count <= 4 else { return nil }
            var v: UInt16 = 0
            for b in piece {
                guard ASCII.isHex(b) else { return nil }
                let d: UInt8 = ASCII.isDigit(b) ? b - 0x30 : ASCII.lower(b) - 0x61 + 10
                v = v << 4 | UInt16(d)
            }
            out.append(v)
        }
        return out.count <= 8 ? out : nil
    }

    /// True for 127.0.0.0/8, ::1, and IPv4-mapped/compatible loopback (::ffff:127.x.x.x).
    static func isLoopback(_ address: String) -> Bool {
        if let v4 = ipv4(address) { return v4[0] == 127 }
        if let g = ipv6(address) {
            if g[0..<7].allSatisfy({ $0 == 0 }) && g[7] == 1 { return true }
            if g[0..<5].allSatisfy({ $0 == 0 }) && g[5] == 0xFFFF && (g[6] >> 8) == 127 { return true }
        }
        return false
    }
}
