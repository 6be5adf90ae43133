import Foundation
import SwiftASN1
import X509

/// The roots a chain is validated against: the system bundle, plus a user's `--ca-file` for private CAs.
public struct TrustAnchors: Sendable {
    public let store: CertificateStore
    public let extraRoots: [Certificate]
    public let includesSystemRoots: Bool
    /// Subjects of every trusted root, to tell "issuer missing from the chain" from "unknown root".
    public let rootSubjects: Set<DistinguishedName>

    /// Where Debian, Fedora and Alpine keep the system bundle.
    static let systemBundlePaths = [
        "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem",
    ]

    public enum LoadError: Error, Equatable, Sendable {
        case unreadable(path: String, reason: String)
        case noCertificates(path: String)
    }

    public init(caFile: String?, includeSystemRoots: Bool = true) throws(LoadError) {
        var extras: [Certificate] = []
        if let caFile {
            extras = try TrustAnchors.loadCertificates(path: caFile)
        }
        extraRoots = extras
        includesSystemRoots = includeSystemRoots
        var roots = extras
        if includeSystemRoots, let bundle = TrustAnchors.systemBundlePaths.first(where: {
            FileManager.default.isReadableFile(atPath: $0)
        }) {
            roots += (try? TrustAnchors.loadCertificates(path: bundle)) ?? []
        }
        store = CertificateStore(roots)
        rootSubjects = Set(roots.map(\.subject))
    }

    /// The `--ca-file` roots as DER, for TLS stacks that take bytes (NIOSSL, AsyncHTTPClient).
    public var extraRootsDER: [[UInt8]] {
        extraRoots.compactMap { certificate in
            var serializer = DER.Serializer()
            guard (try? serializer.serialize(certificate)) != nil else { return nil }
            return serializer.serializedBytes
        }
    }

    /// Reads PEM (one or many certificates) or a single DER certificate.
    public static func loadCertificates(path: String) throws(LoadError) -> [Certificate] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied or not a file"
                : "no such file"
            throw .unreadable(path: path, reason: reason)
        }
        if let text = String(data: data, encoding: .utf8), text.contains("-----BEGIN") {
            let documents = (try? PEMDocument.parseMultiple(pemString: text)) ?? []
            let certificates = documents.compactMap { try? Certificate(pemDocument: $0) }
            guard !certificates.isEmpty else { throw .noCertificates(path: path) }
            return certificates
        }
        guard let certificate = try? Certificate(derEncoded: Array(data)) else { throw .noCertificates(path: path) }
        return [certificate]
    }
}
