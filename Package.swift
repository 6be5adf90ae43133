// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "mailtls",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "mailtls", targets: ["mailtls"]),
        .executable(name: "mailtls-fuzz", targets: ["mailtls-fuzz"]),
        .library(name: "MailTLSCore", targets: ["MailTLSCore"]),
        .library(name: "MailTLSEngine", targets: ["MailTLSEngine"]),
        .library(name: "MailTLSCheck", targets: ["MailTLSCheck"]),
        .library(name: "MailTLSSandbox", targets: ["MailTLSSandbox"]),
        .library(name: "MailTLSDNS", targets: ["MailTLSDNS"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        /// Pure protocol core: bytes in, values out. No sockets, no clocks.
        .target(name: "MailTLSCore"),
        /// The one connection engine: TCP, timeouts, implicit TLS, STARTTLS, transcript, handshake facts.
        .target(
            name: "MailTLSEngine",
            dependencies: [
                "MailTLSCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        /// Probes, certificate analysis and findings.
        .target(
            name: "MailTLSCheck",
            dependencies: [
                "MailTLSCore",
                "MailTLSEngine",
                "MailTLSDNS",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        /// libunbound, from Debian's libunbound-dev.
        .systemLibrary(name: "CUnbound", pkgConfig: "libunbound", providers: [.apt(["libunbound-dev"])]),
        /// The DNS layer (validating, on libunbound) that setup and domain share.
        .target(name: "MailTLSDNS", dependencies: ["CUnbound", "MailTLSCore"]),
        /// Server-to-server security: MTA-STS, TLS-RPT and DANE rules (pure), for `mailtls domain`.
        .target(
            name: "MailTLSDomain",
            dependencies: [
                "MailTLSCore", "MailTLSDNS",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        /// HTTPS fetches as senders and clients make them (MTA-STS policies, autoconfig files), on AsyncHTTPClient.
        .target(
            name: "MailTLSWeb",
            dependencies: [
                "MailTLSDNS",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        /// `mailtls domain`: looks up, connects to and judges MX, DANE, MTA-STS and TLS-RPT.
        .target(
            name: "MailTLSDomainCheck",
            dependencies: [
                "MailTLSCheck", "MailTLSCore", "MailTLSDNS", "MailTLSDomain", "MailTLSEngine", "MailTLSWeb",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        /// Server sessions for SMTP, IMAP and POP3, pure (lines in, actions out): what the sandbox serves devices
        /// with, and what the relay will take their mail with. Fuzzed on their own.
        .target(name: "MailTLSSessions", dependencies: ["MailTLSCore"]),
        /// The test mail server for devices: connections, certificates, capture store and client reports.
        .target(
            name: "MailTLSSandbox",
            dependencies: [
                "MailTLSCore", "MailTLSSessions",
                "MailTLSEngine",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        /// Account settings as clients and devices know them: autoconfig files, exports (pure).
        .target(name: "MailTLSSetup", dependencies: ["MailTLSCore"]),
        /// `mailtls setup` and `mailtls diagnose`: discovery from every source, verification, step-by-step diagnosis.
        .target(
            name: "MailTLSAccount",
            dependencies: [
                "MailTLSCheck", "MailTLSCore", "MailTLSDNS", "MailTLSEngine", "MailTLSSetup", "MailTLSWeb",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        /// `mailtls relay`: takes devices' mail on the LAN (old TLS, or none), keeps it in a durable spool, and delivers
        /// it to the provider over verified TLS 1.2+ with AUTH PLAIN/LOGIN or XOAUTH2.
        /// YAML configuration files read into typed values, each mistake with its file, line and key.
        .target(
            name: "MailTLSConfigurationFile",
            dependencies: ["MailTLSCore", .product(name: "Yams", package: "Yams")]
        ),
        /// `mailtls watch`: probes a fleet on a schedule, remembers what it saw, turns changes into events and
        /// lasting faults into alerts.
        .target(
            name: "MailTLSWatch",
            dependencies: [
                "MailTLSAccount", "MailTLSCheck", "MailTLSConfigurationFile", "MailTLSCore", "MailTLSDNS",
                "MailTLSDomainCheck", "MailTLSEngine", "MailTLSRelay", "MailTLSSetup",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        /// The dashboard and `/metrics` of `mailtls watch`, on Hummingbird.
        .target(
            name: "MailTLSWatchWeb",
            dependencies: [
                "MailTLSCheck", "MailTLSCore", "MailTLSReport", "MailTLSWatch",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "MailTLSRelay",
            dependencies: [
                "MailTLSCheck", "MailTLSConfigurationFile", "MailTLSCore", "MailTLSEngine", "MailTLSSandbox", "MailTLSSessions", "MailTLSSetup",
                "MailTLSWeb",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        /// Renderers and localised text, apart from the checks.
        .target(
            name: "MailTLSReport",
            dependencies: ["MailTLSCheck", "MailTLSCore", "MailTLSEngine", "MailTLSSandbox", "MailTLSDNS", "MailTLSDomain",
                           "MailTLSDomainCheck", "MailTLSWeb", "MailTLSSetup", "MailTLSAccount", "MailTLSRelay",
                           "MailTLSSessions", "MailTLSWatch"]
        ),
        .executableTarget(
            name: "mailtls",
            dependencies: [
                "MailTLSCheck", "MailTLSReport", "MailTLSCore", "MailTLSEngine", "MailTLSSandbox", "MailTLSDNS",
                "MailTLSDomainCheck", "MailTLSSetup", "MailTLSAccount", "MailTLSRelay", "MailTLSWatch",
                "MailTLSWatchWeb",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        /// Coverage-guided fuzzing of every parser that reads peer bytes (scripts/fuzz builds it with libFuzzer); built
        /// normally, it replays saved inputs.
        .executableTarget(
            name: "mailtls-fuzz",
            dependencies: ["MailTLSCore", "MailTLSSessions", "MailTLSSetup", "MailTLSDomain", "MailTLSDNS"]
        ),
        .testTarget(
            name: "MailTLSEngineTests",
            dependencies: ["MailTLSEngine", "MailTLSCore", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(name: "MailTLSCoreTests", dependencies: ["MailTLSCore", "TestSupport"],
                    exclude: ["Mail/ReceivedFixtures"]),
        .testTarget(
            name: "MailTLSCheckTests",
            dependencies: [
                "MailTLSCheck", "MailTLSCore", "MailTLSReport", "TestSupport",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        /// The renderers and text catalogues: findings and fixes in both languages, the glossary, help texts.
        .testTarget(
            name: "MailTLSReportTests",
            dependencies: [
                "MailTLSReport", "MailTLSCheck", "MailTLSCore", "MailTLSAccount", "MailTLSDNS", "MailTLSSetup",
                "MailTLSWeb", "MailTLSDomainCheck", "MailTLSSandbox", "MailTLSSessions", "TestSupport",
            ]
        ),
        .testTarget(name: "MailTLSSandboxTests", dependencies: ["MailTLSSandbox", "MailTLSSessions", "MailTLSCore"]),
        .testTarget(name: "MailTLSSessionsTests", dependencies: ["MailTLSSessions", "MailTLSCore"]),
        .testTarget(
            name: "MailTLSWatchTests",
            dependencies: ["MailTLSWatch", "MailTLSWatchWeb", "MailTLSReport", "MailTLSCheck", "MailTLSCore",
                           "MailTLSConfigurationFile", "MailTLSDomainCheck", "TestSupport"]
        ),
        .testTarget(
            name: "MailTLSRelayTests",
            dependencies: ["MailTLSRelay", "MailTLSSandbox", "MailTLSSessions", "MailTLSCore", "MailTLSReport",
                           "MailTLSSetup", "TestSupport"]
        ),
        /// What the tests share: running programs with a deadline.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "MailTLSDNSTests", dependencies: ["MailTLSDNS", "TestSupport"], exclude: ["Fixtures"]),
        /// HTTPS fetches against the small internet's nginx: statuses, redirects never followed, limits, deadlines,
        /// certificate failures, and how client errors are classified.
        .testTarget(
            name: "MailTLSWebTests",
            dependencies: [
                "MailTLSWeb", "MailTLSDNS", "MailTLSCheck", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(
            name: "MailTLSDomainTests",
            dependencies: [
                "MailTLSDomain", "MailTLSDNS", "TestSupport",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "MailTLSDomainCheckTests",
            dependencies: ["MailTLSDomainCheck", "MailTLSDomain", "MailTLSCheck", "MailTLSCore", "MailTLSDNS",
                           "MailTLSReport", "MailTLSWeb"]
        ),
        .testTarget(name: "MailTLSSetupTests", dependencies: ["MailTLSSetup", "MailTLSReport", "TestSupport"]),
        .testTarget(name: "MailTLSAccountTests", dependencies: ["MailTLSAccount", "MailTLSCore", "MailTLSSetup", "MailTLSDNS"]),
        .testTarget(
            name: "MailTLSIntegrationTests",
            dependencies: [
                "MailTLSCheck", "MailTLSCore", "MailTLSEngine", "MailTLSReport", "MailTLSSandbox", "mailtls",
                "MailTLSDomainCheck", "MailTLSDNS", "TestSupport", "MailTLSAccount", "MailTLSSetup", "MailTLSRelay",
                "MailTLSSessions",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Fixtures"]
        ),
    ]
)
