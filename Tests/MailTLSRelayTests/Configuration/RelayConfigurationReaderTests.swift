import Foundation
import MailTLSCore
import Testing

@testable import MailTLSRelay

@Suite struct RelayConfigurationReaderTests {
    static let minimal = """
        listen:
          - { address: 127.0.0.1, port: 2525 }
        spool:
          directory: /tmp/spool
        upstream:
          host: smtp.example.net
        """

    @Test func minimalFileGetsTheSafeDefaults() throws {
        let configuration = try RelayConfigurationReader.parse(Self.minimal)
        #expect(configuration.listeners == [.init(address: "127.0.0.1", port: 2525, mode: .starttls)])
        #expect(configuration.allowedNetworks.isLoopbackOnly)
        #expect(configuration.upstreams[0].port == 587)
        #expect(configuration.upstreams[0].mode == .startTLS)
        #expect(configuration.upstreams[0].minimumTLS == .tls12)
        #expect(configuration.spool.schedule == RetrySchedule(first: 300, maximum: 4000, giveUpAfter: 432_000))
        #expect(configuration.rules.recipientDomains == nil)
    }

    @Test func everyKeyIsRead() throws {
        let text = """
            hostname: relay.lan
            listen:
              - { address: 0.0.0.0, port: 25, mode: starttls-required, tls_minimum: "1.2" }
              - { address: "::", port: 465 }
              - { address: 0.0.0.0, port: 2525, mode: plain }
            allowed_networks: [192.168.1.0/24, "fd00::/8"]
            certificate: { chain: /c.pem, key: /k.pem }
            devices: { require_login: true, accounts_file: /etc/mailtls/devices, allow_login_without_tls: true }
            rules:
              recipient_domains: [example.com, .example.org]
              allowed_senders: ["@example.com"]
              sender: scanner@example.com
              rewrite_from_header: yes
              max_message_size: 10M
              max_recipients: 5
              max_connections_per_client: 3
              max_connections: 30
              max_messages_per_minute_per_client: 7
              idle_timeout: 30s
              session_timeout: 10m
            spool: { directory: /var/spool/x, retry_first: 1m, retry_max: 2h, give_up_after: 2d, min_free_space: 1G }
            notices: { to: admin@example.com, copy_to: it@example.com }
            upstreams:
              - host: smtp.office365.com
                auth:
                  mechanism: xoauth2
                  user: scanner@example.com
                  oauth2:
                    token_url: https://login.microsoftonline.com/t/oauth2/v2.0/token
                    client_id: abc
                    client_secret_env: SECRET
                    scope: https://outlook.office365.com/.default
              - { host: smtp.gmail.com, port: 465, connections: 1,
                  auth: { mechanism: login, user: u@gmail.com, password_file: /p } }
            """
        let configuration = try RelayConfigurationReader.parse(text)
        #expect(configuration.hostname == "relay.lan")
        #expect(configuration.listeners.map(\.mode) == [.starttlsRequired, .tls, .plain])
        #expect(configuration.listeners[0].minimumTLS == .tls12)
        #expect(configuration.allowedNetworks.allows("192.168.1.77"))
        #expect(!configuration.allowedNetworks.allows("192.168.2.1"))
        #expect(configuration.certificate == .init(chain: "/c.pem", key: "/k.pem"))
        #expect(configuration.devices == .init(requireLogin: true, accountsFile: "/etc/mailtls/devices",
                                               allowLoginWithoutTLS: true))
        let rules = configuration.rules
        #expect(rules.recipientDomains == ["example.com", ".example.org"])
        #expect(rules.sender == "scanner@example.com" && rules.rewriteFromHeader)
        #expect(rules.maximumMessageBytes == 10 << 20)
        #expect(rules.idleSeconds == 30 && rules.sessionSeconds == 600)
        #expect(configuration.spool.schedule == RetrySchedule(first: 60, maximum: 7200, giveUpAfter: 172_800))
        #expect(configuration.spool.minimumFreeBytes == 1 << 30)
        #expect(configuration.notices == .init(to: .address("admin@example.com"), copyTo: "it@example.com"))
        #expect(configuration.upstreams.count == 2)
        guard case .oauth2(let user, let oauth) = configuration.upstreams[0].authentication else {
            Issue.record("not oauth2")
            return
        }
        #expect(user == "scanner@example.com")
        #expect(oauth.grant == .clientCredentials && oauth.clientSecret == .environment("SECRET"))
        #expect(configuration.upstreams[1].mode == .implicitTLS)
        #expect(configuration.upstreams[1].authentication == .password(mechanism: .login, user: "u@gmail.com",
                                                                        password: .file("/p")))
    }

    /// A typo must not silently weaken the rules: it names the key, its line, and what is known there.
    @Test func unknownKeyIsAnErrorWithItsLine() {
        let text = Self.minimal + "\nrules:\n  recipient_domain: [example.com]\n"
        #expect {
            try RelayConfigurationReader.parse(text, file: "relay.yaml")
        } throws: { error in
            let failure = error as? RelayConfigurationReader.Failure
            return failure?.key == "rules.recipient_domain" && failure?.line == 8
                && failure?.problem.contains("recipient_domains") == true
        }
    }

    @Test(arguments: [
        ("upstream:\n  host: h\n  auth: { user: u, password: secret }", "passwords never go in this file"),
        ("upstream:\n  host: h\n  mode: plain", "encrypted"),
        ("upstream:\n  host: h\n  tls_minimum: \"1.0\"", "TLS 1.2 or later"),
        ("upstream:\n  host: h\n  auth: { mechanism: cram-md5, user: u, password_file: /p }", "expected plain"),
        ("upstream:\n  host: h\n  auth: { mechanism: xoauth2, user: u, oauth2: { token_url: http://example.com/t, client_id: c, client_secret_file: /s } }", "https://"),
        ("upstream:\n  host: h\n  auth: { mechanism: plain, user: u, password_file: /p, password_env: P }", "not both"),
    ])
    func refusals(upstream: String, problem: String) {
        let text = "listen: [{ port: 25 }]\nspool: { directory: /s }\n" + upstream
        #expect {
            try RelayConfigurationReader.parse(text)
        } throws: { error in
            (error as? RelayConfigurationReader.Failure)?.description.contains(problem) == true
        }
    }

    @Test(arguments: [
        ("allowed_networks: [192.168.1.0/33]\nspool: { directory: /s }", "is not a network"),
        ("spool: { directory: /s, retry_first: soon }", "duration"),
        ("rules: { max_message_size: lots }\nspool: { directory: /s }", "size"),
        ("spool: { directory: /s, retry_first: 1h, retry_max: 10m }", "shorter than retry_first"),
    ])
    func badValues(extra: String, problem: String) {
        let text = "listen: [{ port: 25 }]\nupstream: { host: h }\n" + extra
        do {
            _ = try RelayConfigurationReader.parse(text)
            Issue.record("accepted: \(extra)")
        } catch {
            #expect(error.description.contains(problem), "\(extra): \(error)")
        }
    }

    @Test func missingFileSaysHowToMakeOne() {
        #expect {
            try RelayConfigurationReader.load(path: "/nonexistent/relay.yaml")
        } throws: { error in
            (error as? RelayConfigurationReader.Failure)?.problem.contains("mailtls relay init") == true
        }
    }

    @Test func notYAMLIsOneClearError() {
        #expect {
            try RelayConfigurationReader.parse("listen: [\n  - {")
        } throws: { error in
            (error as? RelayConfigurationReader.Failure)?.problem == "not valid YAML"
        }
    }
}
