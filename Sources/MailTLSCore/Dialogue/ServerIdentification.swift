/// Who runs a port and with what software, as far as the conversation shows it, with the evidence and how sure it is.
/// A fix is given in the terms of the software identified here; `--server-software` replaces the judgement.
public struct ServerIdentification: Sendable, Equatable {
    public enum Confidence: String, Sendable, Codable, Comparable {
        /// A trait several programs could share (a capability or a reply's wording).
        case likely
        /// The server names itself (greeting, POP3 IMPLEMENTATION) or its host name belongs to a provider.
        case named
        /// The user said so with `--server-software`.
        case chosen

        public static func < (lhs: Confidence, rhs: Confidence) -> Bool {
            let order: [Confidence] = [.likely, .named, .chosen]
            return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
        }
    }

    /// One observation that points at the software or the provider.
    public enum Evidence: Sendable, Equatable, Hashable {
        /// The greeting contains the software's own word (`ESMTP Postfix`, `Dovecot ready.`).
        case greetingNames(String)
        /// A POP3 `IMPLEMENTATION` capability names the software.
        case implementationNames(String)
        /// A capability only this software announces (`PRDR`, `X-ANONYMOUSTLS`, `LOGIN-REFERRALS`).
        case capability(String)
        /// The go-ahead to STARTTLS in the software's own words (`220 TLS go ahead`).
        case startTLSReply(String)
        /// The host name is one the provider publishes for its mail service (`smtp.office365.com`).
        case hostName(String)
        /// Chosen with `--server-software`.
        case userChoice
    }

    /// The software, when known.
    public var software: ServerSoftware?
    /// The hosted mail service the host belongs to, when it is one.
    public var provider: HostedProvider?
    public var confidence: Confidence
    public var evidence: [Evidence]

    public init(software: ServerSoftware?, provider: HostedProvider? = nil, confidence: Confidence, evidence: [Evidence]) {
        self.software = software
        self.provider = provider
        self.confidence = confidence
        self.evidence = evidence
    }

    /// What the greeting, the capabilities, the STARTTLS go-ahead and the host name say of the server. Named beats
    /// likely; nil when nothing points anywhere.
    public static func identify(protocol mailProtocol: MailProtocol, record: DialogueRecord,
                                hostNames: [String] = []) -> ServerIdentification? {
        let provider = hostNames.lazy.compactMap(HostedProvider.identify(hostName:)).first
        var named: (ServerSoftware, Evidence)?
        if let greeting = record.greeting, let software = ServerSoftware.identify(greeting: greeting.lines) {
            named = (software, .greetingNames(software.displayName))
        } else if mailProtocol == .pop3,
                  let (software, word) = ServerSoftware.identify(pop3Capabilities: capabilities(record)) {
            named = (software, .implementationNames(word))
        }
        var likely: [ServerSoftware: [Evidence]] = [:]
        for (software, keyword) in ServerSoftware.signatures(in: capabilities(record), protocol: mailProtocol) {
            likely[software, default: []].append(.capability(keyword))
        }
        if let goAhead = record.startTLSGoAhead,
           let software = ServerSoftware.identify(startTLSGoAhead: goAhead, protocol: mailProtocol) {
            likely[software, default: []].append(.startTLSReply(PeerText.quote(goAhead.statusLine)))
        }
        var providerEvidence: [Evidence] = []
        if let provider { providerEvidence = [.hostName(provider.matchedName)] }
        if let (software, evidence) = named {
            return ServerIdentification(software: software, provider: provider?.provider, confidence: .named,
                                        evidence: providerEvidence + [evidence] + (likely[software] ?? []))
        }
        // Behaviour decides only when it points at one program.
        if likely.count == 1, let (software, evidence) = likely.first {
            return ServerIdentification(software: software, provider: provider?.provider,
                                        confidence: provider == nil ? .likely : .named,
                                        evidence: providerEvidence + evidence)
        }
        if let provider {
            return ServerIdentification(software: provider.provider.software, provider: provider.provider,
                                        confidence: .named, evidence: providerEvidence)
        }
        return nil
    }

    /// The user's choice (`--server-software`), which replaces what the conversation suggested.
    public static func chosen(_ software: ServerSoftware) -> ServerIdentification {
        ServerIdentification(software: software, confidence: .chosen, evidence: [.userChoice])
    }

    private static func capabilities(_ record: DialogueRecord) -> [String] {
        (record.capabilitiesBeforeTLS ?? []) + (record.capabilitiesAfterTLS ?? [])
    }
}

extension ServerSoftware {
    /// Capabilities only one program announces by default, per protocol: Exim's PRDR, Exchange's X-ANONYMOUSTLS,
    /// XEXCH50 and XRDST, Sendmail's DELIVERBY; Dovecot's LOGIN-REFERRALS, Courier's ACL2=UNION. Postfix, with a
    /// banner that hides it, is not told from others by one keyword, so it is not guessed.
    static func signatures(in capabilities: [String], protocol mailProtocol: MailProtocol)
        -> [(ServerSoftware, String)] {
        let table: [(ServerSoftware, String)]
        switch mailProtocol {
        case .smtp:
            table = [(.exim, "PRDR"), (.exchange, "X-ANONYMOUSTLS"), (.exchange, "XEXCH50"), (.exchange, "XRDST"),
                     (.exchange, "X-EXPS"), (.sendmail, "DELIVERBY")]
        case .imap:
            table = [(.dovecot, "LOGIN-REFERRALS"), (.courier, "ACL2=UNION")]
        case .pop3:
            table = []
        }
        let keywords = Set(capabilities.prefix(64).map { String($0.prefix(64).split(separator: " ").first ?? "").uppercased() })
        var found: [(ServerSoftware, String)] = []
        for (software, keyword) in table where keywords.contains(keyword)
            && !found.contains(where: { $0.0 == software && $0.1 == keyword }) {
            found.append((software, keyword))
        }
        return found
    }

    /// POP3's `IMPLEMENTATION` capability (RFC 2449), which Cyrus, Courier and others fill with their name.
    static func identify(pop3Capabilities capabilities: [String]) -> (ServerSoftware, String)? {
        for line in capabilities.prefix(64) where line.uppercased().hasPrefix("IMPLEMENTATION ") {
            let text = String(line.dropFirst("IMPLEMENTATION ".count).prefix(128))
            if let software = identify(greeting: [text]) { return (software, PeerText.quote(text)) }
        }
        return nil
    }

    /// The STARTTLS go-ahead's wording where one program writes it: Exim's `220 TLS go ahead`, Exchange's
    /// `220 2.0.0 SMTP server ready`. Postfix and Sendmail share `Ready to start TLS`, so it names neither.
    static func identify(startTLSGoAhead response: MailResponse, protocol mailProtocol: MailProtocol) -> ServerSoftware? {
        guard mailProtocol == .smtp else { return nil }
        let text = String(response.statusLine.prefix(128)).lowercased()
        if text.hasSuffix("tls go ahead") { return .exim }
        if text.hasSuffix("2.0.0 smtp server ready") { return .exchange }
        return nil
    }
}

/// A hosted mail service: its servers are run by the provider, so most fixes are theirs to make, and the fix says
/// what the customer can change and what only the provider can.
public enum HostedProvider: String, Sendable, Codable, CaseIterable {
    case microsoft365 = "microsoft-365"
    case google
    case yahooJapan = "yahoo-japan"
    case ocn
    case biglobe
    case nifty
    case soNet = "so-net"
    case auOneNet = "au-one-net"
    case plala
    case sakura
    case xserver
    case lolipop
    case kagoya

    public var displayName: String {
        switch self {
        case .microsoft365: "Microsoft 365"
        case .google: "Google Workspace"
        case .yahooJapan: "Yahoo! JAPAN"
        case .ocn: "OCN"
        case .biglobe: "BIGLOBE"
        case .nifty: "@nifty"
        case .soNet: "So-net"
        case .auOneNet: "au one net"
        case .plala: "plala"
        case .sakura: "Sakura Internet"
        case .xserver: "Xserver"
        case .lolipop: "Lolipop"
        case .kagoya: "KAGOYA"
        }
    }

    /// The software behind the service, where the provider runs one program everyone knows.
    public var software: ServerSoftware? {
        switch self {
        case .microsoft365: .exchange
        case .google: .gmail
        default: nil
        }
    }

    /// Whether the customer's administrator has a console with mail-security settings (a tenant), or only the
    /// provider can change anything.
    public var hasTenantAdministration: Bool { self == .microsoft365 || self == .google }

    /// The domain suffixes under which each provider publishes its mail servers' names.
    static let suffixes: [(String, HostedProvider)] = [
        ("office365.com", .microsoft365), ("outlook.com", .microsoft365), ("outlook.office.com", .microsoft365),
        ("gmail.com", .google), ("googlemail.com", .google), ("google.com", .google),
        ("mail.yahoo.co.jp", .yahooJapan), ("ocn.ne.jp", .ocn), ("biglobe.ne.jp", .biglobe), ("nifty.com", .nifty),
        ("so-net.ne.jp", .soNet), ("auone-net.jp", .auOneNet), ("plala.or.jp", .plala), ("sakura.ne.jp", .sakura),
        ("xserver.jp", .xserver), ("lolipop.jp", .lolipop), ("kagoya.net", .kagoya),
    ]

    /// The provider whose published mail host names include `hostName` (a whole label boundary: `smtp.gmail.com`
    /// and `gmail.com`, never `notgmail.com`).
    public static func identify(hostName: String) -> (provider: HostedProvider, matchedName: String)? {
        let name = hostName.lowercased().trimmingTrailingDot
        guard name.utf8.count <= 253 else { return nil }
        for (suffix, provider) in suffixes where name == suffix || name.hasSuffix("." + suffix) {
            return (provider, name)
        }
        return nil
    }
}

extension String {
    fileprivate var trimmingTrailingDot: String { hasSuffix(".") ? String(dropLast()) : self }
}
