#!/usr/bin/env python3
"""Times `mailtls check` side by side with openssl s_client, sslyze and testssl.sh on the loopback lab.

The lab runs Postfix and Dovecot with their stock authentication settings (auth failure delay and anvil penalty
on). mailtls runs with its default options: all nine mail ports, the version scan, and the login probe that cancels
an authentication instead of failing one; once on the healthy server and once on the server that takes passwords
before TLS (where the probe reaches the authentication exchange). The peers run on the seven TLS ports (SMTP
25/465/587, IMAP 143/993, POP3 110/995); one openssl s_client handshake is the floor. Wall time is the
median of --runs runs, peak RSS the largest resident set of any process the tool started (ru_maxrss of children).
Prints a table of medians and ratios. Only loopback addresses are contacted.
"""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

PORTS = {25: "smtp", 465: None, 587: "smtp", 143: "imap", 993: None, 110: "pop3", 995: None}


def run_once(commands):
    """Runs commands one after another; returns (seconds, peak RSS in MB of any child)."""
    started = time.perf_counter()
    peak = 0
    for command in commands:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        _, _, usage = os.wait4(process.pid, 0)
        peak = max(peak, usage.ru_maxrss)
    return time.perf_counter() - started, peak / 1024


def measure(name, commands, runs):
    times, peaks = [], []
    for _ in range(runs):
        seconds, peak = run_once(commands)
        times.append(seconds)
        peaks.append(peak)
    return {"name": name, "runs": runs, "median": statistics.median(times), "min": min(times),
            "rss": max(peaks), "processes": len(commands)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mailtls", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--cleartext-host", default="127.0.0.10",
                        help="the lab server that takes a password before TLS (LAB_CLEARTEXT_LOGIN)")
    parser.add_argument("--servername", default="mail.mailtls.test")
    parser.add_argument("--ca-file", required=True)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--peer-runs", type=int, default=3)
    parser.add_argument("--skip-testssl", action="store_true")
    args = parser.parse_args()
    host, name = args.host, args.servername
    ports = ",".join(str(port) for port in PORTS)

    rows = []
    rows.append(measure("mailtls check (defaults, all 9 ports)",
                        [[args.mailtls, "check", host, "--ca-file", args.ca_file, "--servername", name, "--json"]],
                        args.runs))
    rows.append(measure("mailtls check, password-before-TLS server",
                        [[args.mailtls, "check", args.cleartext_host, "--ca-file", args.ca_file,
                          "--servername", name, "--json"]], args.runs))
    rows.append(measure("mailtls check (7 TLS ports)",
                        [[args.mailtls, "check", host, "--ports", ports, "--ca-file", args.ca_file,
                          "--servername", name, "--json"]], args.runs))
    rows.append(measure("mailtls check --no-version-scan",
                        [[args.mailtls, "check", host, "--ports", ports, "--ca-file", args.ca_file,
                          "--servername", name, "--json", "--no-version-scan"]], args.runs))
    openssl = []
    for port, starttls in PORTS.items():
        command = ["openssl", "s_client", "-connect", f"{host}:{port}", "-servername", name,
                   "-CAfile", args.ca_file, "-brief"]
        if starttls:
            command += ["-starttls", starttls]
        openssl.append(command)
    rows.append(measure("openssl s_client (one handshake, port 465)", [openssl[1]], args.runs))
    rows.append(measure("openssl s_client (1 handshake per port)", openssl, args.runs))

    if shutil.which("sslyze"):
        sslyze = [["sslyze", "--quiet", f"{host}:465", f"{host}:993", f"{host}:995"],
                  ["sslyze", "--quiet", "--starttls", "smtp", f"{host}:25", f"{host}:587"],
                  ["sslyze", "--quiet", "--starttls", "imap", f"{host}:143"],
                  ["sslyze", "--quiet", "--starttls", "pop3", f"{host}:110"]]
        rows.append(measure("sslyze (default scan)", sslyze, args.peer_runs))
    else:
        print("sslyze not installed: pip install sslyze", file=sys.stderr)

    testssl = shutil.which("testssl") or shutil.which("testssl.sh")
    if testssl and not args.skip_testssl:
        commands = []
        for port, starttls in PORTS.items():
            command = [testssl, "--quiet", "--color", "0", "--warnings", "batch", "--sneaky"]
            if starttls:
                command += ["-t", starttls]
            commands.append(command + [f"{host}:{port}"])
        rows.append(measure("testssl.sh (default scan)", commands, 1))

    base = rows[0]["median"]
    print(f"{'tool':44} {'runs':>4} {'median s':>9} {'min s':>8} {'x mailtls':>10} {'peak RSS MB':>12}")
    for row in rows:
        ratio = row["median"] / base if base else 0
        print(f"{row['name']:44} {row['runs']:>4} {row['median']:>9.3f} {row['min']:>8.3f} {ratio:>10.1f} "
              f"{row['rss']:>12.1f}")


if __name__ == "__main__":
    main()
