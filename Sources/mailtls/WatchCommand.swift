import ArgumentParser
import Foundation
import MailTLSCheck
import MailTLSCore
import MailTLSReport
import MailTLSWatch
import MailTLSWatchWeb
import ServiceLifecycle
import UnixSignals

/// `mailtls watch`: keeps a fleet's mail encrypted over time.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: .en("Watch mail servers over time: certificate expiry, TLS and STARTTLS regressions, alerts and history.",
                ja: "メールサーバーを継続して監視します。証明書の有効期限、TLS と STARTTLS の後退を検出し、通知と履歴を残します。"),
        discussion: .en("""
            mailtls watch init writes a commented watch.yaml. mailtls watch --check-config checks it, mailtls watch
            --once checks every target once (for cron; Nagios exit codes), mailtls watch runs until stopped, and
            mailtls watch history TARGET shows what changed. Walkthrough: docs/watch.md.
            """, ja: """
            mailtls watch init で説明付きの watch.yaml を書きます。mailtls watch --check-config で設定を確認し、
            mailtls watch --once ですべての対象を一度だけ確認します（cron 向け。終了コードは Nagios 方式）。
            mailtls watch は止めるまで監視を続け、mailtls watch history TARGET で変化の履歴を表示します。
            手順の説明: docs/watch.md
            """),
        subcommands: [WatchRunCommand.self, WatchHistoryCommand.self, WatchInitCommand.self],
        defaultSubcommand: WatchRunCommand.self)
}

struct WatchConfigOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: .en("The watch configuration (default: $MAILTLS_WATCH_CONFIG, else ./watch.yaml).",
            ja: "監視の設定ファイルです（既定値: $MAILTLS_WATCH_CONFIG、なければ ./watch.yaml）。"))
    var path: String?

    var resolvedPath: String {
        path ?? ProcessInfo.processInfo.environment["MAILTLS_WATCH_CONFIG"] ?? "watch.yaml"
    }

    func load(_ language: Language) throws -> WatchConfiguration {
        do {
            return try WatchConfigurationReader.load(path: resolvedPath)
        } catch {
            throw UserFacingFailure(message: WatchMessages.configuration(error, language))
        }
    }

    /// The store the configuration names: SQLite, or PostgreSQL shared by workers (its connection pool runs in a task
    /// until `Storage.close`).
    func storage(_ configuration: WatchConfiguration, _ language: Language) async throws -> Storage {
        if let location = configuration.postgres {
            let fleet: PostgresFleet
            do {
                fleet = try PostgresFleet(location, lease: configuration.lease)
            } catch {
                throw UserFacingFailure(message: WatchMessages.database(configuration.database, error, language))
            }
            let pool = Task { try await fleet.run() }
            do {
                try await fleet.migrate()
            } catch {
                pool.cancel()
                throw UserFacingFailure(message: WatchMessages.database(configuration.database, error, language))
            }
            return Storage(store: fleet.store, unleased: fleet.unleasedStore, schedule: fleet.schedule,
                           renewEvery: .milliseconds(Int(configuration.lease * 1000 / 3)), pool: pool)
        }
        do {
            let store = try SQLiteWatchStore(path: configuration.database)
            return Storage(store: store, unleased: store,
                           schedule: WatchSchedule(targets: configuration.targets, jitter: configuration.defaults.jitter, now: Date()),
                           renewEvery: nil, pool: nil)
        } catch {
            throw UserFacingFailure(message: WatchMessages.database(configuration.database, error, language))
        }
    }

    func anchors(_ configuration: WatchConfiguration, _ language: Language) throws -> TrustAnchors {
        do {
            return try TrustAnchors(caFile: configuration.defaults.caFile)
        } catch {
            throw UserFacingFailure(message: WatchMessages.caFile(error, language))
        }
    }
}

/// The monitor's memory and schedule, by database.
struct Storage {
    /// What the running service writes through (with PostgreSQL: only while holding a target's lease).
    let store: any WatchStore
    /// What `--once` and `history` use (they claim nothing).
    let unleased: any WatchStore
    let schedule: any TargetSchedule
    let renewEvery: Duration?
    let pool: Task<Void, any Error>?

    func close() {
        pool?.cancel()
    }
}

struct WatchRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: .en("Watch (the default): probe every target on its schedule, send alerts, keep history.",
                ja: "監視します（既定のサブコマンド）。各対象を予定どおりに確認し、通知を送り、履歴を残します。"))

    @OptionGroup var config: WatchConfigOptions
    @OptionGroup var output: OutputOptions

    @Flag(name: .customLong("check-config"), help: .en("Check the configuration file and exit (0 when it is right).",
            ja: "設定ファイルを確認して終了します（正しければ終了コード 0）。"))
    var checkConfig = false

    @Flag(help: .en("Check every target once, send the alerts that are due, print the summary and exit (0 OK, 1 warning, 2 critical).",
            ja: "すべての対象を一度だけ確認し、必要な通知を送り、結果を表示して終了します（0 正常、1 警告、2 重大）。"))
    var once = false

    @OptionGroup var lifetime: ServiceLifetimeOptions

    func run() async throws {
        let language = output.language
        let configuration = try config.load(language)
        if checkConfig {
            Console.line(WatchMessages.configurationOK(config.resolvedPath, configuration, language))
            return
        }
        let anchors = try config.anchors(configuration, language)
        let storage = try await config.storage(configuration, language)
        defer { storage.close() }
        let store = storage.store
        let text = WatchText(language: language)
        let makeDelivery: @Sendable (WatchConfiguration) -> NoticeDelivery = { configuration in
            NoticeDelivery(routes: configuration.alerts, language: language.rawValue) { text.words($0) }
        }
        if once {
            let runner = WatchRunner(configuration: configuration, store: storage.unleased, anchors: anchors)
            let outcomes: [TargetOutcome]
            do {
                outcomes = try await runner.round(configuration.targets)
            } catch {
                throw UserFacingFailure(message: WatchMessages.database(configuration.database, error, language))
            }
            var failures: [NoticeDelivery.Failure] = []
            let delivery = makeDelivery(configuration)
            for (outcome, target) in zip(outcomes, configuration.targets) {
                failures += await delivery.deliver(outcome, interval: target.interval)
            }
            if output.json {
                print(JSONReport.pretty(WatchJSON.round(outcomes)))
            } else {
                Console.line(text.summary(outcomes, now: Date()))
            }
            for failure in failures { Console.error(WatchMessages.deliveryFailed(failure, language)) }
            switch outcomes.compactMap(\.worstSeverity).max() {
            case .critical: throw ExitCode(2)
            case .warning: throw ExitCode(1)
            default: return
            }
        }

        let path = config.resolvedPath
        let watcher = ConfigurationWatcher(path: path)
        let json = output.json
        let service = WatchService(
            configuration: configuration, schedule: storage.schedule, renewEvery: storage.renewEvery,
            makeRunner: { WatchRunner(configuration: $0, store: store, anchors: anchors) },
            makeDelivery: makeDelivery,
            reload: {
                guard await watcher.changed() else { return nil }
                do throws(WatchConfigurationReader.Failure) {
                    return try WatchConfigurationReader.load(path: path)
                } catch {
                    Console.error(WatchMessages.reloadRefused(error, language))
                    return nil
                }
            },
            onOutcome: { outcome, failures in
                Console.line(json ? JSONLines.encode(WatchJSON.Target(outcome)) : text.summary([outcome], now: Date()))
                for failure in failures { Console.error(WatchMessages.deliveryFailed(failure, language)) }
            },
            onReload: { fresh in Console.line(WatchMessages.reloaded(fresh, language)) },
            onError: { error in Console.error(WatchMessages.probeFailed(String(describing: error), language)) })
        Console.line(WatchMessages.started(path, configuration, language))
        var services: [any Service] = [service]
        if let http = configuration.http {
            let token = try Self.token(http, language)
            let targetCount = configuration.targets.count
            services.append(WatchWebServer.application(
                settings: http, token: token, store: store, targets: { targetCount }, language: language,
                onListening: { port in Console.line(WatchMessages.dashboard(http, port: port, language)) }))
        }
        let hangups = Task {
            for await _ in await UnixSignalsSequence(trapping: .sighup) { await watcher.request() }
        }
        defer { hangups.cancel() }
        do {
            try await ServiceRunner.run(services, stoppingAfter: lifetime.duration)
        } catch is ServiceGroupError {
            throw UserFacingFailure(message: WatchMessages.stopped(language))
        } catch where configuration.http != nil && "\(error)".contains("ddress already in use") {
            throw UserFacingFailure(message: WatchMessages.portInUse(configuration.http!, language))
        }
    }

    /// The dashboard's token, from its file (surrounding white space removed); nil on loopback without one.
    static func token(_ http: WatchConfiguration.HTTP, _ language: Language) throws -> String? {
        guard let file = http.tokenFile else { return nil }
        guard let text = try? String(contentsOfFile: file, encoding: .utf8),
              case let token = text.trimmingCharacters(in: .whitespacesAndNewlines), token.count >= 16 else {
            throw UserFacingFailure(message: WatchMessages.tokenFile(file, language))
        }
        return token
    }
}

/// Says when the configuration should be read again: on SIGHUP, or when the file's modification time changes.
actor ConfigurationWatcher {
    let path: String
    var modified: Date?
    var requested = false

    init(path: String) {
        self.path = path
        modified = Self.modificationDate(path)
    }

    static func modificationDate(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    func request() { requested = true }

    func changed() -> Bool {
        let now = Self.modificationDate(path)
        defer {
            modified = now
            requested = false
        }
        return requested || (now != nil && now != modified)
    }
}

struct WatchHistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: .en("What changed on a target, and the alerts it raised, newest first.",
                ja: "対象で変化したことと、送った通知を新しい順に表示します。"))

    @OptionGroup var config: WatchConfigOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: .en("The target's name (its host unless watch.yaml gives it a name:).",
              ja: "対象の名前です（watch.yaml で name: を付けていなければサーバー名）。"))
    var target: String

    @Option(help: .en("At most this many entries of each kind (default 100).", ja: "種類ごとに最大この件数を表示します（既定値 100）。"))
    var limit = 100

    func run() async throws {
        let language = output.language
        let configuration = try config.load(language)
        guard configuration.targets.contains(where: { $0.name == target }) else {
            throw UserFacingFailure(message: WatchMessages.unknownTarget(target, configuration, language))
        }
        let storage = try await config.storage(configuration, language)
        defer { storage.close() }
        let history: WatchHistory
        do {
            history = try await storage.unleased.history(target: target, limit: max(1, min(limit, 10_000)))
        } catch {
            throw UserFacingFailure(message: WatchMessages.database(configuration.database, error, language))
        }
        if output.json {
            print(JSONReport.pretty(WatchJSON.History(history)))
        } else {
            Console.line(WatchText(language: language).history(history))
        }
    }
}

struct WatchInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: .en("Write a commented watch.yaml to start from.",
                ja: "説明付きの watch.yaml の雛形を書き出します。"))

    @Option(name: .customLong("output"), help: .en("Where to write it (default: the --config path). '-' prints it.",
            ja: "書き出す先です（既定値: --config のパス）。- を指定すると画面に表示します。"))
    var outputPath: String?

    @Flag(help: .en("Replace an existing file.", ja: "既にあるファイルを置き換えます。"))
    var force = false

    @OptionGroup var config: WatchConfigOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let language = output.language
        let path = outputPath ?? config.resolvedPath
        guard try TemplateFile.write(WatchTemplate.text(language), to: path, force: force, language) else { return }
        Console.line(language == .ja ? "「\(path.peerSafe)」を書きました。対象を書き足して、mailtls watch --check-config で確認してください。"
                                     : "Wrote \(path.peerSafe). Add your targets, then run mailtls watch --check-config.")
    }
}
