import Foundation
import MailTLSDNS
import TestSupport

/// The small internet on loopback (Tests/Lab/internet.sh): unbound serving signed, tampered and unsigned test zones
/// on 127.0.0.61, nginx serving MTA-STS policies and autoconfig files on 127.0.0.62, beside the lab's mail servers.
struct Internet: Sendable {
    let environment: [String: String]
    let lab: Lab

    static let shared: Result<Internet, LabError> = {
        let lab: Lab
        do { lab = try Lab.get() } catch { return .failure(error as? LabError ?? LabError(message: "\(error)")) }
        return Lab.up(script: "internet.sh", timeout: 120, directoryVariable: "INTERNET_DIR",
                      defaultDirectory: "/tmp/mailtls-internet", environmentFile: "internet.env")
            .map { Internet(environment: $0, lab: lab) }
    }()

    static func get() throws -> Internet { try shared.get() }

    subscript(key: String) -> String { environment[key] ?? "" }

    var resolverAddress: String { self["INTERNET_RESOLVER"] }
    var anchors: String { self["INTERNET_ANCHORS"] }
    var caFile: String { self["INTERNET_CA"] }

    var resolver: DNSResolver.Configuration {
        DNSResolver.Configuration(resolver: resolverAddress, trustAnchorFile: anchors, timeout: 5,
                                  useSystemRootKey: false)
    }

    /// The options every command that looks things up takes to use this internet.
    var options: [String] {
        ["--resolver", resolverAddress, "--trust-anchor", anchors, "--ca-file", caFile]
    }
}
