import MailTLSCore
/// Record types mailtls asks for.
public enum DNSRecordType: Int32, Sendable, CaseIterable {
    case a = 1
    case cname = 5
    case mx = 15
    case txt = 16
    case aaaa = 28
    case srv = 33
    case ds = 43
    case dnskey = 48
    case tlsa = 52
}

/// Whether an answer was validated. - SeeAlso: RFC 4033
public enum DNSSECStatus: Sendable, Equatable, Codable {
    /// Signed and validated from a trust anchor.
    case secure
    /// Not signed (or no trust anchor covers it).
    case insecure
    /// Signed, but validation failed: the data may have been tampered with.
    case bogus(reason: String)

    public var label: String {
        switch self {
        case .secure: "secure"
        case .insecure: "insecure"
        case .bogus: "bogus"
        }
    }
}

/// One answer: its records (typed), whether it validated, and whether the name exists.
public struct DNSAnswer<Record: Sendable & Equatable>: Sendable, Equatable {
    public var name: String
    public var records: [Record]
    public var status: DNSSECStatus
    /// The name does not exist (NXDOMAIN); `records` is then empty.
    public var nameDoesNotExist: Bool
    public var responseCode: Int
    public var canonicalName: String?

    public init(name: String, records: [Record], status: DNSSECStatus, nameDoesNotExist: Bool = false,
                responseCode: Int = 0, canonicalName: String? = nil) {
        self.name = name
        self.records = records
        self.status = status
        self.nameDoesNotExist = nameDoesNotExist
        self.responseCode = responseCode
        self.canonicalName = canonicalName
    }

    public func map<Other: Sendable & Equatable>(_ transform: (Record) throws -> Other?) rethrows -> DNSAnswer<Other> {
        DNSAnswer<Other>(name: name, records: try records.compactMap(transform), status: status,
                         nameDoesNotExist: nameDoesNotExist, responseCode: responseCode, canonicalName: canonicalName)
    }
}

public struct MXRecord: Sendable, Equatable, Codable {
    public var preference: UInt16
    public var exchange: String

    public init(preference: UInt16, exchange: String) {
        self.preference = preference
        self.exchange = exchange
    }
}

/// - SeeAlso: RFC 2782; a target of "." means the service is not offered (RFC 6186 section 3.4).
public struct SRVRecord: Sendable, Equatable, Codable {
    public var priority: UInt16
    public var weight: UInt16
    public var port: UInt16
    public var target: String

    public init(priority: UInt16, weight: UInt16, port: UInt16, target: String) {
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target
    }

    public var isNotOffered: Bool { target == "." || target.isEmpty }
}

/// - SeeAlso: RFC 6698, RFC 7672
public struct TLSARecord: Sendable, Equatable, Codable {
    public var usage: UInt8
    public var selector: UInt8
    public var matchingType: UInt8
    public var data: [UInt8]

    public init(usage: UInt8, selector: UInt8, matchingType: UInt8, data: [UInt8]) {
        self.usage = usage
        self.selector = selector
        self.matchingType = matchingType
        self.data = data
    }

    /// The association data in lower-case hex, as zone files write it.
    public var dataHex: String { TLSARecord.hex(data) }

    /// Lower-case hex, two digits a byte.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef")
        return bytes.map { "\(digits[Int($0 >> 4)])\(digits[Int($0 & 0x0F)])" }.joined()
    }

    /// `3 1 1 <hex>`: the record as a zone file writes it.
    public var presentation: String { "\(usage) \(selector) \(matchingType) \(dataHex)" }
}

/// Parses record data in wire format (names uncompressed, as libunbound returns them). Pure and bounded.
public enum RDataParser {
    public static func name(_ bytes: [UInt8], at start: Int = 0) -> (String, Int)? {
        var labels: [String] = []
        var index = start
        var total = 0
        while index < bytes.count {
            let length = Int(bytes[index])
            if length == 0 { return (labels.isEmpty ? "." : labels.joined(separator: ".") + ".", index + 1) }
            guard length < 64, index + 1 + length <= bytes.count else { return nil }
            total += length + 1
            guard total <= 255 else { return nil }
            labels.append(presentation(bytes[(index + 1)..<(index + 1 + length)]))
            index += 1 + length
        }
        return nil
    }

    /// A label in presentation format (RFC 1035 section 5.1): printable ASCII as it is, every other byte, and the
    /// characters that mean something in a name (`.` `\` `"` `;` `(` `)` `@` `$`), as `\DDD`. A name from a
    /// hostile zone can then neither reach a terminal raw nor change meaning, and libunbound reads it back as it was.
    static func presentation(_ label: ArraySlice<UInt8>) -> String {
        var text = ""
        for byte in label {
            if byte > 0x20 && byte < 0x7F && !specialInNames.contains(byte) {
                text.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let digits = String(byte)
                text += "\\" + String(repeating: "0", count: 3 - digits.count) + digits
            }
        }
        return text
    }

    private static let specialInNames = Set(".\\\";()@$".utf8)

    public static func mx(_ bytes: [UInt8]) -> MXRecord? {
        guard bytes.count >= 3, let (exchange, end) = name(bytes, at: 2), end == bytes.count else { return nil }
        return MXRecord(preference: UInt16(bytes[0]) << 8 | UInt16(bytes[1]), exchange: exchange)
    }

    public static func srv(_ bytes: [UInt8]) -> SRVRecord? {
        guard bytes.count >= 7, let (target, end) = name(bytes, at: 6), end == bytes.count else { return nil }
        func word(_ at: Int) -> UInt16 { UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1]) }
        return SRVRecord(priority: word(0), weight: word(2), port: word(4), target: target)
    }

    /// A TXT record's character-strings joined, as RFC 8461 and RFC 8460 read them.
    public static func txt(_ bytes: [UInt8]) -> String? {
        var index = 0
        var text: [UInt8] = []
        while index < bytes.count {
            let length = Int(bytes[index])
            guard index + 1 + length <= bytes.count else { return nil }
            text += bytes[(index + 1)..<(index + 1 + length)]
            index += 1 + length
        }
        // Only ever parsed as v=STSv1 / v=TLSRPTv1 text or shown as evidence: never with a control character.
        return PeerText.escaped(bytes: text)
    }

    public static func tlsa(_ bytes: [UInt8]) -> TLSARecord? {
        guard bytes.count >= 3 else { return nil }
        return TLSARecord(usage: bytes[0], selector: bytes[1], matchingType: bytes[2], data: Array(bytes[3...]))
    }

    public static func a(_ bytes: [UInt8]) -> String? {
        bytes.count == 4 ? bytes.map(String.init).joined(separator: ".") : nil
    }

    public static func aaaa(_ bytes: [UInt8]) -> String? {
        guard bytes.count == 16 else { return nil }
        var groups: [String] = []
        for index in stride(from: 0, to: 16, by: 2) {
            groups.append(String(UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]), radix: 16))
        }
        return groups.joined(separator: ":")
    }
}
