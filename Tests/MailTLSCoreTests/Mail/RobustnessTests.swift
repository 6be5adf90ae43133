import Foundation
import Testing
@testable import MailTLSCore

/// Deterministic generator (SplitMix64) so a failure can be reproduced from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct RobustnessTests {
    static let pieces: [[UInt8]] = [
        "Received: ", "from ", "by ", "with ", "ESMTPS ", "esmtps ", "LMTP ", "Microsoft SMTP Server ", "id ", "for ",
        "via ", "(", ")", "((((", "))))", "[", "]", "[IPv6:::1]", "[127.0.0.1]", "[192.0.2.1]:25", "(using TLSv1.3 with cipher ",
        "version=TLS1_3 ", "cipher=", "(TLS1.2:ECDHE:256)", "tls ", "(TLS)", " encrypted)", ";", "; ", ",", ":", "\"", "\\",
        "<", ">", "@", "localhost ", "from userid ", "invoked by uid", "Mon, 1 Jan 2024 00:00:00 +0000", "+9999999999",
        "31 Feb 2024 25:61:61", "\r\n", "\n", "\r\n ", "\n\t", "\r\n\r\n", " ", "\t", "\0", "\u{FFFD}", "Ω",
        "Subject: x\n", "IPv6:", "::", "ffff:", "%", "255.255.255.256", "(from x@localhost)",
    ].map { Array($0.utf8) }

    static func randomInput(_ rng: inout SplitMix64, _ fixtures: [[UInt8]]) -> [UInt8] {
        // Category weights out of 40: random bytes 6, huge folded line 2, deep nesting 2, many fields 1,
        // mutated real fixture 14, oversized input 1, concatenated pieces 14.
        switch rng.next() % 40 {
        case 0..<6: // random bytes, including NUL and invalid UTF-8
            let n = Int(rng.next() % 4096)
            return (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        case 6, 7: // huge folded line
            var out = Array("Received: from a".utf8)
            let folds = Int(rng.next() % 5_000)   // up to ~100 KB, far beyond the 16 KiB value limit
            for _ in 0..<folds { out += Array("\r\n (x [1.2.3.4]) by".utf8) }
            return out
        case 8, 9: // deep nesting, balanced or not
            let depth = Int(rng.next() % 20_000)
            let open = [UInt8](repeating: UInt8(ascii: "("), count: depth)
            let close = [UInt8](repeating: UInt8(ascii: ")"), count: Int(rng.next() % UInt64(depth + 1)))
            return Array("Received: from x ".utf8) + open + Array("with ESMTPS; Mon".utf8) + close + Array("\n".utf8)
        case 10: // many fields
            var out: [UInt8] = []
            for i in 0..<Int(rng.next() % 1_500) { out += Array("Received: by h\(i) with SMTP; 1 Jan 2024 00:00:00 +0000\n".utf8) }
            return out
        case 11..<25: // mutated real fixture
            guard !fixtures.isEmpty else { return [] }
            var f = fixtures[Int(rng.next() % UInt64(fixtures.count))]
            let edits = Int(rng.next() % 64)
            for _ in 0..<edits where !f.isEmpty {
                let at = Int(rng.next() % UInt64(f.count))
                switch rng.next() % 4 {
                case 0: f[at] = UInt8(truncatingIfNeeded: rng.next())
                case 1: f.remove(at: at)
                case 2: f.insert(contentsOf: pieces[Int(rng.next() % UInt64(pieces.count))], at: at)
                default: f.removeSubrange(at..<min(f.count, at + Int(rng.next() % 200)))
                }
            }
            return f
        case 25: // very long input beyond the 256 KiB limit
            var out = Array("Received: ".utf8)
            let n = 256 * 1024 + Int(rng.next() % 100_000)
            out += [UInt8](repeating: UInt8(ascii: "("), count: n / 2)
            out += [UInt8](repeating: UInt8(ascii: ";"), count: n / 2)
            return out
        default: // random concatenation of meaningful pieces
            var out: [UInt8] = []
            for _ in 0..<Int(rng.next() % 300) { out += pieces[Int(rng.next() % UInt64(pieces.count))] }
            return out
        }
    }

    @Test func tenThousandHostileInputsNeverTrap() throws {
        let fixtures = try fixtureNames.map { try loadFixture($0) }
        var rng = SplitMix64(state: 0x5EED_2026)
        var hopsSeen = 0
        for _ in 0..<10_000 {
            let input = RobustnessTests.randomInput(&rng, fixtures)
            let fields = MessageHeaders.parse(input)
            #expect(fields.count <= MessageHeaders.maxFields)
            for f in fields {
                #expect(f.value.utf8.count <= MessageHeaders.maxValueBytes)
                #expect(!f.name.isEmpty)
            }
            let hops = ReceivedChain.hops(in: fields)
            #expect(hops.count == MessageHeaders.values("received", in: fields).count)
            hopsSeen += hops.count
            // hop() directly on the raw bytes, as a (lossy) string, must not trap either.
            let direct = ReceivedChain.hop(String(decoding: input.prefix(40_000), as: UTF8.self))
            if let v = direct.tlsVersion { #expect(v.hasPrefix("TLSv1.") || v.hasPrefix("SSLv")) }
        }
        #expect(hopsSeen > 0)
    }

    @Test func pathologicalSingleValues() {
        let cases: [String] = [
            String(repeating: "(", count: 100_000),
            String(repeating: ")", count: 100_000),
            String(repeating: "\\", count: 100_001),
            String(repeating: "\"", count: 99_999),
            String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000),
            "from " + String(repeating: "[1.2.3.4", count: 10_000),
            "from x (" + String(repeating: "a@", count: 20_000) + ")",
            String(repeating: "version=", count: 10_000),
            String(repeating: "(using ", count: 10_000),
            String(repeating: "with tls ", count: 10_000),
            String(repeating: ";", count: 100_000),
            "from \0\0\0 by \0 with ESMTP\0; \0",
            "from ([IPv6:" + String(repeating: ":", count: 5_000) + "]) by x with SMTP",
            "from (" + String(repeating: "1:", count: 5_000) + ") by x with SMTP; 1 Jan 2024 00:00:00 +0000",
        ]
        for c in cases {
            let hop = ReceivedChain.hop(c)
            #expect(hop.raw == c)
        }
    }
}
