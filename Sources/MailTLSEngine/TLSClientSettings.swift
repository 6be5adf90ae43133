import MailTLSCore
import NIOCore
import NIOSSL

/// The TLS offer for one connection. Version scans pin `minimum == maximum`.
public struct TLSClientSettings: Sendable, Hashable {
    public var minimum: MailTLSCore.TLSVersion
    public var maximum: MailTLSCore.TLSVersion

    public init(minimum: MailTLSCore.TLSVersion = .tls10, maximum: MailTLSCore.TLSVersion = .tls13) {
        self.minimum = minimum
        self.maximum = maximum
    }

    public static func only(_ version: MailTLSCore.TLSVersion) -> TLSClientSettings {
        TLSClientSettings(minimum: version, maximum: version)
    }

    /// Every TLS <= 1.2 suite BoringSSL can speak, strongest first: offered by the client so that old servers still
    /// complete a handshake, accepted by the sandbox so that old devices do. Named values only: an unknown cipher
    /// string crashes `NIOSSLContext.init`.
    public static let allBoringSSLCiphers: [NIOTLSCipher] = [
        .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        .TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, .TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
        .TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, .TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
        .TLS_RSA_WITH_AES_128_GCM_SHA256, .TLS_RSA_WITH_AES_256_GCM_SHA384,
        .TLS_RSA_WITH_AES_128_CBC_SHA, .TLS_RSA_WITH_AES_256_CBC_SHA,
    ]

    /// How long closing waits for the peer's close_notify. NIOSSL's default is 5 s: a peer that never answers it (or
    /// drips) would hold every connection that long after mailtls is done with it.
    public static let closeNotifyWait = TimeAmount.milliseconds(500)

    func makeConfiguration() -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        // mailtls analyses the chain itself; the handshake must complete even for bad certificates.
        configuration.certificateVerification = .none
        configuration.minimumTLSVersion = minimum.nioVersion
        configuration.maximumTLSVersion = maximum.nioVersion
        configuration.cipherSuiteValues = TLSClientSettings.allBoringSSLCiphers
        configuration.shutdownTimeout = TLSClientSettings.closeNotifyWait
        return configuration
    }
}

extension MailTLSCore.TLSVersion {
    public var nioVersion: NIOSSL.TLSVersion {
        switch self {
        case .tls10: .tlsv1
        case .tls11: .tlsv11
        case .tls12: .tlsv12
        case .tls13: .tlsv13
        }
    }

    public init(nio: NIOSSL.TLSVersion) {
        switch nio {
        case .tlsv1: self = .tls10
        case .tlsv11: self = .tls11
        case .tlsv12: self = .tls12
        case .tlsv13: self = .tls13
        }
    }
}
