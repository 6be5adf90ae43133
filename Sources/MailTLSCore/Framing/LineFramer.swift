/// Splits a byte stream into protocol lines ending in LF (CR LF or bare LF), with a hard bound on line length.
///
/// Framing works on bytes, never on `String`: in Swift `"\r\n"` is one `Character`, and a peer may send any byte.
public struct LineFramer: Sendable {
    public enum FramingError: Error, Equatable, Sendable {
        /// The peer sent more than `maximumLineLength` bytes without a line end.
        case lineTooLong(limit: Int)
    }

    public let maximumLineLength: Int
    private var pending: [UInt8] = []
    private var readIndex = 0

    public init(maximumLineLength: Int = 8192) {
        self.maximumLineLength = maximumLineLength
    }

    /// Bytes received but not yet returned as a line.
    public var bufferedByteCount: Int { pending.count - readIndex }

    /// Returns and forgets every byte not yet framed: used to detect bytes smuggled after a STARTTLS go-ahead.
    public mutating func takeUnframedBytes() -> [UInt8] {
        let rest = Array(pending[readIndex...])
        pending.removeAll(keepingCapacity: true)
        readIndex = 0
        return rest
    }

    public mutating func append<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        if readIndex > 0 && readIndex == pending.count {
            pending.removeAll(keepingCapacity: true)
            readIndex = 0
        }
        pending.append(contentsOf: bytes)
    }

    /// The next complete line without its line end, or nil when more bytes are needed.
    public mutating func nextLine() throws(FramingError) -> [UInt8]? {
        let start = readIndex
        var index = start
        while index < pending.count {
            if pending[index] == UInt8(ascii: "\n") {
                var end = index
                if end > start && pending[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                guard end - start <= maximumLineLength else { throw .lineTooLong(limit: maximumLineLength) }
                let line = Array(pending[start..<end])
                readIndex = index + 1
                if readIndex > 65536 {
                    pending.removeFirst(readIndex)
                    readIndex = 0
                }
                return line
            }
            index += 1
        }
        if pending.count - start > maximumLineLength + 1 { throw .lineTooLong(limit: maximumLineLength) }
        return nil
    }
}

extension Array where Element == UInt8 {
    /// A printable rendering of a protocol line: valid UTF-8 as is, other bytes as `\xNN`, and every character a
    /// terminal would act on escaped (see `PeerText`).
    public var printableLine: String { PeerText.escaped(bytes: self) }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
