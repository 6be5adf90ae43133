/// Client networks allowed to connect, as CIDR blocks (`192.168.10.0/24`, `2001:db8::/32`, `127.0.0.1`). An IPv4
/// client seen as an IPv4-mapped IPv6 address (`::ffff:192.168.10.5`, on a dual-stack listener) matches its IPv4
/// block.
public struct NetworkAllowList: Sendable, Equatable, CustomStringConvertible {
    public struct Block: Sendable, Equatable, CustomStringConvertible {
        /// 16 bytes; IPv4 as IPv4-mapped IPv6.
        let address: [UInt8]
        /// Prefix length over the 16 bytes.
        let prefix: Int
        public let description: String

        public func contains(_ candidate: [UInt8]) -> Bool {
            guard candidate.count == 16 else { return false }
            var remaining = prefix
            for index in 0..<16 where remaining > 0 {
                let bits = min(8, remaining)
                let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
                if candidate[index] & mask != address[index] & mask { return false }
                remaining -= bits
            }
            return true
        }
    }

    public enum ParseError: Error, Equatable, Sendable {
        case malformed(String)
    }

    public let blocks: [Block]

    public init(blocks: [Block]) {
        self.blocks = blocks
    }

    public static let loopback = try! NetworkAllowList(["127.0.0.0/8", "::1/128"])

    public init(_ texts: [String]) throws(ParseError) {
        var blocks: [Block] = []
        for text in texts {
            blocks.append(try NetworkAllowList.block(text))
        }
        self.blocks = blocks
    }

    static func block(_ text: String) throws(ParseError) -> Block {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let host = parts.first, let bytes = NetworkAllowList.parse(address: String(host)) else {
            throw .malformed(text)
        }
        let isIPv4 = !host.contains(":")
        let width = isIPv4 ? 32 : 128
        var length = width
        if parts.count == 2 {
            guard let value = Int(parts[1]), (0...width).contains(value) else { throw .malformed(text) }
            length = value
        }
        return Block(address: bytes, prefix: isIPv4 ? length + 96 : length, description: text)
    }

    public func allows(_ address: String) -> Bool {
        guard let bytes = NetworkAllowList.parse(address: address) else { return false }
        return blocks.contains { $0.contains(bytes) }
    }

    public var description: String { blocks.map(\.description).joined(separator: ", ") }

    /// Whether only loopback clients can connect.
    public var isLoopbackOnly: Bool {
        blocks.allSatisfy { block in
            block.prefix >= 104 && block.address[..<12] == NetworkAllowList.mappedPrefix[...] && block.address[12] == 127
                || block.prefix == 128 && block.address == NetworkAllowList.parse(address: "::1")
        }
    }

    static let mappedPrefix: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]

    /// 16 bytes for an IPv4 or IPv6 literal (IPv4 as IPv4-mapped), nil for anything else. A zone (`%eth0`) is ignored.
    public static func parse(address text: String) -> [UInt8]? {
        let text = text.split(separator: "%", maxSplits: 1).first.map(String.init) ?? text
        if !text.contains(":") {
            guard let v4 = parseIPv4(text) else { return nil }
            return mappedPrefix + v4
        }
        return parseIPv6(text)
    }

    static func parseIPv4(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCIIDigit), let value = UInt8(part) else {
                return nil
            }
            bytes.append(value)
        }
        return bytes
    }

    static func parseIPv6(_ text: String) -> [UInt8]? {
        guard text.count <= 45 else { return nil }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt8]? {
            guard !part.isEmpty else { return [] }
            var bytes: [UInt8] = []
            let fields = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, field) in fields.enumerated() {
                if index == fields.count - 1, field.contains(".") {
                    guard let v4 = parseIPv4(String(field)) else { return nil }
                    bytes += v4
                    continue
                }
                guard (1...4).contains(field.count), let value = UInt16(field, radix: 16) else { return nil }
                bytes += [UInt8(value >> 8), UInt8(value & 0xFF)]
            }
            return bytes
        }
        guard let head = groups(halves[0]) else { return nil }
        if halves.count == 1 { return head.count == 16 ? head : nil }
        guard let tail = groups(halves[1]), head.count + tail.count <= 14 else { return nil }
        return head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
