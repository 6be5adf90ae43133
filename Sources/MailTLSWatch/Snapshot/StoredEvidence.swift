import Foundation

/// Typed evidence kept in a history row as JSON text: the row decodes as plain strings (cheap, for a 10,000-target
/// dashboard's first request), and the evidence is decoded only when an alert or a page words it. Rows written
/// before evidence was typed hold the English words themselves: those read back through `data`.
public struct StoredEvidence<Value: Codable & Hashable & Sendable>: Codable, Hashable, Sendable {
    public let text: String

    /// Sorted keys: the same value is always the same text (equality and hashing go by the text).
    public init(_ value: Value) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        text = (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    public init(from decoder: any Decoder) throws {
        text = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }

    public func value(orData data: (String) -> Value) -> Value {
        guard text.hasPrefix("{"), let value = try? JSONDecoder().decode(Value.self, from: Data(text.utf8)) else {
            return data(text)
        }
        return value
    }
}
