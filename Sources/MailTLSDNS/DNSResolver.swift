import CUnbound
import Foundation

/// Problems with the resolver itself (not with an answer).
public enum DNSError: Error, Hashable, Codable, Sendable {
    case configuration(String)
    case unreadableTrustAnchor(path: String)
    case badResolverAddress(String)
    case resolution(String)
    case timeout(seconds: Double)

    /// In a few words, for evidence (never Swift's own description).
    public var evidence: String {
        switch self {
        case .configuration(let detail): "resolver configuration: \(detail)"
        case .unreadableTrustAnchor(let path): "cannot read the trust anchor \(path)"
        case .badResolverAddress(let address): "bad resolver address \(address)"
        case .resolution(let detail): "lookup failed: \(detail)"
        case .timeout(let seconds): "no answer within \(seconds.formatted()) s"
        }
    }
}

extension Double {
    /// `10` for 10.0, `0.3` for 0.3: seconds as people write them.
    func formatted() -> String {
        self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(self)
    }
}

/// A validating resolver on libunbound: the system resolver by default, or `--resolver ADDRESS[@PORT]` and
/// `--trust-anchor FILE` for enterprise networks and tests. One small DNS layer for `setup` and `domain`.
///
/// Every option is set before the first query: libunbound finalises its context then and ignores later options.
public final class DNSResolver: @unchecked Sendable {
    public struct Configuration: Sendable, Equatable {
        /// `ADDRESS` or `ADDRESS@PORT` of a resolver to forward to; nil uses /etc/resolv.conf.
        public var resolver: String?
        /// A file of DS or DNSKEY records (zone-file format) or a root.key; nil uses the system root key if present.
        public var trustAnchorFile: String?
        public var timeout: Double
        /// Validate from the system's root key when no trust anchor file is given. Off for plain address lookups
        /// through a resolver that serves only private zones: there the root cannot be reached and every answer
        /// would wait for it.
        public var useSystemRootKey: Bool

        public init(resolver: String? = nil, trustAnchorFile: String? = nil, timeout: Double = 10,
                    useSystemRootKey: Bool = true) {
            self.resolver = resolver
            self.trustAnchorFile = trustAnchorFile
            self.timeout = timeout
            self.useSystemRootKey = useSystemRootKey
        }
    }

    /// Zones unbound answers locally by default (RFC 6761 names); lab and enterprise zones live there too, so they
    /// are handed to the configured resolver.
    static let localZonesToForward = ["test.", "invalid.", "home.arpa.", "local."]
    static let systemRootKey = "/usr/share/dns/root.key"

    public let configuration: Configuration
    private let context: OpaquePointer
    private let pump: DNSPump

    public init(_ configuration: Configuration = Configuration()) throws(DNSError) {
        self.configuration = configuration
        guard let context = ub_ctx_create() else { throw .configuration("ub_ctx_create failed") }
        self.context = context
        pump = DNSPump(context: context)
        func check(_ code: Int32, _ what: String) throws(DNSError) {
            guard code == 0 else {
                throw .configuration("\(what): \(String(cString: ub_strerror(code)))")
            }
        }
        do {
            // Asynchronous queries run on one worker thread of libunbound's, answers come back through ub_fd: no
            // thread per query, whatever the number of queries or timeouts.
            try check(ub_ctx_async(context, 1), "asynchronous mode")
            if let resolver = configuration.resolver {
                guard DNSResolver.isValidResolverAddress(resolver) else { throw DNSError.badResolverAddress(resolver) }
                try check(ub_ctx_set_option(context, "do-not-query-localhost:", "no"), "do-not-query-localhost")
                try check(ub_ctx_set_fwd(context, resolver), "resolver \(resolver)")
            } else {
                try check(ub_ctx_resolvconf(context, nil), "/etc/resolv.conf")
            }
            if let file = configuration.trustAnchorFile {
                guard FileManager.default.isReadableFile(atPath: file) else {
                    throw DNSError.unreadableTrustAnchor(path: file)
                }
                try check(ub_ctx_add_ta_file(context, file), "trust anchor \(file)")
            } else if configuration.useSystemRootKey,
                      FileManager.default.isReadableFile(atPath: DNSResolver.systemRootKey) {
                try check(ub_ctx_add_ta_file(context, DNSResolver.systemRootKey), "root key")
            }
            // Removing a local zone finalises the context, so it comes last.
            if configuration.resolver != nil {
                for zone in DNSResolver.localZonesToForward { _ = ub_ctx_zone_remove(context, zone) }
            }
        } catch let error as DNSError {
            // deinit deletes the context: a class whose stored properties are set runs deinit when init throws.
            throw error
        } catch {
            throw .configuration("\(error)")
        }
    }

    /// Queries sent and not yet answered, cancelled or timed out (for tests and metrics).
    public var pendingQueries: Int { pump.pendingCount }

    deinit {
        // The pump stops (answering what is still pending with an error) before the context goes.
        pump.shutDown()
        ub_ctx_delete(context)
    }

    static func isValidResolverAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count <= 2, let host = parts.first, !host.isEmpty else { return false }
        if parts.count == 2 {
            guard let port = Int(parts[1]), (1...65535).contains(port) else { return false }
        }
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, String(host), &v4) == 1 || inet_pton(AF_INET6, String(host), &v6) == 1
    }

    /// One query; the raw record data and its validation status. A query still unanswered at the timeout is
    /// cancelled in libunbound (`ub_cancel`), and what it held is freed.
    public func query(_ name: String, type: DNSRecordType) async throws(DNSError) -> DNSAnswer<[UInt8]> {
        let deadline = ContinuousClock.now + .milliseconds(Int(configuration.timeout * 1000))
        let result = await withCheckedContinuation { continuation in
            pump.submit(name: name, type: type.rawValue, deadline: deadline, timeout: configuration.timeout,
                        continuation: continuation)
        }
        return try result.get()
    }

    static func answer(from result: ub_result, name: String) -> DNSAnswer<[UInt8]> {
        var records: [[UInt8]] = []
        if result.havedata != 0, let data = result.data, let lengths = result.len {
            var index = 0
            while let item = data[index] {
                let length = Int(lengths[index])
                records.append(item.withMemoryRebound(to: UInt8.self, capacity: length) {
                    Array(UnsafeBufferPointer(start: $0, count: length))
                })
                index += 1
            }
        }
        let status: DNSSECStatus
        if result.secure != 0 {
            status = .secure
        } else if result.bogus != 0 {
            status = .bogus(reason: result.why_bogus.map { String(cString: $0) } ?? "validation failed")
        } else {
            status = .insecure
        }
        return DNSAnswer(name: name, records: records, status: status, nameDoesNotExist: result.nxdomain != 0,
                         responseCode: Int(result.rcode), canonicalName: result.canonname.map { String(cString: $0) })
    }

    // MARK: Typed lookups

    public func mx(_ domain: String) async throws(DNSError) -> DNSAnswer<MXRecord> {
        try await query(domain, type: .mx).map(RDataParser.mx)
    }

    public func srv(_ name: String) async throws(DNSError) -> DNSAnswer<SRVRecord> {
        try await query(name, type: .srv).map(RDataParser.srv)
    }

    public func txt(_ name: String) async throws(DNSError) -> DNSAnswer<String> {
        try await query(name, type: .txt).map(RDataParser.txt)
    }

    public func tlsa(_ name: String) async throws(DNSError) -> DNSAnswer<TLSARecord> {
        try await query(name, type: .tlsa).map(RDataParser.tlsa)
    }

    /// IPv4 then IPv6 addresses, with the weaker of the two statuses.
    public func addresses(_ host: String) async throws(DNSError) -> DNSAnswer<String> {
        let v4 = try await query(host, type: .a).map(RDataParser.a)
        let v6 = try await query(host, type: .aaaa).map(RDataParser.aaaa)
        var combined = v4
        combined.records += v6.records
        combined.nameDoesNotExist = v4.nameDoesNotExist && v6.nameDoesNotExist
        if case .bogus = v6.status { combined.status = v6.status }
        if v4.status == .secure && v6.status == .insecure { combined.status = .insecure }
        return combined
    }
}

/// The one thread that delivers a resolver's answers: it waits on `ub_fd`, calls `ub_process` (which runs the
/// callbacks), and cancels queries past their deadline. Cancels and callbacks happen on this thread only, so a
/// cancelled query's callback can never run as well. It sleeps while nothing is pending.
final class DNSPump: @unchecked Sendable {
    private let context: OpaquePointer
    private let lock = NSCondition()
    private var pending: [ObjectIdentifier: PendingQuery] = [:]
    private var running = false
    private var stopping = false
    private var finished = false

    init(context: OpaquePointer) {
        self.context = context
    }

    func submit(name: String, type: Int32, deadline: ContinuousClock.Instant, timeout: Double,
                continuation: CheckedContinuation<Result<DNSAnswer<[UInt8]>, DNSError>, Never>) {
        let query = PendingQuery(name: name, deadline: deadline, timeout: timeout, continuation: continuation)
        lock.lock()
        defer { lock.unlock() }
        guard !stopping else {
            query.finish(.failure(.resolution("resolver shut down")))
            return
        }
        let token = Unmanaged.passRetained(query).toOpaque()
        var identifier: Int32 = 0
        let code = ub_resolve_async(context, name, type, 1, token, dnsCallback, &identifier)
        guard code == 0 else {
            Unmanaged<PendingQuery>.fromOpaque(token).release()
            query.finish(.failure(.resolution(String(cString: ub_strerror(code)))))
            return
        }
        query.asyncID = identifier
        query.token = token
        pending[ObjectIdentifier(query)] = query
        if !running {
            running = true
            let thread = Thread { [self] in loop() }
            thread.name = "mailtls.dns"
            thread.start()
        }
        lock.signal()
    }

    private func loop() {
        let descriptor = ub_fd(context)
        while true {
            lock.lock()
            while pending.isEmpty && !stopping { lock.wait() }
            if stopping {
                for query in pending.values { cancel(query, with: .resolution("resolver shut down")) }
                pending = [:]
                finished = true
                lock.broadcast()
                lock.unlock()
                return
            }
            let now = ContinuousClock.now
            for (key, query) in pending where query.isFinished || query.deadline <= now {
                if !query.isFinished { cancel(query, with: .timeout(seconds: query.timeout)) }
                pending[key] = nil
            }
            let nextDeadline = pending.values.map(\.deadline).min()
            lock.unlock()
            guard let nextDeadline else { continue }
            let left = ContinuousClock.now.duration(to: nextDeadline).components
            let wait = max(0, min(100, Int(left.seconds) * 1000 + Int(left.attoseconds / 1_000_000_000_000_000) + 1))
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, Int32(wait)) > 0 {
                lock.lock()
                _ = ub_process(context)
                lock.unlock()
            }
        }
    }

    /// On the pump thread, with the lock held: libunbound forgets the query and its callback will not run.
    private func cancel(_ query: PendingQuery, with error: DNSError) {
        if let token = query.token {
            if ub_cancel(context, query.asyncID) == 0 { Unmanaged<PendingQuery>.fromOpaque(token).release() }
            query.token = nil
        }
        query.finish(.failure(error))
    }

    /// Ends the thread after answering what is pending; waits for it.
    func shutDown() {
        lock.lock()
        stopping = true
        lock.broadcast()
        while running && !finished { lock.wait() }
        lock.unlock()
    }

    var pendingCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return pending.values.filter { !$0.isFinished }.count
    }
}

/// One query in flight: resumed exactly once, by its callback, its deadline or the shutdown.
final class PendingQuery: @unchecked Sendable {
    let name: String
    let deadline: ContinuousClock.Instant
    let timeout: Double
    var asyncID: Int32 = 0
    var token: UnsafeMutableRawPointer?
    private var continuation: CheckedContinuation<Result<DNSAnswer<[UInt8]>, DNSError>, Never>?
    private let lock = NSLock()

    init(name: String, deadline: ContinuousClock.Instant, timeout: Double,
         continuation: CheckedContinuation<Result<DNSAnswer<[UInt8]>, DNSError>, Never>) {
        self.name = name
        self.deadline = deadline
        self.timeout = timeout
        self.continuation = continuation
    }

    var isFinished: Bool {
        lock.lock()
        defer { lock.unlock() }
        return continuation == nil
    }

    func finish(_ result: Result<DNSAnswer<[UInt8]>, DNSError>) {
        lock.lock()
        let waiting = continuation
        continuation = nil
        lock.unlock()
        waiting?.resume(returning: result)
    }
}

/// libunbound's callback, on the pump thread inside `ub_process`: the answer, then the query's retained reference
/// released.
private let dnsCallback: ub_callback_type = { data, error, result in
    guard let data else {
        if let result { ub_resolve_free(result) }
        return
    }
    let query = Unmanaged<PendingQuery>.fromOpaque(data).takeRetainedValue()
    query.token = nil
    guard error == 0, let result else {
        query.finish(.failure(.resolution(String(cString: ub_strerror(error)))))
        return
    }
    defer { ub_resolve_free(result) }
    query.finish(.success(DNSResolver.answer(from: result.pointee, name: query.name)))
}
