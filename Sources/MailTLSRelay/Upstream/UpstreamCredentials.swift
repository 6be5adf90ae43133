import AsyncHTTPClient
import Foundation
import MailTLSWeb
import MailTLSCore
import MailTLSSandbox
import MailTLSSetup
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Why the relay has no credential to log in with, with its data (a variable's name, a file's path, the token
/// endpoint's words). Never contains a secret. `description` is the English for logs and JSON.
public enum CredentialError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    case environmentVariableNotSet(name: String)
    case fileMissing(path: String)
    /// The file may be read by other users: the relay refuses it until it is `chmod 600`.
    case fileReadableByOthers(path: String)
    case fileUnreadable(path: String)
    case fileEmpty(path: String)
    /// The endpoint rotated the refresh token and the new one could not be written to its file.
    case refreshTokenNotSaved(path: String)
    /// `ca_file` of the token endpoint has no certificate.
    case noCertificatesInCAFile(path: String)
    /// The token endpoint refused (`invalid_client`, `invalid_grant`): its error and description as it gave them,
    /// printable, or its HTTP status.
    case tokenRefused(reason: String)
    /// The token endpoint answered without a usable access token.
    case tokenReplyUnusable
    /// The token endpoint could not be asked.
    case tokenEndpointUnreachable(HTTPSFetcher.Failure)
    /// The token endpoint's reply was larger than the relay reads (64 KiB).
    case tokenReplyTooLarge

    public var description: String {
        switch self {
        case .environmentVariableNotSet(let name): "the environment variable \(name) is not set"
        case .fileMissing(let path): "\(path): no such file"
        case .fileReadableByOthers(let path): "\(path) is readable by others: chmod 600 \(path)"
        case .fileUnreadable(let path): "\(path) cannot be read"
        case .fileEmpty(let path): "\(path) is empty"
        case .refreshTokenNotSaved(let path): "the new refresh token could not be saved to \(path)"
        case .noCertificatesInCAFile(let path): "\(path): no certificates"
        case .tokenRefused(let reason): "the token endpoint refused: \(reason)"
        case .tokenReplyUnusable: "the token endpoint refused: \(OAuthTokenReply.Refusal.noUsableToken.reason)"
        case .tokenEndpointUnreachable(let failure): "the token endpoint could not be reached: \(failure.evidence)"
        case .tokenReplyTooLarge: "the token endpoint could not be reached: reply larger than 64 KiB"
        }
    }

    /// The refusal `OAuthTokenReply.parse` gave.
    init(_ refusal: OAuthTokenReply.Refusal) {
        switch refusal {
        case .refused(let words): self = .tokenRefused(reason: words)
        case .noUsableToken: self = .tokenReplyUnusable
        }
    }
}

extension RelayConfiguration.SecretSource {
    /// The secret, without a trailing line end. A file is read each time (a rotated password needs no restart); it
    /// must not be readable by others.
    public func read() throws(CredentialError) -> String {
        switch self {
        case .environment(let name):
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                throw .environmentVariableNotSet(name: name)
            }
            return value
        case .file(let path):
            var status = stat()
            guard stat(path, &status) == 0 else { throw .fileMissing(path: path) }
            guard status.st_mode & 0o077 == 0 else {
                throw .fileReadableByOthers(path: path)
            }
            guard let bytes = try? PrivateFiles.read(URL(fileURLWithPath: path), limit: 64 << 10) else {
                throw .fileUnreadable(path: path)
            }
            let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .newlines)
            guard !text.isEmpty else { throw .fileEmpty(path: path) }
            return text
        }
    }
}

/// OAuth 2.0 access tokens for XOAUTH2, from the provider's token endpoint: client credentials (Microsoft 365
/// app-only) or a refresh token (Gmail, delegated Microsoft 365). A token is reused until five minutes before it
/// expires. A refresh token the endpoint rotates is written to its file at once (0600, replaced atomically, on disk
/// before it is used), so a crash never leaves the relay with a spent one.
public actor OAuthTokenSource {
    public let settings: RelayConfiguration.OAuth2
    private var cached: (token: String, expires: Double)?
    private var inFlight: Task<String, Error>?
    /// Token requests made, for status and tests.
    public private(set) var requests = 0
    public private(set) var lastError: CredentialError?
    public var validUntil: Double? { cached?.expires }

    public init(settings: RelayConfiguration.OAuth2) {
        self.settings = settings
    }

    /// A token valid for at least five more minutes, fetching one if need be (concurrent callers share one fetch).
    public func token(now: Double = Date().timeIntervalSince1970) async throws(CredentialError) -> String {
        if let cached, cached.expires - 300 > now { return cached.token }
        let task: Task<String, Error>
        if let inFlight {
            task = inFlight
        } else {
            task = Task { try await self.fetch() }
            inFlight = task
        }
        do {
            let token = try await task.value
            inFlight = nil
            return token
        } catch {
            inFlight = nil
            throw error as? CredentialError ?? OAuthTokenSource.unreachable(error)
        }
    }

    /// The server refused the token: the next login fetches a new one.
    public func invalidate() {
        cached = nil
    }

    private func fetch() async throws -> String {
        requests += 1
        var form: [(String, String)] = [("client_id", settings.clientID)]
        if let secret = settings.clientSecret { form.append(("client_secret", try secret.read())) }
        switch settings.grant {
        case .clientCredentials:
            form.append(("grant_type", "client_credentials"))
        case .refreshToken(let file):
            form.append(("grant_type", "refresh_token"))
            form.append(("refresh_token", try RelayConfiguration.SecretSource.file(file).read()))
        }
        if let scope = settings.scope { form.append(("scope", scope)) }
        let body = form.map { "\(OAuthTokenSource.formEncode($0.0))=\(OAuthTokenSource.formEncode($0.1))" }
            .joined(separator: "&")
        let reply: (status: Int, body: [UInt8])
        do {
            reply = try await post(body)
        } catch {
            lastError = error
            throw error
        }
        let parsed: OAuthTokenReply
        do {
            parsed = try OAuthTokenReply.parse(status: reply.status, body: reply.body)
        } catch {
            let failure = CredentialError(error)
            lastError = failure
            throw failure
        }
        if case .refreshToken(let file) = settings.grant, let rotated = parsed.refreshToken {
            do {
                try PrivateFiles.replace(URL(fileURLWithPath: file), with: Array((rotated + "\n").utf8), durably: true)
            } catch {
                let failure = CredentialError.refreshTokenNotSaved(path: file)
                lastError = failure
                throw failure
            }
        }
        cached = (parsed.accessToken, Date().timeIntervalSince1970 + parsed.expiresIn)
        lastError = nil
        return parsed.accessToken
    }

    private func post(_ body: String) async throws(CredentialError) -> (status: Int, body: [UInt8]) {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        tls.certificateVerification = .fullVerification
        tls.shutdownTimeout = .milliseconds(500)
        if let caFile = settings.caFile {
            guard let roots = try? NIOSSLCertificate.fromPEMFile(caFile), !roots.isEmpty else {
                throw .noCertificatesInCAFile(path: caFile)
            }
            tls.additionalTrustRoots = [.certificates(roots)]
        }
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10), read: .seconds(30)))
        configuration.httpVersion = .http1Only
        configuration.connectionPool = .init(idleTimeout: .seconds(1))
        let client = HTTPClient(eventLoopGroup: NIOSingletons.posixEventLoopGroup, configuration: configuration)
        var request = HTTPClientRequest(url: settings.tokenURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "mailtls-relay")
        request.body = .bytes(ByteBuffer(string: body))
        let result: Result<(status: Int, body: [UInt8]), CredentialError>
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            let bytes = try await response.body.collect(upTo: 64 << 10)
            result = .success((Int(response.status.code), Array(bytes.readableBytesView)))
        } catch {
            result = .failure(OAuthTokenSource.unreachable(error))
        }
        try? await client.shutdown()
        return try result.get()
    }

    /// Why the token endpoint could not be asked, classified as every HTTPS failure of mailtls is.
    static func unreachable(_ error: Error) -> CredentialError {
        if error is NIOTooManyBytesError { return .tokenReplyTooLarge }
        return .tokenEndpointUnreachable(HTTPSFetcher.classify(error, timeout: 30))
    }

    /// `application/x-www-form-urlencoded`: unreserved characters as they are, everything else %XX.
    static func formEncode(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                 UInt8(ascii: "~"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                output += String(format: "%%%02X", byte)
            }
        }
        return output
    }
}

