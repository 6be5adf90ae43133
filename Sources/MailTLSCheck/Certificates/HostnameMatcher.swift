/// Matches a reference identity (the host name the client typed) against a certificate's names.
///
/// DNS-IDs from subjectAltName only; the subject CN is consulted only when the certificate has no DNS or IP names.
/// A wildcard stands for exactly one whole left-most label and never matches a public-suffix-like two-label name.
/// - SeeAlso: RFC 7817 section 3 (mail), RFC 6125 section 6.4
public enum HostnameMatcher {
    public static func matches(reference: String, dnsNames: [String], ipAddresses: [String],
                               commonName: String?) -> Bool {
        let host = normalise(reference)
        if isIPAddress(host) {
            return ipAddresses.contains { normalise($0) == host }
        }
        if !dnsNames.isEmpty || !ipAddresses.isEmpty {
            return dnsNames.contains { matchesPattern(normalise($0), host: host) }
        }
        if let commonName { return matchesPattern(normalise(commonName), host: host) }
        return false
    }

    static func matchesPattern(_ pattern: String, host: String) -> Bool {
        guard !pattern.isEmpty, !host.isEmpty else { return false }
        if pattern == host { return true }
        let patternLabels = pattern.split(separator: ".", omittingEmptySubsequences: false)
        let hostLabels = host.split(separator: ".", omittingEmptySubsequences: false)
        guard patternLabels.first == "*", patternLabels.count >= 3, patternLabels.count == hostLabels.count,
              !(hostLabels.first?.isEmpty ?? true)
        else { return false }
        return Array(patternLabels.dropFirst()) == Array(hostLabels.dropFirst())
    }

    static func normalise(_ name: String) -> String {
        var lower = name.lowercased()
        if lower.hasSuffix(".") { lower.removeLast() }
        if lower.hasPrefix("[") && lower.hasSuffix("]") { lower = String(lower.dropFirst().dropLast()) }
        return lower
    }

    public static func isIPAddress(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 4 && parts.allSatisfy({ UInt8($0) != nil }) { return true }
        return text.contains(":") && text.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
    }
}
