import Foundation
import MailTLSCore

/// The settings a mail client or an MFP needs, in the words devices and autoconfig files use.

/// How the user proves who they are, as config-v1.1.xml names it.
public enum AuthenticationKind: String, Sendable, Codable, CaseIterable {
    /// PLAIN or LOGIN: the password itself, inside TLS.
    case passwordCleartext = "password-cleartext"
    /// CRAM-MD5 or similar challenge-response.
    case passwordEncrypted = "password-encrypted"
    case oauth2 = "OAuth2"
    case ntlm = "NTLM"
    case gssapi = "GSSAPI"
    case clientIPAddress = "client-IP-address"
    case tlsClientCertificate = "TLS-client-cert"
    case none = "none"
}

/// One server entry: `incomingServer` or `outgoingServer` of config-v1.1.xml.
public struct ServerSetting: Sendable, Equatable, Codable {
    public var kind: MailProtocol
    public var hostname: String
    public var port: Int
    public var socketType: SecurityMode
    /// In order of preference; the file may list several.
    public var authentication: [AuthenticationKind]
    /// The user name, possibly with placeholders: `%EMAILADDRESS%`, `%EMAILLOCALPART%`, `%EMAILDOMAIN%`.
    public var username: String

    public init(kind: MailProtocol, hostname: String, port: Int, socketType: SecurityMode,
                authentication: [AuthenticationKind] = [.passwordCleartext], username: String = "%EMAILADDRESS%") {
        self.kind = kind
        self.hostname = hostname
        self.port = port
        self.socketType = socketType
        self.authentication = authentication
        self.username = username
    }

    /// In JSON as config-v1.1.xml writes it: `socketType` is SSL, STARTTLS or plain.
    enum CodingKeys: String, CodingKey {
        case kind, hostname, port, socketType, authentication, username
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decode(MailProtocol.self, forKey: .kind)
        hostname = try container.decode(String.self, forKey: .hostname)
        port = try container.decode(Int.self, forKey: .port)
        let name = try container.decode(String.self, forKey: .socketType)
        guard let socketType = SecurityMode(autoconfigName: name) else {
            throw DecodingError.dataCorruptedError(forKey: .socketType, in: container,
                                                   debugDescription: "socketType is SSL, STARTTLS or plain")
        }
        self.socketType = socketType
        authentication = try container.decode([AuthenticationKind].self, forKey: .authentication)
        username = try container.decode(String.self, forKey: .username)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(hostname, forKey: .hostname)
        try container.encode(port, forKey: .port)
        try container.encode(socketType.autoconfigName, forKey: .socketType)
        try container.encode(authentication, forKey: .authentication)
        try container.encode(username, forKey: .username)
    }

    /// The user name with placeholders filled from the address.
    public func resolvedUsername(for address: String) -> String {
        let parts = address.split(separator: "@", maxSplits: 1).map(String.init)
        let local = parts.first ?? address
        let domain = parts.count > 1 ? parts[1] : ""
        return username
            .replacingOccurrences(of: "%EMAILADDRESS%", with: address)
            .replacingOccurrences(of: "%EMAILLOCALPART%", with: local)
            .replacingOccurrences(of: "%EMAILDOMAIN%", with: domain)
    }
}

/// What a provider publishes (autoconfig) or what discovery found: `clientConfig/emailProvider`.
public struct ProviderConfig: Sendable, Equatable, Codable {
    public var id: String
    public var domains: [String]
    public var displayName: String?
    public var displayShortName: String?
    /// IMAP and POP3 servers in the file's order.
    public var incoming: [ServerSetting]
    public var outgoing: [ServerSetting]

    public init(id: String, domains: [String] = [], displayName: String? = nil, displayShortName: String? = nil,
                incoming: [ServerSetting] = [], outgoing: [ServerSetting] = []) {
        self.id = id
        self.domains = domains
        self.displayName = displayName
        self.displayShortName = displayShortName
        self.incoming = incoming
        self.outgoing = outgoing
    }
}

/// What `mailtls setup` recommends for one address, after every setting was verified by a real connection.
public struct AccountRecommendation: Sendable, Equatable, Codable {
    public var address: String
    public var displayName: String
    /// The first choice for reading mail (IMAP when it works).
    public var incoming: ServerSetting?
    /// The alternative (POP3 when IMAP is the first choice, or the reverse).
    public var incomingAlternative: ServerSetting?
    public var outgoing: ServerSetting?
    /// For devices that cannot do what `outgoing` needs (an MFP without STARTTLS or without TLS 1.2).
    public var deviceProfile: DeviceProfile?

    public init(address: String, displayName: String, incoming: ServerSetting? = nil,
                incomingAlternative: ServerSetting? = nil, outgoing: ServerSetting? = nil,
                deviceProfile: DeviceProfile? = nil) {
        self.address = address
        self.displayName = displayName
        self.incoming = incoming
        self.incomingAlternative = incomingAlternative
        self.outgoing = outgoing
        self.deviceProfile = deviceProfile
    }
}

/// Settings for scanners, printers and old devices that send mail only.
public struct DeviceProfile: Sendable, Equatable, Codable {
    /// For a device without STARTTLS: implicit TLS (465), if the server offers it.
    public var withoutSTARTTLS: ServerSetting?
    /// The oldest TLS version the submission server accepts (nil when unknown).
    public var oldestTLSVersion: String?
    /// Whether a device limited to TLS 1.0/1.1 can still submit here; when false it needs a relay.
    public var legacyTLSAccepted: Bool

    public init(withoutSTARTTLS: ServerSetting?, oldestTLSVersion: String?, legacyTLSAccepted: Bool) {
        self.withoutSTARTTLS = withoutSTARTTLS
        self.oldestTLSVersion = oldestTLSVersion
        self.legacyTLSAccepted = legacyTLSAccepted
    }
}
