import AsyncHTTPClient
import Foundation
import MailTLSCheck
import MailTLSEngine
import MailTLSRelay
import NIOCore
import NIOHTTP1

/// A notice in words, for people: a one-line title and the explanation with its fix.
public struct NoticeWords: Sendable, Equatable {
    public var title: String
    public var body: String

    public init(title: String, body: String) {
        self.title = title
        self.body = body
    }
}

/// Sends notices along the configured routes: a generic JSON webhook, or a Slack-compatible one. Each route gets the
/// notices at or above its severity (a resolution goes where its alert went). A route that fails is tried twice more,
/// a second apart, and the failure is reported, never thrown: one dead webhook must not stop the monitor.
public struct NoticeDelivery: Sendable {
    public var routes: [WatchConfiguration.AlertRoute]
    public var words: @Sendable (AlertNotice) -> NoticeWords
    public var language: String
    let client: HTTPClient

    public init(routes: [WatchConfiguration.AlertRoute], language: String, client: HTTPClient = NoticeDelivery.client,
                words: @escaping @Sendable (AlertNotice) -> NoticeWords) {
        self.routes = routes
        self.language = language
        self.client = client
        self.words = words
    }

    /// One client for the process's webhooks. A refused connection fails at once (the route is tried again a second
    /// later, three times in all) instead of being retried until the timeout, so a dead webhook costs seconds.
    public static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(10))
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// A route that could not take its notices.
    public struct Failure: Sendable, Equatable {
        public var url: String
        public var reason: String
    }

    /// Delivers a probe's notices, and its firing alerts to Alertmanager; returns the routes that failed.
    /// `interval` is the target's: Alertmanager keeps a firing alert three intervals unless it hears it again.
    public func deliver(_ outcome: TargetOutcome, interval: Double) async -> [Failure] {
        var failures = await deliver(outcome.notices)
        for route in routes {
            guard case .alertmanager(let base) = route.channel else { continue }
            let firing = outcome.firing.filter { $0.condition.severity >= route.minimumSeverity }
            let resolved = outcome.notices.filter { $0.kind == .resolved && $0.condition.severity >= route.minimumSeverity }
            guard !firing.isEmpty || !resolved.isEmpty else { continue }
            let url = base.appendingPathComponent("api/v2/alerts")
            if let reason = await post(alertmanagerDocument(firing: firing, resolved: resolved, interval: interval), to: url) {
                failures.append(Failure(url: url.absoluteString, reason: reason))
            }
        }
        return failures
    }

    /// Alertmanager's v2 alerts: `alertname` is the condition, the port's place and the severity are labels; a
    /// firing alert ends three intervals ahead (sent again at every probe), a resolved one now.
    func alertmanagerDocument(firing: [AlertState], resolved: [AlertNotice], interval: Double, now: Date = Date()) -> Data {
        struct Alert: Encodable {
            var labels: [String: String]
            var annotations: [String: String]
            var startsAt: String
            var endsAt: String
        }
        func labels(_ key: PortKey, _ condition: AlertCondition) -> [String: String] {
            ["alertname": condition.id, "target": key.target, "address": key.address, "port": String(key.port),
             "severity": condition.severity.rawValue, "source": "mailtls-watch"]
        }
        var alerts: [Alert] = []
        for state in firing {
            let notice = AlertNotice(kind: .firing, key: state.key, condition: state.condition, at: now, since: state.since)
            let text = words(notice)
            alerts.append(Alert(labels: labels(state.key, state.condition),
                                annotations: ["summary": text.title, "description": text.body],
                                startsAt: ISO8601.format(state.since),
                                endsAt: ISO8601.format(now.addingTimeInterval(max(3 * interval, 600)))))
        }
        for notice in resolved {
            let text = words(notice)
            alerts.append(Alert(labels: labels(notice.key, notice.condition),
                                annotations: ["summary": text.title, "description": text.body],
                                startsAt: ISO8601.format(notice.since), endsAt: ISO8601.format(notice.at)))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(alerts)) ?? Data("[]".utf8)
    }

    /// Delivers the notices to the notice routes (webhook, Slack, e-mail); returns the routes that failed.
    public func deliver(_ notices: [AlertNotice]) async -> [Failure] {
        var failures: [Failure] = []
        for route in routes {
            if case .alertmanager = route.channel { continue }
            let chosen = notices.filter { $0.condition.severity >= route.minimumSeverity }
            guard !chosen.isEmpty else { continue }
            let (url, body): (URL, Data)
            switch route.channel {
            case .webhook(let target):
                url = target
                body = webhookDocument(chosen)
            case .slack(let target):
                url = target
                body = slackDocument(chosen)
            case .email(let email):
                if let reason = await send(chosen, by: email) {
                    failures.append(Failure(url: "mailto:" + email.to.joined(separator: ","), reason: reason))
                }
                continue
            case .alertmanager:
                continue
            }
            if let reason = await post(body, to: url) { failures.append(Failure(url: url.absoluteString, reason: reason)) }
        }
        return failures
    }

    /// The generic webhook's document: every notice with its machine-readable fields and its words.
    func webhookDocument(_ notices: [AlertNotice]) -> Data {
        struct Item: Encodable {
            var kind: String
            var target: String
            var address: String
            var port: Int
            var condition: String
            var severity: String
            var evidence: String
            var at: String
            var since: String
            var title: String
            var text: String
        }
        struct Document: Encodable {
            var source = "mailtls watch"
            var language: String
            var notices: [Item]
        }
        let items = notices.map { notice in
            let words = words(notice)
            return Item(kind: notice.kind.rawValue, target: notice.key.target, address: notice.key.address,
                        port: notice.key.port, condition: notice.condition.id,
                        severity: notice.condition.severity.rawValue, evidence: notice.condition.evidence.english,
                        at: ISO8601.format(notice.at), since: ISO8601.format(notice.since), title: words.title,
                        text: words.body)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(Document(language: language, notices: items))) ?? Data()
    }

    /// Slack's incoming-webhook document: one message, a line per notice.
    func slackDocument(_ notices: [AlertNotice]) -> Data {
        let lines = notices.map { notice in
            let words = words(notice)
            return "*\(Self.slackEscaped(words.title))*\n\(Self.slackEscaped(words.body))"
        }
        struct Message: Encodable { var text: String }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(Message(text: lines.joined(separator: "\n\n")))) ?? Data()
    }

    /// Slack reads `<`, `>` and `&` as markup: a server's text must not become a link or a mention.
    static func slackEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    /// One message with every notice, through the submission server over verified TLS (the relay's upstream
    /// connection: a certificate that does not verify, or TLS below the minimum, sends nothing and no password).
    func send(_ notices: [AlertNotice], by email: WatchConfiguration.AlertRoute.Email) async -> String? {
        let all = notices.map(words)
        let subject = all.count == 1 ? all[0].title : "\(all[0].title) (+\(all.count - 1))"
        let body = all.map { "\($0.title)\n\n\($0.body)" }.joined(separator: "\n\n----\n\n")
        let identifier = UUID().uuidString.lowercased()
        let domain = email.from.split(separator: "@").last.map(String.init) ?? "localhost"
        let message = FailureNotice.textMessage(wording: .init(subject: subject, body: body), from: email.from,
                                                to: email.to, messageID: "\(identifier)@\(domain)")
        let anchors: TrustAnchors
        do {
            anchors = try TrustAnchors(caFile: email.server.caFile)
        } catch {
            return "ca_file: \(error)"
        }
        let engine = ConnectionEngine(timeouts: .init(connect: 10, read: 60, greeting: 60, overall: 300))
        var connection: UpstreamConnection
        do {
            connection = try await UpstreamConnection.open(email.server, clientName: email.server.clientName ?? domain,
                                                           engine: engine, anchors: anchors,
                                                           login: UpstreamLogin(email.server.authentication))
        } catch {
            return error.description
        }
        let record = SpoolRecord(
            id: identifier, from: email.from, recipients: email.to.map { .init(address: $0) },
            arrival: Date().timeIntervalSince1970, clientAddress: "localhost", receivedOverTLS: true,
            authenticatedUser: nil, size: message.count, eightBit: false, subject: subject, isNotice: true,
            attempts: 0, nextAttempt: 0, lastProblem: nil, lastUpstream: nil)
        let problem: String?
        do {
            let result = try await connection.deliver(record, content: .message(message))
            let refused = result.recipients.filter { $0.value.verdict != .delivered }
            problem = refused.isEmpty && !result.recipients.isEmpty
                ? nil : refused.map { "\($0.key): \($0.value.reply)" }.sorted().joined(separator: "; ")
        } catch {
            problem = error.description
        }
        await connection.close()
        return problem
    }

    func post(_ body: Data, to url: URL) async -> String? {
        var reason = ""
        for attempt in 0..<3 {
            if attempt > 0 { try? await Task.sleep(for: .seconds(1)) }
            var request = HTTPClientRequest(url: url.absoluteString)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "mailtls-watch")
            request.body = .bytes(ByteBuffer(bytes: body))
            do {
                let response = try await client.execute(request, timeout: .seconds(10))
                _ = try? await response.body.collect(upTo: 64 * 1024)
                if (200..<300).contains(Int(response.status.code)) { return nil }
                reason = "HTTP \(response.status.code)"
            } catch {
                reason = String(describing: error)
            }
        }
        return reason
    }
}
