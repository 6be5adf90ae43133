import AsyncHTTPClient
import MailTLSCore
import Foundation
import MailTLSDNS
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One HTTPS GET as MTA-STS senders and mail clients make it: the name resolved through mailtls's own DNS layer,
/// a PKIX-valid certificate for the name, no redirects followed, a size limit, a deadline.
/// Used for MTA-STS policies (`mailtls domain`) and autoconfig files (`mailtls setup`).
public struct HTTPSFetcher: Sendable {
    public struct Options: Sendable {
        public var maximumBytes: Int
        public var timeout: Double
        /// DER certificates trusted beside the system roots (`--ca-file`).
        public var extraRootsDER: [[UInt8]]

        public init(maximumBytes: Int = 64 * 1024, timeout: Double = 10, extraRootsDER: [[UInt8]] = []) {
            self.maximumBytes = maximumBytes
            self.timeout = timeout
            self.extraRootsDER = extraRootsDER
        }
    }

    /// What came back, before any judgement of the content.
    public struct Response: Sendable, Equatable {
        public var url: String
        public var address: String
        public var status: Int
        /// The media type without parameters, lower-cased (`text/plain`).
        public var mediaType: String?
        /// The raw Content-Type header.
        public var contentType: String?
        /// A redirect's target, which is reported, never followed.
        public var location: String?
        public var body: [UInt8]
    }

    /// Why nothing usable came back: typed, so that each report says it in its reader's language.
    public enum Failure: Error, Sendable, Hashable, Codable {
        /// The host name has no address: NXDOMAIN, or a name without A/AAAA records.
        case hostNotFound(host: String, nameDoesNotExist: Bool)
        /// The address lookup itself failed.
        case lookupFailed(host: String, DNSError)
        /// The DNS answer for the host failed DNSSEC validation; `reason` is the resolver's own words.
        case dnssecBogus(host: String, reason: String)
        case connectionRefused
        /// The server closed the connection before a complete response.
        case connectionClosed
        /// TCP failed for another reason; `reason` is the system's error in a few words.
        case connectionFailed(reason: String)
        /// The server's certificate does not carry the host name.
        case certificateNameMismatch
        /// The certificate does not chain to a trusted root; `reason` is BoringSSL's reason code.
        case certificateUntrusted(reason: String)
        /// The certificate was refused for another reason.
        case certificateRefused
        /// TLS failed for another reason; `reason` is BoringSSL's reason code, when there is one.
        case tlsFailed(reason: String?)
        /// The body is larger than the limit.
        case tooLarge(limit: Int)
        case timeout(seconds: Double)
        /// The HTTP client gave up for a reason not named above: its error's name.
        case other(String)

        /// In a few words, in English, for JSON and the English report (never Swift's own description).
        public var evidence: String {
            switch self {
            case .hostNotFound(let host, let nameDoesNotExist): "\(host): \(nameDoesNotExist ? "NXDOMAIN" : "no address")"
            case .lookupFailed(let host, let error): "\(host): \(error.evidence)"
            case .dnssecBogus(let host, let reason): "\(host): DNSSEC validation failed (\"\(reason)\")"
            case .connectionRefused: "connection refused"
            case .connectionClosed: "the server closed the connection"
            case .connectionFailed(let reason): "connection failed: \(reason)"
            case .certificateNameMismatch: "the certificate does not carry this host name"
            case .certificateUntrusted(let reason): "the certificate does not chain to a trusted root (\(reason))"
            case .certificateRefused: "the certificate was refused"
            case .tlsFailed(let reason?): "TLS handshake failed (\(reason))"
            case .tlsFailed(nil): "TLS failed"
            case .tooLarge(let limit): "larger than \(limit) bytes"
            case .timeout(let seconds): "no answer within \(Int(seconds)) s"
            case .other(let name): "HTTPS request failed (\(name))"
            }
        }

        /// Whether the failure is about the certificate (MTA-STS: the policy host fails PKIX).
        public var isCertificateFailure: Bool {
            switch self {
            case .certificateNameMismatch, .certificateUntrusted, .certificateRefused: true
            default: false
            }
        }
    }

    public let resolver: DNSResolver
    public let options: Options
    /// The `--ca-file` roots, parsed once for every request.
    private let extraRoots: [NIOSSLCertificate]

    public init(resolver: DNSResolver, options: Options = Options()) {
        self.resolver = resolver
        self.options = options
        extraRoots = options.extraRootsDER.compactMap { try? NIOSSLCertificate(bytes: $0, format: .der) }
    }

    public func get(host: String, path: String) async -> Result<Response, Failure> {
        let url = "https://\(host)\(path)"
        let address: String
        do {
            let answer = try await resolver.addresses(host)
            if case .bogus(let reason) = answer.status { return .failure(.dnssecBogus(host: host, reason: reason)) }
            guard let first = answer.records.first else {
                return .failure(.hostNotFound(host: host, nameDoesNotExist: answer.nameDoesNotExist))
            }
            address = first
        } catch {
            return .failure(.lookupFailed(host: host, error))
        }

        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        tls.certificateVerification = .fullVerification
        // A server that never answers close_notify must not hold the fetch 5 s (NIOSSL's default) past its deadline.
        tls.shutdownTimeout = .milliseconds(500)
        if !extraRoots.isEmpty { tls.additionalTrustRoots = [.certificates(extraRoots)] }
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow,
            timeout: .init(connect: .milliseconds(Int64(options.timeout * 1000)),
                           read: .milliseconds(Int64(options.timeout * 1000))))
        configuration.dnsOverride = [host: address]
        configuration.httpVersion = .http1Only
        configuration.connectionPool = .init(idleTimeout: .seconds(1))
        // One connection attempt, as a sender fetching a policy makes: a certificate that fails fails now, not after
        // retries until the deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroup: NIOSingletons.posixEventLoopGroup, configuration: configuration)
        let outcome = await fetch(client: client, url: url, address: address)
        try? await client.shutdown()
        return outcome
    }

    private func fetch(client: HTTPClient, url: String, address: String) async -> Result<Response, Failure> {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "User-Agent", value: "mailtls")
        let deadline = TimeAmount.milliseconds(Int64(options.timeout * 1000))
        let finalRequest = request
        let maximumBytes = options.maximumBytes
        let timeout = options.timeout
        // AsyncHTTPClient's deadline ends at the response head: the body must arrive within the same time, or a
        // server could drip it for days.
        let outcome: Result<Response, Failure>? = await withTaskGroup(of: Result<Response, Failure>?.self) { group in
            group.addTask {
                do {
                    let response = try await client.execute(finalRequest, timeout: deadline)
                    // Header values are the peer's text: escaped before anything shows them.
                    let contentType = response.headers.first(name: "Content-Type")?.peerSafe
                    let mediaType = contentType.map {
                        String($0.split(separator: ";", maxSplits: 1).first ?? "").trimmingCharacters(in: .whitespaces)
                            .lowercased()
                    }
                    var body: [UInt8] = []
                    for try await chunk in response.body {
                        body += chunk.readableBytesView
                        if body.count > maximumBytes { return .failure(.tooLarge(limit: maximumBytes)) }
                    }
                    return .success(Response(url: url, address: address, status: Int(response.status.code),
                                             mediaType: mediaType, contentType: contentType,
                                             location: response.headers.first(name: "Location")?.peerSafe, body: body))
                } catch {
                    return .failure(HTTPSFetcher.classify(error, timeout: timeout))
                }
            }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(Int(timeout * 1000)))
                // The body iteration does not end on cancellation alone: closing the client's connections does.
                if !Task.isCancelled { try? await client.shutdown() }
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        return outcome ?? .failure(.timeout(seconds: timeout))
    }

    /// Why a request failed, by the error's type and code, never by its description: for every HTTPS client of
    /// mailtls (this fetcher, the relay's OAuth token endpoint).
    public static func classify(_ error: any Error, timeout: Double) -> Failure {
        if let client = error as? HTTPClientError {
            // Cancelled or shut down: only the fetch's own deadline does that (it closes the client under a body that
            // drips), so it is the deadline, whichever task reports first.
            if client == .deadlineExceeded || client == .readTimeout || client == .connectTimeout
                || client == .cancelled || client == .alreadyShutdown {
                return .timeout(seconds: timeout)
            }
            if client == .remoteConnectionClosed { return .connectionClosed }
        }
        if let extra = error as? NIOSSLExtraError {
            return extra == .failedToValidateHostname ? .certificateNameMismatch : .certificateRefused
        }
        if let ssl = error as? NIOSSLError {
            if case .handshakeFailed(let inner) = ssl {
                let detail = "\(inner)"
                let reason = MailTLSFetchText.openSSLReason(detail)
                if detail.contains("CERTIFICATE_VERIFY_FAILED") || detail.contains("certificate") {
                    return .certificateUntrusted(reason: reason)
                }
                return .tlsFailed(reason: reason)
            }
            return .tlsFailed(reason: nil)
        }
        if let io = error as? IOError {
            return io.errnoCode == ECONNREFUSED ? .connectionRefused
                : .connectionFailed(reason: String(cString: strerror(io.errnoCode)))
        }
        if let connection = error as? NIOConnectionError {
            let refused = connection.connectionErrors.contains {
                ($0.error as? IOError)?.errnoCode == ECONNREFUSED
            }
            return refused ? .connectionRefused : .connectionFailed(reason: "no address accepted the connection")
        }
        if let client = error as? HTTPClientError {
            return .other(client.shortName)
        }
        return .other(String(describing: type(of: error)))
    }
}

extension HTTPClientError {
    /// The error's name (`remoteConnectionClosed`), not its description.
    var shortName: String {
        let text = String(describing: self)
        return text.hasPrefix("HTTPClientError.") ? String(text.dropFirst("HTTPClientError.".count)) : "HTTPClientError"
    }
}

enum MailTLSFetchText {
    /// BoringSSL's reason in a few words (`CERTIFICATE_VERIFY_FAILED`), not the whole error description.
    static func openSSLReason(_ description: String) -> String {
        if let marker = description.firstRange(of: "OPENSSL_internal:") {
            let rest = description[marker.upperBound...]
            return String(rest.prefix { $0 != " " && $0 != "]" && $0 != ")" && $0 != "\"" })
        }
        return String(description.prefix(80))
    }
}
