import Foundation
import MailTLSConfigurationFile
import MailTLSCore

/// Reads `relay.yaml`. Every mistake is reported with the file, the line and the key, and what would be right: an
/// unknown key (a typo would otherwise be ignored silently and weaken the rules), a wrong type, a bad value.
public enum RelayConfigurationReader {
    public typealias Failure = ConfigurationFailure

    public static func load(path: String) throws(Failure) -> RelayConfiguration {
        try ConfigurationFile.load(path: path, missingHint: "mailtls relay init writes one").relayConfiguration()
    }

    public static func parse(_ text: String, file: String = "relay.yaml") throws(Failure) -> RelayConfiguration {
        try ConfigurationFile.parse(text, file: file).relayConfiguration()
    }
}

/// The relay's sections, read from a node of its file.
extension ConfigurationNode {
    typealias Failure = ConfigurationFailure

    func secret(fileKey: String, environmentKey: String, in map: [String: ConfigurationNode]) throws(Failure)
        -> RelayConfiguration.SecretSource? {
        switch (map[fileKey], map[environmentKey]) {
        case (let file?, nil): return .file(try file.nonEmptyString())
        case (nil, let variable?): return .environment(try variable.nonEmptyString())
        case (nil, nil): return nil
        case (_?, _?): throw fail("give either \(fileKey) or \(environmentKey), not both")
        }
    }

    func relayConfiguration() throws(Failure) -> RelayConfiguration {
        let map = try mapping(allowed: ["hostname", "listen", "allowed_networks", "certificate", "devices",
                                        "rules", "spool", "notices", "upstream", "upstreams"])
        let hostname = try map["hostname"]?.nonEmptyString() ?? "localhost"
        guard let listen = map["listen"] else { throw fail("listen: is missing (where devices connect)") }
        var listeners: [RelayConfiguration.Listener] = []
        for item in try listen.sequence() { listeners.append(try item.listener()) }
        guard !listeners.isEmpty else { throw listen.fail("needs at least one listener") }

        var networks = NetworkAllowList.loopback
        if let allowed = map["allowed_networks"] {
            let texts = try allowed.strings()
            do {
                networks = try NetworkAllowList(texts)
            } catch {
                guard case .malformed(let text) = error else { throw allowed.fail("bad network") }
                throw allowed.fail("'\(text)' is not a network (examples: 192.168.1.0/24, 10.0.0.5, fd00::/8)")
            }
        }
        var certificate: RelayConfiguration.CertificateFiles?
        if let node = map["certificate"] {
            let files = try node.mapping(allowed: ["chain", "key"])
            guard let chain = files["chain"], let key = files["key"] else {
                throw node.fail("needs both chain: and key: (PEM files)")
            }
            certificate = .init(chain: try chain.nonEmptyString(), key: try key.nonEmptyString())
        }
        let devices = try map["devices"]?.devices() ?? RelayConfiguration.Devices()
        let rules = try map["rules"]?.rules() ?? RelayConfiguration.Rules()
        guard let spoolNode = map["spool"] else { throw fail("spool: is missing (where mail waits)") }
        let spool = try spoolNode.spool()
        let notices = try map["notices"]?.notices() ?? RelayConfiguration.Notices()

        var upstreams: [RelayConfiguration.Upstream] = []
        switch (map["upstream"], map["upstreams"]) {
        case (let one?, nil): upstreams = [try one.upstream()]
        case (nil, let many?): for item in try many.sequence() { upstreams.append(try item.upstream()) }
        case (nil, nil): throw fail("upstream: is missing (the provider's submission server)")
        case (_?, _?): throw fail("give either upstream: or upstreams:, not both")
        }
        guard !upstreams.isEmpty else { throw fail("upstreams: needs at least one server") }
        if devices.requireLogin && devices.accountsFile == nil {
            throw fail("devices.require_login is true but devices.accounts_file is not set")
        }
        return RelayConfiguration(hostname: hostname, listeners: listeners, allowedNetworks: networks,
                                  certificate: certificate, devices: devices, rules: rules, spool: spool,
                                  notices: notices, upstreams: upstreams)
    }

    func listener() throws(Failure) -> RelayConfiguration.Listener {
        let map = try mapping(allowed: ["address", "port", "mode", "tls_minimum"])
        guard let portNode = map["port"] else { throw fail("port: is missing") }
        let port = try portNode.integer(in: 0...65535)
        let defaultMode: RelayConfiguration.Listener.Mode = port == 465 ? .tls : .starttls
        var mode = defaultMode
        if let node = map["mode"] {
            let text = try node.string().lowercased()
            guard let parsed = RelayConfiguration.Listener.Mode(rawValue: text) else {
                throw node.fail("expected starttls, starttls-required, tls or plain")
            }
            mode = parsed
        }
        let address = try map["address"]?.nonEmptyString() ?? "127.0.0.1"
        guard NetworkAllowList.parse(address: address) != nil else {
            throw (map["address"] ?? self).fail("expected an IP address to listen on (0.0.0.0 for all)")
        }
        return .init(address: address, port: port, mode: mode,
                     minimumTLS: try map["tls_minimum"]?.tlsVersion() ?? .tls10)
    }

    func devices() throws(Failure) -> RelayConfiguration.Devices {
        let map = try mapping(allowed: ["require_login", "accounts_file", "allow_login_without_tls"])
        return .init(requireLogin: try map["require_login"]?.bool() ?? false,
                     accountsFile: try map["accounts_file"]?.nonEmptyString(),
                     allowLoginWithoutTLS: try map["allow_login_without_tls"]?.bool() ?? false)
    }

    func rules() throws(Failure) -> RelayConfiguration.Rules {
        let map = try mapping(allowed: ["recipient_domains", "allowed_senders", "sender", "rewrite_from_header",
                                        "max_message_size", "max_recipients", "max_connections_per_client",
                                        "max_connections", "max_messages_per_minute_per_client", "idle_timeout",
                                        "session_timeout"])
        var rules = RelayConfiguration.Rules()
        rules.recipientDomains = try map["recipient_domains"]?.strings()
        rules.allowedSenders = try map["allowed_senders"]?.strings()
        if let sender = map["sender"] {
            let address = try sender.nonEmptyString()
            guard address.contains("@") else { throw sender.fail("expected an address such as scanner@example.com") }
            rules.sender = address
        }
        rules.rewriteFromHeader = try map["rewrite_from_header"]?.bool() ?? false
        if rules.rewriteFromHeader && rules.sender == nil {
            throw fail("rewrite_from_header needs sender: (the address to write)")
        }
        if let node = map["max_message_size"] {
            rules.maximumMessageBytes = try node.bytes()
            guard rules.maximumMessageBytes >= 1024 else { throw node.fail("at least 1K") }
        }
        if let node = map["max_recipients"] { rules.maximumRecipients = try node.integer(in: 1...1000) }
        if let node = map["max_connections_per_client"] {
            rules.maximumConnectionsPerClient = try node.integer(in: 1...10000)
        }
        if let node = map["max_connections"] { rules.maximumConnections = try node.integer(in: 1...100_000) }
        if let node = map["max_messages_per_minute_per_client"] {
            rules.maximumMessagesPerMinutePerClient = try node.integer(in: 1...1_000_000)
        }
        if let node = map["idle_timeout"] {
            rules.idleSeconds = try node.seconds()
            guard rules.idleSeconds >= 1 else { throw node.fail("at least 1s") }
        }
        if let node = map["session_timeout"] {
            rules.sessionSeconds = try node.seconds()
            guard rules.sessionSeconds >= rules.idleSeconds else { throw node.fail("at least idle_timeout") }
        }
        return rules
    }

    func spool() throws(Failure) -> RelayConfiguration.Spool {
        let map = try mapping(allowed: ["directory", "retry_first", "retry_max", "give_up_after", "min_free_space"])
        guard let directory = map["directory"] else { throw fail("directory: is missing") }
        var spool = RelayConfiguration.Spool(directory: try directory.nonEmptyString())
        if let node = map["retry_first"] {
            spool.schedule.first = try node.seconds()
            guard spool.schedule.first >= 1 else { throw node.fail("at least 1s") }
        }
        if let node = map["retry_max"] { spool.schedule.maximum = try node.seconds() }
        if let node = map["give_up_after"] { spool.schedule.giveUpAfter = try node.seconds() }
        if spool.schedule.maximum < spool.schedule.first {
            throw fail("retry_max is shorter than retry_first")
        }
        if let node = map["min_free_space"] { spool.minimumFreeBytes = try node.bytes() }
        return spool
    }

    func notices() throws(Failure) -> RelayConfiguration.Notices {
        let map = try mapping(allowed: ["to", "copy_to"])
        var notices = RelayConfiguration.Notices()
        if let node = map["to"] {
            let text = try node.nonEmptyString()
            if text.lowercased() == "sender" {
                notices.to = .sender
            } else {
                guard text.contains("@") else { throw node.fail("expected sender or an address") }
                notices.to = .address(text)
            }
        }
        if let node = map["copy_to"] {
            let text = try node.nonEmptyString()
            guard text.contains("@") else { throw node.fail("expected an address") }
            notices.copyTo = text
        }
        return notices
    }

    /// An upstream submission server: host, port, mode, verification and login (the relay's, and `mailtls watch`'s
    /// alert mail).
    public func upstream() throws(ConfigurationFailure) -> RelayConfiguration.Upstream {
        let map = try mapping(allowed: ["host", "port", "mode", "ca_file", "server_name", "tls_minimum", "auth",
                                        "connections", "client_name"])
        guard let hostNode = map["host"] else { throw fail("host: is missing (smtp.office365.com, smtp.gmail.com)") }
        let port = try map["port"]?.integer(in: 1...65535) ?? 587
        var mode: SecurityMode = port == 465 ? .implicitTLS : .startTLS
        if let node = map["mode"] {
            switch try node.string().lowercased() {
            case "starttls": mode = .startTLS
            case "tls", "ssl", "ssl/tls", "implicit": mode = .implicitTLS
            case "plain", "none":
                throw node.fail("mail leaves the relay encrypted: use starttls (587) or tls (465)")
            default: throw node.fail("expected starttls or tls")
            }
        }
        var upstream = RelayConfiguration.Upstream(host: try hostNode.nonEmptyString(), port: port, mode: mode)
        upstream.caFile = try map["ca_file"]?.nonEmptyString()
        upstream.serverName = try map["server_name"]?.nonEmptyString()
        if let node = map["tls_minimum"] {
            upstream.minimumTLS = try node.tlsVersion()
            guard upstream.minimumTLS >= .tls12 else {
                throw node.fail("the relay speaks TLS 1.2 or later to its upstream (1.2 or 1.3)")
            }
        }
        if let node = map["connections"] { upstream.connections = try node.integer(in: 1...20) }
        upstream.clientName = try map["client_name"]?.nonEmptyString()
        if let auth = map["auth"] { upstream.authentication = try auth.authentication() }
        return upstream
    }

    func authentication() throws(Failure) -> RelayConfiguration.Authentication {
        let map = try mapping(allowed: ["mechanism", "user", "password", "password_file", "password_env", "oauth2"])
        let mechanism = try map["mechanism"]?.string().uppercased() ?? (map["oauth2"] != nil ? "XOAUTH2" : "PLAIN")
        if mechanism == "NONE" { return .none }
        guard let userNode = map["user"] else { throw fail("user: is missing (the account the relay logs in as)") }
        let user = try userNode.nonEmptyString()
        if map["password"] != nil { throw fail("passwords never go in this file: use password_file or password_env") }
        switch mechanism {
        case "PLAIN", "LOGIN":
            guard let source = try secret(fileKey: "password_file", environmentKey: "password_env", in: map) else {
                throw fail("password_file: or password_env: is missing")
            }
            return .password(mechanism: mechanism == "PLAIN" ? .plain : .login, user: user, password: source)
        case "XOAUTH2":
            guard let node = map["oauth2"] else { throw fail("oauth2: is missing (token_url, client_id, ...)") }
            return .oauth2(user: user, try node.oauth2())
        default:
            throw (map["mechanism"] ?? self).fail("expected plain, login, xoauth2 or none")
        }
    }

    func oauth2() throws(Failure) -> RelayConfiguration.OAuth2 {
        let map = try mapping(allowed: ["token_url", "client_id", "client_secret_file", "client_secret_env",
                                        "scope", "grant", "refresh_token_file", "ca_file"])
        guard let urlNode = map["token_url"] else { throw fail("token_url: is missing") }
        let url = try urlNode.nonEmptyString()
        guard url.hasPrefix("https://") || url.hasPrefix("http://127.") || url.hasPrefix("http://[::1]") else {
            throw urlNode.fail("the token endpoint must be https:// (plain http only on loopback)")
        }
        guard let clientNode = map["client_id"] else { throw fail("client_id: is missing") }
        let secret = try secret(fileKey: "client_secret_file", environmentKey: "client_secret_env", in: map)
        let grantText = try map["grant"]?.string().lowercased()
            ?? (map["refresh_token_file"] != nil ? "refresh_token" : "client_credentials")
        let grant: RelayConfiguration.OAuth2.Grant
        switch grantText {
        case "client_credentials":
            guard secret != nil else { throw fail("client_credentials needs client_secret_file or client_secret_env") }
            grant = .clientCredentials
        case "refresh_token":
            guard let file = map["refresh_token_file"] else { throw fail("refresh_token needs refresh_token_file") }
            grant = .refreshToken(file: try file.nonEmptyString())
        default:
            throw (map["grant"] ?? self).fail("expected client_credentials or refresh_token")
        }
        return .init(tokenURL: url, clientID: try clientNode.nonEmptyString(), clientSecret: secret,
                     scope: try map["scope"]?.nonEmptyString(), grant: grant,
                     caFile: try map["ca_file"]?.nonEmptyString())
    }
}
