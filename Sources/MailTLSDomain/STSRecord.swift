/// The `_mta-sts.<domain>` TXT record: `v=STSv1; id=20160831085700Z;`.
/// - SeeAlso: RFC 8461 section 3.1
public struct STSRecord: Sendable, Equatable {
    public var id: String
    public var extensions: [String: String]

    public enum Problem: Error, Sendable, Hashable, Codable {
        case notSTS
        case missingID
        case badID(String)
        case malformedField(String)

        /// In a few words, for the evidence.
        public var evidence: String {
            switch self {
            case .notSTS: "not v=STSv1"
            case .missingID: "no id"
            case .badID(let id): "id \"\(id)\" is not 1 to 32 letters or digits"
            case .malformedField(let field): "malformed field \"\(field)\""
            }
        }
    }

    /// Parses one TXT string. Records not starting with `v=STSv1` are not STS records at all (`.notSTS`).
    public static func parse(_ text: String) -> Result<STSRecord, Problem> {
        let fields = TagValueList.parse(text)
        guard let first = fields.first, first.key == "v", first.value == "STSv1" else { return .failure(.notSTS) }
        var id: String?
        var extensions: [String: String] = [:]
        for field in fields.dropFirst() {
            guard !field.key.isEmpty else { return .failure(.malformedField(field.raw)) }
            if field.key == "id" {
                id = field.value
            } else {
                extensions[field.key] = field.value
            }
        }
        guard let id else { return .failure(.missingID) }
        guard (1...32).contains(id.count), id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            return .failure(.badID(id))
        }
        return .success(STSRecord(id: id, extensions: extensions))
    }
}

/// `key=value; key=value` lists as STS and TLS-RPT records write them (RFC 8461 3.1, RFC 8460 3).
enum TagValueList {
    struct Field: Equatable {
        var key: String
        var value: String
        var raw: String
    }

    static func parse(_ text: String) -> [Field] {
        text.split(separator: ";").compactMap { part in
            let raw = part.trimmingWhitespace()
            guard !raw.isEmpty else { return nil }
            guard let equals = raw.firstIndex(of: "=") else { return Field(key: "", value: "", raw: raw) }
            return Field(key: String(raw[..<equals]).trimmingWhitespace(),
                         value: String(raw[raw.index(after: equals)...]).trimmingWhitespace(), raw: raw)
        }
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var slice = self[...]
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
