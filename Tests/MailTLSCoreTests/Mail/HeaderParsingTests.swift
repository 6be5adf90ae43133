import Foundation
import Testing
@testable import MailTLSCore

@Suite struct HeaderParsingTests {
    private func parse(_ s: String) -> [HeaderField] { MessageHeaders.parse(Array(s.utf8)) }

    @Test func unfoldsCRLFAndLFContinuationLines() {
        let crlf = "Received: from a (a [192.0.2.1])\r\n\tby b (Postfix) with ESMTPS id X\r\n        for <c@d>; Mon,  8 Jul 2024 20:37:04 +1000\r\nSubject: hi\r\n\r\nbody: no\r\n"
        let fields = parse(crlf)
        #expect(fields == [
            HeaderField(name: "Received", value: "from a (a [192.0.2.1]) by b (Postfix) with ESMTPS id X for <c@d>; Mon,  8 Jul 2024 20:37:04 +1000"),
            HeaderField(name: "Subject", value: "hi"),
        ])
        #expect(parse(crlf.replacingOccurrences(of: "\r\n", with: "\n")) == fields)
    }

    @Test func foldWithTrailingWhitespaceAndBlankContinuation() {
        let fields = parse("X-A: one   \n \t two\n \t\n three\nX-B:\n  folded-only\n")
        #expect(fields == [HeaderField(name: "X-A", value: "one two three"),
                           HeaderField(name: "X-B", value: "folded-only")])
    }

    @Test func trimsValuesAndKeepsNameCase() {
        let fields = parse("DKIM-Signature:   v=1;  \nreceived :\tfrom x by y\n")
        #expect(fields == [HeaderField(name: "DKIM-Signature", value: "v=1;"),
                           HeaderField(name: "received", value: "from x by y")])
    }

    @Test func stopsAtFirstEmptyLine() {
        let fields = parse("A: 1\n\nB: 2\n")
        #expect(fields == [HeaderField(name: "A", value: "1")])
        #expect(parse("A: 1\r\n\r\nB: 2\r\n") == fields)
        #expect(parse("\nA: 1\n").isEmpty)
    }

    @Test func skipsLinesWithoutAValidName() {
        let fields = parse("From someone@example.com Mon Jan  1 00:00:00 2024\n continuation of nothing\nA: 1\nno colon here\nBad Name: x\n: empty\nB: 2\n")
        #expect(fields == [HeaderField(name: "A", value: "1"), HeaderField(name: "B", value: "2")])
    }

    @Test func leadingContinuationIsIgnored() {
        #expect(parse(" lead\nA: 1\n") == [HeaderField(name: "A", value: "1")])
    }

    @Test func valuesIsCaseInsensitiveAndOrdered() {
        let fields = parse("Received: 1\nX: a\nRECEIVED: 2\nreceived: 3\n")
        #expect(MessageHeaders.values("received", in: fields) == ["1", "2", "3"])
        #expect(MessageHeaders.values("Received", in: fields) == ["1", "2", "3"])
        #expect(MessageHeaders.values("x", in: fields) == ["a"])
        #expect(MessageHeaders.values("Missing", in: fields).isEmpty)
    }

    @Test func invalidUTF8BecomesReplacementCharacter() {
        let bytes: [UInt8] = Array("A: x".utf8) + [0xFF, 0xC0] + Array("y\n".utf8)
        let fields = MessageHeaders.parse(bytes)
        #expect(fields.count == 1)
        #expect(fields.first?.value == "x\u{FFFD}\u{FFFD}y")
    }

    @Test func atMost500Fields() {
        var s = ""
        for i in 0..<800 { s += "X-\(i): \(i)\n" }
        let fields = parse(s)
        #expect(fields.count == 500)
        #expect(fields.last == HeaderField(name: "X-499", value: "499"))
    }

    @Test func valueIsCutAt16KiB() {
        var s = "A: " + String(repeating: "a", count: 10_000)
        for _ in 0..<10 { s += "\n " + String(repeating: "b", count: 5_000) }
        s += "\nB: after\n"
        let fields = parse(s)
        #expect(fields.count == 2)
        #expect(fields[0].value.utf8.count == 16 * 1024)
        #expect(fields[0].value.hasPrefix("aaaa"))
        #expect(fields[1] == HeaderField(name: "B", value: "after"))
        // Invalid bytes expand to U+FFFD when decoded: the result is still within the limit.
        let bad = Array("C: ".utf8) + [UInt8](repeating: 0xFF, count: 20_000) + [0x0A]
        let cut = MessageHeaders.parse(bad)
        #expect(cut.count == 1)
        #expect((cut.first?.value.utf8.count ?? 0) <= 16 * 1024)
    }

    @Test func inputBeyond256KiBIsIgnored() {
        let limit = 256 * 1024
        var s = ""
        var i = 0
        while limit - 150 - s.utf8.count > 2000 {
            let head = "X-\(i): "
            s += head + String(repeating: "v", count: 1000 - head.utf8.count - 1) + "\n"
            i += 1
        }
        let pad = limit - 150 - s.utf8.count
        s += "P: " + String(repeating: "p", count: pad - 4) + "\n"
        #expect(s.utf8.count == limit - 150)
        s += "Y-Last: " + String(repeating: "w", count: 300) + "\nZ-Beyond: never\n"
        let fields = parse(s)
        #expect(fields.count == i + 2)
        #expect(!fields.contains { $0.name == "Z-Beyond" })
        #expect(fields.last == HeaderField(name: "Y-Last", value: String(repeating: "w", count: 150 - 8)))
    }

    @Test func chainIsBottomFirst() {
        let fields = parse("Received: from c by d with ESMTPS; 1 Jan 2024 00:00:02 +0000\nReceived: from b by c with ESMTP; 1 Jan 2024 00:00:01 +0000\nReceived: by b (Postfix, from userid 1000) id 1; 1 Jan 2024 00:00:00 +0000\n")
        let hops = ReceivedChain.hops(in: fields)
        #expect(hops.map(\.by) == ["b", "c", "d"])
        #expect(hops.map(\.encryption) == [.local, .unencrypted, .encrypted])
    }
}
