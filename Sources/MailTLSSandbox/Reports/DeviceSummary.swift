import MailTLSCore

/// Everything the sandbox learned about one device (one source address), and what it means for its settings.
public struct DeviceSummary: Codable, Sendable, Equatable {
    public enum Advice: String, Codable, Sendable, CaseIterable {
        /// It sent a password before TLS.
        case credentialsInClear = "credentials-in-clear"
        /// It went on after being shown a wrong-name or expired certificate.
        case doesNotValidateCertificates = "does-not-validate-certificates"
        /// Its best TLS version is below 1.2.
        case tlsTooOld = "tls-too-old"
        /// It sent commands before TLS without using the STARTTLS it was offered.
        case skipsSTARTTLS = "skips-starttls"
        /// It never completed a TLS handshake.
        case noTLS = "no-tls"
        /// It refused the sandbox CA: import ca.pem / ca.der to test further.
        case importSandboxCA = "import-sandbox-ca"
        /// It validated certificates in a test.
        case validatesCertificates = "validates-certificates"
    }

    public var address: String
    public var connections: Int
    public var ports: [Int]
    public var offeredVersions: [String]
    public var maximumVersion: String?
    public var negotiatedVersions: [String]
    public var offeredCipherSuites: [String]
    public var negotiatedCipherSuites: [String]
    public var serverNames: [String]
    public var usedSTARTTLS: Bool
    public var usedImplicitTLS: Bool
    public var credentialsInClear: Bool
    public var certificateValidation: ConnectionReport.Validation
    public var authenticationMechanisms: [String]
    public var messagesSent: Int
    public var advice: [Advice]
    /// What to enter in the device: e.g. `465 SSL/TLS` or `587 STARTTLS`.
    public var recommendedSubmission: String?

    public static func summarise(_ reports: [ConnectionReport]) -> [DeviceSummary] {
        let byAddress = Dictionary(grouping: reports, by: \.clientAddress)
        return byAddress.keys.sorted().map { address in summarise(address: address, reports: byAddress[address]!) }
    }

    static func summarise(address: String, reports: [ConnectionReport]) -> DeviceSummary {
        /// Every value once, in first-seen order; linear in what the reports hold (a device offering thousands of
        /// suites per hello must not make the summary quadratic).
        func union(_ values: [[String]]) -> [String] {
            var seen = Set<String>()
            var ordered: [String] = []
            for list in values { for value in list where seen.insert(value).inserted { ordered.append(value) } }
            return ordered
        }
        let offered = union(reports.compactMap { $0.offer?.versions })
            .compactMap(TLSVersion.init(rawValue:)).sorted()
        let negotiated = union(reports.compactMap { $0.negotiatedVersion.map { [$0] } })
        let maximum = reports.compactMap { $0.offer?.maximumVersion }.compactMap(TLSVersion.init(rawValue:)).max()
            ?? offered.max()
        let usedSTARTTLS = reports.contains { $0.startTLS == "used" && $0.negotiatedVersion != nil }
        let usedImplicit = reports.contains { $0.mode == "tls" && $0.negotiatedVersion != nil }
        let credentialsInClear = reports.contains { $0.credentialsBeforeTLS }
        let skipped = reports.contains { report in
            report.mode == "starttls" && report.portTest != "no-starttls" && report.startTLS == "not-used"
                && !report.commandsBeforeTLS.isEmpty
        }
        let validation: ConnectionReport.Validation
        if reports.contains(where: { $0.certificateValidation == .doesNotValidate }) {
            validation = .doesNotValidate
        } else if reports.contains(where: { $0.certificateValidation == .validates }) {
            validation = .validates
        } else {
            validation = .unknown
        }
        var advice: [Advice] = []
        if credentialsInClear { advice.append(.credentialsInClear) }
        if validation == .doesNotValidate { advice.append(.doesNotValidateCertificates) }
        if let maximum, maximum < .tls12 { advice.append(.tlsTooOld) }
        if skipped { advice.append(.skipsSTARTTLS) }
        if negotiated.isEmpty { advice.append(.noTLS) }
        if reports.contains(where: { $0.portTest == "standard" && ($0.handshakeError ?? "").contains("UNKNOWN_CA") }) {
            advice.append(.importSandboxCA)
        }
        if validation == .validates { advice.append(.validatesCertificates) }
        var recommendation: String?
        if let maximum, maximum >= .tls12 {
            recommendation = usedImplicit ? "465 SSL/TLS" : (usedSTARTTLS ? "587 STARTTLS" : "465 SSL/TLS")
        } else if usedSTARTTLS || usedImplicit {
            recommendation = "relay"
        }
        return DeviceSummary(
            address: address, connections: reports.count, ports: Array(Set(reports.map(\.serverPort))).sorted(),
            offeredVersions: offered.map(\.rawValue), maximumVersion: maximum?.rawValue,
            negotiatedVersions: negotiated,
            offeredCipherSuites: union(reports.compactMap { $0.offer?.cipherSuites }),
            negotiatedCipherSuites: union(reports.compactMap { $0.negotiatedCipher.map { [$0] } }),
            serverNames: union(reports.compactMap { $0.offer?.serverName.map { [$0] } }),
            usedSTARTTLS: usedSTARTTLS, usedImplicitTLS: usedImplicit, credentialsInClear: credentialsInClear,
            certificateValidation: validation,
            authenticationMechanisms: union(reports.map { $0.authentications.map(\.mechanism) }),
            messagesSent: reports.reduce(0) { $0 + $1.messages.count }, advice: advice,
            recommendedSubmission: recommendation)
    }
}
