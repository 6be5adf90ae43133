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

Root (tcpdump on lo, strace). Python 3 standard library only. Only loopback addresses are contacted.
Usage: deep_bench.py --mailtls PATH --host 127.0.0.17 --servername NAME --ca-file CA [--runs N] [--ports 465,587,993]
                     [--skip-testssl] [--skip-sslyze] [--timeout SECONDS] [--no-trace] [--json-out FILE] [--keep DIR]
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
        self.path = os.path.join(workdir, f"{label}.pcap")
        self.expression = f"tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn and dst host {host} and dst port {port}"
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
        output = subprocess.run(["tcpdump", "-r", self.path, "-n"], capture_output=True, text=True).stdout
        return len([line for line in output.splitlines() if line.strip()])


# strace: connect() to HOST:PORT, and what the tool does with those sockets' descriptors, in every thread and child.
STRACE = ["strace", "-f", "-q", "--seccomp-bpf", "-e", "trace=connect,close,dup2,dup3,fcntl,clone,clone3",
          "-e", "signal=none"]


def trace_connections(path, host, port, skip=0):
    """Reads an strace -f log: the connect() calls to HOST:PORT and the most of those sockets open at once in the
    tool (from connect() until the last descriptor for it is closed, dup2/F_DUPFD copies followed, threads sharing
    a descriptor table, children with their own). skip: the first `skip` connections (mailtls's base probe) are left
    out of peak_after_skip. Unlike the SYNs on lo, this sees only the tool's own connections."""
    table_of, pending_clone = {}, {}
    aliases, refs = {}, {}
    open_all, open_after = set(), set()
    counts = {"connects": 0, "peak": 0, "peak_after_skip": 0}

    def table(tid):
        return table_of.setdefault(tid, ("own", tid))

    def drop(key):
        conn = aliases.pop(key, None)
        if conn is not None:
            refs[conn] -= 1
            if refs[conn] == 0:
                open_all.discard(conn)
                open_after.discard(conn)

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
                if to_port == port and to_host == host:
                    counts["connects"] += 1
                    conn = counts["connects"]
                    refs[conn] = 0
                    alias((fds, fd), conn)
                    open_all.add(conn)
                    counts["peak"] = max(counts["peak"], len(open_all))
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
    with open(json_path, encoding="utf-8") as handle:
        report = json.load(handle)
    suites, errors = {}, []
    for server in report.get("server_scan_results", []):
        if server.get("scan_status") != "COMPLETED":
            errors.append(f"{server.get('scan_status')}: {server.get('connectivity_error_trace') or ''}".strip())
            continue
        for key, attempt in (server.get("scan_result") or {}).items():
            match = re.match(r"(ssl|tls)_(\d)_(\d)_cipher_suites$", key)
            if not match or not attempt:
                continue
            if attempt.get("status") != "COMPLETED":
                if attempt.get("status") != "NOT_SCHEDULED":
                    errors.append(f"{key}: {attempt.get('status')}")
                continue
            version = normalize_version(f"{match.group(1)}{match.group(2)}.{match.group(3)}")
            suites[version] = {a["cipher_suite"]["name"] for a in attempt["result"]["accepted_cipher_suites"]}
    return suites, {"errors": errors}


# ---------------------------------------------------------------------------------------------------------------------
# Measurement

def run_tool(command, stdout_path, capture_args, timeout):
    """Runs one command under a SYN capture; returns seconds, return code (None on timeout), SYNs, packets the
    kernel dropped before tcpdump saw them."""
    with open(stdout_path, "wb") as out, Capture(*capture_args) as capture:
        started = time.perf_counter()
        # Its own session, so a timeout ends testssl.sh's openssl children (and strace's tracees) too.
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.PIPE,
                                   start_new_session=True)
        try:
            _, stderr = process.communicate(timeout=timeout)
            returncode = process.returncode
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            _, stderr = process.communicate()
            returncode = None
        seconds = time.perf_counter() - started
    if stderr:
        with open(stdout_path + ".stderr", "wb") as handle:
            handle.write(stderr)
    return seconds, returncode, capture.connections(), capture.dropped


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mailtls", required=True)
    parser.add_argument("--host", default="127.0.0.17")
    parser.add_argument("--servername", default="mail.mailtls.test")
    parser.add_argument("--ca-file", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--ports", default="465,587,993")
    parser.add_argument("--skip-testssl", action="store_true")
    parser.add_argument("--skip-sslyze", action="store_true")
    parser.add_argument("--timeout", type=float, default=300,
                        help="seconds one timed run may take (default 300; the traced run gets twice that)")
    parser.add_argument("--no-trace", dest="trace", action="store_false",
                        help="leave out the untimed strace run per tool and port")
    parser.add_argument("--json-out", help="also write every figure to this JSON file")
    parser.add_argument("--keep", help="keep the tools' outputs, captures and traces in this directory")
    args = parser.parse_args()

    if not args.host.startswith("127."):
        parser.error("--host must be a loopback address (127.0.0.0/8)")
    ports = [int(p) for p in args.ports.split(",") if p.strip()]
    for port in ports:
        if port not in PORTS:
            parser.error(f"port {port}: not a mail port this benchmark knows ({', '.join(map(str, PORTS))})")
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
