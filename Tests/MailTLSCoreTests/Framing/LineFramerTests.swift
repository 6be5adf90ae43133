import Testing

@testable import MailTLSCore

@Suite struct LineFramerTests {
    @Test func splitsCRLFAndBareLF() throws {
        var framer = LineFramer()
        framer.append(Array("one\r\ntwo\nthree".utf8))
        #expect(try framer.nextLine() == Array("one".utf8))
        #expect(try framer.nextLine() == Array("two".utf8))
        #expect(try framer.nextLine() == nil)
        framer.append(Array("\r\n".utf8))
        #expect(try framer.nextLine() == Array("three".utf8))
        #expect(framer.bufferedByteCount == 0)
    }

    /// A reply split at every byte position frames to the same lines.
    @Test func everySplitPositionGivesTheSameLines() throws {
        let bytes = Array("250-mail.example\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n".utf8)
        for split in 0...bytes.count {
            var framer = LineFramer()
            var lines: [[UInt8]] = []
            framer.append(bytes[..<split])
            while let line = try framer.nextLine() { lines.append(line) }
            framer.append(bytes[split...])
            while let line = try framer.nextLine() { lines.append(line) }
            #expect(lines.map { String(decoding: $0, as: UTF8.self) } == ["250-mail.example", "250-STARTTLS",
                                                                          "250 AUTH PLAIN"], "split at \(split)")
        }
    }

    @Test func refusesOverlongLinesWithoutWaitingForTheEnd() {
        var framer = LineFramer(maximumLineLength: 100)
        framer.append([UInt8](repeating: UInt8(ascii: "A"), count: 150))
        #expect(throws: LineFramer.FramingError.lineTooLong(limit: 100)) { try framer.nextLine() }
    }

    @Test func refusesAnOverlongTerminatedLine() {
        var framer = LineFramer(maximumLineLength: 10)
        framer.append(Array("0123456789ABC\r\n".utf8))
        #expect(throws: LineFramer.FramingError.lineTooLong(limit: 10)) { try framer.nextLine() }
    }

    @Test func takeUnframedBytesReturnsEverythingNotYetRead() throws {
        var framer = LineFramer()
        framer.append(Array("220 Ready to start TLS\r\n250 injected\r\npartial".utf8))
        _ = try framer.nextLine()
        #expect(framer.takeUnframedBytes() == Array("250 injected\r\npartial".utf8))
        #expect(framer.bufferedByteCount == 0)
    }

    @Test func printableLineEscapesControlAndInvalidBytes() {
        #expect([0x41, 0x00, 0x42].printableLine == "A\\x00B")
        #expect([0xFF, 0x41].printableLine == "\\xFFA")
        #expect(Array("日本".utf8).printableLine == "日本")
    }
}
