/// How much a finding matters. Exit codes follow Nagios plugins: critical 2, warning 1.
public enum Severity: String, Sendable, Codable, Comparable, CaseIterable {
    case info
    case warning
    case critical

    private var rank: Int {
        switch self {
        case .info: 0
        case .warning: 1
        case .critical: 2
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// Stable finding identifiers; RFC 8460 result-type names where one exists. Never rename: scripts match on them.
public enum FindingID: String, Sendable, Codable, CaseIterable {
    case portClosed = "port-closed"
    case portFiltered = "port-filtered"
    case wrongModePlaintextOnTLSPort = "wrong-mode-plaintext-on-tls-port"
    case wrongModeTLSOnSTARTTLSPort = "wrong-mode-tls-on-starttls-port"
    case starttlsNotSupported = "starttls-not-supported"
    case starttlsOptional = "starttls-optional"
    case starttlsFailed = "starttls-failed"
    case starttlsInjection = "starttls-injection"
    case tlsHandshakeFailed = "tls-handshake-failed"
    case cleartextAuthAllowed = "cleartext-auth-allowed"
    case certificateExpired = "certificate-expired"
    case certificateNotYetValid = "certificate-not-yet-valid"
    case certificateExpiringSoon = "certificate-expiring-soon"
    case certificateHostMismatch = "certificate-host-mismatch"
    case certificateNotTrusted = "certificate-not-trusted"
    case certificateSelfSigned = "certificate-self-signed"
    case certificateChainIncomplete = "certificate-chain-incomplete"
    case tlsVersionDeprecated = "tls-version-deprecated"
    case tlsVersionModernMissing = "tls-version-modern-missing"
    case weakCipher = "weak-cipher"
    /// `--deep`: a suite with no or broken encryption is accepted (NULL, anonymous, export, RC4, DES, RC2).
    case cipherBroken = "cipher-broken"
    /// `--deep`: anonymous suites are accepted (no server authentication).
    case cipherAnonymous = "cipher-anonymous"
    /// `--deep`: a 64-bit block cipher is accepted (3DES, IDEA: SWEET32).
    case cipherSweet32 = "cipher-sweet32"
    /// `--deep`: a suite without forward secrecy is accepted (static RSA, DH or ECDH key exchange).
    case cipherNoForwardSecrecy = "cipher-no-forward-secrecy"
    /// `--deep`: the server accepts TLS compression (CRIME).
    case tlsCompression = "tls-compression"
    /// `--deep`: TLS 1.2-and-earlier ServerHellos without renegotiation_info (RFC 5746).
    case secureRenegotiationMissing = "secure-renegotiation-missing"
    /// `--deep`: SSL 3.0 or SSL 2.0 is accepted.
    case sslProtocolAccepted = "ssl-protocol-accepted"
    /// `--deep`: a fallback below the best version is served (no TLS_FALLBACK_SCSV, RFC 7507).
    case fallbackSCSVMissing = "fallback-scsv-missing"
    /// `--deep`: DHE key exchange with a finite-field group below 2048 bits (Logjam).
    case dhWeak = "dh-weak"
    /// `--deep`: TLS 1.0 is accepted with CBC suites only (BEAST where the client does not split records).
    case tls10CBCOnly = "tls10-cbc-only"
    case weakKey = "weak-key"
    case weakSignature = "weak-signature"
    case serverUnavailable = "server-unavailable"
    case greetingSlow = "greeting-slow"
    case protocolError = "protocol-error"
}

/// One thing worth telling the user, with the evidence that shows it. Text lives in the renderers' catalogue,
/// keyed by `id` and filled from `parameters`.
public struct Finding: Sendable, Codable, Equatable {
    public var id: FindingID
    public var severity: Severity
    public var ports: [Int]
    /// The server's own words or the measured value, with mailtls's words typed (rendered per language).
    public var evidence: Evidence
    public var parameters: [String: String]

    public init(_ id: FindingID, _ severity: Severity, port: Int, evidence: Evidence,
                parameters: [String: String] = [:]) {
        self.id = id
        self.severity = severity
        ports = [port]
        self.evidence = evidence
        self.parameters = parameters
    }
}

/// Facts about the whole run that a per-port check may need.
public struct CheckContext: Sendable {
    public var warnDays: Int
    /// Whether any probed port answered at all.
    public var anyPortOpen: Bool

    public init(warnDays: Int = CertificateAssessment.defaultWarnDays, anyPortOpen: Bool = true) {
        self.warnDays = warnDays
        self.anyPortOpen = anyPortOpen
    }
}

/// One check: looks at one port's observation and returns findings. Checks never render text.
public protocol PortCheck: Sendable {
    /// The finding ids this check can produce (for the catalogue and its tests).
    var producibleFindings: [FindingID] { get }
    func findings(for port: PortObservation, context: CheckContext) -> [Finding]
}

/// Every check mailtls runs, in one place.
public enum CheckRegistry {
    public static let standard: [any PortCheck] = [
        TransportCheck(),
        GreetingSpeedCheck(),
        CipherCheck(),
        DeepCipherCheck(),
        CertificateCheck(),
    ]

    /// Runs every check on every port and merges the same finding (id, severity, parameters) across ports. When the
    /// evidence differs between ports, it is kept per port: `143: NO [AUTHENTICATIONFAILED] ...; 110: -ERR ...`.
    public static func evaluate(_ ports: [PortObservation], context: CheckContext,
                                checks: [any PortCheck] = standard) -> [Finding] {
        let all = ports.flatMap { port in checks.flatMap { $0.findings(for: port, context: context) } }
        var merged = FindingMerger.merge(
            all, same: { $0.id == $1.id && $0.severity == $1.severity && $0.parameters == $1.parameters },
            places: \.ports, evidence: \.evidence, label: String.init,
            combine: { .perPlace($0.map { PlacedEvidence(place: $0.place, evidence: $0.evidence) }) })
        for index in merged.indices { merged[index].ports.sort() }
        return merged.sorted { lhs, rhs in
            if lhs.severity != rhs.severity { return lhs.severity > rhs.severity }
            return (lhs.ports.first ?? 0, lhs.id.rawValue) < (rhs.ports.first ?? 0, rhs.id.rawValue)
        }
    }
}
