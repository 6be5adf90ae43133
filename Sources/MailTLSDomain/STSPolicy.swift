import MailTLSCore
import MailTLSDNS

/// An MTA-STS policy as served at `https://mta-sts.<domain>/.well-known/mta-sts.txt`.
/// - SeeAlso: RFC 8461 section 3.2
public struct STSPolicy: Sendable, Equatable {
    public enum Mode: String, Sendable, Equatable {
        /// Senders must not deliver to an MX that fails the policy.
        case enforce
        /// Senders deliver anyway and report failures (TLS-RPT).
        case testing
        /// The domain withdraws its policy.
        case none
    }

    public enum Problem: Error, Sendable, Hashable, Codable {
        case missingVersion
        case badVersion(String)
        case missingMode
        case badMode(String)
        case missingMaxAge
        case badMaxAge(String)
        case maxAgeTooLarge(Int)
        case noMXPatterns
        case badMXPattern(String)
        case malformedLine(String)
        case tooLarge(Int)

        /// In a few words, for the evidence.
        public var evidence: String {
            switch self {
            case .missingVersion: "no version"
            case .badVersion(let value): "version \"\(value)\" is not STSv1"
            case .missingMode: "no mode"
            case .badMode(let value): "mode \"\(value)\" is not enforce, testing or none"
            case .missingMaxAge: "no max_age"
            case .badMaxAge(let value): "max_age \"\(value)\" is not a number of seconds"
            case .maxAgeTooLarge(let value): "max_age \(value) is over 31557600"
            case .noMXPatterns: "no mx"
            case .badMXPattern(let value): "mx \"\(value)\" is not a host name pattern"
            case .malformedLine(let line): "malformed line \"\(line)\""
            case .tooLarge(let size): "\(size) bytes, over 64 KiB"
            }
        }
    }

    /// Every problem found in one policy.
    public struct Problems: Error, Sendable, Equatable {
        public var list: [Problem]
    }

    public static let maximumMaxAge = 31_557_600
    /// RFC 8461 section 3.3 lets senders refuse larger policies; 64 KiB is the common limit.
    public static let maximumBytes = 64 * 1024

    public var mode: Mode
    public var maxAge: Int
    public var mxPatterns: [String]

    /// Parses and validates the policy body; every problem is listed, not just the first.
    public static func parse(_ bytes: [UInt8]) -> Result<STSPolicy, Problems> {
        guard bytes.count <= maximumBytes else { return .failure(Problems(list: [.tooLarge(bytes.count)])) }
        let text = String(decoding: bytes, as: UTF8.self)
        var problems: [Problem] = []
        var version: String?
        var mode: Mode?
        var maxAge: Int?
        var patterns: [String] = []
        for rawLine in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            // The policy is a peer's text: each line escaped (see `PeerText`) before anything is read from it.
            let line = (rawLine.hasSuffix("\r") ? String(rawLine.dropLast()) : String(rawLine)).peerSafe
            if line.trimmingWhitespace().isEmpty { continue }
            guard let colon = line.firstIndex(of: ":") else {
                problems.append(.malformedLine(line))
                continue
            }
            let key = String(line[..<colon]).trimmingWhitespace()
            let value = String(line[line.index(after: colon)...]).trimmingWhitespace()
            switch key {
            case "version":
                version = value
            case "mode":
                if let parsed = Mode(rawValue: value) { mode = parsed } else { problems.append(.badMode(value)) }
            case "max_age":
                if let number = Int(value), number >= 0, value.allSatisfy(\.isNumber), value.count <= 10 {
                    if number > maximumMaxAge { problems.append(.maxAgeTooLarge(number)) }
                    maxAge = number
                } else {
                    problems.append(.badMaxAge(value))
                }
            case "mx":
                if MXPattern.isValid(value) { patterns.append(value.lowercased()) } else {
                    problems.append(.badMXPattern(value))
                }
            default:
                continue  // Unknown fields are ignored (extensions).
            }
        }
        if version == nil { problems.append(.missingVersion) } else if version != "STSv1" {
            problems.append(.badVersion(version!))
        }
        if mode == nil && !problems.contains(where: { if case .badMode = $0 { true } else { false } }) {
            problems.append(.missingMode)
        }
        if maxAge == nil && !problems.contains(where: { if case .badMaxAge = $0 { true } else { false } }) {
            problems.append(.missingMaxAge)
        }
        if patterns.isEmpty && mode != STSPolicy.Mode.none { problems.append(.noMXPatterns) }
        guard problems.isEmpty, let mode, let maxAge else { return .failure(Problems(list: problems)) }
        return .success(STSPolicy(mode: mode, maxAge: maxAge, mxPatterns: patterns))
    }

    /// Whether an MX host name is covered by one of the policy's patterns.
    public func allows(mx host: String) -> Bool {
        mxPatterns.contains { MXPattern.matches($0, host: host) }
    }
}

/// `mx:` patterns: an exact host name, or `*.example.com`, which covers exactly one more label.
/// - SeeAlso: RFC 8461 section 4.1
public enum MXPattern {
    public static func matches(_ pattern: String, host: String) -> Bool {
        let pattern = DomainName.canonical(pattern)
        let host = DomainName.canonical(host)
        if pattern.hasPrefix("*.") {
            let suffix = pattern.dropFirst(1)  // ".example.com"
            guard host.hasSuffix(suffix) else { return false }
            let label = host.dropLast(suffix.count)
            return !label.isEmpty && !label.contains(".")
        }
        return pattern == host
    }

    static func isValid(_ pattern: String) -> Bool {
        let body = pattern.hasPrefix("*.") ? String(pattern.dropFirst(2)) : pattern
        let labels = body.split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

}
