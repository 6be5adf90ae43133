import MailTLSCore

/// Writes a recommendation as Thunderbird's autoconfig file (config-v1.1.xml), for an administrator to publish at
/// `https://autoconfig.<domain>/mail/config-v1.1.xml` or to hand to a client.
///
/// User names are written as the recommendation holds them, placeholders (`%EMAILADDRESS%`) included, so one file
/// serves every user of the domain. `AutoconfigParser` reads the output back to the same servers.
/// - SeeAlso: https://wiki.mozilla.org/Thunderbird:Autoconfiguration:ConfigFileFormat
public enum ThunderbirdExport {
    /// The config-v1.1.xml text: `emailProvider` named after the address's domain, the incoming server, then the
    /// alternative, then the outgoing server.
    public static func configXML(for recommendation: AccountRecommendation) -> String {
        let domain = domain(of: recommendation.address)
        var lines = [
            #"<?xml version="1.0" encoding="UTF-8"?>"#,
            #"<clientConfig version="1.1">"#,
            #"  <emailProvider id="\#(MarkupText.escaped(domain))">"#,
        ]
        if !domain.isEmpty { lines.append("    <domain>\(MarkupText.escaped(domain))</domain>") }
        let displayName = recommendation.displayName.isEmpty ? domain : recommendation.displayName
        if !displayName.isEmpty { lines.append("    <displayName>\(MarkupText.escaped(displayName))</displayName>") }
        for server in [recommendation.incoming, recommendation.incomingAlternative].compactMap({ $0 }) {
            lines += serverLines(server, element: "incomingServer")
        }
        if let outgoing = recommendation.outgoing { lines += serverLines(outgoing, element: "outgoingServer") }
        lines += ["  </emailProvider>", "</clientConfig>", ""]
        return lines.joined(separator: "\n")
    }

    /// The part after the last `@`, in lower case; empty when there is none.
    static func domain(of address: String) -> String {
        guard let at = address.lastIndex(of: "@") else { return "" }
        return address[address.index(after: at)...].lowercased()
    }

    private static func serverLines(_ server: ServerSetting, element: String) -> [String] {
        var lines = [
            #"    <\#(element) type="\#(server.kind.rawValue)">"#,
            "      <hostname>\(MarkupText.escaped(server.hostname))</hostname>",
            "      <port>\(server.port)</port>",
            "      <socketType>\(server.socketType.autoconfigName)</socketType>",
        ]
        lines += server.authentication.map { "      <authentication>\($0.rawValue)</authentication>" }
        if !server.username.isEmpty { lines.append("      <username>\(MarkupText.escaped(server.username))</username>") }
        lines.append("    </\(element)>")
        return lines
    }
}
