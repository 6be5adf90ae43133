/// Which cipher suites a server accepts for one TLS version, learned by offer-all-and-remove: offer every candidate
/// (in bundles of at most 128), take out the one the server chose, offer the rest again, until the server refuses.
/// One handshake per accepted suite plus one per bundle, where one connection per suite would take hundreds. A pure
/// state machine: `nextOffer()` says what to send, `receive(_:)` takes what the server answered.
public struct SuiteScan: Sendable {
    /// What the server answered one ClientHello with.
    public enum Answer: Sendable, Equatable {
        /// A ServerHello (or HelloRetryRequest) choosing this suite at this version.
        case chose(suite: UInt16, version: UInt16)
        /// An alert, a close, or a ServerHello for another version: none of the offered suites at this version.
        case refused
    }

    public enum Outcome: Sendable, Equatable {
        case scanning
        case finished
        /// The server chose a suite it was not offered: its answers cannot be trusted, the scan stops.
        case unofferedSuite(UInt16)
    }

    public let version: TLSVersion
    /// Suites the server chose, in the order it chose them (its preference among what was left, when it orders).
    public private(set) var accepted: [UInt16] = []
    public private(set) var outcome: Outcome = .scanning
    /// ClientHellos sent so far.
    public private(set) var offers = 0
    /// The candidates not yet offered or still in play, bundle by bundle.
    private var bundles: [[UInt16]]
    /// How many times a refused bundle may still be split in half (intolerance of long lists, after a success).
    private var splitsLeft = 1
    private var current: [UInt16]?

    public init(version: TLSVersion, candidates: [UInt16], bundleSize: Int = ClientHelloBuilder.maximumSuites) {
        self.version = version
        let size = max(1, min(bundleSize, ClientHelloBuilder.maximumSuites))
        var unique: [UInt16] = []
        var seen = Set<UInt16>()
        for suite in candidates where seen.insert(suite).inserted { unique.append(suite) }
        bundles = stride(from: 0, to: unique.count, by: size).map { Array(unique[$0..<min($0 + size, unique.count)]) }
        if bundles.isEmpty { outcome = .finished }
    }

    /// The suites to offer next, or nil when the scan is over.
    public mutating func nextOffer() -> [UInt16]? {
        guard outcome == .scanning, let bundle = bundles.first else {
            if outcome == .scanning { outcome = .finished }
            return nil
        }
        current = bundle
        offers += 1
        return bundle
    }

    public mutating func receive(_ answer: Answer) {
        guard outcome == .scanning, let offered = current, !bundles.isEmpty else { return }
        current = nil
        switch answer {
        case .chose(let suite, let version) where version == self.version.wireValue
            || (self.version == .tls13 && version == 0x0304):
            guard let index = offered.firstIndex(of: suite) else {
                outcome = .unofferedSuite(suite)
                return
            }
            accepted.append(suite)
            var rest = offered
            rest.remove(at: index)
            if rest.isEmpty { bundles.removeFirst() } else { bundles[0] = rest }
        case .chose, .refused:
            bundles.removeFirst()
            // A server that accepted suites at this version and then refuses a long list may be refusing the list,
            // not the suites: offer it again in two halves before concluding.
            if !accepted.isEmpty, offered.count > 8, splitsLeft > 0 {
                splitsLeft -= 1
                let half = offered.count / 2
                bundles.insert(contentsOf: [Array(offered[..<half]), Array(offered[half...])], at: 0)
            }
        }
        if bundles.isEmpty { outcome = .finished }
    }
}
