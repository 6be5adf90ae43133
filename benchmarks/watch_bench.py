#!/usr/bin/env python3
"""Measures `mailtls watch` on a simulated fleet (issue #14), on loopback only:

1. Port checks per second: `mailtls watch --once` over --hosts hosts of the fleet server (benchmarks/watch/
   fleet_server.py: implicit-TLS SMTP on 127.0.1.1 upwards, one address per host, every 20th certificate expired,
   every 20th + 1 self-signed), one port each, --concurrency targets at once. Each port check is the check's whole
   probe: TLS handshake, EHLO, the AUTH probe cancelled before any credential, and the version scan (one more
   handshake per TLS version). Wall time of the run, checks per second, and mailtls's peak resident set.
2. Dashboard and metrics for --dashboard-targets targets: the latest rows of run 1 (real rows mailtls wrote)
   copied under new target names into a fresh SQLite file, a `mailtls watch` serving it (probes far in the future),
   and the median of --requests timed GETs of `/` (every target in one table, worst first, and the expiry timeline)
   and `/metrics`, after a first GET of each that is shown on its own (it decodes every row; later ones decode only
   the rows whose probe time changed).
3. Database size per target-month: run 1's history rows copied to 30 daily samples per port (what 30 days without
   a change write: one row a day) plus the latest row, VACUUMed; the file's size divided by the targets.

blackbox_exporter's published figure for plain probes, about 1,000 per core per second, is printed beside (it
measures a TCP or HTTP probe, not a mail dialogue with a version scan).

Usage: watch_bench.py --mailtls PATH [--hosts 1000] [--concurrency 64] [--dashboard-targets 10000]
       [--requests 5] [--markdown-out FILE] [--keep DIR]
"""
import argparse
import json
import os
import resource
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

here = os.path.dirname(os.path.abspath(__file__))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mailtls", required=True)
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--dashboard-targets", type=int, default=10000)
    parser.add_argument("--requests", type=int, default=5)
    parser.add_argument("--markdown-out")
    parser.add_argument("--keep")
    options = parser.parse_args()
    work = options.keep or tempfile.mkdtemp(prefix="mailtls-watch-bench-")
    os.makedirs(work, exist_ok=True)
    results = {}
    fleet = subprocess.Popen([sys.executable, os.path.join(here, "watch", "fleet_server.py"), work, str(options.hosts)],
                             stdout=subprocess.PIPE, text=True)
    try:
        if fleet.stdout.readline().strip() != "ready":
            sys.exit("watch_bench: the fleet server did not start")
        results.update(port_checks(options, work))
    finally:
        fleet.send_signal(signal.SIGTERM)
        fleet.wait(timeout=30)
    results.update(dashboard(options, work))
    results.update(database_size(work, options.hosts))
    report(options, results)
    if not options.keep:
        shutil.rmtree(work, ignore_errors=True)


def write_config(path, database, targets, interval, concurrency, http, ca):
    lines = [f"database: {database}", "defaults:", f"  ca_file: {ca}", f"  interval: {interval}",
             f"  concurrent_targets: {concurrency}", "  jitter: 50%", "targets:"]
    for name, address in targets:
        lines.append(f"  - {{ host: {name}, addresses: [{address}], ports: [465] }}")
    lines.append(f"http: {{ listen: {http} }}")
    with open(path, "w") as handle:
        handle.write("\n".join(lines) + "\n")


def fleet_targets(count):
    base = (127 << 24) | (1 << 8) | 1
    for index in range(count):
        value = base + index
        address = ".".join(str((value >> shift) & 255) for shift in (24, 16, 8, 0))
        yield f"mx{index}.fleet.test", address


def port_checks(options, work):
    config = os.path.join(work, "fleet.yaml")
    write_config(config, os.path.join(work, "fleet.sqlite"), list(fleet_targets(options.hosts)), "1h",
                 options.concurrency, "off", os.path.join(work, "ca.pem"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.monotonic()
    run = subprocess.run([options.mailtls, "watch", "--once", "--config", config, "--json", "--lang", "en"],
                         capture_output=True, text=True)
    wall = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    document = json.loads(run.stdout)
    ports = [port for target in document["targets"] for port in target["ports"]]
    verdicts = [target["verdict"] for target in document["targets"]]
    answered = sum(1 for port in ports if port["state"] == "open" and port.get("certificate"))
    return {
        "checks": len(ports), "answered": answered, "wall": wall, "rate": len(ports) / wall,
        "critical": verdicts.count("critical"), "warning": verdicts.count("warning"), "ok": verdicts.count("ok"),
        "peak_rss_mib": max(peak, before) / 1024,
    }


def dashboard(options, work):
    source = sqlite3.connect(os.path.join(work, "fleet.sqlite"))
    rows = source.execute("SELECT target, address, port, checked_at, facts, was_open, best_version, last_history_at FROM latest").fetchall()
    states = source.execute("SELECT target, address, port, condition, state FROM alert_states").fetchall()
    database = os.path.join(work, "dashboard.sqlite")
    shutil.copy(os.path.join(work, "fleet.sqlite"), database)
    copy = sqlite3.connect(database)
    copy.execute("DELETE FROM latest")
    copy.execute("DELETE FROM alert_states")
    names = []
    for index in range(options.dashboard_targets):
        target, address, port, checked, facts, was_open, best, history = rows[index % len(rows)]
        name = f"host{index}.fleet.test"
        names.append((name, address))
        document = json.loads(facts)
        document["key"]["target"] = name
        copy.execute("INSERT INTO latest VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     (name, address, port, checked, json.dumps(document, sort_keys=True), was_open, best, history))
        for _, s_address, s_port, condition, state in (s for s in states if s[0] == target):
            state_document = json.loads(state)
            state_document["key"]["target"] = name
            copy.execute("INSERT INTO alert_states VALUES (?, ?, ?, ?, ?)",
                         (name, s_address, s_port, condition, json.dumps(state_document, sort_keys=True)))
    copy.commit()
    copy.close()
    config = os.path.join(work, "dashboard.yaml")
    # Probes a week apart, spread over half of it: none is due while the pages are measured.
    write_config(config, database, names, "7d", 1, "127.0.0.1:0", os.path.join(work, "ca.pem"))
    monitor = subprocess.Popen([options.mailtls, "watch", "--config", config, "--lang", "en"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        port = None
        for line in monitor.stdout:
            if "dashboard at http://127.0.0.1:" in line:
                port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
                break
        if port is None:
            sys.exit("watch_bench: the monitor did not start its dashboard")
        timings = {}
        for path in ["/", "/metrics"]:
            durations, size = [], 0
            for _ in range(options.requests + 1):
                started = time.monotonic()
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as response:
                    size = len(response.read())
                durations.append(time.monotonic() - started)
            timings[path] = (statistics.median(durations[1:]), size, durations[0])
        return {"dashboard_targets": options.dashboard_targets, "overview_ms": timings["/"][0] * 1000,
                "overview_cold_ms": timings["/"][2] * 1000, "overview_bytes": timings["/"][1],
                "metrics_ms": timings["/metrics"][0] * 1000, "metrics_cold_ms": timings["/metrics"][2] * 1000,
                "metrics_bytes": timings["/metrics"][1]}
    finally:
        monitor.send_signal(signal.SIGTERM)
        monitor.wait(timeout=30)


def database_size(work, hosts):
    path = os.path.join(work, "month.sqlite")
    shutil.copy(os.path.join(work, "fleet.sqlite"), path)
    database = sqlite3.connect(path)
    rows = database.execute("SELECT target, address, port, checked_at, facts FROM snapshots").fetchall()
    database.execute("DELETE FROM snapshots")
    for day in range(30):
        for target, address, port, checked, facts in rows:
            database.execute("INSERT INTO snapshots (target, address, port, checked_at, facts) VALUES (?, ?, ?, ?, ?)",
                             (target, address, port, checked - day * 86400, facts))
    database.commit()
    database.execute("VACUUM")
    database.close()
    size = os.path.getsize(path)
    return {"month_bytes": size, "bytes_per_target_month": size / hosts, "history_rows": len(rows) * 30}


def report(options, results):
    lines = [
        "| figure | mailtls watch | goal or peer |",
        "| --- | --- | --- |",
        f"| port checks per second (2 cores, TLS handshake, EHLO, AUTH probe, version scan) | {results['rate']:.0f} "
        f"({results['checks']} ports in {results['wall']:.1f} s, {options.concurrency} targets at once) | goal 1,000; "
        "blackbox_exporter: about 1,000 plain probes per core per second |",
        f"| verdicts | {results['ok']} OK, {results['warning']} warning, {results['critical']} critical "
        f"({results['answered']} ports answered with a certificate) | 5 % expired, 5 % self-signed by design |",
        f"| peak resident set, --once over {options.hosts} hosts | {results['peak_rss_mib']:.0f} MiB | |",
        f"| dashboard overview, {results['dashboard_targets']:,} targets (median of {options.requests}; the first "
        f"request after start, which decodes every row) | {results['overview_ms']:.0f} ms (first "
        f"{results['overview_cold_ms']:.0f} ms; {results['overview_bytes'] / 1024:.0f} KiB) | goal 200 ms |",
        f"| /metrics, {results['dashboard_targets']:,} targets | {results['metrics_ms']:.0f} ms (first "
        f"{results['metrics_cold_ms']:.0f} ms; {results['metrics_bytes'] / 1024:.0f} KiB) | |",
        f"| SQLite per target-month (one port, 30 daily rows and the latest) | "
        f"{results['bytes_per_target_month'] / 1024:.1f} KiB | |",
    ]
    text = "\n".join(lines)
    print(text)
    if options.markdown_out:
        with open(options.markdown_out, "w") as handle:
            handle.write(text + "\n")


if __name__ == "__main__":
    main()
