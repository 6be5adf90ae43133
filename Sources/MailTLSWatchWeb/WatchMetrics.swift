import Foundation
import MailTLSCheck
import MailTLSCore
import MailTLSWatch
import Prometheus

/// `/metrics` in the Prometheus text format, named after blackbox_exporter's and ssl_exporter's conventions, from
/// the store's latest snapshot of every port. Labels are bounded: target, address, port and protocol (plus the TLS
/// version, condition and severity on the series that are about them), never a fingerprint or a date.
public enum WatchMetrics {
    public static func exposition(_ memories: [PortMemory], targets: Int) -> [UInt8] {
        let registry = PrometheusCollectorRegistry()
        func labels(_ key: PortKey, _ snapshot: PortSnapshot) -> [(String, String)] {
            [("target", key.target), ("address", key.address), ("port", String(key.port)),
             ("protocol", snapshot.mailProtocol.rawValue)]
        }
        registry.makeGauge(name: "mailtls_watch_targets", help: "Targets in the configuration.").set(Double(targets))
        for memory in memories {
            let snapshot = memory.snapshot
            let base = labels(snapshot.key, snapshot)
            registry.makeGauge(name: "mailtls_probe_success", labels: base,
                               help: "Whether the port answered the last probe (1) or not (0).")
                .set(Double(snapshot.state == .open ? 1 : 0))
            registry.makeGauge(name: "mailtls_probe_timestamp_seconds", labels: base,
                               help: "When the port was last probed, in seconds since 1970.")
                .set(Double(snapshot.checkedAt.timeIntervalSince1970))
            if snapshot.state == .open {
                registry.makeGauge(name: "mailtls_tls_encrypted", labels: base,
                                   help: "Whether the port spoke TLS (implicit or after STARTTLS) on the last probe.")
                    .set(Double(snapshot.versions.isEmpty ? 0 : 1))
                if ![ObservedSecurity.implicitTLS, .unknown].contains(snapshot.security) {
                    registry.makeGauge(name: "mailtls_starttls_offered", labels: base,
                                       help: "Whether a STARTTLS port offered STARTTLS on the last probe.")
                        .set(Double(snapshot.security == .plaintext ? 0 : 1))
                }
                for version in snapshot.versions {
                    registry.makeGauge(name: "mailtls_tls_version_info", labels: base + [("version", version.rawValue)],
                                       help: "The TLS versions the port accepted on the last probe (1 each).")
                        .set(Double(1))
                }
            }
            if let certificate = snapshot.certificate {
                registry.makeGauge(name: "mailtls_cert_not_after_timestamp_seconds", labels: base,
                                   help: "The served certificate's notAfter, even when it is expired or not verified.")
                    .set(Double(certificate.notAfter.timeIntervalSince1970))
                registry.makeGauge(name: "mailtls_cert_not_before_timestamp_seconds", labels: base,
                                   help: "The served certificate's notBefore, even when it is not verified.")
                    .set(Double(certificate.notBefore.timeIntervalSince1970))
                registry.makeGauge(name: "mailtls_cert_verified", labels: base,
                                   help: "Whether the certificate chains to a trusted root and carries the name checked.")
                    .set(Double(certificate.verified ? 1 : 0))
            }
            if let dane = snapshot.dane, dane != "no-records" {
                registry.makeGauge(name: "mailtls_dane_valid", labels: base,
                                   help: "A domain's MX address with TLSA records: whether a usable record matched (1) or not (0).")
                    .set(Double(dane == "valid" ? 1 : 0))
            }
            if let mode = snapshot.sts?.mode {
                registry.makeGauge(name: "mailtls_mta_sts_mode_info", labels: [("target", snapshot.key.target), ("mode", mode)],
                                   help: "A domain's published MTA-STS policy mode (1 for the mode in force).")
                    .set(Double(1))
            }
            for state in memory.alertStates where state.phase == .firing {
                registry.makeGauge(name: "mailtls_alert_firing",
                                   labels: base + [("condition", state.condition.id),
                                                   ("severity", state.condition.severity.rawValue)],
                                   help: "A condition alerting on the port (1 while it fires).")
                    .set(Double(1))
            }
        }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
