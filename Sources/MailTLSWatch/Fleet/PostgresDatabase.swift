import Foundation
import Logging
import NIOSSL
import PostgresNIO

/// Where a fleet's shared database is: `postgres://USER@HOST[:PORT]/DATABASE[?sslmode=disable|verify-full]`, the
/// password (if any) from a file, never from the URL or the command line.
public struct PostgresLocation: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    /// TLS to the server: verified unless the server is on loopback or `sslmode=disable`.
    public var verifiedTLS: Bool
    public var passwordFile: String?

    /// Nil when `text` is not a postgres URL (then it is a SQLite path); throws on a postgres URL that is wrong.
    public static func parse(_ text: String, passwordFile: String?) throws(Problem) -> PostgresLocation? {
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") else { return nil }
        guard let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
            throw .malformed
        }
        if components.password != nil { throw .passwordInURL }
        guard let user = components.user, !user.isEmpty else { throw .noUser }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else { throw .noDatabase }
        var verified = !(host == "localhost" || host == "::1" || host.hasPrefix("127."))
        for item in components.queryItems ?? [] {
            guard item.name == "sslmode" else { throw .unknownParameter(item.name) }
            switch item.value {
            case "disable": verified = false
            case "verify-full": verified = true
            default: throw .unknownParameter("sslmode=\(item.value ?? "")")
            }
        }
        return PostgresLocation(host: host, port: components.port ?? 5432, user: user, database: database,
                                verifiedTLS: verified, passwordFile: passwordFile)
    }

    public enum Problem: Error, Equatable, Sendable {
        case malformed
        case passwordInURL
        case noUser
        case noDatabase
        case unknownParameter(String)
    }

    func client() throws -> PostgresClient {
        var password: String?
        if let passwordFile {
            password = try String(contentsOfFile: passwordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let tls: PostgresClient.Configuration.TLS = verifiedTLS ? .require(try TLSConfiguration.makeClientConfiguration()) : .disable
        var configuration = PostgresClient.Configuration(host: host, port: port, username: user, password: password,
                                                         database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        configuration.options.maximumConnections = 20
        return PostgresClient(configuration: configuration, backgroundLogger: Logger(label: "mailtls-watch-postgres",
                                                                                     factory: { _ in SwiftLogNoOpLogHandler() }))
    }
}
