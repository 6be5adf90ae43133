import MailTLSCore
import MailTLSDNS
import MailTLSSetup

/// Turns what a domain publishes, or nothing at all, into settings to try. Pure: no lookups, no connections.
public enum CandidatePlanner {
    /// What a published file or SRV answer may make `setup` probe, per kind of server: clients use the first, and a
    /// hostile file must not turn mailtls into a scanner of any number of host:port pairs.
    public static let maximumPerKind = 3

    /// The first `maximumPerKind` servers of each kind in an autoconfig file, in the file's order.
    public static func candidates(from config: ProviderConfig, source: DiscoverySource, origin: String)
        -> [Candidate] {
        limited((config.incoming + config.outgoing).map { Candidate(setting: $0, source: source, origin: origin) })
    }

    static func limited(_ candidates: [Candidate]) -> [Candidate] {
        var perKind: [MailProtocol: Int] = [:]
        return candidates.filter { candidate in
            perKind[candidate.setting.kind, default: 0] += 1
            return perKind[candidate.setting.kind, default: 0] <= maximumPerKind
        }
    }

    /// The six RFC 6186 / RFC 8314 services and what each means.
    public static let srvServices: [(name: String, kind: MailProtocol, socketType: SecurityMode)] = [
        ("_submissions._tcp", .smtp, .implicitTLS),
        ("_submission._tcp", .smtp, .startTLS),
        ("_imaps._tcp", .imap, .implicitTLS),
        ("_imap._tcp", .imap, .startTLS),
        ("_pop3s._tcp", .pop3, .implicitTLS),
        ("_pop3._tcp", .pop3, .startTLS),
    ]

    /// SRV answers per service name (`_imaps._tcp`), ordered by priority then weight. A target of "." means the
    /// service is not offered (RFC 2782, RFC 6186 section 3.4).
    public static func candidates(fromSRV answers: [String: [SRVRecord]], domain: String) -> [Candidate] {
        var result: [Candidate] = []
        for service in srvServices {
            let records = (answers[service.name] ?? []).sorted {
                ($0.priority, UInt16.max - $0.weight) < ($1.priority, UInt16.max - $1.weight)
            }
            for record in records where !record.isNotOffered && record.port > 0 {
                let host = DomainName.canonical(record.target)
                result.append(Candidate(
                    setting: ServerSetting(kind: service.kind, hostname: host, port: Int(record.port),
                                           socketType: service.socketType),
                    source: .srv, origin: "\(service.name).\(domain)"))
            }
        }
        return limited(result)
    }

    /// Thunderbird's guesses: incoming `imap.`, `pop3.`, `pop.`, `mail.` and the bare domain; outgoing `smtp.`,
    /// `mail.` and the bare domain; encrypted before plain (plain is never guessed here), implicit TLS first.
    public static func guesses(for domain: String, kinds: Set<MailProtocol>) -> [Candidate] {
        var result: [Candidate] = []
        func add(_ kind: MailProtocol, _ prefixes: [String], _ ports: [(Int, SecurityMode)]) {
            guard kinds.contains(kind) else { return }
            for prefix in prefixes {
                let host = prefix.isEmpty ? domain : "\(prefix).\(domain)"
                for (port, socketType) in ports {
                    result.append(Candidate(
                        setting: ServerSetting(kind: kind, hostname: host, port: port, socketType: socketType),
                        source: .guess, origin: "\(host):\(port)"))
                }
            }
        }
        add(.imap, ["imap", "mail", ""], [(993, .implicitTLS), (143, .startTLS)])
        add(.pop3, ["pop3", "pop", "mail", ""], [(995, .implicitTLS), (110, .startTLS)])
        add(.smtp, ["smtp", "mail", ""], [(465, .implicitTLS), (587, .startTLS)])
        return result
    }

    /// The domain part of the best MX host (`mx1.mail.example.net` -> `mail.example.net`), when it differs from the
    /// address's domain: providers that host many domains publish their settings there.
    public static func mxDomain(of records: [MXRecord], addressDomain: String) -> String? {
        guard let best = records.filter({ $0.exchange != "." && !$0.exchange.isEmpty })
            .min(by: { $0.preference < $1.preference }) else { return nil }
        let labels = DomainName.canonical(best.exchange).split(separator: ".")
        guard labels.count >= 3 else { return nil }
        let domain = labels.dropFirst().joined(separator: ".")
        return domain == addressDomain ? nil : domain
    }
}
