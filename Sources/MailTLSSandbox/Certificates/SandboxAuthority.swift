import _CryptoExtras
import Crypto
import Foundation
import SwiftASN1
import X509

/// The sandbox's own test CA and server certificates, made with swift-certificates on first run and kept in the
/// state directory. Devices import `ca.pem` or `ca.der`; the wrong-name and expired certificates test whether a
/// device validates what it is shown.
public struct SandboxAuthority: Sendable {
    public enum CertificateKind: String, Sendable, Codable, CaseIterable {
        case valid
        case wrongName = "wrong-name"
        case expired
    }

    public struct Identity: Sendable {
        /// Leaf first, then the CA.
        public var chainPEM: String
        public var keyPEM: String
    }

    public let directory: URL
    public let caPEM: String
    public let caDER: [UInt8]
    public let identities: [CertificateKind: Identity]
    public let names: [String]

    public var caPEMPath: String { directory.appendingPathComponent("ca.pem").path }
    public var caDERPath: String { directory.appendingPathComponent("ca.der").path }

    /// Loads the CA from `directory`, creating it if absent, and issues leaves for `names` (host names and IP
    /// addresses). Leaves are re-issued when the names change; the CA is kept so devices need import it once.
    public static func loadOrCreate(directory: URL, names: [String], now: Date = Date()) throws -> SandboxAuthority {
        let files = FileManager.default
        try files.createDirectory(at: directory, withIntermediateDirectories: true,
                                  attributes: [.posixPermissions: 0o700])
        let caCertificatePath = directory.appendingPathComponent("ca.pem")
        let caKeyPath = directory.appendingPathComponent("ca.key")
        let caKey: _RSA.Signing.PrivateKey
        let caCertificate: Certificate
        if let keyText = try? String(contentsOf: caKeyPath, encoding: .utf8),
           let certificateText = try? String(contentsOf: caCertificatePath, encoding: .utf8),
           let key = try? _RSA.Signing.PrivateKey(pemRepresentation: keyText),
           let certificate = try? Certificate(pemEncoded: certificateText), certificate.notValidAfter > now {
            caKey = key
            caCertificate = certificate
        } else {
            caKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            let name = try DistinguishedName {
                CommonName("mailtls sandbox test CA")
                OrganizationName("mailtls sandbox (not for production)")
            }
            caCertificate = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(caKey.publicKey),
                // Back-dated beyond the expired leaf's start (400 days ago): a leaf valid before its issuer is not
                // "expired but otherwise valid" to a validator that checks the chain as of the leaf's lifetime.
                notValidBefore: now.addingTimeInterval(-401 * 86400),
                notValidAfter: now.addingTimeInterval(10 * 365 * 86400),
                issuer: name, subject: name, signatureAlgorithm: .sha256WithRSAEncryption,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                    Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                    SubjectKeyIdentifier(hash: .init(caKey.publicKey))
                },
                issuerPrivateKey: .init(caKey))
            try write(caKey.pemRepresentation, to: caKeyPath, mode: 0o600)
            try write(try caCertificate.serializeAsPEM().pemString, to: caCertificatePath, mode: 0o644)
        }
        var serializer = DER.Serializer()
        try serializer.serialize(caCertificate)
        let caDER = serializer.serializedBytes
        try Data(caDER).write(to: directory.appendingPathComponent("ca.der"))
        let caPEM = try caCertificate.serializeAsPEM().pemString

        // Leaves: reuse when issued for the same names by this CA and still valid.
        let namesPath = directory.appendingPathComponent("names.txt")
        let storedNames = (try? String(contentsOf: namesPath, encoding: .utf8)) ?? ""
        let wantedNames = names.joined(separator: "\n")
        var identities: [CertificateKind: Identity] = [:]
        if storedNames == wantedNames {
            for kind in CertificateKind.allCases {
                let chain = try? String(contentsOf: directory.appendingPathComponent("\(kind.rawValue).pem"), encoding: .utf8)
                let key = try? String(contentsOf: directory.appendingPathComponent("server.key"), encoding: .utf8)
                if let chain, let key, chain.contains(caPEM.trimmingCharacters(in: .whitespacesAndNewlines)) {
                    identities[kind] = Identity(chainPEM: chain, keyPEM: key)
                }
            }
        }
        if identities.count != CertificateKind.allCases.count {
            let leafKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            try write(leafKey.pemRepresentation, to: directory.appendingPathComponent("server.key"), mode: 0o600)
            for kind in CertificateKind.allCases {
                let leafNames = kind == .wrongName ? ["wrong-name.invalid"] : names
                let notBefore = kind == .expired ? now.addingTimeInterval(-400 * 86400) : now.addingTimeInterval(-3600)
                let notAfter = kind == .expired ? now.addingTimeInterval(-30 * 86400) : now.addingTimeInterval(397 * 86400)
                let leaf = try issueLeaf(names: leafNames, key: leafKey, notBefore: notBefore, notAfter: notAfter,
                                         issuer: caCertificate, issuerKey: caKey)
                let chain = try leaf.serializeAsPEM().pemString + "\n" + caPEM + "\n"
                try write(chain, to: directory.appendingPathComponent("\(kind.rawValue).pem"), mode: 0o644)
                identities[kind] = Identity(chainPEM: chain, keyPEM: leafKey.pemRepresentation)
            }
            try write(wantedNames, to: namesPath, mode: 0o644)
        }
        return SandboxAuthority(directory: directory, caPEM: caPEM, caDER: caDER, identities: identities, names: names)
    }

    static func issueLeaf(names: [String], key: _RSA.Signing.PrivateKey, notBefore: Date, notAfter: Date,
                          issuer: Certificate, issuerKey: _RSA.Signing.PrivateKey) throws -> Certificate {
        let subject = try DistinguishedName {
            CommonName(names.first ?? "localhost")
            OrganizationName("mailtls sandbox (not for production)")
        }
        var alternativeNames: [GeneralName] = []
        for name in names {
            if let ip = ipBytes(name) {
                alternativeNames.append(.ipAddress(ASN1OctetString(contentBytes: ip[...])))
            } else {
                alternativeNames.append(.dnsName(name))
            }
        }
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: issuer.subject, subject: subject,
            signatureAlgorithm: .sha256WithRSAEncryption,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(alternativeNames)
            },
            issuerPrivateKey: .init(issuerKey))
    }

    static func ipBytes(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".")
        if parts.count == 4, let bytes = Optional(parts.compactMap { UInt8($0) }), bytes.count == 4 { return bytes }
        if text.contains(":") {
            var address = in6_addr()
            if inet_pton(AF_INET6, text, &address) == 1 {
                return withUnsafeBytes(of: &address) { Array($0) }
            }
        }
        return nil
    }

    static func write(_ text: String, to url: URL, mode: Int) throws {
        try Data(text.utf8).write(to: url, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
    }
}
