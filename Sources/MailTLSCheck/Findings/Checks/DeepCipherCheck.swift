import MailTLSCore

/// `check --deep`: every suite a port accepts, judged by what is wrong with it: broken (NULL, anonymous, export, RC4,
/// DES, RC2), SWEET32 (3DES, IDEA), no forward secrecy (static RSA, DH, ECDH). One finding per kind, listing the
/// suites by version; and the two handshake properties the scan sees on the way: TLS compression and secure
/// renegotiation; the DH groups of its DHE suites; TLS 1.0 with nothing but CBC.
/// - SeeAlso: RFC 7465 (RC4), RFC 9325 sections 3.3 and 4.2, RFC 5746, RFC 7919, CVE-2016-2183 (SWEET32),
///   CVE-2012-4929 (CRIME), CVE-2015-4000 (Logjam), CVE-2011-3389 (BEAST)
struct DeepCipherCheck: PortCheck {
    var producibleFindings: [FindingID] {
        [.cipherBroken, .cipherAnonymous, .cipherSweet32, .cipherNoForwardSecrecy, .tlsCompression, .secureRenegotiationMissing,
         .sslProtocolAccepted, .fallbackSCSVMissing, .dhWeak, .tls10CBCOnly]
    }

    func findings(for port: PortObservation, context: CheckContext) -> [Finding] {
        guard let deep = port.deep else { return [] }
        // Anonymous suites between servers (port 25) are opportunistic TLS as Postfix intends it (RFC 7435): a
        // note there, a warning where clients send passwords.
        let anonymousSeverity: Severity = port.spec.port == 25 ? .info : .warning
        let kinds: [(CipherSuite.Weakness, FindingID, Severity)] = [
            (.broken, .cipherBroken, .critical), (.anonymous, .cipherAnonymous, anonymousSeverity),
            (.sweet32, .cipherSweet32, .warning),
            (.noForwardSecrecy, .cipherNoForwardSecrecy, .warning),
        ]
        var findings: [Finding] = []
        if deep.compression == true {
            findings.append(Finding(.tlsCompression, .warning, port: port.spec.port, evidence: .data("DEFLATE")))
        }
        let ssl = (deep.sslv2 ? ["SSLv2"] : []) + (deep.sslv3 ? ["SSLv3"] : [])
        if !ssl.isEmpty {
            findings.append(Finding(.sslProtocolAccepted, .critical, port: port.spec.port,
                                    evidence: .data(ssl.joined(separator: ", ")),
                                    parameters: ["versions": ssl.joined(separator: ", ")]))
        }
        if deep.fallbackSCSV == false {
            findings.append(Finding(.fallbackSCSVMissing, .warning, port: port.spec.port,
                                    evidence: .data("TLS_FALLBACK_SCSV")))
        }
        // Below 2048 bits DHE is breakable with enough computing, and at 1024 bits a published prime falls to one
        // precomputation for every server sharing it; below 1024 bits (export grade) by anyone.
        // Groups only anonymous suites used weigh like those suites (a note on port 25's opportunistic TLS).
        let weakGroups = deep.dhGroups.filter { $0.bits < 2048 }
        if let smallest = weakGroups.first {
            let severity: Severity = smallest.bits < 1024 ? .critical
                : weakGroups.allSatisfy(\.anonymousOnly) ? anonymousSeverity : .warning
            findings.append(Finding(.dhWeak, severity, port: port.spec.port,
                                    evidence: .data(weakGroups.map(\.evidence).joined(separator: "; ")),
                                    parameters: ["bits": String(smallest.bits),
                                                 "groups": weakGroups.map(\.evidence).joined(separator: "; ")]))
        }
        if let tls10 = deep.versions.first(where: { $0.version == .tls10 }),
           tls10.accepted.allSatisfy({ $0.ianaName.contains("_CBC_") }) {
            let names = tls10.accepted.map(\.ianaName)
            findings.append(Finding(.tls10CBCOnly, .info, port: port.spec.port, evidence: .data(names.joined(separator: ", ")),
                                    parameters: ["suites": names.joined(separator: ", ")]))
        }
        if deep.secureRenegotiation == false {
            let versions = deep.versions.filter { $0.version < .tls13 }.map(\.version.rawValue)
            findings.append(Finding(.secureRenegotiationMissing, .warning, port: port.spec.port,
                                    evidence: .data(versions.joined(separator: ", "))))
        }
        return findings + kinds.compactMap { weakness, id, severity in
            let byVersion = deep.versions.compactMap { result -> String? in
                let names = result.accepted.filter { $0.weakness == weakness }.map(\.ianaName)
                return names.isEmpty ? nil : result.version.rawValue + ": " + names.joined(separator: ", ")
            }
            guard !byVersion.isEmpty else { return nil }
            let suites = Set(deep.versions.flatMap { $0.accepted.filter { $0.weakness == weakness }.map(\.ianaName) })
            return Finding(id, severity, port: port.spec.port, evidence: .data(byVersion.joined(separator: "; ")),
                           parameters: ["suites": suites.sorted().joined(separator: ", ")])
        }
    }
}
