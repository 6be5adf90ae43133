#!/usr/bin/env python3
"""Measures `mailtls check --deep` beside testssl.sh (--cipher-per-proto) and sslyze (one scan per TLS version).

All three learn which cipher suites each TLS version of a mail port accepts. For each port and tool:
  * wall time: the median of --runs timed runs (each bounded by --timeout; a timeout is reported, not fatal);
  * SYNs: the TCP connections the tool opened to HOST:PORT, as client SYNs (SYN set, ACK clear) that a tcpdump on
    lo captured while the tool ran, with the filter
        tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn and dst host HOST and dst port PORT
    (median of the timed runs). The lab is shared, so another client's connections can land in the capture;
  * connect() and peak open: one more run, untimed, under strace -f: the tool's own connect() calls to HOST:PORT
    (a cross-check of the SYNs that no other client can disturb) and the most of those sockets open at once;
  * the suites accepted per TLS version, as IANA names, and whether testssl.sh's and sslyze's sets agree with
    mailtls's (the differences are listed).
mailtls check also runs its normal probe of the port and its per-version handshake scan before --deep; it is run
without --deep as well, so the cost of --deep alone is the difference ("deep only" rows, with mailtls's own count
of its deep handshakes, ports[].deep.handshakes, and the peak of the connections after the base probe's).
The mailtls binary is copied first, so a rebuild of the tree during the benchmark cannot change it between runs.

--full (benchmarks/run --deep) is the issue's side-by-side instead: ONE `mailtls check HOST --ports <the seven>
--deep --json` (and the same without --deep) beside sslyze's FULL default scan (one invocation of the seven targets,
--starttls auto, no scan-command flag: certificate info, SSL 2.0 to TLS 1.3 suites, compression, renegotiation,
Heartbleed, ROBOT, OpenSSL CCS, fallback SCSV, elliptic curves, extended master secret; with
--sslyze-every-command also every scan-command flag, resumption, early data and HTTP headers included) and
testssl.sh's default run (no section flag; one invocation per port, one after another), on the lab's good server
(127.0.0.1). The same figures over all the ports together and per port (SYNs to HOST on any of them; connect() and
the most open at once, also per port), the ratios to mailtls check --deep, the issue's bar (at least 5x faster than
sslyze's full scan, at least 5x fewer connections), and the accepted suites per port and version against sslyze's
(a suite sslyze left out is marked with what sslyze's report says about it) and testssl.sh's versions and suites.
It also notes a port whose listening socket changed during a run (the shared lab restarted) and the tools' stderr
lines about refused connections. --markdown-out FILE writes it all as a RESULTS-*.md page.

Root (tcpdump on lo, strace). Python 3 standard library only. Only loopback addresses are contacted.
Usage: deep_bench.py --mailtls PATH --host 127.0.0.17 --servername NAME --ca-file CA [--runs N] [--ports 465,587,993]
                     [--skip-testssl] [--skip-sslyze] [--timeout SECONDS] [--no-trace] [--json-out FILE] [--keep DIR]
       deep_bench.py --full --mailtls PATH --ca-file CA [--host 127.0.0.1] [--runs N] [--testssl-runs N]
                     [--skip-testssl] [--skip-sslyze] [--sslyze-every-command] [--mailtls-default-ports]
                     [--no-trace] [--no-trace-testssl] [--json-out FILE] [--markdown-out FILE] [--keep DIR]
"""
import argparse
import datetime
import hashlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

# Port -> STARTTLS protocol (None: implicit TLS), as in benchmarks/bench.py.
PORTS = {25: "smtp", 465: None, 587: "smtp", 143: "imap", 993: None, 110: "pop3", 995: None}
VERSIONS = ["SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
SHOWN_VERSIONS = ["TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"]


def normalize_version(text):
    """'TLSv1.2', 'TLS 1.2', 'tls1_2', 'tls_1_2', 'TLSv1' ... -> 'TLSv1.2' / 'TLSv1.0' / 'SSLv3'."""
    t = text.lower().replace(" ", "").replace("_", ".").replace("v", "")
    t = t.replace("tls.", "tls").replace("ssl.", "ssl")
    table = {"ssl2": "SSLv2", "ssl2.0": "SSLv2", "ssl3": "SSLv3", "ssl3.0": "SSLv3",
             "tls1": "TLSv1.0", "tls1.0": "TLSv1.0", "tls1.1": "TLSv1.1", "tls1.2": "TLSv1.2", "tls1.3": "TLSv1.3"}
    return table.get(t, text)


def openssl_hex_to_iana():
    """{0xC030: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', ...} from the local OpenSSL, for names testssl leaves out."""
    mapping = {}
    try:
        output = subprocess.run(["openssl", "ciphers", "-V", "-stdname", "ALL:COMPLEMENTOFALL:@SECLEVEL=0"],
                                capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return mapping
    for line in output.splitlines():
        match = re.match(r"\s*0x([0-9A-Fa-f]{2}),0x([0-9A-Fa-f]{2})\s+-\s+(\S+)", line)
        if match:
            mapping[int(match.group(1) + match.group(2), 16)] = match.group(3)
    return mapping


HEX_TO_IANA = openssl_hex_to_iana()


# ---------------------------------------------------------------------------------------------------------------------
# Packet capture and connection tracing

class Capture:
    """A tcpdump on lo for one tool run, counting the client SYNs to HOST:PORT."""

    def __init__(self, workdir, host, port, label):
        """port: one port, or a list of ports (the full scan's seven), any of which counts."""
        self.path = os.path.join(workdir, f"{label}.pcap")
        ports = [port] if isinstance(port, int) else list(port)
        if len(ports) == 1:
            port_filter = f"dst port {ports[0]}"
        else:
            port_filter = "(" + " or ".join(f"dst port {p}" for p in ports) + ")"
        self.expression = f"tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn and dst host {host} and {port_filter}"
        self.process = None
        self.dropped = 0

    def __enter__(self):
        # --immediate-mode: without it libpcap (TPACKET_V3) hands packets over a block at a time, and the block
        # still open when tcpdump is stopped is lost: a run shorter than the ~1 s block timeout showed 0 SYNs.
        # -B: a 32 MB ring, so a busy CPU (a build beside the benchmark) does not make the kernel drop SYNs.
        self.process = subprocess.Popen(["tcpdump", "-i", "lo", "-n", "--immediate-mode", "-U", "-B", "32768",
                                         "-w", self.path, self.expression],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # tcpdump says "listening on lo" once the capture and its filter are in place; then the 0.3 s grace.
        line = self.process.stderr.readline()
        if b"listening on" not in line:
            raise RuntimeError(f"tcpdump did not start: {line.decode(errors='replace').strip()}")
        time.sleep(0.3)
        return self

    def __exit__(self, *exc):
        time.sleep(0.3)  # the last SYNs of a tool that has just exited are on the wire already; let tcpdump write
        self.process.send_signal(signal.SIGINT)
        try:
            _, stderr = self.process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, stderr = self.process.communicate()
        match = re.search(rb"(\d+) packets? dropped by kernel", stderr or b"")
        self.dropped = int(match.group(1)) if match else 0
        return False

    def connections(self):
        return sum(self.connections_by_port().values())

    def connections_by_port(self):
        """{port: SYNs}, from lines such as '... IP 127.0.0.1.54012 > 127.0.0.1.25: Flags [S], ...'."""
        output = subprocess.run(["tcpdump", "-r", self.path, "-n"], capture_output=True, text=True).stdout
        counts = {}
        for line in output.splitlines():
            if not line.strip():
                continue
            match = re.search(r" > [0-9.]+\.(\d+): ", line)
            port = int(match.group(1)) if match else 0  # 0: a line this parser does not know; still one SYN
            counts[port] = counts.get(port, 0) + 1
        return counts


# strace: connect() to HOST:PORT, and what the tool does with those sockets' descriptors, in every thread and child.
STRACE = ["strace", "-f", "-q", "--seccomp-bpf", "-e", "trace=connect,close,dup2,dup3,fcntl,clone,clone3",
          "-e", "signal=none"]


def trace_connections(path, host, port, skip=0):
    """Reads an strace -f log: the connect() calls to HOST:PORT and the most of those sockets open at once in the
    tool (from connect() until the last descriptor for it is closed, dup2/F_DUPFD copies followed, threads sharing
    a descriptor table, children with their own). skip: the first `skip` connections (mailtls's base probe) are left
    out of peak_after_skip. Unlike the SYNs on lo, this sees only the tool's own connections.
    port: one port or several (then by_port and peak_by_port split the figures per port; peak is over all)."""
    ports = {port} if isinstance(port, int) else set(port)
    table_of, pending_clone = {}, {}
    aliases, refs = {}, {}
    open_all, open_after = set(), set()
    port_of, open_by_port = {}, {}
    counts = {"connects": 0, "peak": 0, "peak_after_skip": 0, "by_port": {}, "peak_by_port": {}}

    def table(tid):
        return table_of.setdefault(tid, ("own", tid))

    def drop(key):
        conn = aliases.pop(key, None)
        if conn is not None:
            refs[conn] -= 1
            if refs[conn] == 0:
                open_all.discard(conn)
                open_after.discard(conn)
                open_by_port.get(port_of[conn], set()).discard(conn)

    def alias(key, conn):
        drop(key)
        aliases[key] = conn
        refs[conn] += 1

    def cloned(parent, child, shares_files):
        table_of[child] = table(parent) if shares_files else ("own", child)

    connect_re = re.compile(r'connect\((\d+), \{sa_family=AF_INET, sin_port=htons\((\d+)\), '
                            r'sin_addr=inet_addr\("([^"]+)"\)')
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            match = re.match(r"(\d+)\s+(.*)", line)
            if not match:
                continue
            tid, rest = int(match.group(1)), match.group(2)
            fds = table(tid)
            if rest.startswith("+++"):  # a thread or process is gone; its descriptors with the last user of them
                del table_of[tid]
                if fds not in table_of.values():
                    for key in [key for key in aliases if key[0] == fds]:
                        drop(key)
                continue
            match = re.match(r"(clone3?)\(", rest)
            if match:
                if "<unfinished" in rest:
                    pending_clone[tid] = "CLONE_FILES" in rest
                else:
                    result = re.search(r"=\s+(\d+)\s*$", rest)
                    if result:
                        cloned(tid, int(result.group(1)), "CLONE_FILES" in rest)
                continue
            match = re.match(r"<\.\.\. clone3? resumed>.*=\s+(\d+)\s*$", rest)
            if match:
                cloned(tid, int(match.group(1)), pending_clone.pop(tid, False))
                continue
            match = connect_re.match(rest)
            if match:
                fd, to_port, to_host = int(match.group(1)), int(match.group(2)), match.group(3)
                if to_port in ports and to_host == host:
                    counts["connects"] += 1
                    conn = counts["connects"]
                    refs[conn] = 0
                    port_of[conn] = to_port
                    alias((fds, fd), conn)
                    open_all.add(conn)
                    counts["peak"] = max(counts["peak"], len(open_all))
                    counts["by_port"][to_port] = counts["by_port"].get(to_port, 0) + 1
                    on_port = open_by_port.setdefault(to_port, set())
                    on_port.add(conn)
                    counts["peak_by_port"][to_port] = max(counts["peak_by_port"].get(to_port, 0), len(on_port))
                    if conn > skip:
                        open_after.add(conn)
                        counts["peak_after_skip"] = max(counts["peak_after_skip"], len(open_after))
                continue
            match = re.match(r"close\((\d+)", rest)
            if match:
                drop((fds, int(match.group(1))))
                continue
            match = re.match(r"dup[23]\((\d+), (\d+)", rest)
            if match and not re.search(r"=\s+-1", rest):
                old, new = int(match.group(1)), int(match.group(2))
                if old != new:
                    if (fds, old) in aliases:
                        alias((fds, new), aliases[(fds, old)])
                    else:
                        drop((fds, new))
                continue
            match = re.match(r"fcntl\((\d+), F_DUPFD(?:_CLOEXEC)?, \d+\)\s+=\s+(\d+)", rest)
            if match and (fds, int(match.group(1))) in aliases:
                alias((fds, int(match.group(2))), aliases[(fds, int(match.group(1)))])
    return counts


# ---------------------------------------------------------------------------------------------------------------------
# Tools: each returns the command and a parser of its output into {version: set(IANA names)} (+ extras)

def mailtls_command(args, port, deep, json_path):
    command = [args.mailtls, "check", args.host, "--servername", args.servername, "--ca-file", args.ca_file,
               "--ports", str(port), "--json"]
    if deep:
        command.insert(-1, "--deep")
    return command


def parse_mailtls(stdout_path, port):
    with open(stdout_path, encoding="utf-8") as handle:
        report = json.load(handle)
    entry = next((p for p in report.get("ports", []) if p.get("port") == port), None)
    if entry is None:
        raise ValueError(f"no port {port} in mailtls's report")
    deep = entry.get("deep")
    if not deep:
        return {}, {"handshakes": None, "problem": "no deep result", "state": entry.get("state")}
    suites = {normalize_version(v["version"]): {s["name"] for s in v.get("suites", [])}
              for v in deep.get("versions", [])}
    for version in deep.get("refused", []):
        suites.setdefault(normalize_version(version), set())
    # SSL 2.0 and 3.0: one hello each, a yes or no without suites; a yes cannot be compared suite by suite.
    for key, version in (("sslv2", "SSLv2"), ("sslv3", "SSLv3")):
        if key in deep and version not in suites:
            suites[version] = {"(accepted; suites not enumerated)"} if deep[key] else set()
    return suites, {"handshakes": deep.get("handshakes"), "deepMs": deep.get("durationMs"),
                    "problem": deep.get("problem")}


def testssl_command(args, port, json_path):
    starttls = PORTS.get(port)
    command = [args.testssl, "--quiet", "--color", "0", "--warnings", "off", "--openssl-timeout", "5",
               "--connect-timeout", "5", "--cipher-per-proto", "--jsonfile-pretty", json_path]
    if starttls:
        command += ["--starttls", starttls]
    # The server name as the URI (testssl.sh sends it as SNI), the lab address through --ip, no DNS at all.
    return command + ["--ip", args.host, "--nodns", "none", f"{args.servername}:{port}"]


def parse_testssl(json_path, port):
    with open(json_path, encoding="utf-8") as handle:
        report = json.load(handle)
    suites = {}
    unnamed = []
    for result in report.get("scanResult", []):
        for finding in result.get("cipherTests", []):
            match = re.match(r"cipher-(ssl\d|tls\d(?:_\d)?)_x([0-9a-fA-F]+)$", finding.get("id", ""))
            if not match:
                continue
            version = normalize_version(match.group(1))
            words = finding.get("finding", "").split()
            name = words[-1] if words and re.match(r"(TLS|SSL)_", words[-1]) else None
            if name is None:
                code = int(match.group(2), 16)
                name = HEX_TO_IANA.get(code)
                if name is None:
                    name = f"0x{code:04X}"
                    unnamed.append(name)
            suites.setdefault(version, set()).add(name)
        # testssl lists a version with no accepted suite by no finding at all; it tried them all the same.
        for version in SHOWN_VERSIONS:
            suites.setdefault(version, set())
    return suites, {"unnamed": unnamed}


def sslyze_command(args, port, json_path):
    starttls = PORTS.get(port)
    command = [args.sslyze, "--quiet", "--mozilla_config", "disable", "--json_out", json_path,
               "--sni", args.servername, "--tlsv1", "--tlsv1_1", "--tlsv1_2", "--tlsv1_3"]
    if starttls:
        command += ["--starttls", starttls]
    return command + [f"{args.host}:{port}"]


def parse_sslyze(json_path, port):
    """The accepted suites per version of PORT's server in an sslyze JSON report (one target or several).
    extras: errors (a server that could not be scanned, any scan command that did not complete), scanned (the scan
    commands that completed), tested ({version: every suite sslyze reported, accepted or rejected}; a suite in
    neither list was never tried) and rejected ({version: {suite: sslyze's error message}})."""
    with open(json_path, encoding="utf-8") as handle:
        report = json.load(handle)
    suites, errors, scanned, tested, rejected = {}, [], [], {}, {}
    servers = [s for s in report.get("server_scan_results", [])
               if (s.get("server_location") or {}).get("port") in (port, None)]
    if not servers:
        errors.append(f"no result for port {port}")
    for server in servers:
        if server.get("scan_status") != "COMPLETED":
            errors.append(f"{server.get('scan_status')}: {server.get('connectivity_error_trace') or ''}".strip())
            continue
        for key, attempt in (server.get("scan_result") or {}).items():
            if not attempt:
                continue
            status = attempt.get("status")
            if status == "COMPLETED":
                scanned.append(key)
                # http_headers on an implicit-TLS mail port: COMPLETED, with the failed GET in http_error_trace.
                http_error = ((attempt.get("result") or {}).get("http_error_trace") or "").strip().splitlines()
                if http_error:
                    errors.append(f"{key}: COMPLETED with an HTTP error ({http_error[-1].strip()})")
            elif status != "NOT_SCHEDULED":
                reason = attempt.get("error_reason") or ""
                trace = (attempt.get("error_trace") or "").strip().splitlines()
                errors.append(f"{key}: {status} {reason}" + (f" ({trace[-1].strip()})" if trace else ""))
            match = re.match(r"(ssl|tls)_(\d)_(\d)_cipher_suites$", key)
            if not match or status != "COMPLETED":
                continue
            version = normalize_version(f"{match.group(1)}{match.group(2)}.{match.group(3)}")
            result = attempt["result"]
            suites[version] = {a["cipher_suite"]["name"] for a in result["accepted_cipher_suites"]}
            rejected[version] = {a["cipher_suite"]["name"]: a.get("error_message")
                                 for a in result.get("rejected_cipher_suites", [])}
            tested[version] = suites[version] | set(rejected[version])
    return suites, {"errors": errors, "scanned": scanned, "tested": tested, "rejected": rejected}


# ---------------------------------------------------------------------------------------------------------------------
# Measurement

def run_commands(jobs, capture_args, timeout):
    """Runs [(command, stdout_path)] one after another under one SYN capture, each bounded by timeout; returns the
    seconds of all of them, each one's seconds, each one's return code (None on timeout), {port: SYNs}, and the
    packets the kernel dropped before tcpdump saw them."""
    each, returncodes = [], []
    with Capture(*capture_args) as capture:
        started = time.perf_counter()
        for command, stdout_path in jobs:
            command_started = time.perf_counter()
            with open(stdout_path, "wb") as out:
                # Its own session, so a timeout ends testssl.sh's openssl children (and strace's tracees) too.
                process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.PIPE,
                                           start_new_session=True)
                try:
                    _, stderr = process.communicate(timeout=timeout)
                    returncodes.append(process.returncode)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    _, stderr = process.communicate()
                    returncodes.append(None)
            each.append(time.perf_counter() - command_started)
            if stderr:
                with open(stdout_path + ".stderr", "wb") as handle:
                    handle.write(stderr)
        seconds = time.perf_counter() - started
    return seconds, each, returncodes, capture.connections_by_port(), capture.dropped


def run_tool(command, stdout_path, capture_args, timeout):
    """Runs one command under a SYN capture; returns seconds, return code (None on timeout), SYNs, packets the
    kernel dropped before tcpdump saw them."""
    seconds, _, returncodes, syns, dropped = run_commands([(command, stdout_path)], capture_args, timeout)
    return seconds, returncodes[0], sum(syns.values()), dropped


def measure(label, args, port, workdir, build, parse, result_path_is_stdout=False, skip=0):
    """--runs timed runs under a SYN capture, then (unless --no-trace) one untimed run under strace.
    build(json_path) -> command; parse(path, port) -> (suites, extras). skip: the base probe's connections."""
    row = {"tool": label, "port": port, "times": [], "connections": [], "returncodes": [], "suites": None,
           "suites_vary": False, "extras": None, "timeouts": 0, "error": None, "trace": None, "dropped": 0}
    tag_base = f"{re.sub(r'[^a-z0-9]+', '-', label.lower()).strip('-')}-{port}"
    for run in range(args.runs):
        tag = f"{tag_base}-{run}"
        json_path = os.path.join(workdir, tag + ".json")
        stdout_path = os.path.join(workdir, tag + ".out")
        command = build(json_path)
        row["command"] = command
        seconds, returncode, syns, dropped = run_tool(command, stdout_path, (workdir, args.host, port, tag),
                                                      args.timeout)
        row["dropped"] += dropped
        row["times"].append(seconds)
        row["connections"].append(syns)
        row["returncodes"].append(returncode)
        print(f"  port {port} {label:22} run {run + 1}/{args.runs}: {seconds:8.2f} s, {syns:4d} SYNs"
              + (f" ({dropped} packets dropped by the kernel)" if dropped else "")
              + (f" (TIMEOUT at {args.timeout:g} s)" if returncode is None else ""), file=sys.stderr, flush=True)
        if returncode is None:
            row["timeouts"] += 1
            continue
        if parse is None:
            continue
        try:
            suites, extras = parse(stdout_path if result_path_is_stdout else json_path, port)
        except (OSError, ValueError, KeyError, TypeError) as error:
            row["error"] = f"run {run + 1}: cannot read the result: {error} (rc {returncode})"
            continue
        if row["suites"] is None:
            row["suites"], row["extras"] = suites, extras
        elif suites != row["suites"]:
            row["suites_vary"] = True
    row["median"] = statistics.median(row["times"])
    row["median_connections"] = statistics.median(row["connections"])

    if args.trace:
        tag = f"{tag_base}-traced"
        trace_path = os.path.join(workdir, tag + ".strace")
        command = STRACE + ["-o", trace_path] + build(os.path.join(workdir, tag + ".json"))
        seconds, returncode, syns, dropped = run_tool(command, os.path.join(workdir, tag + ".out"),
                                                      (workdir, args.host, port, tag), args.timeout * 2)
        traced = trace_connections(trace_path, args.host, port, skip)
        traced.update({"seconds": seconds, "syns": syns, "dropped": dropped, "timeout": returncode is None})
        row["trace"] = traced
        print(f"  port {port} {label:22} traced:  {seconds:8.2f} s, {syns:4d} SYNs, {traced['connects']:4d} "
              f"connect(), peak {traced['peak']} open" + (" (TIMEOUT)" if returncode is None else ""),
              file=sys.stderr, flush=True)
    return row


def counts(suites):
    if suites is None:
        return "-"
    return " ".join(f"{v[4:]}:{len(suites[v]) if v in suites else '-'}" for v in SHOWN_VERSIONS)


def compare(reference, other):
    """Differences per version between two {version: set} maps: [(version, only reference, only other)]."""
    differences = []
    for version in VERSIONS:
        mine, theirs = reference.get(version), other.get(version)
        if mine is None and theirs is None:
            continue
        mine, theirs = mine or set(), theirs or set()
        if mine != theirs:
            differences.append((version, sorted(mine - theirs), sorted(theirs - mine)))
    return differences


def fmt_number(value):
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


# ---------------------------------------------------------------------------------------------------------------------
# Full scan (--full): one `mailtls check --deep` of all seven ports beside sslyze's and testssl.sh's default scans

FULL_PORTS = [25, 465, 587, 143, 993, 110, 995]
# Every scan command of sslyze 6, for --sslyze-every-command. Its CLI default (no scan-command flag) runs only the
# commands its Mozilla-profile check needs: session resumption, TLS 1.3 early data and HTTP headers are left out.
SSLYZE_EVERY_COMMAND = ["--certinfo", "--sslv2", "--sslv3", "--tlsv1", "--tlsv1_1", "--tlsv1_2", "--tlsv1_3",
                        "--compression", "--early_data", "--openssl_ccs", "--fallback", "--heartbleed", "--robot",
                        "--reneg", "--resum", "--elliptic_curves", "--http_headers", "--ems"]
TESTSSL_PROTOCOL_IDS = {"SSLv2": "SSLv2", "SSLv3": "SSLv3", "TLS1": "TLSv1.0", "TLS1_1": "TLSv1.1",
                        "TLS1_2": "TLSv1.2", "TLS1_3": "TLSv1.3"}
DONE_WHEN = 5  # the bar: at least 5x faster than sslyze's full scan, at least 5x fewer connections
MARKER = "("   # names that are not suites (mailtls's "(accepted; suites not enumerated)" for SSL 2.0/3.0)


def slug(label):
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")


def port_result(suites):
    """{version: set} -> the per-port result every tool's parser returns: suites per version (None when the tool
    does not give them per version), versions accepted, and every accepted suite of any version."""
    return {"suites": suites, "versions": {v: bool(s) for v, s in suites.items()},
            "any": {name for names in suites.values() for name in names if not name.startswith(MARKER)}}


def full_mailtls_jobs(args, deep, tag, workdir):
    """One `mailtls check` of every port; its JSON report is its stdout."""
    command = [args.mailtls, "check", args.host, "--servername", args.servername, "--ca-file", args.ca_file]
    if not args.mailtls_default_ports:
        command += ["--ports", ",".join(map(str, args.port_list))]
    command += (["--deep"] if deep else []) + ["--json"] + (args.mailtls_option or [])
    out = os.path.join(workdir, tag + ".json")
    return [(command, out, out)]


def full_sslyze_jobs(args, every, tag, workdir):
    """One sslyze of every port: --starttls auto takes SMTP for 25 and 587, IMAP for 143, POP3 for 110 and implicit
    TLS for the others (sslyze's ProtocolWithOpportunisticTlsEnum.from_default_port); no scan-command flag, so its
    default scan, unless every is set. --certinfo_ca_file is not one (it only adds the CA mailtls gets to the
    certificate check the default scan runs anyway; no connection more)."""
    json_path = os.path.join(workdir, tag + ".json")
    command = [args.sslyze, "--quiet", "--json_out", json_path, "--sni", args.servername, "--starttls", "auto",
               "--certinfo_ca_file", args.ca_file]
    command += (SSLYZE_EVERY_COMMAND if every else []) + [f"{args.host}:{port}" for port in args.port_list]
    return [(command, os.path.join(workdir, tag + ".out"), json_path)]


def full_testssl_jobs(args, tag, workdir):
    """testssl.sh's default run (no section flag), one invocation per port, one after another."""
    jobs = []
    for port in args.port_list:
        json_path = os.path.join(workdir, f"{tag}-{port}.json")
        command = [args.testssl, "--quiet", "--color", "0", "--warnings", "off", "--openssl-timeout", "5",
                   "--connect-timeout", "5", "--jsonfile-pretty", json_path]
        if PORTS[port]:
            command += ["--starttls", PORTS[port]]
        command += ["--ip", args.host, "--nodns", "none", f"{args.servername}:{port}"]
        jobs.append((command, os.path.join(workdir, f"{tag}-{port}.out"), json_path))
    return jobs


def parse_full_mailtls(jobs, ports, deep=True):
    """mailtls's report of every port; without deep, only the report's own figures (no suites to compare)."""
    path = jobs[0][2]
    with open(path, encoding="utf-8") as handle:
        report = json.load(handle)
    results, by_port = {}, {}
    software = {p.get("port"): p.get("software") for p in report.get("ports", [])}
    for port in ports if deep else []:
        try:
            suites, extras = parse_mailtls(path, port)
        except ValueError as error:
            results[port], by_port[port] = None, {"problem": str(error)}
            continue
        results[port] = port_result(suites) if suites else None
        extras["software"] = software.get(port)
        by_port[port] = extras
    if not deep:
        by_port = {port: {"software": software.get(port)} for port in ports}
    return results, {"ports": by_port, "exitCode": report.get("exitCode"), "durationMs": report.get("durationMs"),
                     "version": (report.get("tool") or {}).get("version")}


def parse_full_sslyze(jobs, ports):
    path = jobs[0][2]
    with open(path, encoding="utf-8") as handle:
        version = json.load(handle).get("sslyze_version")
    results, by_port = {}, {}
    for port in ports:
        suites, extras = parse_sslyze(path, port)
        results[port] = port_result(suites) if suites else None
        by_port[port] = extras
    return results, {"ports": by_port, "version": version}


def parse_testssl_default(json_path, port):
    """testssl.sh's default run of one port: the versions it found offered (its 'protocols' section) and every suite
    it lists as accepted (the 'cipherTests' section: ids cipher_xHHHH, no version) as IANA names."""
    with open(json_path, encoding="utf-8") as handle:
        report = json.load(handle)
    versions, names, problems, service = {}, set(), [], None
    for result in report.get("scanResult", []):
        service = result.get("service", service)
        for finding in result.get("protocols", []):
            version = TESTSSL_PROTOCOL_IDS.get(finding.get("id"))
            if version:
                text = finding.get("finding", "")
                versions[version] = (False if text.startswith("not offered") else
                                     True if text.startswith("offered") else None)
                if versions[version] is None:
                    problems.append(f"{finding['id']}: {text}")
        for finding in result.get("cipherTests", []):
            match = re.match(r"cipher[-_](?:(?:ssl\d|tls\d(?:_\d)?)_)?x([0-9a-fA-F]+)$", finding.get("id", ""))
            if not match:
                continue
            words = finding.get("finding", "").split()
            name = words[-1] if words and re.match(r"(TLS|SSL)_", words[-1]) else None
            if name is None:
                code = int(match.group(1), 16)
                name = HEX_TO_IANA.get(code, f"0x{code:04X}")
            names.add(name)
        for section in result.values():
            for finding in section if isinstance(section, list) else []:
                if finding.get("severity") in ("WARN", "FATAL") or finding.get("id") == "scanProblem":
                    problems.append(f"{finding.get('id')}: {finding.get('finding')}")
                elif "connect problem" in str(finding.get("finding", "")):
                    problems.append(f"{finding.get('id')}: {finding.get('finding')}")
    if not versions:
        raise ValueError(f"no protocols section for port {port}")
    return ({"suites": None, "versions": versions, "any": names},
            {"problems": problems, "service": service, "scanTime": report.get("scanTime"),
             "version": " ".join(str(report.get("version", "")).split()[:1]), "openssl": report.get("openssl")})


def parse_full_testssl(jobs, ports):
    results, by_port, version, openssl = {}, {}, None, None
    for port, (_, _, json_path) in zip(ports, jobs):
        try:
            results[port], by_port[port] = parse_testssl_default(json_path, port)
            version = version or by_port[port]["version"]
            openssl = openssl or by_port[port]["openssl"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            results[port], by_port[port] = None, {"problems": [f"cannot read the result: {error}"]}
    return results, {"ports": by_port, "version": version, "openssl": openssl}


def listeners(host, ports):
    """{port: 'ino:N'}: the listening sockets on HOST:PORT (ss -Hltne), so that a lab restarted during a run (a shared
    lab: another session's `lab.sh up` after a change) is noticed: a restarted server listens on a new socket. (Not
    the pids: Postfix's smtpd processes inherit the listening socket and come and go.) None without ss."""
    try:
        output = subprocess.run(["ss", "-Hltne"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found = {}
    for line in output.splitlines():
        fields = line.split()
        if len(fields) < 5:
            continue
        address, _, port = fields[3].rpartition(":")
        inode = re.search(r"\bino:(\d+)", line)
        if address in (host, "0.0.0.0", "*", "[::]") and port.isdigit() and int(port) in ports:
            found[int(port)] = f"ino:{inode.group(1) if inode else '?'}"
    return found


def run_problems(jobs, when):
    """Lines of the tools' stderr that say a connection failed or the tool gave up."""
    found = []
    for _, out, _ in jobs:
        try:
            with open(out + ".stderr", encoding="utf-8", errors="replace") as handle:
                lines = [line.strip() for line in handle
                         if re.search(r"Connection refused|Fatal error|giving up|Traceback", line)]
        except OSError:
            continue
        if lines:
            found.append(f"{when}, {os.path.basename(out)}: {len(lines)} stderr line(s) like '{lines[0]}'")
    return found


def measure_full(label, args, workdir, jobs_for, parse, runs, trace):
    """`runs` timed runs of jobs_for(tag) (one or more commands, one after another) under one SYN capture of every
    port, then (trace) one untimed run with each command under strace -f."""
    row = {"tool": label, "times": [], "times_each": [], "syns": [], "syns_by_port": [], "returncodes": [],
           "results": None, "extras": None, "results_vary": False, "timeouts": 0, "error": None, "trace": None,
           "dropped": 0, "commands": None, "problems": []}
    capture = args.capture_ports

    def checked_run(jobs, tag, timeout, when):
        # A --keep directory used before: testssl.sh will not write over its JSON file, and old stderr would mislead.
        for _, out, result in jobs_for(tag):
            for stale in (result, out + ".stderr"):
                if os.path.exists(stale):
                    os.remove(stale)
        served = args.port_list  # 2525 (--mailtls-default-ports) is closed on the lab
        before = listeners(args.host, served)
        outcome = run_commands(jobs, (workdir, args.host, capture, tag), timeout)
        after = listeners(args.host, served)
        if before is not None and (before != after or set(before) != set(served)):
            changed = [f"{p}: {before.get(p) or 'none'} -> {after.get(p) or 'none'}" for p in served
                       if before.get(p) != after.get(p) or not before.get(p)]
            row["problems"].append(f"{when}: a port's listening socket was not the same before and after it, or a "
                                   f"port had none (the lab restarted?): {'; '.join(changed)}")
        return outcome

    for run in range(runs):
        tag = f"{slug(label)}-{run}"
        jobs = jobs_for(tag)
        row["commands"] = [command for command, _, _ in jobs]
        seconds, each, returncodes, by_port, dropped = checked_run([(c, out) for c, out, _ in jobs], tag,
                                                                   args.timeout, f"run {run + 1}")
        row["problems"] += run_problems(jobs, f"run {run + 1}")
        syns = sum(by_port.values())
        row["times"].append(seconds)
        row["times_each"].append(each)
        row["syns"].append(syns)
        row["syns_by_port"].append(by_port)
        row["returncodes"].append(returncodes)
        row["dropped"] += dropped
        timeouts = returncodes.count(None)
        print(f"  {label:32} run {run + 1}/{runs}: {seconds:8.2f} s, {syns:5d} SYNs"
              + (f" ({dropped} packets dropped by the kernel)" if dropped else "")
              + (f" ({timeouts} command(s) timed out at {args.timeout:g} s)" if timeouts else ""),
              file=sys.stderr, flush=True)
        if timeouts:
            row["timeouts"] += 1
        try:
            results, extras = parse(jobs)
        except (OSError, ValueError, KeyError, TypeError) as error:
            row["error"] = f"run {run + 1}: cannot read the result: {error} (return codes {returncodes})"
            continue
        if row["results"] is None:
            row["results"], row["extras"] = results, extras
        elif results != row["results"]:
            row["results_vary"] = True
    row["median"] = statistics.median(row["times"])
    row["median_syns"] = statistics.median(row["syns"])
    if trace:
        tag = f"{slug(label)}-traced"
        jobs, traced_jobs, paths = jobs_for(tag), [], []
        for index, (command, out, _) in enumerate(jobs):
            paths.append(os.path.join(workdir, f"{tag}-{index}.strace"))
            traced_jobs.append((STRACE + ["-o", paths[-1]] + command, out))
        seconds, _, returncodes, by_port, dropped = checked_run(traced_jobs, tag, args.timeout * 2, "traced run")
        row["problems"] += run_problems(jobs, "traced run")
        traced = {"connects": 0, "by_port": {}, "peak": 0, "peak_by_port": {}}
        for path in paths:  # the commands ran one after another: connections add up, peaks do not
            counted = trace_connections(path, args.host, capture)
            traced["connects"] += counted["connects"]
            traced["peak"] = max(traced["peak"], counted["peak"])
            for port, number in counted["by_port"].items():
                traced["by_port"][port] = traced["by_port"].get(port, 0) + number
            for port, number in counted["peak_by_port"].items():
                traced["peak_by_port"][port] = max(traced["peak_by_port"].get(port, 0), number)
        traced.update({"seconds": seconds, "syns": sum(by_port.values()), "syns_by_port": by_port,
                       "dropped": dropped, "timeout": None in returncodes})
        row["trace"] = traced
        print(f"  {label:32} traced:  {seconds:8.2f} s, {traced['syns']:5d} SYNs, {traced['connects']:5d} connect(), "
              f"peak {traced['peak']} open" + (" (TIMEOUT)" if traced["timeout"] else ""), file=sys.stderr, flush=True)
    return row


def md_table(headers, rows, aligns):
    """A Markdown table, padded so that it also reads as plain text."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    def line(values):
        return "| " + " | ".join(f"{v:{'>' if a == 'r' else '<'}{w}}" for v, w, a in zip(values, widths, aligns)) + " |"
    rule = "|" + "|".join(("-" * (w + 1) + ":") if a == "r" else ("-" * (w + 2)) for w, a in zip(widths, aligns)) + "|"
    return [line(headers), rule] + [line(r) for r in cells]


def ratio(value, base):
    return f"{value / base:.1f}" if isinstance(value, (int, float)) and base else ""


def median_by_port(row, key, port):
    values = [by_port.get(port, 0) for by_port in row[key]]
    return statistics.median(values) if values else 0


def version_counts(result):
    if not result or result.get("suites") is None:
        return "-"
    suites = result["suites"]
    return " / ".join(str(len(suites[v])) if v in suites else "-" for v in SHOWN_VERSIONS)


def offered_versions(result):
    if not result:
        return "-"
    shown = [v.replace("TLSv", "") for v in VERSIONS if result["versions"].get(v)]
    return ", ".join(shown) or "none"


def cause_hint(suite, version, extras):
    """Why a suite mailtls found accepted is missing from sslyze's list, from sslyze's own report."""
    tested = (extras.get("tested") or {}).get(version)
    if tested is None:
        return "sslyze did not scan this version"
    if suite in (extras.get("rejected") or {}).get(version, {}):
        return f"sslyze tried it and saw it rejected: {extras['rejected'][version][suite]}"
    if suite not in tested:
        return "sslyze never tried it: in neither its accepted nor its rejected list"
    return ""


def full_agreement(args, deep, others):
    """[(port, tool, lines)] and a JSON-friendly list: sslyze's suites per version against mailtls's; testssl.sh's
    versions offered and its accepted suites (it lists them without a version in its default run)."""
    out, plain = [], []
    for port in args.port_list:
        mine = (deep["results"] or {}).get(port)
        for row in others:
            theirs = (row["results"] or {}).get(port)
            extras = ((row["extras"] or {}).get("ports") or {}).get(port) or {}
            if mine is None or theirs is None:
                why = "mailtls gave no deep result" if mine is None else f"{row['tool']} gave no result"
                out.append((port, row["tool"], [f"no comparison: {why}"]))
                plain.append({"port": port, "tool": row["tool"], "agrees": None})
                continue
            lines, differences = [], []
            if theirs["suites"] is not None:
                for version, only_mine, only_theirs in compare(mine["suites"], theirs["suites"]):
                    differences.append({"version": version, "only_mailtls": only_mine, "only_other": only_theirs})
                    lines.append(f"{version} differs:")
                    for suite in only_mine:
                        hint = cause_hint(suite, version, extras) if row["tool"].startswith("sslyze") else ""
                        lines.append(f"  only mailtls: {suite}" + (f" ({hint})" if hint else ""))
                    for suite in only_theirs:
                        lines.append(f"  only {row['tool']}: {suite}")
                total = sum(len(s) for v, s in mine["suites"].items() if v in SHOWN_VERSIONS)
                if not differences:
                    lines.append(f"agrees, every version ({total} suites; TLS 1.0 / 1.1 / 1.2 / 1.3: "
                                 f"{version_counts(mine)}; SSL 2.0 and 3.0 refused by both)"
                                 if not any(mine["versions"].get(v) for v in ("SSLv2", "SSLv3"))
                                 else f"agrees, every version ({total} suites)")
            else:
                for version in VERSIONS:
                    a, b = bool(mine["versions"].get(version)), theirs["versions"].get(version)
                    if b is None or a != b:
                        differences.append({"version": version, "mailtls_accepts": a, "other_accepts": b})
                        lines.append(f"{version}: mailtls {'accepted' if a else 'refused'}, {row['tool']} "
                                     f"{'offered' if b else 'not offered' if b is False else 'unclear'}")
                only_mine, only_theirs = sorted(mine["any"] - theirs["any"]), sorted(theirs["any"] - mine["any"])
                if only_mine or only_theirs:
                    differences.append({"version": "any", "only_mailtls": only_mine, "only_other": only_theirs})
                    lines += [f"  only mailtls (any version): {s}" for s in only_mine]
                    lines += [f"  only {row['tool']} (any version): {s}" for s in only_theirs]
                if not differences:
                    lines.append(f"agrees: versions offered ({offered_versions(mine)}) and the {len(mine['any'])} "
                                 "suites accepted (testssl.sh's default run lists them without a version)")
            out.append((port, row["tool"], lines))
            plain.append({"port": port, "tool": row["tool"], "agrees": not differences, "differences": differences})
    return out, plain


def tool_version(command):
    try:
        text = subprocess.run(command, capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return text.strip().splitlines()[0] if text.strip() else None


def main_full(args, binary, workdir):
    ports = args.port_list
    started = datetime.datetime.now(datetime.timezone.utc)
    rows = []
    trace = args.trace
    try:
        base = measure_full("mailtls check", args, workdir,
                            lambda tag: full_mailtls_jobs(args, False, tag, workdir),
                            lambda jobs: parse_full_mailtls(jobs, ports, deep=False), args.runs, trace)
        deep = measure_full("mailtls check --deep", args, workdir,
                            lambda tag: full_mailtls_jobs(args, True, tag, workdir),
                            lambda jobs: parse_full_mailtls(jobs, ports), args.runs, trace)
        rows += [base, deep]
        if not args.skip_sslyze:
            rows.append(measure_full("sslyze (default scan)", args, workdir,
                                     lambda tag: full_sslyze_jobs(args, False, tag, workdir),
                                     lambda jobs: parse_full_sslyze(jobs, ports), args.runs, trace))
            if args.sslyze_every_command:
                rows.append(measure_full("sslyze (every scan command)", args, workdir,
                                         lambda tag: full_sslyze_jobs(args, True, tag, workdir),
                                         lambda jobs: parse_full_sslyze(jobs, ports), args.runs, trace))
        if not args.skip_testssl:
            rows.append(measure_full("testssl.sh (default run)", args, workdir,
                                     lambda tag: full_testssl_jobs(args, tag, workdir),
                                     lambda jobs: parse_full_testssl(jobs, ports),
                                     args.testssl_runs or args.runs, trace and not args.no_trace_testssl))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    finished = datetime.datetime.now(datetime.timezone.utc)
    sslyze = next((r for r in rows if r["tool"] == "sslyze (default scan)"), None)
    others = [r for r in rows if not r["tool"].startswith("mailtls")]

    def connects(row):
        return row["trace"]["connects"] if row.get("trace") else None

    # ---- the main table ---------------------------------------------------------------------------------------
    handshakes = sum((e or {}).get("handshakes") or 0
                     for e in (((deep["extras"] or {}).get("ports")) or {}).values())
    table = []
    for row in rows:
        mark = ""
        if min(row["syns"]) != max(row["syns"]) or (row["trace"] and row["trace"]["syns"] > row["trace"]["connects"]):
            mark = "*"
        if row["dropped"] or (row["trace"] and (row["trace"]["dropped"]
                                                or row["trace"]["syns"] < row["trace"]["connects"])):
            mark += "!"
        row["mark"] = mark
        is_peer = not row["tool"].startswith("mailtls")
        median = f"{row['median']:.2f}"
        if row["timeouts"] * 2 > len(row["times"]):
            median = ">=" + median
        table.append([row["tool"], len(row["times"]), median,
                      ratio(row["median"], deep["median"]) if is_peer else "",
                      fmt_number(row["median_syns"]) + mark,
                      ratio(row["median_syns"], deep["median_syns"]) if is_peer else "",
                      connects(row) if connects(row) is not None else "",
                      ratio(connects(row), connects(deep)) if is_peer and connects(deep) else "",
                      row["trace"]["peak"] if row["trace"] else ""])
        if row is deep:
            deep_connects = (connects(deep) - connects(base)) if connects(deep) is not None and connects(base) is not None else None
            table.append(["  deep only (difference)", "", f"+{deep['median'] - base['median']:.2f}", "",
                          fmt_number(deep["median_syns"] - base["median_syns"]), "",
                          (f"{deep_connects} ({handshakes} hs)" if deep_connects is not None
                           else f"({handshakes} hs)"), "", ""])
    main_table = md_table(["tool", "runs", "median s", "x mailtls", "SYNs", "x mailtls", "connect()", "x mailtls",
                           "peak open"], table, "lrrrrrrrr")

    # ---- the bar ----------------------------------------------------------------------------------------
    bar = []
    if sslyze:
        time_ratio = sslyze["median"] / deep["median"] if deep["median"] else 0
        syn_ratio = sslyze["median_syns"] / deep["median_syns"] if deep["median_syns"] else 0
        bar.append(f"time: sslyze {sslyze['median']:.2f} s / mailtls check --deep {deep['median']:.2f} s = "
                   f"{time_ratio:.1f}x ({'meets' if time_ratio >= DONE_WHEN else 'MISSES'} {DONE_WHEN}x)")
        bar.append(f"connections (SYNs): sslyze {fmt_number(sslyze['median_syns'])} / mailtls check --deep "
                   f"{fmt_number(deep['median_syns'])} = {syn_ratio:.1f}x "
                   f"({'meets' if syn_ratio >= DONE_WHEN else 'MISSES'} {DONE_WHEN}x)")
        if connects(sslyze) and connects(deep):
            connect_ratio = connects(sslyze) / connects(deep)
            bar.append(f"connections (connect() under strace): sslyze {connects(sslyze)} / mailtls check --deep "
                       f"{connects(deep)} = {connect_ratio:.1f}x "
                       f"({'meets' if connect_ratio >= DONE_WHEN else 'MISSES'} {DONE_WHEN}x)")

    # ---- per port ---------------------------------------------------------------------------------------------
    software = {p: ((((deep["extras"] or {}).get("ports") or {}).get(p)) or {}).get("software") for p in ports}
    per_port = []
    for port in ports:
        cells = [port, f"{PORTS[port] or 'implicit'}", software.get(port) or ""]
        for row in rows:
            cell = fmt_number(median_by_port(row, "syns_by_port", port))
            if row["trace"]:
                cell += f" / {row['trace']['by_port'].get(port, 0)}"
            notes = []
            if row is deep:
                hs = ((((deep["extras"] or {}).get("ports") or {}).get(port)) or {}).get("handshakes")
                if hs is not None:
                    notes.append(f"{hs} hs")
            if row["trace"]:
                notes.append(f"peak {row['trace']['peak_by_port'].get(port, 0)}")
            if notes:
                cell += f" ({', '.join(notes)})"
            cells.append(cell)
        per_port.append(cells)
    per_port_table = md_table(["port", "STARTTLS", "server"] + [r["tool"] for r in rows], per_port,
                              "rll" + "r" * len(rows))
    testssl = next((r for r in rows if r["tool"].startswith("testssl")), None)
    testssl_times = []
    if testssl:
        testssl_times = [[port] + [f"{each[i]:.1f}" for each in testssl["times_each"]]
                         for i, port in enumerate(ports)]

    suites_rows = []
    for port in ports:
        cells = [port]
        for row in [deep] + others:
            result = (row["results"] or {}).get(port)
            if row["tool"].startswith("testssl"):
                cells.append(f"{offered_versions(result)}; {len(result['any'])} suites" if result else "-")
            else:
                cells.append(version_counts(result))
        suites_rows.append(cells)
    suites_table = md_table(["port"] + ["mailtls --deep (1.0 / 1.1 / 1.2 / 1.3)"] +
                            [r["tool"] + (" (versions; suites)" if r["tool"].startswith("testssl")
                                          else " (1.0 / 1.1 / 1.2 / 1.3)") for r in others],
                            suites_rows, "r" + "r" * (1 + len(others)))
    agreement, agreement_plain = full_agreement(args, deep, others)

    runs_table = md_table(["tool"] + [f"run {i + 1}" for i in range(max(len(r["times"]) for r in rows))] +
                          ["traced run"],
                          [[r["tool"]] + [f"{t:.2f}" for t in r["times"]] +
                           [""] * (max(len(x["times"]) for x in rows) - len(r["times"])) +
                           [f"{r['trace']['seconds']:.2f}" if r["trace"] else ""] for r in rows],
                          "l" + "r" * (max(len(r["times"]) for r in rows) + 1))

    problems = []
    for row in rows:
        problems += [f"{row['tool']}: {problem}" for problem in row["problems"]]
        if row.get("error"):
            problems.append(f"{row['tool']}: {row['error']}")
        if row.get("results_vary"):
            problems.append(f"{row['tool']}: the accepted suites differed between runs")
        if row["timeouts"]:
            problems.append(f"{row['tool']}: {row['timeouts']} run(s) with a command cut at {args.timeout:g} s")
        for port, extras in (((row["extras"] or {}).get("ports")) or {}).items():
            for key in ("errors", "problems"):
                for item in (extras or {}).get(key) or []:
                    problems.append(f"{row['tool']}, port {port}: {item}")
            if (extras or {}).get("problem"):
                problems.append(f"{row['tool']}, port {port}: {extras['problem']}")
        if row["tool"].startswith("testssl"):
            services = {p: (e or {}).get("service") for p, e in (((row["extras"] or {}).get("ports")) or {}).items()}
            for port, service in services.items():
                if service and "Couldn't" in service:
                    problems.append(f"{row['tool']}, port {port}: {service}")

    # ---- console ------------------------------------------------------------------------------------------------
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print()
    print(f"Full scan: mailtls check --deep beside sslyze's and testssl.sh's default scans, {args.host} "
          f"({args.servername}) ports {','.join(map(str, ports))}; {started:%Y-%m-%d %H:%M}-{finished:%H:%M} UTC, "
          f"{os.cpu_count()} CPUs, load average at the end {load}")
    print(f"mailtls: {binary['path']} (modified {binary['modified']}, sha256 {binary['sha256'][:16]})")
    print()
    print("\n".join(main_table))
    print()
    print("x mailtls: the tool's figure over mailtls check --deep's (its whole run, base checks included). SYNs: "
          "median of the timed runs, client SYNs to HOST on the ports. connect(), peak open: the untimed strace run "
          "(the tool's own connect() calls to HOST on the ports, the most open at once). hs: mailtls's own count of "
          "its deep handshakes (ports[].deep.handshakes, summed).")
    if any("*" in r["mark"] for r in rows):
        print("* the SYN count varied between runs, or the traced run saw more SYNs than connect() calls: another "
              "client used the same ports (the lab is shared); trust connect().")
    if any("!" in r["mark"] for r in rows):
        print("! the kernel dropped packets, or the traced run saw fewer SYNs than connect() calls; trust connect().")
    print()
    print(f"The issue's bar (at least {DONE_WHEN}x faster than sslyze's full scan, at least {DONE_WHEN}x fewer "
          "connections):" if bar else "The issue's bar: sslyze was not run.")
    for line in bar:
        print("  " + line)
    print()
    print("Per port: median SYNs / connect() (strace); hs: mailtls's deep handshakes; peak: the most connections "
          "to that port open at once (strace)")
    print("\n".join(per_port_table))
    if testssl_times:
        print()
        print("testssl.sh seconds per port and run:")
        print("\n".join(md_table(["port"] + [f"run {i + 1}" for i in range(len(testssl["times_each"]))],
                                 testssl_times, "r" * (1 + len(testssl["times_each"])))))
    print()
    print("Accepted suites found:")
    print("\n".join(suites_table))
    print()
    print("Compared with mailtls check --deep:")
    for port, tool, lines in agreement:
        print(f"  {port} {tool}: " + lines[0])
        for line in lines[1:]:
            print("      " + line)
    if problems:
        print()
        print("Problems the tools reported:")
        for line in problems:
            print("  " + line)
    print()
    print("Commands (timed runs; WORKDIR is the benchmark's directory, WORKDIR/mailtls the copy of the binary):")
    for row in rows:
        for command in row["commands"] or []:
            print("  " + " ".join(command).replace(workdir, "WORKDIR"))
    if args.trace:
        print("Traced run: each command after " + " ".join(STRACE) + " -o FILE")

    plain_rows = json.loads(json.dumps(rows, default=lambda v: sorted(v) if isinstance(v, set) else str(v)))
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as handle:
            json.dump({"mode": "full", "host": args.host, "servername": args.servername, "ports": ports,
                       "runs": args.runs, "mailtls": binary, "started": started.isoformat(),
                       "finished": finished.isoformat(), "rows": plain_rows, "agreement": agreement_plain,
                       "bar": bar}, handle, indent=1)
    if args.markdown_out:
        write_full_markdown(args, binary, workdir, rows, started, finished, load, main_table, bar, per_port_table,
                            testssl_times, suites_table, agreement, problems, runs_table, handshakes)
        print(f"\nMarkdown: {args.markdown_out}", file=sys.stderr)


def write_full_markdown(args, binary, workdir, rows, started, finished, load, main_table, bar, per_port_table,
                        testssl_times, suites_table, agreement, problems, runs_table, handshakes):
    deep = next(r for r in rows if r["tool"] == "mailtls check --deep")
    sslyze = next((r for r in rows if r["tool"].startswith("sslyze")), None)
    testssl = next((r for r in rows if r["tool"].startswith("testssl")), None)
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            model = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), "")
    except OSError:
        pass
    postfix = (tool_version(["postconf", "-d", "-h", "mail_version"])
               or tool_version(["/usr/sbin/postconf", "-d", "-h", "mail_version"]))
    dovecot = tool_version(["dovecot", "--version"]) or tool_version(["/usr/sbin/dovecot", "--version"])
    dovecot = dovecot.split()[0] if dovecot else None
    debug = "/debug/" in binary["path"]
    described = ", ".join(f"{p} ({PORTS[p].upper() + ' STARTTLS' if PORTS[p] else 'implicit TLS'})"
                          for p in args.port_list)
    md = ["# Full-scan benchmark: `mailtls check --deep` beside sslyze's and testssl.sh's default scans", "",
          "One `mailtls check --deep` of the lab's seven mail ports, side by side with sslyze's full default scan "
          "and testssl.sh's default run of the same ports: wall time, TCP connections opened, and whether the tools "
          "find the same TLS versions and cipher suites. Written by `benchmarks/deep_bench.py --full`.", "",
          "## Run", "",
          f"- Date: {started:%Y-%m-%d}, {started:%H:%M:%S}–{finished:%H:%M:%S} UTC ({args.runs} timed "
          f"run{'s' if args.runs != 1 else ''} per tool"
          + (f", {args.testssl_runs} for testssl.sh" if testssl and args.testssl_runs else "")
          + (", then 1 untimed run under strace" if args.trace else "") + ")",
          f"- Machine: {os.cpu_count()} CPUs{f' ({model})' if model else ''}, Linux {os.uname().release}. Load "
          f"average when the run ended: {load.replace(' ', ' / ')}.",
          f"- Target: the lab's good server `LAB_GOOD` = {args.host} (`{args.servername}`), ports {described}. Stock Postfix{f' {postfix}' if postfix else ''} and Dovecot{f' {dovecot}' if dovecot else ''} TLS "
          "settings; 143 and 110 reach Dovecot through the lab's TCP relay, and only the connections to "
          f"{args.host} are counted.",
          f"- mailtls: {'**debug build** ' if debug else ''}`{binary['path']}` "
          f"({((deep['extras'] or {}).get('version')) or '?'}, modified {binary['modified']}, sha256 "
          f"`{binary['sha256'][:16]}…`). deep_bench.py copies the binary before it starts."
          + (" Ports chosen with `--ports` (the seven)." if not args.mailtls_default_ports else
             " Its default ports (2525 too, closed on the lab: one refused connect, counted)."),
          f"- Peers: sslyze {((sslyze or {}).get('extras') or {}).get('version') or '(not run)'}, testssl.sh "
          f"{((testssl or {}).get('extras') or {}).get('version') or '(not run)'}"
          + (f" with {testssl['extras'].get('openssl')}" if testssl and testssl.get("extras")
             and testssl["extras"].get("openssl") else "") + ".", "",
          "Command:", "", "```", "python3 benchmarks/deep_bench.py " + " ".join(
              a if a != workdir else "WORKDIR" for a in sys.argv[1:]), "```", "",
          "Each tool's command (WORKDIR/mailtls is deep_bench.py's copy of the binary):", "", "```"]
    for row in rows:
        for command in row["commands"] or []:
            md.append(" ".join(command).replace(workdir, "WORKDIR"))
    md += ["```", "", "How each figure is taken:", "",
           "- **median s**: the median wall time of the timed runs; testssl.sh's is its seven invocations one after "
           "another.",
           "- **SYNs**: the median count of client SYNs to the ports, from `tcpdump -i lo -n --immediate-mode -U -B "
           f"32768` with the filter `{Capture(workdir, args.host, args.capture_ports, 'x').expression}`, started before "
           "the tool and stopped 0.3 s after it.",
           "- **connect()** and **peak open**: one more run, untimed, each command under `" + " ".join(STRACE) +
           "`: the tool's own connect() calls to the ports (no other client of the shared lab can disturb it) and "
           "the most of those sockets open at once.",
           "- **x mailtls**: the tool's figure over the whole `mailtls check --deep` run's (its normal checks "
           "included). **deep only**: the `--deep` run minus the run without it; hs is mailtls's own count of its deep"
           " handshakes (`ports[].deep.handshakes`, summed over the ports).", "",
           "## Figures", ""] + [line.replace("|   deep only", "| &nbsp;&nbsp;deep only") for line in main_table] + [""]
    if any("*" in r["mark"] for r in rows):
        md.append("\\* the SYN count varied between runs, or the traced run saw more SYNs than connect() calls: "
                  "another client used the same ports; connect() is the figure to trust.")
    if any("!" in r["mark"] for r in rows):
        md.append("! the kernel dropped packets, or the traced run saw fewer SYNs than connect() calls; connect() is "
                  "the figure to trust.")
    md += ["", f"### The issue's bar: at least {DONE_WHEN}x faster than sslyze's full scan, at least {DONE_WHEN}x "
           "fewer connections", ""] + ([f"- {line}" for line in bar] or ["- sslyze was not run."]) + [""]
    md += ["## Per port", "", "Median SYNs / connect() under strace, per port (hs: mailtls's deep handshakes; peak: "
           "the most connections to that port open at once, under strace):", ""]
    md += per_port_table + [""]
    if testssl_times:
        md += ["testssl.sh's seconds per port:", ""]
        md += md_table(["port"] + [f"run {i + 1}" for i in range(len(testssl["times_each"]))], testssl_times,
                       "r" * (1 + len(testssl["times_each"]))) + [""]
    md += ["Time of each run, in seconds:", ""] + runs_table + [""]
    md += ["## Agreement", "", "Suites accepted per version (testssl.sh's default run gives versions, and its "
           "accepted suites without a version):", ""] + suites_table + ["", "```"]
    for port, tool, lines in agreement:
        md.append(f"{port} {tool}: {lines[0]}")
        md += ["    " + line for line in lines[1:]]
    md += ["```", ""]
    if problems:
        md += ["## What the tools reported as problems", ""] + [f"- {p}" for p in problems] + [""]
    md += ["## Notes", "", "<!-- The causes of any difference above, and anything else worth knowing. -->", ""]
    with open(args.markdown_out, "w", encoding="utf-8") as handle:
        handle.write("\n".join(md))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mailtls", required=True)
    parser.add_argument("--full", action="store_true",
                        help="the full-scan comparison: ONE mailtls check --deep of every port beside sslyze's full "
                             "default scan (one invocation, --starttls auto) and testssl.sh's default run (one per "
                             "port); defaults then: --host 127.0.0.1 (LAB_GOOD), the seven ports")
    parser.add_argument("--host", help="default 127.0.0.17 (LAB_WEAK); 127.0.0.1 (LAB_GOOD) with --full")
    parser.add_argument("--servername", default="mail.mailtls.test")
    parser.add_argument("--ca-file", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--ports", help="default 465,587,993; 25,465,587,143,993,110,995 with --full")
    parser.add_argument("--skip-testssl", action="store_true")
    parser.add_argument("--skip-sslyze", action="store_true")
    parser.add_argument("--timeout", type=float, default=300,
                        help="seconds one command may take (default 300; the traced run gets twice that)")
    parser.add_argument("--no-trace", dest="trace", action="store_false",
                        help="leave out the untimed strace run per tool and port")
    parser.add_argument("--json-out", help="also write every figure to this JSON file")
    parser.add_argument("--keep", help="keep the tools' outputs, captures and traces in this directory")
    full = parser.add_argument_group("--full only")
    full.add_argument("--testssl-runs", type=int,
                      help="timed runs of testssl.sh (default --runs; it takes about a minute per port)")
    full.add_argument("--no-trace-testssl", action="store_true",
                      help="no strace run of testssl.sh (it doubles the time testssl.sh takes)")
    full.add_argument("--sslyze-every-command", action="store_true",
                      help="also measure sslyze with every scan-command flag (its default scan leaves out "
                           "resumption, early data and HTTP headers)")
    full.add_argument("--mailtls-default-ports", action="store_true",
                      help="no --ports for mailtls: its default ports, 2525 too (closed on the lab: one refused "
                           "connect, counted in every capture)")
    full.add_argument("--mailtls-option", action="append", metavar="OPTION",
                      help="one more argument for both mailtls runs, e.g. --mailtls-option=--deep-connections=4 "
                           "(repeatable; the default run uses none)")
    full.add_argument("--markdown-out", help="write the results as Markdown (RESULTS-*.md style) to this file")
    args = parser.parse_args()

    if args.host is None:
        args.host = "127.0.0.1" if args.full else "127.0.0.17"
    if args.ports is None:
        args.ports = ",".join(map(str, FULL_PORTS)) if args.full else "465,587,993"
    if not args.full:
        for option in ("testssl_runs", "sslyze_every_command", "mailtls_default_ports", "markdown_out",
                       "no_trace_testssl", "mailtls_option"):
            if getattr(args, option):
                parser.error(f"--{option.replace('_', '-')} works with --full only")
    if not args.host.startswith("127."):
        parser.error("--host must be a loopback address (127.0.0.0/8)")
    ports = [int(p) for p in args.ports.split(",") if p.strip()]
    for port in ports:
        if port not in PORTS:
            parser.error(f"port {port}: not a mail port this benchmark knows ({', '.join(map(str, PORTS))})")
    args.port_list = ports
    args.capture_ports = ports + ([2525] if args.full and args.mailtls_default_ports and 2525 not in ports else [])
    if shutil.which("tcpdump") is None:
        sys.exit("tcpdump is needed (apt-get install tcpdump)")
    if args.trace and shutil.which("strace") is None:
        print("strace not found: no traced run (apt-get install strace)", file=sys.stderr)
        args.trace = False
    args.testssl = shutil.which("testssl") or shutil.which("testssl.sh")
    args.sslyze = shutil.which("sslyze")
    if not args.skip_testssl and not args.testssl:
        print("testssl.sh not found: skipped", file=sys.stderr)
        args.skip_testssl = True
    if not args.skip_sslyze and not args.sslyze:
        print("sslyze not found (pip install sslyze): skipped", file=sys.stderr)
        args.skip_sslyze = True

    workdir = args.keep or tempfile.mkdtemp(prefix="mailtls-deep-bench-")
    os.makedirs(workdir, exist_ok=True)
    # A copy of the binary, so a rebuild of the tree during the benchmark cannot change it between runs.
    binary = {"path": os.path.abspath(args.mailtls),
              "modified": datetime.datetime.fromtimestamp(os.path.getmtime(args.mailtls),
                                                          datetime.timezone.utc).isoformat(timespec="seconds")}
    with open(args.mailtls, "rb") as handle:
        binary["sha256"] = hashlib.sha256(handle.read()).hexdigest()
    snapshot = os.path.join(workdir, "mailtls")
    shutil.copy2(args.mailtls, snapshot)
    if subprocess.run([snapshot, "--help"], capture_output=True).returncode == 0:
        args.mailtls = snapshot
    print(f"mailtls: {binary['path']} (modified {binary['modified']}, sha256 {binary['sha256'][:16]})",
          file=sys.stderr)
    if args.full:
        main_full(args, binary, workdir)
        return
    started = datetime.datetime.now(datetime.timezone.utc)
    rows = []
    try:
        for port in ports:
            base = measure("mailtls check", args, port, workdir,
                           lambda path, p=port: mailtls_command(args, p, False, path), None)
            rows.append(base)
            skip = base["trace"]["connects"] if base["trace"] else int(min(base["connections"]))
            rows.append(measure("mailtls check --deep", args, port, workdir,
                                lambda path, p=port: mailtls_command(args, p, True, path), parse_mailtls,
                                result_path_is_stdout=True, skip=skip))
            if not args.skip_testssl:
                rows.append(measure("testssl.sh -E", args, port, workdir,
                                    lambda path, p=port: testssl_command(args, p, path), parse_testssl))
            if not args.skip_sslyze:
                rows.append(measure("sslyze", args, port, workdir,
                                    lambda path, p=port: sslyze_command(args, p, path), parse_sslyze))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    finished = datetime.datetime.now(datetime.timezone.utc)

    # ---- table -------------------------------------------------------------------------------------------------
    print()
    print(f"mailtls check --deep beside testssl.sh and sslyze: {args.host} ({args.servername}), "
          f"{args.runs} timed runs, {started:%Y-%m-%d %H:%M}-{finished:%H:%M} UTC, {os.cpu_count()} CPUs")
    print(f"mailtls: {binary['path']} (modified {binary['modified']}, sha256 {binary['sha256'][:16]}); "
          f"load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    columns = [("port", 4, ">"), ("tool", 26, "<"), ("median s", 8, ">"), ("x mailtls", 9, ">"),
               ("SYNs", 9, ">"), ("x mailtls", 9, ">"), ("connect()", 9, ">"), ("peak open", 9, ">"),
               ("suites 1.0 1.1 1.2 1.3", 22, "<")]
    print("| " + " | ".join(f"{name:{align}{width}}" for name, width, align in columns) + " |")
    print("|" + "|".join("-" * (width + 2) for _, width, _ in columns) + "|")
    marks = set()
    for port in ports:
        port_rows = [r for r in rows if r["port"] == port]
        base = next(r for r in port_rows if r["tool"] == "mailtls check")
        deep = next(r for r in port_rows if r["tool"] == "mailtls check --deep")
        shown = []
        for row in port_rows:
            shown.append(row)
            if row is deep:
                trace = None
                if deep["trace"] and base["trace"]:
                    trace = {"connects": deep["trace"]["connects"] - base["trace"]["connects"],
                             "peak": deep["trace"]["peak_after_skip"]}
                shown.append({"tool": "  deep only (difference)", "derived": True,
                              "median": deep["median"] - base["median"],
                              "median_connections": deep["median_connections"] - base["median_connections"],
                              "connections": [], "trace": trace, "suites": None,
                              "handshakes": (deep["extras"] or {}).get("handshakes")})
        for row in shown:
            derived = row.get("derived", False)
            time_ratio = conn_ratio = ""
            if not row["tool"].startswith("mailtls") and not derived:
                time_ratio = f"{row['median'] / deep['median']:.1f}" if deep["median"] else ""
                if deep["median_connections"]:
                    conn_ratio = f"{row['median_connections'] / deep['median_connections']:.1f}"
            syns = fmt_number(row["median_connections"])
            if not derived:
                mark = ""
                if min(row["connections"]) != max(row["connections"]):
                    mark = "*"
                if row["trace"] and row["trace"]["syns"] > row["trace"]["connects"]:
                    mark = "*"
                if row["dropped"] or (row["trace"] and (row["trace"]["dropped"]
                                                        or row["trace"]["syns"] < row["trace"]["connects"])):
                    mark += "!"
                syns += mark
                marks.update(mark)
            connects = peak = ""
            if row.get("trace"):
                connects = str(row["trace"]["connects"])
                peak = str(row["trace"]["peak"])
            if derived and row.get("handshakes") is not None:
                connects += f" ({row['handshakes']} hs)"
            note = counts(row["suites"]) if row["suites"] is not None else ("" if derived else "-")
            if row.get("timeouts"):
                note += f" [{row['timeouts']} timeout(s) at {args.timeout:g} s]"
            if row.get("error"):
                note += f" [{row['error']}]"
            if row.get("suites_vary"):
                note += " [sets differ between runs]"
            if (row.get("extras") or {}).get("problem"):
                note += f" [mailtls: {row['extras']['problem']}]"
            median = f"+{row['median']:.2f}" if derived else f"{row['median']:.2f}"
            if row.get("timeouts") and row["timeouts"] * 2 > len(row["times"]):
                median = ">=" + median  # most runs were cut short: a lower bound
            cells = [str(port), row["tool"], median, time_ratio, syns, conn_ratio, connects, peak, note]
            print("| " + " | ".join(f"{cell:{align}{width}}" for cell, (_, width, align) in zip(cells, columns))
                  + " |")
    print()
    print("median s, SYNs: median of the timed runs (SYNs = client SYNs to HOST:PORT on lo). x mailtls: over "
          "mailtls check --deep's whole run (base probe included). connect(), peak open: the untimed strace run, "
          "the tool's own connect() calls to HOST:PORT and the most of them open at once. deep only: --deep minus "
          "the run without it; its peak counts only the connections after the base probe's; hs = mailtls's own "
          "count of its deep handshakes (ports[].deep.handshakes).")
    if "*" in marks:
        print("* the SYN count differed between runs, or the traced run saw more SYNs than the tool's own connect() "
              "calls: another client was talking to the same HOST:PORT (the lab is shared); trust connect().")
    if "!" in marks:
        print("! the kernel dropped packets before tcpdump saw them, or the traced run saw fewer SYNs than "
              "connect() calls: the SYN count is low (a busy CPU); trust connect().")

    # ---- agreement ----------------------------------------------------------------------------------------------
    print()
    print("Accepted suites compared with mailtls check --deep:")
    agreement = []
    for port in ports:
        port_rows = [r for r in rows if r["port"] == port]
        deep = next(r for r in port_rows if r["tool"] == "mailtls check --deep")
        if deep["suites"] is None:
            print(f"  {port}: mailtls gave no deep result ({deep.get('error') or deep.get('extras')})")
            continue
        for row in port_rows:
            if row["tool"].startswith("mailtls"):
                continue
            if row["suites"] is None:
                line = f"  {port} {row['tool']}: no result" + (f" ({row['error']})" if row.get("error") else "")
                if row.get("timeouts"):
                    line += f" (timed out at {args.timeout:g} s)"
                print(line)
                agreement.append({"port": port, "tool": row["tool"], "agrees": None})
                continue
            differences = compare(deep["suites"], row["suites"])
            agreement.append({"port": port, "tool": row["tool"], "agrees": not differences,
                              "differences": [{"version": v, "only_mailtls": a, "only_other": b}
                                              for v, a, b in differences]})
            if not differences:
                total = sum(len(s) for s in deep["suites"].values())
                print(f"  {port} {row['tool']}: agrees ({total} suites; {counts(deep['suites'])})")
            for version, only_mine, only_theirs in differences:
                print(f"  {port} {row['tool']}: {version} DIFFERS")
                if only_mine:
                    print(f"      only mailtls: {', '.join(only_mine)}")
                if only_theirs:
                    print(f"      only {row['tool']}: {', '.join(only_theirs)}")
            for key in ("errors", "unnamed"):
                if row["extras"] and row["extras"].get(key):
                    print(f"      {key}: {row['extras'][key]}")

    print()
    print(f"Commands (port {ports[-1]}; timed runs; WORKDIR/mailtls is the copy of {binary['path']}):")
    for row in [r for r in rows if r["port"] == ports[-1]]:
        print("  " + " ".join(row["command"]).replace(workdir, "WORKDIR"))
    if args.trace:
        print("Traced run: the same command after " + " ".join(STRACE) + " -o FILE")

    if args.json_out:
        def plain(value):
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, set):
                return sorted(value)
            if isinstance(value, (list, tuple)):
                return [plain(v) for v in value]
            return value
        with open(args.json_out, "w", encoding="utf-8") as handle:
            json.dump({"host": args.host, "servername": args.servername, "runs": args.runs, "mailtls": binary,
                       "started": started.isoformat(), "finished": finished.isoformat(), "rows": plain(rows),
                       "agreement": agreement}, handle, indent=1)


if __name__ == "__main__":
    main()
