import Foundation
import MailTLSCore

/// One port of the sandbox and the device test it runs.
public struct SandboxPort: Sendable, Hashable {
    public var port: Int
    public var mailProtocol: MailProtocol
    public var mode: SecurityMode
    public var minimumTLS: TLSVersion
    public var maximumTLS: TLSVersion
    public var certificate: SandboxAuthority.CertificateKind
    /// Off for the STARTTLS-stripping test: STARTTLS is not advertised and AUTH is offered in the clear, so a device
    /// that would send its password unencrypted shows it.
    public var advertiseSTARTTLS: Bool

    public init(port: Int, mailProtocol: MailProtocol, mode: SecurityMode, minimumTLS: TLSVersion = .tls10,
                maximumTLS: TLSVersion = .tls13, certificate: SandboxAuthority.CertificateKind = .valid,
                advertiseSTARTTLS: Bool = true) {
        self.port = port
        self.mailProtocol = mailProtocol
        self.mode = mode
        self.minimumTLS = minimumTLS
        self.maximumTLS = maximumTLS
        self.certificate = certificate
        self.advertiseSTARTTLS = advertiseSTARTTLS
    }

    /// `standard`, `wrong-name`, `expired`, `no-starttls` or `tls-range`.
    public var portTest: String {
        if !advertiseSTARTTLS && mode == .startTLS { return "no-starttls" }
        if certificate != .valid { return certificate.rawValue }
        if minimumTLS != .tls10 || maximumTLS != .tls13 { return "tls-range" }
        return "standard"
    }

    public var versionRange: String {
        minimumTLS == maximumTLS ? minimumTLS.rawValue : "\(minimumTLS.rawValue)-\(maximumTLS.rawValue)"
    }

    /// The well-known mail ports, the sandbox's defaults.
    public static func standardSet(offset: Int = 0) -> [SandboxPort] {
        [
            SandboxPort(port: 25 + offset, mailProtocol: .smtp, mode: .startTLS),
            SandboxPort(port: 587 + offset, mailProtocol: .smtp, mode: .startTLS),
            SandboxPort(port: 465 + offset, mailProtocol: .smtp, mode: .implicitTLS),
            SandboxPort(port: 143 + offset, mailProtocol: .imap, mode: .startTLS),
            SandboxPort(port: 993 + offset, mailProtocol: .imap, mode: .implicitTLS),
            SandboxPort(port: 110 + offset, mailProtocol: .pop3, mode: .startTLS),
            SandboxPort(port: 995 + offset, mailProtocol: .pop3, mode: .implicitTLS),
        ]
    }

    /// Where the standard ports go when they cannot be used (not root, or taken): 20000 above.
    public static let documentedOffset = 20000

    public enum ParseError: Error, Equatable, Sendable {
        case malformed(String)
    }

    /// `PORT:PROTOCOL:MODE[:OPTION,...]`, options `tls=1.2-1.3` (or `tls=1.0`), `cert=wrong-name|expired`,
    /// `no-starttls`. Example: `2587:smtp:starttls:tls=1.2-1.3,cert=expired`.
    public static func parse(_ text: String) throws(ParseError) -> SandboxPort {
        let fields = text.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
        guard fields.count >= 3, let number = Int(fields[0]), (1...65535).contains(number) || number == 0,
              let proto = MailProtocol(rawValue: fields[1].lowercased())
        else { throw .malformed(text) }
        let mode: SecurityMode
        switch fields[2].lowercased() {
        case "tls", "ssl", "ssl/tls", "implicit": mode = .implicitTLS
        case "starttls", "stls": mode = .startTLS
        default: throw .malformed(text)
        }
        var port = SandboxPort(port: number, mailProtocol: proto, mode: mode)
        if fields.count == 4 {
            for option in fields[3].split(separator: ",").map({ $0.lowercased() }) {
                if option == "no-starttls" {
                    guard mode == .startTLS else { throw .malformed(text) }
                    port.advertiseSTARTTLS = false
                } else if option.hasPrefix("cert=") {
                    guard let kind = SandboxAuthority.CertificateKind(rawValue: String(option.dropFirst(5))) else {
                        throw .malformed(text)
                    }
                    port.certificate = kind
                } else if option.hasPrefix("tls=") {
                    let bounds = option.dropFirst(4).split(separator: "-").map { TLSVersion(userText: String($0)) }
                    guard let low = bounds.first ?? nil, let high = bounds.last ?? nil, low <= high,
                          bounds.count <= 2
                    else { throw .malformed(text) }
                    port.minimumTLS = low
                    port.maximumTLS = high
                } else {
                    throw .malformed(text)
                }
            }
        }
        return port
    }
}

/// Everything `mailtls sandbox` runs with.
public struct SandboxConfiguration: Sendable {
    public var listenAddress: String
    public var ports: [SandboxPort]
    public var stateDirectory: URL
    /// Names the server certificate carries (the listen address is added).
    public var hostnames: [String]
    public var accounts: [String: String]
    public var limits: SandboxLimits
    public var maximumMessageBytes: Int
    /// The most captured mail may take on disk, all messages together.
    public var maximumStoreBytes: Int
    /// The user's own certificate chain and key (PEM files), served instead of the sandbox's valid certificate.
    public var customCertificate: (chain: String, key: String)?

    public init(listenAddress: String = "127.0.0.1", ports: [SandboxPort], stateDirectory: URL,
                hostnames: [String] = ["localhost"], accounts: [String: String],
                maximumConnections: Int = 64, maximumConnectionsPerAddress: Int = 16, idleSeconds: Double = 60,
                sessionSeconds: Double = 600, maximumLineBytes: Int = 4096, maximumMessageBytes: Int = 25 << 20,
                maximumStoreBytes: Int = 1 << 30, customCertificate: (chain: String, key: String)? = nil) {
        self.listenAddress = listenAddress
        self.ports = ports
        self.stateDirectory = stateDirectory
        self.hostnames = hostnames
        self.accounts = accounts
        limits = SandboxLimits(maximumConnections: maximumConnections,
                               maximumConnectionsPerAddress: maximumConnectionsPerAddress, idleSeconds: idleSeconds,
                               sessionSeconds: sessionSeconds, maximumLineBytes: maximumLineBytes)
        self.maximumMessageBytes = maximumMessageBytes
        self.maximumStoreBytes = maximumStoreBytes
        self.customCertificate = customCertificate
    }

    public var certificateNames: [String] {
        var names = hostnames
        if !names.contains(listenAddress) && listenAddress != "0.0.0.0" && listenAddress != "::" {
            names.append(listenAddress)
        }
        if !names.contains("127.0.0.1") && (listenAddress.hasPrefix("127.") || listenAddress == "0.0.0.0") {
            names.append("127.0.0.1")
        }
        return names
    }
}
