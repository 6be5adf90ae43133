import MailTLSDNS

/// What one run of a command shares, built once and handed to every part: the trust anchors (the system's roots and
/// `--ca-file`'s) and the resolver (one libunbound context and its event loop thread). `diagnose` hands its own to
/// the discovery it runs, instead of each part loading the roots again and starting a resolver of its own.
public struct RunContext: Sendable {
    public let anchors: TrustAnchors
    public let resolver: DNSResolver

    /// Why the context could not be built: an unreadable or empty `--ca-file`, or a resolver that will not start.
    public enum Failure: Error, Equatable, Sendable {
        case caFile(TrustAnchors.LoadError)
        case resolver(DNSError)
    }

    public init(anchors: TrustAnchors, resolver: DNSResolver) {
        self.anchors = anchors
        self.resolver = resolver
    }

    /// Loads the anchors first, so a bad `--ca-file` is reported before any resolver starts.
    public init(caFile: String?, resolver configuration: DNSResolver.Configuration) throws(Failure) {
        do {
            anchors = try TrustAnchors(caFile: caFile)
        } catch {
            throw .caFile(error)
        }
        do {
            resolver = try DNSResolver(configuration)
        } catch {
            throw .resolver(error)
        }
    }
}

/// A command's input error that can say why its run context could not be built (its `caFile` and `resolver` cases).
public protocol RunContextInputError: Error {
    static func caFile(_ error: TrustAnchors.LoadError) -> Self
    static func resolver(_ error: DNSError) -> Self
}

extension RunContext.Failure {
    /// The same failure in a command's own input error.
    public func reported<InputError: RunContextInputError>(as _: InputError.Type) -> InputError {
        switch self {
        case .caFile(let error): .caFile(error)
        case .resolver(let error): .resolver(error)
        }
    }
}
