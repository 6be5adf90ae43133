import Foundation
import MailTLSCheck
import MailTLSConfigurationFile
import MailTLSCore
import MailTLSDomainCheck
import MailTLSRelay

/// Reads `watch.yaml`. Every mistake is reported with the file, the line and the key (`mailtls watch --check-config`
/// prints them): an unknown key, a wrong type, a bad value, a target named twice, a template that does not exist.
public enum WatchConfigurationReader {
    public typealias Failure = ConfigurationFailure

    public static func load(path: String) throws(Failure) -> WatchConfiguration {
        var configuration = try ConfigurationFile.load(path: path, missingHint: "mailtls watch init writes one")
            .watchConfiguration()
        // A relative database path is beside the configuration file, not wherever the daemon was started.
        if configuration.postgres == nil && !configuration.database.hasPrefix("/") {
            configuration.database = URL(fileURLWithPath: path).deletingLastPathComponent()
                .appendingPathComponent(configuration.database).path
        }
        return configuration
    }

    public static func parse(_ text: String, file: String = "watch.yaml") throws(Failure) -> WatchConfiguration {
        try ConfigurationFile.parse(text, file: file).watchConfiguration()
    }

    /// What a target may say, in a target or in a template.
    static let targetKeys: Set<String> = ["name", "server_name", "addresses", "ports", "interval", "ignore"]
}

extension ConfigurationNode {
    func watchConfiguration() throws(ConfigurationFailure) -> WatchConfiguration {
        let map = try mapping(allowed: ["database", "database_password_file", "lease", "retention", "maintenance",
                                        "defaults", "templates", "targets", "alerts", "http"])
        let database = try map["database"]?.nonEmptyString() ?? WatchConfiguration.defaultDatabase
        let passwordFile = try map["database_password_file"]?.nonEmptyString()
        do {
            _ = try PostgresLocation.parse(database, passwordFile: passwordFile)
        } catch {
            let problem = switch error {
            case .malformed: "not a postgres URL (postgres://USER@HOST[:PORT]/DATABASE)"
            case .passwordInURL: "no password in the URL: give it in database_password_file:"
            case .noUser: "the URL needs a user (postgres://USER@HOST/DATABASE)"
            case .noDatabase: "the URL needs a database (postgres://USER@HOST/DATABASE)"
            case .unknownParameter(let name): "unknown parameter '\(name)' (sslmode=disable or sslmode=verify-full)"
            }
            throw (map["database"] ?? self).fail(problem)
        }
        var lease = 120.0
        if let node = map["lease"] {
            lease = try node.seconds()
            guard (5...3600).contains(lease) else { throw node.fail("expected 5s to 1h") }
        }
        let defaults = try map["defaults"]?.watchDefaults() ?? WatchConfiguration.Defaults()

        var templates: [String: [String: ConfigurationNode]] = [:]
        if let node = map["templates"] {
            for name in try node.keys() {
                let template = try node.child(name)
                templates[name] = try template.mapping(allowed: WatchConfigurationReader.targetKeys)
            }
        }

        guard let targetsNode = map["targets"] else { throw fail("targets: is missing (the hosts to watch)") }
        var targets: [WatchConfiguration.Target] = []
        var seen: [String: ConfigurationNode] = [:]
        for item in try targetsNode.sequence() {
            let target = try item.watchTarget(defaults: defaults, templates: templates)
            if let first = seen[target.name] {
                throw item.fail("the name '\(target.name)' is used twice (first at line \(first.line.map(String.init) ?? "?")): give one a name:")
            }
            seen[target.name] = item
            targets.append(target)
        }
        guard !targets.isEmpty else { throw targetsNode.fail("needs at least one target") }

        var alerts: [WatchConfiguration.AlertRoute] = []
        if let node = map["alerts"] {
            for item in try node.sequence() { alerts.append(try item.alertRoute()) }
        }
        var http: WatchConfiguration.HTTP? = WatchConfiguration.HTTP()
        if let node = map["http"] { http = try node.httpSettings() }
        var configuration = WatchConfiguration(database: database, defaults: defaults, targets: targets, alerts: alerts,
                                               http: http)
        configuration.databasePasswordFile = passwordFile
        configuration.lease = lease
        if let node = map["retention"] {
            configuration.retention = try node.seconds()
            guard configuration.retention >= 86400 else { throw node.fail("expected at least 1d") }
        }
        if let node = map["maintenance"] {
            for item in try node.sequence() { configuration.maintenance.append(try item.maintenanceWindow()) }
        }
        return configuration
    }

    /// `http: { listen: 127.0.0.1:9465, token_file: PATH }`; `listen: off` turns the dashboard off.
    func httpSettings() throws(ConfigurationFailure) -> WatchConfiguration.HTTP? {
        let map = try mapping(allowed: ["listen", "token_file"])
        var settings = WatchConfiguration.HTTP()
        if let node = map["listen"] {
            let text = try node.nonEmptyString()
            if ["off", "false", "no"].contains(text.lowercased()) { return nil }
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
                  (0...65535).contains(port) else {
                throw node.fail("expected ADDRESS:PORT such as 127.0.0.1:9465 or [::1]:9465, or off")
            }
            var host = String(text[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard host == "localhost" || IPAddressText.isAddress(host) else {
                throw node.fail("'\(host)' is not an address to listen on (127.0.0.1, ::1, 0.0.0.0, a LAN address)")
            }
            settings.host = host
            settings.port = port
        }
        settings.tokenFile = try map["token_file"]?.nonEmptyString()
        if !settings.isLoopback && settings.tokenFile == nil {
            throw (map["listen"] ?? self).fail("listening beyond loopback needs token_file: (the dashboard shows your servers' weaknesses)")
        }
        return settings
    }

    func watchDefaults() throws(ConfigurationFailure) -> WatchConfiguration.Defaults {
        let map = try mapping(allowed: ["interval", "jitter", "ports", "timeout", "connections_per_host",
                                        "concurrent_targets", "expiry", "failures_before_alert",
                                        "successes_before_resolve", "alert_severity", "ca_file", "resolver",
                                        "trust_anchor"])
        var defaults = WatchConfiguration.Defaults()
        if let node = map["interval"] { defaults.interval = try node.interval() }
        if let node = map["jitter"] {
            let text = try node.string().trimmingCharacters(in: .whitespaces)
            guard text.hasSuffix("%"), let value = Int(text.dropLast()), (0...50).contains(value) else {
                throw node.fail("expected a percentage of the interval from 0% to 50%")
            }
            defaults.jitter = Double(value) / 100
        }
        if let node = map["ports"] { defaults.ports = try node.portSpecs() }
        if let node = map["timeout"] {
            defaults.timeout = try node.seconds()
            guard (1...120).contains(defaults.timeout) else { throw node.fail("expected 1s to 120s") }
        }
        if let node = map["connections_per_host"] { defaults.connectionsPerHost = try node.integer(in: 1...8) }
        if let node = map["concurrent_targets"] { defaults.concurrentTargets = try node.integer(in: 1...256) }
        if let node = map["expiry"] {
            var thresholds: [ExpiryThresholds.Threshold] = []
            for item in try node.sequence() {
                guard let threshold = ExpiryThresholds.Threshold(text: try item.string()) else {
                    throw item.fail("expected days (14d) or a share of the lifetime (10%)")
                }
                thresholds.append(threshold)
            }
            defaults.expiry.thresholds = thresholds
        }
        if let node = map["failures_before_alert"] { defaults.failuresBeforeAlert = try node.integer(in: 1...100) }
        if let node = map["successes_before_resolve"] { defaults.successesBeforeResolve = try node.integer(in: 1...100) }
        if let node = map["alert_severity"] { defaults.alertSeverity = try node.severity() }
        if let node = map["ca_file"] { defaults.caFile = try node.nonEmptyString() }
        if let node = map["resolver"] { defaults.resolver = try node.nonEmptyString() }
        if let node = map["trust_anchor"] { defaults.trustAnchor = try node.nonEmptyString() }
        return defaults
    }

    /// `{ targets: [mx*], start: "02:00", duration: 2h, days: [sat, sun], time_zone: Asia/Tokyo }`, or a one-off
    /// `{ start: "2026-12-24 22:00", end: "2026-12-25 06:00", time_zone: Asia/Tokyo }`.
    func maintenanceWindow() throws(ConfigurationFailure) -> MaintenanceWindow {
        let map = try mapping(allowed: ["targets", "start", "end", "duration", "days", "time_zone"])
        var timeZone = TimeZone(identifier: "UTC")!
        if let node = map["time_zone"] {
            let name = try node.nonEmptyString()
            guard let zone = TimeZone(identifier: name) else { throw node.fail("'\(name)' is not a time zone (Asia/Tokyo, Europe/Berlin, UTC)") }
            timeZone = zone
        }
        let targets = try map["targets"]?.strings() ?? []
        guard let startNode = map["start"] else { throw fail("start: is missing (\"02:00\" every day, or \"2026-12-24 22:00\" once)") }
        let start = try startNode.nonEmptyString()
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        if let first = formatter.date(from: start) {
            guard let endNode = map["end"] else { throw fail("a one-off window needs end: (\"2026-12-25 06:00\")") }
            guard let last = formatter.date(from: try endNode.nonEmptyString()), last > first else {
                throw endNode.fail("expected a local date and time after start:, such as \"2026-12-25 06:00\"")
            }
            if map["duration"] != nil || map["days"] != nil { throw fail("a one-off window takes end:, not duration: or days:") }
            return MaintenanceWindow(targets: targets, recurrence: .once(start: first, end: last), timeZone: timeZone)
        }
        let parts = start.split(separator: ":")
        guard parts.count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]), (0..<24).contains(hour),
              (0..<60).contains(minute) else {
            throw startNode.fail("expected HH:MM (every day) or YYYY-MM-DD HH:MM (once)")
        }
        guard let durationNode = map["duration"] else { throw fail("a recurring window needs duration: (2h)") }
        let duration = try durationNode.seconds()
        guard duration > 0, duration <= 7 * 86400 else { throw durationNode.fail("expected a duration from 1m to 7d") }
        var weekdays: Set<Int> = []
        if let node = map["days"] {
            let names = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
            for item in try node.sequence() {
                let text = try item.string().lowercased().prefix(3)
                guard let index = names.firstIndex(of: String(text)) else { throw item.fail("expected mon, tue, wed, thu, fri, sat or sun") }
                weekdays.insert(index + 1)
            }
        }
        return MaintenanceWindow(targets: targets, recurrence: .recurring(startMinute: hour * 60 + minute, duration: duration,
                                                                          weekdays: weekdays), timeZone: timeZone)
    }

    /// An interval between probes: at least a minute (a monitor must not hammer a mail server), at most a week.
    func interval() throws(ConfigurationFailure) -> Double {
        let value = try seconds()
        guard (60...7 * 86400).contains(value) else { throw fail("expected an interval from 1m to 7d") }
        return value
    }

    func severity() throws(ConfigurationFailure) -> Severity {
        guard let severity = Severity(rawValue: try string().lowercased()) else {
            throw fail("expected info, warning or critical")
        }
        return severity
    }

    func portSpecs() throws(ConfigurationFailure) -> [PortSpec] {
        if isScalar, try string().lowercased() == "all" { return PortSpec.wellKnown }
        var specs: [PortSpec] = []
        for item in try sequence() {
            let text = try item.string()
            guard let spec = try? PortSpec.parse(text) else {
                throw item.fail("'\(text)' is not a mail port: a well-known one (25, 465, 587, 2525, 143, 993, 110, 995) or PORT:PROTOCOL:MODE such as 2465:smtp:tls")
            }
            guard !specs.contains(where: { $0.port == spec.port }) else { throw item.fail("port \(spec.port) is listed twice") }
            specs.append(spec)
        }
        guard !specs.isEmpty else { throw fail("needs at least one port (or: all)") }
        return specs
    }

    func watchTarget(defaults: WatchConfiguration.Defaults,
                     templates: [String: [String: ConfigurationNode]]) throws(ConfigurationFailure)
        -> WatchConfiguration.Target {
        let map = try mapping(allowed: WatchConfigurationReader.targetKeys.union(["host", "domain", "address", "template"]))
        let kind: WatchConfiguration.Target.Kind
        let host: String
        if let addressNode = map["address"] {
            guard map["host"] == nil, map["domain"] == nil else {
                throw fail("give one of host: (a mail server), domain: (a mail domain) or address: (an e-mail address)")
            }
            host = try addressNode.nonEmptyString()
            guard Self.isMailbox(host) else { throw addressNode.fail("'\(host)' is not an e-mail address") }
            for key in ["addresses", "ports", "server_name"] where map[key] != nil {
                throw (map[key] ?? self).fail("an address target checks the servers its settings name: \(key): does not apply")
            }
            var intervalNode = map["interval"]
            if intervalNode == nil { intervalNode = try fieldsInterval(map, templates) }
            return WatchConfiguration.Target(kind: .address(host), name: try map["name"]?.nonEmptyString() ?? host,
                                             ports: [], interval: try intervalNode?.interval() ?? defaults.interval,
                                             ignore: try ignoreSet(map["ignore"]))
        }
        switch (map["host"], map["domain"]) {
        case (let hostNode?, nil):
            host = try hostNode.nonEmptyString()
            guard host.count <= 253, !host.contains(where: { $0.isWhitespace || $0 == "/" }) else {
                throw hostNode.fail("'\(host)' is not a host name or an address")
            }
            kind = .host(host)
        case (nil, let domainNode?):
            host = try domainNode.nonEmptyString()
            guard (try? DomainChecker.normalise(host)) != nil else { throw domainNode.fail("'\(host)' is not a domain name") }
            for key in ["addresses", "ports", "server_name"] where map[key] != nil {
                throw (map[key] ?? self).fail("a domain target checks port 25 of every MX host it publishes: \(key): does not apply")
            }
            kind = .domain(host)
        case (_?, _?):
            throw fail("give either host: (a mail server) or domain: (every MX of a mail domain), not both")
        case (nil, nil):
            throw fail("host: or domain: is missing (a mail server's name or address, or a mail domain)")
        }
        var fields: [String: ConfigurationNode] = [:]
        if let templateNode = map["template"] {
            let name = try templateNode.nonEmptyString()
            guard let template = templates[name] else {
                throw templateNode.fail("no template named '\(name)' (known: \(templates.keys.sorted().joined(separator: ", ")))")
            }
            fields = template
        }
        fields.merge(map) { _, own in own }

        let ignore = try ignoreSet(fields["ignore"])
        var addresses: [String] = []
        if let node = fields["addresses"] {
            for item in try node.sequence() {
                let text = try item.nonEmptyString()
                guard IPAddressText.isAddress(text) else { throw item.fail("'\(text)' is not an IPv4 or IPv6 address") }
                addresses.append(text)
            }
        }
        return WatchConfiguration.Target(
            kind: kind, name: try fields["name"]?.nonEmptyString() ?? host,
            serverName: try fields["server_name"]?.nonEmptyString(), addresses: addresses,
            ports: try fields["ports"]?.portSpecs() ?? defaults.ports,
            interval: try fields["interval"]?.interval() ?? defaults.interval, ignore: ignore)
    }

    /// The template's interval node for a target that names a template.
    func fieldsInterval(_ map: [String: ConfigurationNode], _ templates: [String: [String: ConfigurationNode]]) throws(ConfigurationFailure)
        -> ConfigurationNode? {
        guard let name = try map["template"]?.nonEmptyString() else { return nil }
        guard let template = templates[name] else {
            throw (map["template"] ?? self).fail("no template named '\(name)' (known: \(templates.keys.sorted().joined(separator: ", ")))")
        }
        return template["interval"]
    }

    /// Findings the user accepts: a check's or a domain's finding id, or one of the monitor's own conditions.
    func ignoreSet(_ node: ConfigurationNode?) throws(ConfigurationFailure) -> Set<String> {
        var ignore: Set<String> = []
        guard let node else { return ignore }
        for item in try node.sequence() {
            let text = try item.string()
            guard FindingID(rawValue: text) != nil || DomainFindingID(rawValue: text) != nil
                || AlertCondition.ownConditions.contains(text) else {
                throw item.fail("'\(text)' is not a finding (mailtls check --json and mailtls domain --json list their ids)")
            }
            ignore.insert(text)
        }
        return ignore
    }

    func alertRoute() throws(ConfigurationFailure) -> WatchConfiguration.AlertRoute {
        let map = try mapping(allowed: ["webhook", "slack", "email", "alertmanager", "severity"])
        let severity = try map["severity"]?.severity() ?? .warning
        let channels = ["webhook", "slack", "email", "alertmanager"].filter { map[$0] != nil }
        guard channels.count == 1 else {
            throw fail("give one of webhook: (a URL), slack: (a URL), alertmanager: (its URL) or email: (to, from, server)")
        }
        if let node = map["alertmanager"] { return .init(channel: .alertmanager(try node.webURL()), minimumSeverity: severity) }
        if let node = map["webhook"] { return .init(channel: .webhook(try node.webURL()), minimumSeverity: severity) }
        if let node = map["slack"] { return .init(channel: .slack(try node.webURL()), minimumSeverity: severity) }
        guard let node = map["email"] else { throw fail("give one of webhook:, slack: or email:") }
        return .init(channel: .email(try node.emailRoute()), minimumSeverity: severity)
    }

    func emailRoute() throws(ConfigurationFailure) -> WatchConfiguration.AlertRoute.Email {
        let map = try mapping(allowed: ["to", "from", "server"])
        guard let toNode = map["to"] else { throw fail("to: is missing (who reads the alerts)") }
        guard let fromNode = map["from"] else { throw fail("from: is missing (the sender address the server accepts)") }
        guard let serverNode = map["server"] else {
            throw fail("server: is missing (the submission server: host, port, auth, as in relay.yaml's upstream)")
        }
        let to = try toNode.strings()
        for (index, address) in to.enumerated() where !Self.isMailbox(address) {
            throw (toNode.isScalar ? toNode : (try toNode.sequence())[index]).fail("'\(address)' is not an e-mail address")
        }
        let from = try fromNode.nonEmptyString()
        guard Self.isMailbox(from) else { throw fromNode.fail("'\(from)' is not an e-mail address") }
        return .init(from: from, to: to, server: try serverNode.upstream())
    }

    /// local@domain, with nothing an SMTP command line could be broken with.
    static func isMailbox(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && text.count <= 254
            && !text.contains(where: { $0.isWhitespace || $0.isNewline || "<>(),;:\\\"".contains($0) || !$0.isASCII })
    }

    func webURL() throws(ConfigurationFailure) -> URL {
        let text = try nonEmptyString()
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              url.host?.isEmpty == false else {
            throw fail("expected an http:// or https:// URL")
        }
        return url
    }
}

/// Whether text is an IP address literal, without resolving anything.
enum IPAddressText {
    static func isAddress(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}
