import CUnbound
import Dispatch
import Foundation

/// Problems with the resolver itself (not with an answer).
public enum DNSError: Error, Equatable, Sendable {
    case configuration(String)
    case unreadableTrustAnchor(path: String)
    case badResolverAddress(String)
    case resolution(String)
    case timeout(seconds: Double)
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
    private let queue = DispatchQueue(label: "mailtls.dns", attributes: .concurrent)

    public init(_ configuration: Configuration = Configuration()) throws(DNSError) {
        self.configuration = configuration
        guard let context = ub_ctx_create() else { throw .configuration("ub_ctx_create failed") }
        self.context = context
        func check(_ code: Int32, _ what: String) throws(DNSError) {
            guard code == 0 else {
                throw .configuration("\(what): \(String(cString: ub_strerror(code)))")
            }
        }
        do {
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

    deinit {
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

    /// One query; the raw record data and its validation status.
    public func query(_ name: String, type: DNSRecordType) async throws(DNSError) -> DNSAnswer<[UInt8]> {
        let timeout = configuration.timeout
        let result: Result<DNSAnswer<[UInt8]>, DNSError> = await withCheckedContinuation { continuation in
            let once = ResumeOnce(continuation)
            // The closure holds the resolver, so its context outlives a query that finishes after the timeout.
            queue.async { [self] in
                var raw: UnsafeMutablePointer<ub_result>?
                let code = ub_resolve(context, name, type.rawValue, 1, &raw)
                guard code == 0, let result = raw else {
                    once.resume(.failure(.resolution(String(cString: ub_strerror(code)))))
                    return
                }
                defer { ub_resolve_free(result) }
                once.resume(.success(DNSResolver.answer(from: result.pointee, name: name)))
            }
            queue.asyncAfter(deadline: .now() + timeout) { once.resume(.failure(.timeout(seconds: timeout))) }
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

/// Resumes a continuation once: the answer or the timeout, whichever comes first.
final class ResumeOnce<Value: Sendable>: @unchecked Sendable {
    private var continuation: CheckedContinuation<Value, Never>?
    private let lock = NSLock()

    init(_ continuation: CheckedContinuation<Value, Never>) {
        self.continuation = continuation
    }

    func resume(_ value: Value) {
        lock.lock()
        let pending = continuation
        continuation = nil
        lock.unlock()
        pending?.resume(returning: value)
    }
}
