import ArgumentParser
import Foundation
import Logging
import MailTLSCore
import MailTLSEngine
import MailTLSRelay
import MailTLSReport
import MailTLSSandbox
import ServiceLifecycle

/// `mailtls relay`: old printers and scanners send through Microsoft 365, Gmail or any provider.
struct RelayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relay",
        abstract: .en("A relay for old printers and scanners: takes their mail (TLS 1.0, or none) and sends it on over verified TLS 1.2+ with a login or XOAUTH2, losing nothing.",
                ja: "古い複合機やスキャナーのための中継サーバーです。機器のメール（TLS 1.0 または暗号化なし）を受け取り、検証済みの TLS 1.2 以上とログインまたは XOAUTH2 でプロバイダーへ送ります。メールを失いません。"),
        discussion: .en("""
            Set up: mailtls relay init --provider m365|gmail|generic writes a commented relay.yaml; secrets go in
            files it names, never in the file itself. Then: mailtls relay run, mailtls relay test --to ADDRESS,
            mailtls relay status, mailtls relay queue. Walkthrough: docs/relay.md.
            """, ja: """
            準備: mailtls relay init --provider m365|gmail|generic で説明付きの relay.yaml を書きます。
            パスワードなどの秘密は relay.yaml に書かず、relay.yaml で指定するファイルに置きます。
            その後: mailtls relay run、mailtls relay test --to ADDRESS、mailtls relay status、mailtls relay queue。
            手順の説明: docs/relay.md
            """),
        subcommands: [RelayRunCommand.self, RelayInitCommand.self, RelayTestCommand.self, RelayQueueCommand.self,
                      RelayStatusCommand.self],
        defaultSubcommand: RelayRunCommand.self)
}

struct RelayConfigOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: .en("The relay's configuration (default: $MAILTLS_RELAY_CONFIG, else /etc/mailtls/relay.yaml).",
            ja: "中継サーバーの設定ファイルです（既定値: $MAILTLS_RELAY_CONFIG、なければ /etc/mailtls/relay.yaml）。"))
    var path: String?

    var resolvedPath: String {
        path ?? ProcessInfo.processInfo.environment["MAILTLS_RELAY_CONFIG"] ?? "/etc/mailtls/relay.yaml"
    }

    func load(_ language: Language) throws -> RelayConfiguration {
        do {
            return try RelayConfigurationReader.load(path: resolvedPath)
        } catch {
            throw UserFacingFailure(message: RelayMessages.configuration(error, language))
        }
    }
}

struct RelayRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: .en("Run the relay (the default): listen for devices, deliver upstream.",
                ja: "中継サーバーを動かします（既定のサブコマンド）。機器からの接続を待ち受け、プロバイダーへ配送します。"))

    @OptionGroup var config: RelayConfigOptions
    @OptionGroup var output: OutputOptions

    @OptionGroup var lifetime: ServiceLifetimeOptions

    func run() async throws {
        let language = output.language
        let configuration = try config.load(language)
        let runtime: RelayRuntime
        do {
            runtime = try RelayRuntime.prepare(configuration)
        } catch {
            throw UserFacingFailure(message: RelayMessages.start(error, language))
        }
        let text = RelayText(language: language, color: output.useColor)
        let json = output.json
        let delivery = DeliveryService(
            spool: runtime.spool,
            settings: .init(hostname: configuration.hostname, upstreams: configuration.upstreams,
                            notices: configuration.notices, sender: configuration.rules.sender),
            anchors: runtime.anchors,
            onEvent: { event in Console.line(json ? JSONLines.encode(RelayLine.delivery(event)) : text.deliveryLine(event)) },
            wording: { record in RelayText.noticeWording(record, hostname: configuration.hostname) })
        let listener = RelayListenerService(runtime, onReport: { report in
            Console.line(json ? JSONLines.encode(RelayLine.connection(report)) : text.connectionLine(report))
        }, onStart: { endpoints in
            Console.line(json ? JSONLines.encode(RelayLine.listening(endpoints.map { "\($0.address):\($0.port.port)" }))
                         : text.banner(runtime, endpoints: endpoints))
        }, onStopAccepting: { open, grace in
            Console.line(json ? JSONLines.encode(RelayLine.stoppedAccepting(open: open, graceSeconds: grace.components.seconds))
                         : text.stoppedAcceptingLine(open: open, grace: grace))
        })
        // The listener stops first (devices' transactions finish), then delivery (in-flight messages finish).
        defer { runtime.spool.unlock() }
        do {
            try await ServiceRunner.run([delivery, listener], stoppingAfter: lifetime.duration)
        } catch let error as RelayStartError {
            throw UserFacingFailure(message: RelayMessages.start(error, language))
        } catch is ServiceGroupError {
            throw UserFacingFailure(message: RelayMessages.stopped(language))
        }
    }
}

/// One JSON line of `mailtls relay run --json`.
enum RelayLine: Encodable {
    case listening([String])
    case connection(ConnectionReport)
    case delivery(DeliveryEvent)
    /// Shutdown closed the listeners; `open` device connections get `graceSeconds` to finish.
    case stoppedAccepting(open: Int, graceSeconds: Int64)

    enum CodingKeys: String, CodingKey { case event, listeners, connection, delivery, openConnections, graceSeconds }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .listening(let listeners):
            try container.encode("listening", forKey: .event)
            try container.encode(listeners, forKey: .listeners)
        case .connection(let report):
            try container.encode("connection", forKey: .event)
            try container.encode(report, forKey: .connection)
        case .delivery(let event):
            try container.encode("delivery", forKey: .event)
            try container.encode(event, forKey: .delivery)
        case .stoppedAccepting(let open, let graceSeconds):
            try container.encode("stopped-accepting", forKey: .event)
            try container.encode(open, forKey: .openConnections)
            try container.encode(graceSeconds, forKey: .graceSeconds)
        }
    }
}

struct RelayInitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: .en("Write a commented relay.yaml for Microsoft 365, Gmail or another provider.",
                ja: "Microsoft 365、Gmail、その他のプロバイダー向けに説明付きの relay.yaml を書きます。"))

    @Option(help: .en("m365, gmail or generic.",
            ja: "m365、gmail、generic のいずれかです。"))
    var provider = "m365"

    @Option(name: .customLong("output"), help: .en("Where to write it (default: the --config path). '-' prints it.",
            ja: "書き出す先です（既定値: --config のパス）。- を指定すると画面に表示します。"))
    var outputPath: String?

    @Flag(help: .en("Replace an existing file.",
            ja: "既にあるファイルを置き換えます。"))
    var force = false

    @OptionGroup var config: RelayConfigOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard RelayTemplate.Provider(rawValue: provider.lowercased()) != nil else {
            throw ValidationError.en("--provider takes m365, gmail or generic, not '\(provider)'.",
                                     ja: "--provider には m365、gmail、generic のいずれかを指定してください（指定された値「\(provider)」）。")
        }
    }

    func run() async throws {
        let language = output.language
        let chosen = RelayTemplate.Provider(rawValue: provider.lowercased()) ?? .generic
        let text = RelayTemplate.text(for: chosen, language: language)
        let path = outputPath ?? config.resolvedPath
        guard try TemplateFile.write(text, to: path, force: force, language) else { return }
        print(RelayMessages.written(path, provider: chosen, language))
    }
}

struct RelayTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: .en("Send a test message end to end: through the running relay, or straight upstream with its settings.",
                ja: "テストメールを最後まで送ります。動いている中継サーバーを通すか、その設定で直接プロバイダーへ送ります。"))

    @Option(help: .en("Who receives the test message.",
            ja: "テストメールの宛先です。"))
    var to: String

    @Option(help: .en("The sender (default: rules.sender, else relay-test@HOSTNAME).",
            ja: "差出人です（既定値: rules.sender、なければ relay-test@HOSTNAME）。"))
    var from: String?

    @Option(help: .en("Seconds to wait for the delivery through a running relay.",
            ja: "動いている中継サーバーを通した配送を待つ秒数です。"))
    var wait = 120.0

    @OptionGroup var config: RelayConfigOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard to.contains("@"), !to.contains(where: { $0 == "<" || $0 == ">" || $0.isWhitespace }) else {
            throw ValidationError.en("--to takes an address such as someone@example.com.",
                    ja: "--to には someone@example.com のようなメールアドレスを指定してください。")
        }
        guard wait > 0, wait <= 3600 else { throw ValidationError.en("--wait must be between 0 and 3600 seconds.",
                ja: "--wait には 0 より大きく 3600 以下の秒数を指定してください。") }
    }

    func run() async throws {
        let language = output.language
        let configuration = try config.load(language)
        let sender = from ?? configuration.rules.sender ?? "relay-test@\(configuration.hostname)"
        let tester = RelayTester(configuration: configuration, language: language, color: output.useColor)
        let succeeded = SpoolReader.isLocked(configuration.stateDirectory)
            ? await tester.throughRunningRelay(from: sender, to: to, wait: wait)
            : await tester.straightUpstream(from: sender, to: to)
        if !succeeded { throw ExitCode(2) }
    }
}

struct RelayQueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue", abstract: .en("List, show, retry now or delete queued messages.",
                ja: "キューで待っているメールを一覧、表示、今すぐ再送、削除します。"),
        discussion: "mailtls relay queue [list | show ID | retry [ID] | delete ID]")

    @Argument(help: .en("list (default), show, retry or delete.",
            ja: "list（既定）、show、retry、delete のいずれかです。"))
    var action = "list"

    @Argument(help: .en("A message ID (from list).",
            ja: "メールの ID です（list で表示されます）。"))
    var id: String?

    @OptionGroup var config: RelayConfigOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard ["list", "show", "retry", "delete"].contains(action) else {
            throw ValidationError.en("The action is list, show, retry or delete, not '\(action)'.",
                                     ja: "操作には list、show、retry、delete のいずれかを指定してください（指定された値「\(action)」）。")
        }
        if ["show", "delete"].contains(action) && id == nil {
            throw ValidationError.en("\(action) needs a message ID.", ja: "\(action) にはメールの ID が必要です。")
        }
    }

    func run() async throws {
        let language = output.language
        let configuration = try config.load(language)
        let directory = configuration.stateDirectory
        let text = RelayText(language: language, color: output.useColor)
        switch action {
        case "list", "show":
            var records = SpoolReader.records(in: directory)
            if let id { records = records.filter { $0.id == id } }
            if action == "show" && records.isEmpty { throw UserFacingFailure(message: RelayMessages.noSuchMessage(id ?? "", language)) }
            if output.json {
                print(JSONReport.pretty(records))
            } else {
                print(text.queue(records), terminator: "")
            }
        default:
            let request: SpoolReader.Request = action == "retry" ? .retry(id) : .delete(id ?? "")
            let found: Bool
            do {
                found = try SpoolReader.submit(request, directory: directory)
            } catch {
                throw UserFacingFailure(message: TemplateFile.unwritable(directory.path, language))
            }
            guard found else { throw UserFacingFailure(message: RelayMessages.noSuchMessage(id ?? "", language)) }
            print(RelayMessages.requested(action, id: id, running: SpoolReader.isLocked(directory), language))
        }
    }
}

struct RelayStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: .en("Is the relay running, what waits in its queue, how upstream deliveries go, which devices use it.",
                ja: "中継サーバーが動いているか、キューで何が待っているか、プロバイダーへの配送の状況、どの機器が使っているかを表示します。"))

    @OptionGroup var config: RelayConfigOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let configuration = try config.load(output.language)
        let status = RelayStatus.read(spoolDirectory: configuration.stateDirectory)
        if output.json {
            print(JSONReport.pretty(status))
        } else {
            print(RelayText(language: output.language, color: output.useColor).status(status), terminator: "")
        }
    }
}
