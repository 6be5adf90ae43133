import Foundation
import MailTLSCheck
import MailTLSCore
import MailTLSWatch

/// `/metrics` in the Prometheus text format (0.0.4), named after blackbox_exporter's and ssl_exporter's conventions,
/// from the store's latest snapshot of every port. Labels are bounded: target, address, port and protocol (plus the
/// TLS version, condition and severity on the series that are about them), never a fingerprint or a date.
///
/// Written here rather than through swift-prometheus's registry: the registry copies a metric family on every new
/// label set, so building it for every scrape took 27 s for 10,000 targets (benchmarks/RESULTS-watch.md).
public enum WatchMetrics {
    public static func exposition(_ memories: [PortMemory], targets: Int) -> [UInt8] {
        var families = Families()
        families.add("mailtls_watch_targets", help: "Targets in the configuration.", labels: [], value: Double(targets))
        for memory in memories {
            let snapshot = memory.snapshot
            let key = snapshot.key
            let base = [("target", key.target), ("address", key.address), ("port", String(key.port)),
                        ("protocol", snapshot.mailProtocol.rawValue)]
            families.add("mailtls_probe_success", help: "Whether the port answered the last probe (1) or not (0).",
                         labels: base, value: snapshot.state == .open ? 1 : 0)
            families.add("mailtls_probe_timestamp_seconds", help: "When the port was last probed, in seconds since 1970.",
                         labels: base, value: snapshot.checkedAt.timeIntervalSince1970)
            if snapshot.state == .open {
                families.add("mailtls_tls_encrypted",
                             help: "Whether the port spoke TLS (implicit or after STARTTLS) on the last probe.",
                             labels: base, value: snapshot.versions.isEmpty ? 0 : 1)
                if ![ObservedSecurity.implicitTLS, .unknown].contains(snapshot.security) {
                    families.add("mailtls_starttls_offered", help: "Whether a STARTTLS port offered STARTTLS on the last probe.",
                                 labels: base, value: snapshot.security == .plaintext ? 0 : 1)
                }
                for version in snapshot.versions {
                    families.add("mailtls_tls_version_info", help: "The TLS versions the port accepted on the last probe (1 each).",
                                 labels: base + [("version", version.rawValue)], value: 1)
                }
            }
            if let certificate = snapshot.certificate {
                families.add("mailtls_cert_not_after_timestamp_seconds",
                             help: "The served certificate's notAfter, even when it is expired or not verified.",
                             labels: base, value: certificate.notAfter.timeIntervalSince1970)
                families.add("mailtls_cert_not_before_timestamp_seconds",
                             help: "The served certificate's notBefore, even when it is not verified.",
                             labels: base, value: certificate.notBefore.timeIntervalSince1970)
                families.add("mailtls_cert_verified",
                             help: "Whether the certificate chains to a trusted root and carries the name checked.",
                             labels: base, value: certificate.verified ? 1 : 0)
            }
            if let dane = snapshot.dane, dane != "no-records" {
                families.add("mailtls_dane_valid",
                             help: "A domain's MX address with TLSA records: whether a usable record matched (1) or not (0).",
                             labels: base, value: dane == "valid" ? 1 : 0)
            }
            if let mode = snapshot.sts?.mode {
                families.add("mailtls_mta_sts_mode_info", help: "A domain's published MTA-STS policy mode (1 for the mode in force).",
                             labels: [("target", key.target), ("mode", mode)], value: 1)
            }
            for state in memory.alertStates where state.phase == .firing {
                families.add("mailtls_alert_firing", help: "A condition alerting on the port (1 while it fires).",
                             labels: base + [("condition", state.condition.id), ("severity", state.condition.severity.rawValue)],
                             value: 1)
            }
        }
        return families.text()
    }

    /// Gauges by family, in the order first seen, each family's samples together as the format asks.
    struct Families {
        var order: [String] = []
        var help: [String: String] = [:]
        var samples: [String: [String]] = [:]

        mutating func add(_ name: String, help text: String, labels: [(String, String)], value: Double) {
            if help[name] == nil {
                order.append(name)
                help[name] = text
            }
            let labelText = labels.isEmpty ? "" : "{" + labels.map { "\($0.0)=\"\(WatchMetrics.escaped($0.1))\"" }
                .joined(separator: ",") + "}"
            samples[name, default: []].append("\(name)\(labelText) \(WatchMetrics.number(value))")
        }

        func text() -> [UInt8] {
            var out = ""
            for name in order {
                out += "# HELP \(name) \(help[name] ?? "")\n# TYPE \(name) gauge\n"
                for sample in samples[name] ?? [] { out += sample + "\n" }
            }
            return Array(out.utf8)
        }
    }

    /// A label value as the text format writes it: backslash, double quote and line feed escaped.
    static func escaped(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    /// Whole numbers without a fraction, the rest as Swift prints a Double (both read by Prometheus).
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
