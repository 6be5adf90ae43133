import MailTLSCore

/// Mozilla's server-side TLS profiles (version 5.7 of its guidelines), as `check --deep` grades a port against them:
/// modern (TLS 1.3 only), intermediate (TLS 1.2 and 1.3, ECDHE or DHE with AES-GCM or ChaCha20) and old (TLS 1.0
/// to 1.3 with the CBC suites and 3DES for ancient clients). The grade names every accepted version, suite and DH
/// group a profile does not allow (intermediate asks for DH groups of 2048 bits, old allows 1024).
/// - SeeAlso: https://wiki.mozilla.org/Security/Server_Side_TLS
public enum MozillaProfile: String, Sendable, CaseIterable, Codable {
    case modern, intermediate, old

    /// What a port accepts beyond the profile: versions and suites (IANA names).
    public struct Departures: Sendable, Equatable {
        public var profile: MozillaProfile
        public var versions: [TLSVersion]
        public var suites: [String]
        /// DHE groups smaller than the profile allows ("DH 1024 bits").
        public var dhGroups: [String] = []
        public var meets: Bool { versions.isEmpty && suites.isEmpty && dhGroups.isEmpty }
    }

    public var versions: Set<TLSVersion> {
        switch self {
        case .modern: [.tls13]
        case .intermediate: [.tls12, .tls13]
        case .old: Set(TLSVersion.allCases)
        }
    }

    static let intermediateSuites: Set<UInt16> = [
        0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8, 0x009E, 0x009F, 0xCCAA,
    ]
    static let oldSuites: Set<UInt16> = intermediateSuites.union([
        0xC023, 0xC027, 0xC009, 0xC013, 0xC024, 0xC028, 0xC00A, 0xC014, 0x0067, 0x006B, 0x009C, 0x009D, 0x003C,
        0x003D, 0x002F, 0x0035, 0x000A,
    ])

    /// Suites the profile allows before TLS 1.3 (TLS 1.3's own suites are always allowed where TLS 1.3 is).
    public var suites: Set<UInt16> {
        switch self {
        case .modern: []
        case .intermediate: Self.intermediateSuites
        case .old: Self.oldSuites
        }
    }

    /// The smallest DH group the profile allows for DHE suites.
    public var minimumDHBits: Int { self == .old ? 1024 : 2048 }

    public func departures(of result: DeepScanResult) -> Departures {
        var departures = Departures(profile: self, versions: [], suites: [])
        for version in result.versions {
            // A version the profile does not allow counts once, as a version; suites only where it is allowed.
            guard versions.contains(version.version) else {
                departures.versions.append(version.version)
                continue
            }
            guard version.version != .tls13 else { continue }
            for suite in version.accepted where !suites.contains(suite.code)
                && !departures.suites.contains(suite.ianaName) {
                departures.suites.append(suite.ianaName)
            }
        }
        departures.dhGroups = result.dhGroups.filter { $0.bits < minimumDHBits }.map { "DH \($0.bits)" }
        return departures
    }
}
