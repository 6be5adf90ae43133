import ServiceLifecycle

/// The sandbox as a long-running service: it runs inside a `ServiceGroup`, which turns SIGINT and SIGTERM into a
/// graceful shutdown. Then the listeners close, open connections get `shutdownGrace` to finish, the rest are closed,
/// and `run()` returns once every report is written.
public final class SandboxService: Service, Sendable {
    public let configuration: SandboxConfiguration
    public let shutdownGrace: Duration
    private let onReport: @Sendable (ConnectionReport) -> Void
    private let onStart: @Sendable (SandboxServer) async -> Void

    /// - Parameter onStart: called once the listeners are bound (the bound ports are then known).
    public init(_ configuration: SandboxConfiguration, shutdownGrace: Duration = .seconds(5),
                onReport: @escaping @Sendable (ConnectionReport) -> Void = { _ in },
                onStart: @escaping @Sendable (SandboxServer) async -> Void = { _ in }) {
        self.configuration = configuration
        self.shutdownGrace = shutdownGrace
        self.onReport = onReport
        self.onStart = onStart
    }

    public func run() async throws {
        let server = try await SandboxServer.start(configuration, onReport: onReport)
        await onStart(server)
        await server.stop(grace: await graceAfterShutdown(shutdownGrace))
    }
}

/// Ends its group after a fixed time (`mailtls sandbox --duration`), gracefully.
public struct StopAfter: Service {
    public let duration: Duration

    public init(_ duration: Duration) {
        self.duration = duration
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
    }
}

/// Waits until the service group shuts down: `grace` for open connections when it shuts down gracefully, none when
/// the task is cancelled. The sandbox's and the relay's listeners stop with it.
public func graceAfterShutdown(_ grace: Duration) async -> Duration {
    do {
        try await gracefulShutdown()
        return grace
    } catch {
        return .zero
    }
}
