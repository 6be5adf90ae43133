import Foundation
import MailTLSCore
import TestSupport
import Testing

@testable import MailTLSCheck
@testable import MailTLSReport

/// `check --fix`: one snippet per server in its own configuration language, covering every finding a setting fixes.
@Suite struct ServerFixPlanTests {
    static func report(_ software: ServerSoftware?, provider: HostedProvider? = nil,
                       findings: [(FindingID, Int)], ports: [Int] = [25, 465, 587]) -> CheckReport {
        let observations = ports.map { number in
            var port = PortObservation(spec: PortSpec.wellKnown.first { $0.port == number }!, address: "192.0.2.1")
            port.state = .open
            if software != nil || provider != nil {
                port.identification = ServerIdentification(software: software, provider: provider, confidence: .named,
                                                           evidence: [.greetingNames(software?.displayName ?? "")])
            }
            return port
        }
        return CheckReport(host: "mail.example.test", address: "192.0.2.1", checkedName: "mail.example.test",
                           ports: observations,
                           findings: findings.map { Finding($0.0, .critical, port: $0.1, evidence: .data("x")) },
                           loginProbe: .cancel, startedAt: Date(), durationMilliseconds: 1)
    }

    static let lab: [(FindingID, Int)] = [(.tlsVersionDeprecated, 465), (.cleartextAuthAllowed, 587),
                                          (.starttlsOptional, 587), (.greetingSlow, 25)]

    @Test func postfixGetsPostconfLinesForEveryFinding() throws {
        let plan = ServerFixPlan(report: Self.report(.postfix, findings: Self.lab), language: .en)
        let server = try #require(plan.servers.first)
        #expect(plan.servers.count == 1)
        #expect(server.findings == [.starttlsOptional, .cleartextAuthAllowed, .tlsVersionDeprecated])
        #expect(server.otherFindings == [.greetingSlow])
        let commands = server.script.filter { !$0.hasPrefix("#") }
        #expect(commands == [
            "postconf -P 'submission/inet/smtpd_tls_security_level=encrypt'",
            "postconf -e 'smtpd_tls_auth_only = yes'",
            "postconf -e 'smtpd_tls_protocols = >=TLSv1.2' 'smtpd_tls_mandatory_protocols = >=TLSv1.2'",
        ])
        #expect(server.check == ["postfix check"] && server.reload == ["postfix reload"])
    }

    @Test func dovecotGetsAConfDFile() throws {
        let plan = ServerFixPlan(report: Self.report(.dovecot, findings: [(.cleartextAuthAllowed, 143),
                                                                           (.tlsVersionDeprecated, 993)],
                                                     ports: [143, 993]), language: .en)
        let server = try #require(plan.servers.first)
        let settings = server.script.filter { !$0.hasPrefix("#") }
        #expect(settings == ["cat >> /etc/dovecot/conf.d/99-mailtls.conf <<'EOF'", "disable_plaintext_auth = yes",
                             "ssl_min_protocol = TLSv1.2", "EOF"])
        #expect(server.reload == ["doveadm reload"])
    }

    @Test func eximGetsDebianLocalMacrosAndAnACLThatCanRunTwice() throws {
        let plan = ServerFixPlan(report: Self.report(.exim, findings: Self.lab), language: .en)
        let server = try #require(plan.servers.first)
        let text = server.script.joined(separator: "\n")
        #expect(text.contains("sed -i -e '/^[[:space:]]*MAIN_ACL_CHECK_MAIL[[:space:]]*=/d'"))
        #expect(text.contains("-e '/^[[:space:]]*AUTH_SERVER_ALLOW_NOTLS_PASSWORDS[[:space:]]*=/d'"))
        #expect(text.contains("deny    condition = ${if eq{$received_port}{587}}\n        !encrypted = *"))
        #expect(text.contains("MAIN_ACL_CHECK_MAIL = /etc/exim4/acl_mailtls_check_mail\n"))
        #expect(text.contains("case $dc_use_split_config in true) macros=/etc/exim4/conf.d/main/000_localmacros"))
        #expect(text.contains("require acl = acl_check_mail\naccept\n"))
        #expect(text.contains("auth_advertise_hosts = ${if eq{$tls_in_cipher}{}{}{*}}"))
        #expect(text.contains("tls_require_ciphers = NORMAL:-VERS-SSL3.0:-VERS-TLS1.0:-VERS-TLS1.1"))
        #expect(server.check == ["update-exim4.conf", "exim4 -bV >/dev/null"])
        // Never another server's settings.
        #expect(!text.contains("smtpd_") && !text.contains("postconf") && !text.contains("dovecot"))
    }

    /// A certificate to replace is no setting to write: each software's snippet says where the new one goes, and
    /// runs nothing that would break (no empty sed, no guessed path outside a comment).
    @Test(arguments: [ServerSoftware.postfix, .exim, .dovecot])
    func certificateFindingsSayWhereTheNewCertificateGoes(software: ServerSoftware) throws {
        let plan = ServerFixPlan(report: Self.report(software, findings: [(.certificateExpired, 465)],
                                                     ports: [465, 993]), language: .en)
        let server = try #require(plan.servers.first { $0.software == software })
        #expect(server.findings == [.certificateExpired])
        let commands = server.script.filter { !$0.hasPrefix("#") && !$0.hasPrefix("cat >>") && $0 != "EOF" }
        #expect(commands.isEmpty, "\(commands)")
        let comments = server.script.joined(separator: "\n")
        let expected = ["postfix": "smtpd_tls_chain_files", "exim": "MAIN_TLS_CERTIFICATE", "dovecot": "ssl_cert"]
        #expect(comments.contains(expected[software.rawValue]!))
        // And the report's own fix names the same setting.
        let finding = Finding(.certificateExpired, .critical, port: 465, evidence: .data("2026-01-01"))
        #expect(FindingCatalog.fix(for: finding, in: .en, software: [software]).contains(expected[software.rawValue]!))
    }

    /// A failed handshake names where each server reads its certificate and key, and where it logs the reason.
    @Test(arguments: [(ServerSoftware.postfix, "smtpd_tls_loglevel"), (.exim, "MAIN_TLS_CERTIFICATE"),
                      (.dovecot, "doveadm log errors")])
    func aFailedHandshakeNamesTheServersOwnSettings(software: ServerSoftware, setting: String) {
        for id in [FindingID.starttlsFailed, .tlsHandshakeFailed] {
            let finding = Finding(id, .critical, port: 587, evidence: .data("handshake_failure"))
            for language in [Language.en, .ja] {
                #expect(FindingCatalog.fix(for: finding, in: language, software: [software]).contains(setting))
            }
        }
    }

    @Test func oneServerPerSoftwareOnTheSameHost() {
        var report = Self.report(.postfix, findings: [(.tlsVersionDeprecated, 465), (.tlsVersionDeprecated, 993)],
                                 ports: [465, 993])
        report.ports[1].identification = ServerIdentification(software: .dovecot, confidence: .likely,
                                                              evidence: [.capability("LOGIN-REFERRALS")])
        let plan = ServerFixPlan(report: report, language: .en)
        #expect(plan.servers.map(\.software) == [.postfix, .dovecot])
        #expect(plan.servers.map(\.ports) == [[465], [993]])
    }

    @Test func aHostedProviderGetsNoScriptButWhoCanChangeWhat() throws {
        let plan = ServerFixPlan(report: Self.report(.exchange, provider: .microsoft365, findings: Self.lab),
                                 language: .en)
        let server = try #require(plan.servers.first)
        #expect(server.script.isEmpty && server.shell == nil)
        #expect(server.notes.contains { $0.contains("only Microsoft 365 can change") })
        #expect(server.notes.contains { $0.contains("Set-CASMailbox") })
    }

    @Test func unknownSoftwareGetsTheGeneralFixWithExamples() throws {
        let plan = ServerFixPlan(report: Self.report(nil, findings: [(.tlsVersionDeprecated, 465)]), language: .en)
        let server = try #require(plan.servers.first)
        #expect(server.shell == nil)
        #expect(server.script.contains { $0.contains("Postfix: smtpd_tls_protocols") })
        #expect(server.script.contains { $0.contains("Dovecot: ssl_min_protocol") })
        #expect(server.notes.contains { $0.contains("--server-software") })
    }

    /// Every comment and note of every software's snippet, and the hosted providers' fixes, follow the glossary.
    @Test(arguments: ServerSoftware.allCases.map(Optional.some) + [nil])
    func japaneseSnippetsFollowTheGlossary(software: ServerSoftware?) throws {
        let all = ServerFixPlan.settingFindings.enumerated().map { ($0.element, [25, 465, 587, 143, 993][$0.offset % 5]) }
        func texts(_ language: Language) -> [String] {
            let plan = ServerFixPlan(report: Self.report(software, findings: all, ports: [25, 465, 587, 143, 993]),
                                     language: language)
            // Finding ids stay as they are in every language, like option names.
            let ids = FindingID.allCases.map(\.rawValue).sorted { $0.count > $1.count }
            return plan.servers.flatMap { $0.notes + $0.script.filter { $0.hasPrefix("#") } }.map { line in
                ids.reduce(line) { $0.replacingOccurrences(of: $1, with: "X0") }
            }
        }
        let english = texts(.en)
        let japanese = texts(.ja)
        #expect(english.count == japanese.count)
        try GlossaryTests().expectGood(zip(english, japanese).enumerated().compactMap { index, pair in
            pair.0 == pair.1 ? nil : GlossaryText("\(software?.rawValue ?? "unknown") \(index)", en: pair.0, ja: pair.1)
        })
    }

    @Test(arguments: HostedProvider.allCases)
    func hostedFixesFollowTheGlossary(provider: HostedProvider) throws {
        try GlossaryTests().expectGood(ServerFixPlan.settingFindings.map { id in
            GlossaryText("\(provider) \(id)", en: ServerFixCatalog.hostedFix(id, provider: provider, .en) ?? "",
                         ja: ServerFixCatalog.hostedFix(id, provider: provider, .ja) ?? "")
        })
    }
}
