import ArgumentParser
import Logging
import ServiceLifecycle
import Dispatch
import Foundation
import MailTLSCore
import MailTLSReport
import MailTLSSandbox

/// `mailtls sandbox`: a test mail server for devices.
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: .en("A test mail server for printers, scanners and mail clients: captures their mail and reports what TLS they can do.",
                ja: "複合機、スキャナー、メールソフトのための試験用メールサーバーです。届いたメールを保存し、クライアントが使える TLS を報告します。"),
        subcommands: [SandboxServeCommand.self, SandboxReportCommand.self, SandboxMessagesCommand.self],
        defaultSubcommand: SandboxServeCommand.self)
}

struct StateOptions: ParsableArguments {
    @Option(name: .customLong("state-dir"), help: .en("Where the sandbox keeps its CA, captured mail and client log.",
            ja: "サンドボックスがテスト用の認証局、受け取ったメール、クライアントの記録を置くディレクトリです。"))
    var stateDir: String?

    var directory: URL {
        if let stateDir { return URL(fileURLWithPath: stateDir) }
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_STATE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: environment["HOME"] ?? NSTemporaryDirectory()).appendingPathComponent(".local/state")
        return base.appendingPathComponent("mailtls/sandbox")
    }
}

struct SandboxServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: .en("Run the sandbox (the default).",
                ja: "サンドボックスを動かします（既定のサブコマンド）。"),
        discussion: .en("""
            Ports: the standard mail ports when mailtls runs as root, otherwise 20000 above them (20025, 20587, 20465,
            20143, 20993, 20110, 20995). Device tests per port with --port PORT:PROTOCOL:MODE[:OPTIONS], options
            tls=1.0-1.3 (allowed versions), cert=wrong-name|expired (does the device validate?), no-starttls (does it
            send its password in the clear?). Example: --port 2588:smtp:starttls:cert=wrong-name
            """, ja: """
            ポート: mailtls を root で動かすと標準のメール用ポートを使い、それ以外では 20000 を足したポート
            （20025、20587、20465、20143、20993、20110、20995）を使います。
            ポートごとの機器の試験は --port PORT:PROTOCOL:MODE[:OPTIONS] で指定します。OPTIONS には
            tls=1.0-1.3（許可するバージョン）、cert=wrong-name|expired（機器が証明書を検証するか）、
            no-starttls（機器がパスワードを暗号化なしで送るか）があります。例: --port 2588:smtp:starttls:cert=wrong-name
            """))

    @Option(help: .en("Address to listen on (default 127.0.0.1; give a LAN address on purpose for real devices).",
            ja: "待ち受けるアドレスです（既定値: 127.0.0.1）。実際の機器で試すときは LAN のアドレスを指定します。"))
    var listen = "127.0.0.1"

    @Option(help: .en("Comma-separated standard ports to serve (25,587,465,143,993,110,995).",
            ja: "使う標準ポートをコンマ区切りで指定します（25,587,465,143,993,110,995）。"))
    var ports: String?

    @Option(name: .customLong("port"), help: .en("An extra port with its protocol, mode and test options. Repeatable.",
            ja: "追加のポートを、プロトコル、暗号化方式、試験の指定付きで指定します。複数回指定できます。"))
    var extraPorts: [String] = []

    @Option(name: .customLong("port-offset"), help: .en("Added to the standard ports (default 0 as root, else 20000).",
            ja: "標準ポートに足す数です（既定値: root なら 0、それ以外は 20000）。"))
    var portOffset: Int?

    @Option(name: .customLong("hostname"), help: .en("A name for the server certificate. Repeatable.",
            ja: "サーバー証明書に入れるサーバー名です。複数回指定できます。"))
    var hostnames: [String] = []

    @Option(help: .en("Your own certificate chain (PEM) instead of the sandbox's.",
            ja: "サンドボックスの証明書の代わりに使う、自分の証明書チェーン（PEM）です。"))
    var cert: String?

    @Option(help: .en("The private key (PEM) for --cert.",
            ja: "--cert の秘密鍵（PEM）です。"))
    var key: String?

    @Option(help: .en("User name of the sandbox's test account.",
            ja: "サンドボックスのテスト用アカウントのユーザー名です。"))
    var user = "device"

    @Option(name: .customLong("password-file"), help: .en("File whose first line is the test account's password.",
            ja: "1 行目がテスト用アカウントのパスワードのファイルです。"))
    var passwordFile: String?

    @OptionGroup var lifetime: ServiceLifetimeOptions

    @Option(name: .customLong("max-connections"), help: .en("Concurrent connections at most (1 to 1000).",
            ja: "同時接続数の上限です（1〜1000）。"))
    var maxConnections = 64

    @Option(name: .customLong("max-connections-per-address"), help: .en("Concurrent connections from one address at most.",
            ja: "1 つのアドレスからの同時接続数の上限です。"))
    var maxConnectionsPerAddress = 16

    @Option(name: .customLong("idle-timeout"), help: .en("Seconds a client may go without completing a line.",
            ja: "クライアントが 1 行を送り終えるまで待つ秒数です。"))
    var idleTimeout = 60.0

    @Option(name: .customLong("session-timeout"), help: .en("Seconds a connection may last at most.",
            ja: "1 つの接続を続けられる最長の秒数です。"))
    var sessionTimeout = 600.0

    @Option(name: .customLong("max-store-mb"), help: .en("Megabytes all captured mail may take on disk at most.",
            ja: "受け取ったメール全体がディスクで使える容量の上限（MB）です。"))
    var maxStoreMegabytes = 1024

    @OptionGroup var state: StateOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if (cert == nil) != (key == nil) { throw ValidationError.en("--cert and --key go together.",
                ja: "--cert と --key は一緒に指定してください。") }
        guard (1...1000).contains(maxConnections) else { throw ValidationError.en("--max-connections must be 1 to 1000.",
                ja: "--max-connections には 1〜1000 を指定してください。") }
        guard (1...maxConnections).contains(maxConnectionsPerAddress) else {
            throw ValidationError.en("--max-connections-per-address must be 1 to --max-connections.",
                    ja: "--max-connections-per-address には 1 から --max-connections までの数を指定してください。")
        }
        guard idleTimeout > 0, idleTimeout <= 3600 else {
            throw ValidationError.en("--idle-timeout must be more than 0 and at most 3600.",
                    ja: "--idle-timeout には 0 より大きく 3600 以下の秒数を指定してください。")
        }
        guard sessionTimeout >= idleTimeout, sessionTimeout <= 86_400 else {
            throw ValidationError.en("--session-timeout must be at least --idle-timeout and at most 86400.",
                    ja: "--session-timeout には --idle-timeout 以上 86400 以下の秒数を指定してください。")
        }
        guard (1...1_048_576).contains(maxStoreMegabytes) else {
            throw ValidationError.en("--max-store-mb must be 1 to 1048576.",
                    ja: "--max-store-mb には 1〜1048576 を指定してください。")
        }
    }

    func run() async throws {
        let language = output.language
        let text = SandboxText(language: language, color: output.useColor)
        let configuration = try makeConfiguration(language: language)
        let json = output.json
        let banner = self
        let sandbox = SandboxService(configuration, onReport: { report in
            Console.line(json ? JSONLines.encode(report) : text.liveLine(report))
        }, onStart: { server in
            banner.printBanner(server, configuration: configuration, language: language)
        })
        // SIGINT and SIGTERM shut the sandbox down gracefully: open connections get 5 s to finish.
        do {
            try await ServiceRunner.run([sandbox], stoppingAfter: lifetime.duration)
        } catch let error as SandboxError {
            throw UserFacingFailure(message: SandboxMessages.error(error, language))
        }
    }

    func makeConfiguration(language: Language) throws -> SandboxConfiguration {
        let offset = portOffset ?? (geteuid() == 0 ? 0 : SandboxPort.documentedOffset)
        var sandboxPorts: [SandboxPort] = []
        let standard = SandboxPort.standardSet(offset: offset)
        if let ports {
            for item in ports.split(separator: ",") {
                guard let number = Int(item.trimmingCharacters(in: .whitespaces)),
                      let match = standard.first(where: { $0.port - offset == number })
                else {
                    throw UserFacingFailure(message: SandboxMessages.badPort(String(item), language))
                }
                sandboxPorts.append(match)
            }
        } else if extraPorts.isEmpty {
            sandboxPorts = standard
        }
        for spec in extraPorts {
            do {
                sandboxPorts.append(try SandboxPort.parse(spec))
            } catch {
                throw UserFacingFailure(message: SandboxMessages.badPort(spec, language))
            }
        }
        var custom: (chain: String, key: String)?
        if let cert, let key {
            guard let chain = try? String(contentsOfFile: cert, encoding: .utf8),
                  let keyText = try? String(contentsOfFile: key, encoding: .utf8)
            else { throw UserFacingFailure(message: SandboxMessages.unreadable(cert + ", " + key, language)) }
            custom = (chain, keyText)
        }
        let directory = state.directory
        let password = try accountPassword(stateDirectory: directory, language: language)
        var names = hostnames
        if names.isEmpty { names = ["localhost"] }
        return SandboxConfiguration(listenAddress: listen, ports: sandboxPorts, stateDirectory: directory,
                                    hostnames: names, accounts: [user: password], maximumConnections: maxConnections,
                                    maximumConnectionsPerAddress: maxConnectionsPerAddress, idleSeconds: idleTimeout,
                                    sessionSeconds: sessionTimeout, maximumStoreBytes: maxStoreMegabytes << 20,
                                    customCertificate: custom)
    }

    /// The test account's password: from --password-file, or generated once and kept (mode 0600) in the state
    /// directory. It is never printed; the banner names the file.
    func accountPassword(stateDirectory: URL, language: Language) throws -> String {
        if let passwordFile {
            guard let text = try? String(contentsOfFile: passwordFile, encoding: .utf8),
                  let line = text.split(separator: "\n").first, !line.isEmpty
            else { throw UserFacingFailure(message: SandboxMessages.unreadable(passwordFile, language)) }
            return String(line)
        }
        let file = stateDirectory.appendingPathComponent("account-password")
        if let text = try? String(contentsOf: file, encoding: .utf8), let line = text.split(separator: "\n").first {
            return String(line)
        }
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        let password = String((0..<16).map { _ in alphabet.randomElement()! })
        try? FileManager.default.createDirectory(at: stateDirectory, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: file.path, contents: Data((password + "\n").utf8),
                                           attributes: [.posixPermissions: 0o600])
        return password
    }

    func printBanner(_ server: SandboxServer, configuration: SandboxConfiguration, language: Language) {
        if output.json {
            Console.line(JSONLines.encode(SandboxBanner(server: server, configuration: configuration, user: user,
                                                        passwordFile: passwordFile ?? configuration.stateDirectory
                                                            .appendingPathComponent("account-password").path)))
        } else {
            Console.line(SandboxMessages.banner(server: server, configuration: configuration, user: user,
                                                passwordFile: passwordFile ?? configuration.stateDirectory
                                                    .appendingPathComponent("account-password").path,
                                                language: language))
        }
    }
}

/// `--duration` of the long-running commands (sandbox, relay, watch).
struct ServiceLifetimeOptions: ParsableArguments {
    @Option(help: .en("Stop after this many seconds (default: run until Ctrl-C or SIGTERM).",
            ja: "この秒数の後に止まります（既定では Ctrl-C か SIGTERM まで動き続けます）。"))
    var duration: Double?
}

/// Runs long-lived services in one group until Ctrl-C, SIGTERM or `--duration`: a graceful shutdown, in reverse order
/// of `services` (the last one listed stops first).
enum ServiceRunner {
    static func run(_ services: [any Service], stoppingAfter duration: Double?) async throws {
        var configurations = services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
        if let duration {
            configurations.append(.init(service: StopAfter(.milliseconds(Int(duration * 1000))),
                                        successTerminationBehavior: .gracefullyShutdownGroup))
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: configurations, gracefulShutdownSignals: [.sigint, .sigterm], logger: Logger.silent))
        try await group.run()
    }
}

extension Logger {
    /// The service group's own log lines are not for the user: the sandbox says what happens in its own words.
    static let silent = Logger(label: "mailtls", factory: { _ in SwiftLogNoOpLogHandler() })
}

struct SandboxReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: .en("Summarise each device that connected: TLS, STARTTLS, certificate checks, advice.",
                ja: "接続してきた機器ごとに、TLS、STARTTLS、証明書の検証、助言をまとめて表示します。"))

    @OptionGroup var state: StateOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let log = EventLog(path: state.directory.appendingPathComponent("events.jsonl"))
        let summaries = DeviceSummary.summarise(log.reports())
        if output.json {
            print(JSONReport.pretty(summaries))
        } else {
            print(SandboxText(language: output.language, color: output.useColor).devices(summaries), terminator: "")
        }
    }
}

struct SandboxMessagesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "messages", abstract: .en("List captured messages.",
            ja: "受け取ったメールを一覧表示します。"))

    @OptionGroup var state: StateOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let store: MessageStore
        do {
            store = try MessageStore(directory: state.directory.appendingPathComponent("messages"))
        } catch {
            throw UserFacingFailure(message: SandboxMessages.unreadable(state.directory.path, output.language))
        }
        if output.json {
            print(JSONReport.pretty(store.all))
        } else {
            print(SandboxText(language: output.language, color: output.useColor).messages(store.all, store: store),
                  terminator: "")
        }
    }
}

/// What `sandbox --json` prints first.
struct SandboxBanner: Encodable {
    struct Port: Encodable {
        var port: Int
        var `protocol`: String
        var mode: String
        var test: String
        var versions: String
    }

    var event = "listening"
    var address: String
    var ports: [Port]
    var caPEM: String
    var caDER: String
    var user: String
    var passwordFile: String
    var stateDirectory: String

    init(server: SandboxServer, configuration: SandboxConfiguration, user: String, passwordFile: String) {
        address = configuration.listenAddress
        ports = server.ports.map {
            Port(port: $0.port, protocol: $0.mailProtocol.rawValue, mode: $0.mode.rawValue, test: $0.portTest,
                 versions: $0.versionRange)
        }
        caPEM = server.authority.caPEMPath
        caDER = server.authority.caDERPath
        self.user = user
        self.passwordFile = passwordFile
        stateDirectory = configuration.stateDirectory.path
    }
}

/// Unbuffered lines on standard output, so live output reaches a pipe at once. A reader that went away
/// (`mailtls demo | head -3`, a closed log pipe) costs the lines, never the process: a relay keeps relaying.
enum Console {
    static func line(_ text: String) {
        try? FileHandle.standardOutput.write(contentsOf: Data((text + "\n").utf8))
    }

    static func error(_ text: String) {
        try? FileHandle.standardError.write(contentsOf: Data((text + "\n").utf8))
    }
}

enum JSONLines {
    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
