import Foundation
import MailTLSCore

/// Everything `mailtls relay` runs with, read from its YAML file (`RelayConfigurationReader`). Defaults are the safe
/// ones: loopback only, STARTTLS and implicit TLS required upstream with a verified certificate, Postfix's retry
/// schedule.
public struct RelayConfiguration: Sendable, Equatable {
    /// The relay's name: in its greeting, its Received header and the certificate it makes.
    public var hostname: String
    public var listeners: [Listener]
    /// Client networks that may connect at all. Loopback only unless configured.
    public var allowedNetworks: NetworkAllowList
    /// The user's own certificate; nil: mailtls makes one (and a CA to export) in the state directory.
    public var certificate: CertificateFiles?
    public var devices: Devices
    public var rules: Rules
    public var spool: Spool
    public var notices: Notices
    /// Tried in order: the next one when a connection, TLS or login to one fails.
    public var upstreams: [Upstream]

    public struct Listener: Sendable, Equatable {
        public enum Mode: String, Sendable, Equatable, CaseIterable {
            /// STARTTLS offered, plaintext allowed (devices that cannot do TLS can still send).
            case starttls
            /// STARTTLS offered and required before MAIL.
            case starttlsRequired = "starttls-required"
            /// Implicit TLS (port 465, "SSL/TLS").
            case tls
            /// No TLS at all, for devices that have none. Only where configured.
            case plain
        }

        public var address: String
        public var port: Int
        public var mode: Mode
        /// The oldest TLS version a device may use here: as low as TLS 1.0 for old printers.
        public var minimumTLS: TLSVersion

        public init(address: String, port: Int, mode: Mode, minimumTLS: TLSVersion = .tls10) {
            self.address = address
            self.port = port
            self.mode = mode
            self.minimumTLS = minimumTLS
        }
    }

    public struct CertificateFiles: Sendable, Equatable {
        public var chain: String
        public var key: String

        public init(chain: String, key: String) {
            self.chain = chain
            self.key = key
        }
    }

    public struct Devices: Sendable, Equatable {
        /// Refuse MAIL until a device has logged in.
        public var requireLogin: Bool
        /// `user:password` per line: the accounts devices log in with (never the upstream's).
        public var accountsFile: String?
        /// Offer AUTH on `plain` listeners (the password then crosses the LAN unencrypted).
        public var allowLoginWithoutTLS: Bool

        public init(requireLogin: Bool = false, accountsFile: String? = nil, allowLoginWithoutTLS: Bool = false) {
            self.requireLogin = requireLogin
            self.accountsFile = accountsFile
            self.allowLoginWithoutTLS = allowLoginWithoutTLS
        }
    }

    public struct Rules: Sendable, Equatable {
        /// Domains mail may go to (`.example.com` includes subdomains); nil: any.
        public var recipientDomains: [String]?
        /// Envelope senders devices may use (addresses, `@domain`); nil: any.
        public var allowedSenders: [String]?
        /// The upstream account's address: every message leaves with this envelope sender, so the provider does not
        /// refuse it (Microsoft 365's `SendAsDenied`).
        public var sender: String?
        /// Also replace the From header with `sender` (the original goes to `X-Original-From`).
        public var rewriteFromHeader: Bool
        public var maximumMessageBytes: Int
        public var maximumRecipients: Int
        public var maximumConnectionsPerClient: Int
        public var maximumConnections: Int
        /// Messages one client address may hand over per minute.
        public var maximumMessagesPerMinutePerClient: Int
        /// A connection that completes no line for this long is closed.
        public var idleSeconds: Double
        /// No connection lasts longer.
        public var sessionSeconds: Double

        public init(recipientDomains: [String]? = nil, allowedSenders: [String]? = nil, sender: String? = nil,
                    rewriteFromHeader: Bool = false, maximumMessageBytes: Int = 35 << 20,
                    maximumRecipients: Int = 100, maximumConnectionsPerClient: Int = 10,
                    maximumConnections: Int = 100, maximumMessagesPerMinutePerClient: Int = 120,
                    idleSeconds: Double = 300, sessionSeconds: Double = 3600) {
            self.recipientDomains = recipientDomains
            self.allowedSenders = allowedSenders
            self.sender = sender
            self.rewriteFromHeader = rewriteFromHeader
            self.maximumMessageBytes = maximumMessageBytes
            self.maximumRecipients = maximumRecipients
            self.maximumConnectionsPerClient = maximumConnectionsPerClient
            self.maximumConnections = maximumConnections
            self.maximumMessagesPerMinutePerClient = maximumMessagesPerMinutePerClient
            self.idleSeconds = idleSeconds
            self.sessionSeconds = sessionSeconds
        }
    }

    public struct Spool: Sendable, Equatable {
        public var directory: String
        public var schedule: RetrySchedule
        /// Refuse new mail (452) when the file system has less than this free.
        public var minimumFreeBytes: Int

        public init(directory: String, schedule: RetrySchedule = RetrySchedule(), minimumFreeBytes: Int = 64 << 20) {
            self.directory = directory
            self.schedule = schedule
            self.minimumFreeBytes = minimumFreeBytes
        }
    }

    public struct Notices: Sendable, Equatable {
        public enum Recipient: Sendable, Equatable {
            /// The message's envelope sender (nobody, for a message with the null sender).
            case sender
            case address(String)
        }

        /// Who hears about a message that could not be delivered.
        public var to: Recipient
        /// Also tell this address (an admin), whoever the notice went to.
        public var copyTo: String?

        public init(to: Recipient = .sender, copyTo: String? = nil) {
            self.to = to
            self.copyTo = copyTo
        }
    }

    public struct Upstream: Sendable, Equatable {
        public var host: String
        public var port: Int
        /// Port 587: STARTTLS, required, never a fall-back to plaintext; port 465: TLS from the first byte. The
        /// reader never gives `.plaintext`: the relay sends nothing unencrypted upstream.
        public var mode: SecurityMode
        /// Extra roots (a private CA) beside the system's.
        public var caFile: String?
        /// The name the certificate must carry, when it is not `host` (connecting to an address).
        public var serverName: String?
        public var minimumTLS: TLSVersion
        public var authentication: Authentication
        /// Connections open at once to this upstream.
        public var connections: Int
        /// The name sent in EHLO; the relay's hostname when nil.
        public var clientName: String?

        public init(host: String, port: Int, mode: SecurityMode, caFile: String? = nil, serverName: String? = nil,
                    minimumTLS: TLSVersion = .tls12, authentication: Authentication = .none, connections: Int = 2,
                    clientName: String? = nil) {
            self.host = host
            self.port = port
            self.mode = mode
            self.caFile = caFile
            self.serverName = serverName
            self.minimumTLS = minimumTLS
            self.authentication = authentication
            self.connections = connections
            self.clientName = clientName
        }

        public var label: String { "\(host):\(port)" }
    }

    public enum Authentication: Sendable, Equatable {
        case none
        /// AUTH PLAIN or LOGIN with a password read from a file or the environment, never from the command line.
        case password(mechanism: PasswordMechanism, user: String, password: SecretSource)
        /// AUTH XOAUTH2 with an OAuth 2.0 access token.
        case oauth2(user: String, OAuth2)
    }

    public enum PasswordMechanism: String, Sendable, Equatable {
        case plain = "PLAIN"
        case login = "LOGIN"
    }

    /// Where a secret lives. Never the configuration file itself, never argv.
    public enum SecretSource: Sendable, Equatable {
        case file(String)
        case environment(String)
    }

    public struct OAuth2: Sendable, Equatable {
        public enum Grant: Sendable, Equatable {
            /// Microsoft 365 app-only (`SMTP.SendAsApp`), scope `https://outlook.office365.com/.default`.
            case clientCredentials
            /// Gmail, or delegated Microsoft 365: a refresh token in a 0600 file, replaced at once when rotated.
            case refreshToken(file: String)
        }

        public var tokenURL: String
        public var clientID: String
        public var clientSecret: SecretSource?
        public var scope: String?
        public var grant: Grant
        /// Extra roots for the token endpoint's certificate.
        public var caFile: String?

        public init(tokenURL: String, clientID: String, clientSecret: SecretSource?, scope: String?, grant: Grant,
                    caFile: String? = nil) {
            self.tokenURL = tokenURL
            self.clientID = clientID
            self.clientSecret = clientSecret
            self.scope = scope
            self.grant = grant
            self.caFile = caFile
        }
    }

    public init(hostname: String, listeners: [Listener], allowedNetworks: NetworkAllowList = .loopback,
                certificate: CertificateFiles? = nil, devices: Devices = Devices(), rules: Rules = Rules(),
                spool: Spool, notices: Notices = Notices(), upstreams: [Upstream]) {
        self.hostname = hostname
        self.listeners = listeners
        self.allowedNetworks = allowedNetworks
        self.certificate = certificate
        self.devices = devices
        self.rules = rules
        self.spool = spool
        self.notices = notices
        self.upstreams = upstreams
    }

    /// The state the relay keeps beside its spool: the certificate it made, the event and delivery logs, status.
    public var stateDirectory: URL { URL(fileURLWithPath: spool.directory) }
}

/// When a message that could not be delivered is tried again, and when the relay gives up: Postfix's defaults
/// (`minimal_backoff_time` 300 s, `maximal_backoff_time` 4000 s, `maximal_queue_lifetime` 5 days).
public struct RetrySchedule: Sendable, Equatable {
    public var first: Double
    public var maximum: Double
    public var giveUpAfter: Double

    public init(first: Double = 300, maximum: Double = 4000, giveUpAfter: Double = 5 * 86400) {
        self.first = first
        self.maximum = maximum
        self.giveUpAfter = giveUpAfter
    }

    /// The wait after the `attempts`-th failed attempt: `first`, doubling each time, never above `maximum`.
    public func delay(afterAttempts attempts: Int) -> Double {
        guard attempts > 0 else { return 0 }
        let doublings = min(attempts - 1, 40)
        return min(maximum, first * Double(1 << UInt64(doublings)))
    }

    /// Whether a message that arrived at `arrival` has been tried long enough.
    public func expired(arrival: Double, now: Double) -> Bool {
        now - arrival >= giveUpAfter
    }
}
