import Foundation
import MailTLSCheck
import MailTLSCore
import MailTLSRelay

/// Everything `mailtls watch` runs with, read from its YAML file (`WatchConfigurationReader`). The defaults are what
/// a monitor that must never get its address banned should do: one probe an hour, at most two connections per host,
/// no login attempts.
public struct WatchConfiguration: Sendable, Equatable {
    /// Where history lives. A path to a SQLite file (the default, created when missing), or a PostgreSQL database
    /// workers share (`postgres://USER@HOST/DATABASE`).
    public var database: String
    /// The PostgreSQL password, from this file.
    public var databasePasswordFile: String?
    /// Workers sharing PostgreSQL: how long a claimed target stays a worker's without renewal (renewed every third).
    public var lease: Double = 120
    /// History older than this is deleted (the latest snapshot of each port stays), once a day.
    public var retention: Double = 400 * 86400
    /// When alerts about some targets are held.
    public var maintenance: [MaintenanceWindow] = []

    /// Whether alerts about the target are held now.
    public func inMaintenance(_ target: String, at now: Date) -> Bool {
        maintenance.contains { $0.covers(target, at: now) }
    }

    /// The shared database, when `database` is a postgres URL.
    public var postgres: PostgresLocation? {
        try? PostgresLocation.parse(database, passwordFile: databasePasswordFile)
    }
    public var defaults: Defaults
    public var targets: [Target]
    public var alerts: [AlertRoute]
    /// The dashboard and `/metrics`; nil when `http: { listen: off }`.
    public var http: HTTP?

    public init(database: String = WatchConfiguration.defaultDatabase, defaults: Defaults = Defaults(),
                targets: [Target], alerts: [AlertRoute] = [], http: HTTP? = HTTP()) {
        self.database = database
        self.defaults = defaults
        self.targets = targets
        self.alerts = alerts
        self.http = http
    }

    /// Where the dashboard and `/metrics` listen: loopback by default. Any other address needs a token (in a file):
    /// requests then carry it as a bearer token or as the password of HTTP basic authentication.
    public struct HTTP: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var tokenFile: String?

        public init(host: String = "127.0.0.1", port: Int = 9465, tokenFile: String? = nil) {
            self.host = host
            self.port = port
            self.tokenFile = tokenFile
        }

        public var isLoopback: Bool {
            host == "localhost" || host == "::1" || host.hasPrefix("127.")
        }
    }

    /// `mailtls-watch.sqlite` beside the configuration file unless `database:` says otherwise.
    public static let defaultDatabase = "mailtls-watch.sqlite"

    /// What every target gets unless it says otherwise.
    public struct Defaults: Sendable, Equatable {
        public var interval: Double = 3600
        /// A probe starts up to this fraction of the interval late, so a fleet's probes spread out.
        public var jitter: Double = 0.1
        public var ports: [PortSpec] = PortSpec.wellKnown
        public var timeout: Double = 10
        /// Connections at once to one address (the check's limiter), and addresses probed at once.
        public var connectionsPerHost = 2
        public var concurrentTargets = 16
        public var expiry = ExpiryThresholds()
        /// Consecutive failing probes before an alert, consecutive passing ones before it resolves.
        public var failuresBeforeAlert = 3
        public var successesBeforeResolve = 2
        /// Findings at or above this severity are alert conditions.
        public var alertSeverity: Severity = .warning
        public var caFile: String?
        /// The validating resolver for domain targets (MX, TLSA, MTA-STS): `ADDRESS[@PORT]`, else the system's.
        public var resolver: String?
        /// DNSSEC trust anchors for `resolver` (DS or DNSKEY records), else the system's root key.
        public var trustAnchor: String?

        public init() {}
    }

    /// One thing to watch.
    public struct Target: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            /// A mail host: every address it resolves to, each port.
            case host(String)
            /// A mail domain: every MX host and each of its addresses on port 25, with DANE, MTA-STS and TLS-RPT.
            case domain(String)
            /// An e-mail address: its settings discovered as `mailtls setup` does, and the servers they name checked.
            case address(String)
        }

        public var kind: Kind
        /// A short label for reports and alerts; defaults to the host.
        public var name: String
        /// The name the certificate must carry and the SNI sent (defaults to the host).
        public var serverName: String?
        /// Addresses to probe instead of resolving the host (split-horizon DNS, a host not yet in DNS).
        public var addresses: [String]
        public var ports: [PortSpec]
        public var interval: Double
        /// Findings the user has accepted for this target (check or domain finding ids): never alert conditions.
        public var ignore: Set<String>

        public init(kind: Kind, name: String, serverName: String? = nil, addresses: [String] = [],
                    ports: [PortSpec], interval: Double, ignore: Set<String> = []) {
            self.kind = kind
            self.name = name
            self.serverName = serverName
            self.addresses = addresses
            self.ports = ports
            self.interval = interval
            self.ignore = ignore
        }

        /// The host name, or the domain.
        public var host: String {
            switch kind {
            case .host(let host), .domain(let host), .address(let host): host
            }
        }
    }

    /// Where alerts go.
    public struct AlertRoute: Sendable, Equatable {
        public enum Channel: Sendable, Equatable {
            /// A generic JSON document POSTed to the URL.
            case webhook(URL)
            /// Slack's incoming-webhook format (`{"text": ...}`), which Mattermost and Rocket.Chat accept too.
            case slack(URL)
            /// Mail sent by mailtls itself through a submission server, over verified TLS.
            case email(Email)
            /// Prometheus Alertmanager (its v2 API at this base URL): the firing alerts are sent again after every
            /// probe, as Prometheus does, and a resolved one with its end.
            case alertmanager(URL)
        }

        public struct Email: Sendable, Equatable {
            public var from: String
            public var to: [String]
            /// The submission server, in the relay's terms: host, port, mode, verification, login.
            public var server: RelayConfiguration.Upstream

            public init(from: String, to: [String], server: RelayConfiguration.Upstream) {
                self.from = from
                self.to = to
                self.server = server
            }
        }

        public var channel: Channel
        /// Only alerts at or above this severity take this route.
        public var minimumSeverity: Severity

        public init(channel: Channel, minimumSeverity: Severity = .warning) {
            self.channel = channel
            self.minimumSeverity = minimumSeverity
        }
    }
}
