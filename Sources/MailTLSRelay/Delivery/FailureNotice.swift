import Foundation
import MailTLSCore
import MailTLSSessions

/// The message that tells a sender (or an admin) that mail could not be delivered: a delivery status notification
/// (RFC 3464, `multipart/report`) with a human-readable part in the words the caller supplies (English and
/// Japanese), the machine-readable status per recipient, and the original message's header.
public enum FailureNotice {
    public struct Wording: Sendable {
        /// A one-line subject, any language (encoded as RFC 2047 when not ASCII).
        public var subject: String
        /// The explanation: what failed, the upstream's reply, what it means and what to do.
        public var body: String

        public init(subject: String, body: String) {
            self.subject = subject
            self.body = body
        }
    }

    /// - Parameters:
    ///   - from: the notice's From address (the upstream account when the relay pins its sender).
    ///   - to: who reads it.
    ///   - originalHeader: the undelivered message's header block, as stored (dot-stuffed lines are undone here).
    public static func compose(record: SpoolRecord, wording: Wording, hostname: String, from: String, to: [String],
                               originalHeader: [UInt8], date: Date = Date()) -> [UInt8] {
        let boundary = "mailtls-\(record.id)-report"
        var lines: [String] = [
            "From: Mail Delivery System <\(from)>",
            "To: \(to.map { "<\($0)>" }.joined(separator: ", "))",
            "Subject: \(encodedWord(wording.subject))",
            "Date: \(RFC5322Date.format(date))",
            "Message-ID: <\(record.id).notice@\(hostname)>",
            "Auto-Submitted: auto-replied",
            "MIME-Version: 1.0",
            "Content-Type: multipart/report; report-type=delivery-status; boundary=\"\(boundary)\"",
            "",
            "This is a MIME-encapsulated message.",
            "",
            "--\(boundary)",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
        ]
        // Text in canonical form (CRLF line ends), then base64: the words are UTF-8, Japanese included.
        let body = wording.body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        lines += wrapped(Base64.encode(Array(body.utf8)), width: 76)
        lines += [
            "",
            "--\(boundary)",
            "Content-Type: message/delivery-status",
            "",
            "Reporting-MTA: dns; \(hostname)",
            "X-Mailtls-Queue-ID: \(record.id)",
            "Arrival-Date: \(RFC5322Date.format(Date(timeIntervalSince1970: record.arrival)))",
        ]
        for recipient in record.failedRecipients {
            let reply = recipient.reply ?? "no reply"
            lines += [
                "",
                "Final-Recipient: rfc822; \(recipient.address)",
                "Action: failed",
                "Status: \(status(from: reply))",
                "Diagnostic-Code: smtp; \(String(reply.prefix(900)))",
            ]
        }
        lines += ["", "--\(boundary)", "Content-Type: text/rfc822-headers", ""]
        var output = Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
        output += undoDotStuffing(originalHeader)
        output += Array("\r\n--\(boundary)--\r\n".utf8)
        return output
    }

    /// A plain-text message in the words given (UTF-8, base64, the subject encoded when not ASCII): what a monitor's
    /// alert mail is.
    public static func textMessage(wording: Wording, from: String, to: [String], messageID: String,
                                   date: Date = Date()) -> [UInt8] {
        var lines: [String] = [
            "From: <\(from)>",
            "To: \(to.map { "<\($0)>" }.joined(separator: ", "))",
            "Subject: \(encodedWord(wording.subject))",
            "Date: \(RFC5322Date.format(date))",
            "Message-ID: <\(messageID)>",
            "Auto-Submitted: auto-generated",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
        ]
        let body = wording.body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        lines += wrapped(Base64.encode(Array(body.utf8)), width: 76)
        return Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    /// The enhanced status code of a reply (`5.7.30`), or one from its class.
    static func status(from reply: String) -> String {
        for word in reply.split(separator: " ").prefix(4) {
            let parts = word.split(separator: ".")
            if parts.count == 3, ["2", "4", "5"].contains(parts[0]), parts.allSatisfy({ $0.allSatisfy(\.isNumber) }) {
                return String(word)
            }
        }
        return reply.hasPrefix("4") ? "4.0.0" : "5.0.0"
    }

    /// RFC 2047 `=?UTF-8?B?...?=` for a subject that is not plain ASCII.
    static func encodedWord(_ full: String) -> String {
        let full = full.filter { !$0.isNewline }
        guard let firstForeign = full.firstIndex(where: { !$0.isASCII }) else { return full }
        // The ASCII words before the first other character stay readable; the rest is encoded.
        let split = full[..<firstForeign].lastIndex(of: " ").map { full.index(after: $0) } ?? full.startIndex
        let readable = String(full[..<split])
        let text = String(full[split...])
        // Each encoded word stays under 75 characters: 45 bytes of UTF-8 at most, split between characters.
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text where !character.isNewline {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?\(Base64.encode(chunk))?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(Base64.encode(chunk))?=") }
        return readable + words.joined(separator: "\r\n ")
    }

    static func wrapped(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            lines.append(String(rest.prefix(width)))
            rest = rest.dropFirst(width)
        }
        return lines
    }

    /// The header block of stored content: lines up to the first empty one, leading dots undone, at most 64 KiB.
    public static func header(ofStored content: [UInt8]) -> [UInt8] {
        MessageHeaders.headerBytes(of: Array(content.prefix(64 << 10)))
    }

    static func undoDotStuffing(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var lineStart = true
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if lineStart && byte == UInt8(ascii: ".") && index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: ".") {
                index += 1
            }
            output.append(bytes[index])
            lineStart = bytes[index] == 0x0A
            index += 1
        }
        return output
    }
}
