import Crypto
import Foundation
import Hummingbird
import Logging
import MailTLSCore
import MailTLSReport
import MailTLSWatch
import NIOCore
import ServiceLifecycle

/// The dashboard and `/metrics` of `mailtls watch`, served by the monitor's own process (a swift-service-lifecycle
/// service in its group). Loopback by default; on any other address every request needs the token.
public enum WatchWebServer {
    /// - Parameters:
    ///   - token: required from every request when set (bearer token, or basic authentication's password).
    ///   - onListening: the port bound (the configuration may ask for 0).
    public static func application(settings: WatchConfiguration.HTTP, token: String?, store: any WatchStore,
                                   targets: @escaping @Sendable () -> Int, language: Language,
                                   onListening: @escaping @Sendable (Int) -> Void) -> some Service {
        let router = Router()
        if let token { router.add(middleware: TokenGate(token: token)) }
        router.get("/") { request, _ -> Response in
            let pages = pages(request, language)
            return html(pages.overview(FleetSummary(memories: try await store.latest(target: nil))))
        }
        router.get("/target/:name") { request, context -> Response in
            let name = try context.parameters.require("name")
            let memories = try await store.latest(target: name)
            guard !memories.isEmpty else { return Response(status: .notFound) }
            let history = try await store.history(target: name, limit: 500)
            return html(pages(request, language).target(name, memories: memories, history: history))
        }
        router.get("/finding/:id") { request, context -> Response in
            let id = try context.parameters.require("id")
            let port = request.uri.queryParameters.get("port").flatMap { Int($0) }
            let catalog = request.uri.queryParameters.get("catalog").flatMap { AlertCondition.Catalog(rawValue: $0) } ?? .check
            guard let page = pages(request, language).finding(id, catalog: catalog, port: port) else {
                return Response(status: .notFound)
            }
            return html(page)
        }
        router.get("/metrics") { _, _ -> Response in
            let bytes = WatchMetrics.exposition(try await store.latest(target: nil), targets: targets())
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        return Application(
            router: router,
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: nil),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? settings.port) },
            logger: Logger(label: "mailtls-watch-web", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    static func pages(_ request: Request, _ fallback: Language) -> WatchPages {
        let language = request.uri.queryParameters.get("lang").flatMap { Language(rawValue: $0.lowercased()) }
            ?? acceptedLanguage(request) ?? fallback
        return WatchPages(language: language)
    }

    /// `Accept-Language: ja,...` picks Japanese; anything else English.
    static func acceptedLanguage(_ request: Request) -> Language? {
        guard let header = request.headers[.acceptLanguage] else { return nil }
        return header.lowercased().hasPrefix("ja") ? .ja : nil
    }

    static func html(_ text: String) -> Response {
        Response(status: .ok,
                 headers: [.contentType: "text/html; charset=utf-8", .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'",
                           .init("X-Content-Type-Options")!: "nosniff"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// Every request carries the token: `Authorization: Bearer TOKEN`, or basic authentication with the token as the
/// password (a browser asks for it).
struct TokenGate<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response {
        if let header = request.headers[.authorization], let offered = DashboardToken.offered(header),
           DashboardToken.same(offered, token) {
            return try await next(request, context)
        }
        return Response(status: .unauthorized, headers: [.wwwAuthenticate: "Basic realm=\"mailtls watch\", charset=\"UTF-8\""])
    }
}

/// The token a request offers, and a comparison in constant time.
enum DashboardToken {
    static func offered(_ header: String) -> String? {
        if header.hasPrefix("Bearer ") { return String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
        guard header.hasPrefix("Basic "), let data = Data(base64Encoded: String(header.dropFirst(6))),
              let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":") else { return nil }
        return String(text[text.index(after: colon)...])
    }

    static func same(_ offered: String, _ token: String) -> Bool {
        let a = SHA256.hash(data: Data(offered.utf8))
        let b = SHA256.hash(data: Data(token.utf8))
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
