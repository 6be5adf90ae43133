/// The `_smtp._tls.<domain>` TXT record: `v=TLSRPTv1; rua=mailto:reports@example.com,https://example.com/tlsrpt`.
/// - SeeAlso: RFC 8460 section 3
public struct TLSRPTRecord: Sendable, Equatable {
    public var reportURIs: [String]

    public enum Problem: Error, Sendable, Hashable, Codable {
        case notTLSRPT
        case missingRUA
        case badURI(String)

        /// In a few words, for the evidence.
        public var evidence: String {
            switch self {
            case .notTLSRPT: "not v=TLSRPTv1"
            case .missingRUA: "no rua"
            case .badURI(let uri): "rua \"\(uri)\" is neither mailto: nor https:"
            }
        }
    }

    public static func parse(_ text: String) -> Result<TLSRPTRecord, Problem> {
        let fields = TagValueList.parse(text)
        guard let first = fields.first, first.key == "v", first.value == "TLSRPTv1" else {
            return .failure(.notTLSRPT)
        }
        guard let rua = fields.first(where: { $0.key == "rua" }) else { return .failure(.missingRUA) }
        let uris = rua.value.split(separator: ",").map { $0.trimmingWhitespace() }
        guard !uris.isEmpty else { return .failure(.missingRUA) }
        for uri in uris {
            let lower = uri.lowercased()
            if lower.hasPrefix("mailto:") {
                let address = uri.dropFirst(7)
                guard let at = address.firstIndex(of: "@"), at != address.startIndex,
                      address.index(after: at) != address.endIndex
                else { return .failure(.badURI(uri)) }
            } else if lower.hasPrefix("https://") {
                guard uri.count > 8 else { return .failure(.badURI(uri)) }
            } else {
                return .failure(.badURI(uri))
            }
        }
        return .success(TLSRPTRecord(reportURIs: uris))
    }
}
