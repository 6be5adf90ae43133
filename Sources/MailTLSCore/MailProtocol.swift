/// The three mail access protocols mailtls speaks.
public enum MailProtocol: String, Sendable, Codable, CaseIterable {
    case smtp
    case imap
    case pop3

    public var displayName: String {
        switch self {
        case .smtp: "SMTP"
        case .imap: "IMAP"
        case .pop3: "POP3"
        }
    }

    /// The command and capability that start TLS: STARTTLS, which POP3 calls STLS. - SeeAlso: RFC 3207, RFC 2595
    public var startTLSKeyword: String { self == .pop3 ? "STLS" : "STARTTLS" }
}

/// How a connection is secured: one vocabulary for a port's mode, a device's setting and an autoconfig file's
/// `socketType`. The outside world spells it three ways, each kept at its own boundary: check's JSON and watch's
/// history (`rawValue`: tls, starttls, none), `--security` and diagnose's JSON (`optionName`: ssl, starttls, none),
/// and config-v1.1.xml (`autoconfigName`: SSL, STARTTLS, plain). Devices show `deviceLabel`.
public enum SecurityMode: String, Sendable, Codable, CaseIterable {
    /// TLS from the first byte ("SSL/TLS" in client settings). - SeeAlso: RFC 8314
    case implicitTLS = "tls"
    /// Plaintext greeting, then STARTTLS / STLS ("STARTTLS" in client settings). - SeeAlso: RFC 3207, RFC 2595
    case startTLS = "starttls"
    /// No encryption at all ("None" in client settings).
    case plaintext = "none"

    /// How a connection made with this setting starts: TLS from the first byte, or a plaintext greeting (then
    /// upgraded with STARTTLS, or not at all).
    public var connectionMode: SecurityMode { self == .implicitTLS ? .implicitTLS : .startTLS }

    /// The label most devices show.
    public var deviceLabel: String {
        switch self {
        case .implicitTLS: "SSL/TLS"
        case .startTLS: "STARTTLS"
        case .plaintext: "None"
        }
    }

    /// config-v1.1.xml's `socketType`.
    public var autoconfigName: String {
        switch self {
        case .implicitTLS: "SSL"
        case .startTLS: "STARTTLS"
        case .plaintext: "plain"
        }
    }

    /// An autoconfig file's `socketType`, in any case; nil for anything else.
    public init?(autoconfigName: String) {
        guard let mode = SecurityMode.allCases.first(where: { $0.autoconfigName.lowercased() == autoconfigName.lowercased() })
        else { return nil }
        self = mode
    }

    /// `--security`'s and diagnose's JSON word.
    public var optionName: String {
        switch self {
        case .implicitTLS: "ssl"
        case .startTLS: "starttls"
        case .plaintext: "none"
        }
    }

    /// What a user types for `--security`: ssl, tls or ssl/tls; starttls; none. Nil for anything else.
    public init?(option: String) {
        switch option.lowercased() {
        case "ssl", "tls", "ssl/tls": self = .implicitTLS
        case "starttls": self = .startTLS
        case "none": self = .plaintext
        default: return nil
        }
    }
}

/// A port to probe: number, protocol and the mode a client is expected to use there.
public struct PortSpec: Sendable, Hashable, Codable {
    public var port: Int
    public var mailProtocol: MailProtocol
    public var mode: SecurityMode
    /// Whether the port carries message submission (MAIL FROM before TLS matters there).
    public var isSubmission: Bool
    /// Whether the port was named by the user rather than part of the default sweep.
    public var isExplicit: Bool

    public init(port: Int, mailProtocol: MailProtocol, mode: SecurityMode, isSubmission: Bool? = nil,
                isExplicit: Bool = false) {
        self.port = port
        self.mailProtocol = mailProtocol
        self.mode = mode
        self.isSubmission = isSubmission ?? (mailProtocol == .smtp && port != 25)
        self.isExplicit = isExplicit
    }

    /// The well-known mail ports and what a client expects on each.
    public static let wellKnown: [PortSpec] = [
        PortSpec(port: 25, mailProtocol: .smtp, mode: .startTLS),
        PortSpec(port: 465, mailProtocol: .smtp, mode: .implicitTLS),
        PortSpec(port: 587, mailProtocol: .smtp, mode: .startTLS),
        PortSpec(port: 2525, mailProtocol: .smtp, mode: .startTLS),
        PortSpec(port: 143, mailProtocol: .imap, mode: .startTLS),
        PortSpec(port: 993, mailProtocol: .imap, mode: .implicitTLS),
        PortSpec(port: 110, mailProtocol: .pop3, mode: .startTLS),
        PortSpec(port: 995, mailProtocol: .pop3, mode: .implicitTLS),
    ]

    public static func wellKnown(port: Int) -> PortSpec? {
        wellKnown.first { $0.port == port }
    }

    public enum ParseError: Error, Equatable, Sendable {
        case notANumber(String)
        case outOfRange(Int)
        case unknownPort(Int)
        case unknownProtocol(String)
        case unknownMode(String)
        case malformed(String)
    }

    /// Parses `587` (a well-known port) or `PORT:PROTOCOL:MODE` such as `2465:smtp:tls` or `1143:imap:starttls`.
    public static func parse(_ text: String) throws(ParseError) -> PortSpec {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: " ")
        }
        guard let first = parts.first, let number = Int(first) else { throw .notANumber(text) }
        guard (1...65535).contains(number) else { throw .outOfRange(number) }
        switch parts.count {
        case 1:
            guard var spec = wellKnown(port: number) else { throw .unknownPort(number) }
            spec.isExplicit = true
            return spec
        case 3:
            guard let proto = MailProtocol(rawValue: parts[1].lowercased()) else { throw .unknownProtocol(parts[1]) }
            let mode: SecurityMode
            switch parts[2].lowercased() {
            case "tls", "ssl", "implicit", "ssl/tls": mode = .implicitTLS
            case "starttls", "stls": mode = .startTLS
            default: throw .unknownMode(parts[2])
            }
            return PortSpec(port: number, mailProtocol: proto, mode: mode, isExplicit: true)
        default:
            throw .malformed(text)
        }
    }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        var slice = self[...]
        while slice.first == set { slice = slice.dropFirst() }
        while slice.last == set { slice = slice.dropLast() }
        return String(slice)
    }
}
