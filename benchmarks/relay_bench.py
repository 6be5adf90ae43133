#!/usr/bin/env python3
"""Measures `mailtls relay` beside Postfix configured as the same relay, in one run (issue #13).

Both relays take plain SMTP from devices on 127.0.0.1 (mailtls on --mailtls-port, Postfix on --postfix-port; both
offer STARTTLS, neither load generator uses it) for recipients @mailbox.mailtls.test only, spool each message with
fsync before the 250, and deliver it to the same upstream: the lab's MAILBOX Postfix at 127.0.0.20:587 (STARTTLS,
TLS >= 1.2, certificate verified against the lab CA, AUTH PLAIN as alice@mailtls.test), which hands it over LMTP
to Dovecot's Maildir ($LAB_MAILBOX_MAILDIR). Each relay keeps at most --connections upstream connections
(mailtls `upstream.connections`, Postfix `default_destination_concurrency_limit`).

The Postfix relay is a separate instance this script starts with its own main.cf/master.cf and queue in the work
directory (`postfix -c DIR start`): relayhost [127.0.0.20]:587, smtp_tls_security_level = secure, SASL with a
texthash sasl_passwd map, relay_domains = mailbox.mailtls.test, clients from 127.0.0.1 only, stock durability
(Postfix always fsyncs its queue files before the 250) and stock TLS connection handling (no connection reuse:
one TLS handshake and login per delivery; --postfix-tls-reuse turns smtp_tls_connection_reuse on).

Per relay: phases 1-4 with one fresh relay process and spool, phase 5 with another:
  1. warm-up: 20 messages, waited for in the Maildir;
  2. throughput: `smtp-source -s SESSIONS -m MESSAGES -l SIZE` (one connection per message, as devices send);
     messages per second = MESSAGES / wall time of smtp-source, while the relay delivers upstream at the same time;
  3. drain: time from the start of smtp-source until all MESSAGES are in the Maildir;
  4. acceptance latency: this script's own client sends --latency-messages over --latency-connections persistent
     connections; latency = from sending the final "." to reading the 250;
  5. queued: the upstream replaced by a loopback address where nothing listens ($LAB_REFUSED), MESSAGES sent again
     with smtp-source (the acceptance-only throughput) and left in the queue; the peak resident set is mailtls's
     VmHWM, and for Postfix the peak of the sum of VmRSS over its master and all its children (sampled every 0.2 s;
     shared pages count in every process that maps them, so the sum overstates; PSS is shown beside it).
With --rounds N (default 3) each relay goes through all phases N times, the order alternating between rounds;
rates and drain times are medians, the latency percentiles are over all rounds' messages, the RSS the largest.
Every message carries a marker (sender relay-bench-RUNID@bench.test, a Subject naming the run, relay and phase);
they are deleted from the Maildir as soon as they are counted, and at exit. Only loopback addresses are contacted.
The upstream and the machine are shared with whatever else uses the lab at the time: the report says how busy the
CPUs were at the start, and a busy machine makes every figure noisier.

Prints a table and the goals of the issue (msgs/s at 4 KB >= Postfix's, p99 acceptance latency <= Postfix's, peak
RSS <= 64 MB with 1,000 messages queued). Exit 0 whether a goal is met or not, 1 when a run breaks (its logs are
kept and named).
"""
import argparse
import math
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

MB = 1024 * 1024
GOAL_RSS_MB = 64
UPSTREAM_DOMAIN = "mailbox.mailtls.test"
RECIPIENT = f"alice@{UPSTREAM_DOMAIN}"
SUSPICIOUS = re.compile(r"error|fail|fatal|panic|warning|defer|retry|refused|timed? ?out|reset|crash", re.I)


class BenchError(Exception):
    """A run broke: the benchmark cannot give a figure."""


def log(message):
    print(f"relay_bench: {message}", file=sys.stderr, flush=True)


def read_env(path):
    env = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            key, sep, value = line.strip().partition("=")
            if sep:
                env[key] = value
    return env


def nearest_rank(values, fraction):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def tail(path, lines=20):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return "".join(handle.readlines()[-lines:])
    except OSError as error:
        return f"({path}: {error})\n"


# --- processes and memory -----------------------------------------------------------------------------------------

def proc_status(pid):
    """VmRSS and VmHWM of a process in bytes, or None when it is gone."""
    values = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    key, amount = line.split(":", 1)
                    values[key] = int(amount.split()[0]) * 1024
    except OSError:
        return None
    return values


def proc_pss(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def children_of(parent):
    """Direct children of parent (Postfix's daemons are all children of its master)."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            found.append(int(name))
    return found


class MemorySampler(threading.Thread):
    """Samples the summed VmRSS of the processes pids() names, every interval; keeps the peak."""

    def __init__(self, pids, interval=0.2):
        super().__init__(daemon=True)
        self.pids, self.interval = pids, interval
        self.peak, self.peak_processes = 0, 0
        self.stopping = threading.Event()

    def sample(self):
        total, count = 0, 0
        for pid in self.pids():
            status = proc_status(pid)
            if status:
                total += status.get("VmRSS", 0)
                count += 1
        if total > self.peak:
            self.peak, self.peak_processes = total, count

    def run(self):
        while not self.stopping.is_set():
            self.sample()
            self.stopping.wait(self.interval)

    def stop(self):
        self.stopping.set()
        self.join()
        self.sample()


# --- SMTP ------------------------------------------------------------------------------------------------------------

def wait_greeting(port, timeout, alive):
    """Waits until 127.0.0.1:port answers with a 220."""
    deadline = time.monotonic() + timeout
    last = "nothing"
    while time.monotonic() < deadline:
        if not alive():
            raise BenchError(f"the relay exited before it listened on 127.0.0.1:{port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
                greeting = connection.makefile("rb").readline()
                if greeting.startswith(b"220"):
                    connection.sendall(b"QUIT\r\n")
                    return
                last = greeting.decode(errors="replace").strip()
        except OSError as error:
            last = str(error)
        time.sleep(0.1)
    raise BenchError(f"127.0.0.1:{port} did not greet within {timeout} s (last: {last})")


def port_is_free(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except OSError:
        return True


class SMTPClient:
    """A minimal SMTP client over one persistent connection that times the final dot."""

    def __init__(self, port, timeout=60):
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = self.socket.makefile("rb")
        self.expect(b"220")
        self.command(b"EHLO bench.test", b"250")

    def reply(self):
        lines = []
        while True:
            line = self.reader.readline()
            if not line:
                raise BenchError("the relay closed the connection: " + b" | ".join(lines).decode(errors="replace"))
            lines.append(line.rstrip())
            if len(line) < 4 or line[3:4] != b"-":
                return lines

    def expect(self, code):
        lines = self.reply()
        if not lines[-1].startswith(code):
            raise BenchError(f"expected {code.decode()}, got: " + " | ".join(x.decode(errors="replace") for x in lines))
        return lines

    def command(self, line, code):
        self.socket.sendall(line + b"\r\n")
        return self.expect(code)

    def send(self, sender, recipient, body):
        """Sends one message; returns the seconds from the final dot to the 250."""
        self.command(b"MAIL FROM:<" + sender.encode() + b">", b"250")
        self.command(b"RCPT TO:<" + recipient.encode() + b">", b"250")
        self.command(b"DATA", b"354")
        self.socket.sendall(body)
        started = time.perf_counter()
        self.socket.sendall(b".\r\n")
        self.expect(b"250")
        return time.perf_counter() - started

    def close(self):
        try:
            self.command(b"QUIT", b"221")
        except (OSError, BenchError):
            pass
        self.socket.close()


def message_body(subject, sender, size, number):
    """Headers and a payload of size bytes in 80-byte lines, dot-stuffed, ending in CRLF (no final dot)."""
    header = (f"From: <{sender}>\r\nTo: <{RECIPIENT}>\r\nSubject: {subject}\r\n"
              f"Message-ID: <{number}.{subject.replace(' ', '.')}@bench.test>\r\n\r\n")
    lines, left, index = [], size, 0
    while left > 0:
        text = f"{index}".ljust(min(78, max(left - 2, 1)), "X")
        lines.append(text + "\r\n")
        left -= len(text) + 2
        index += 1
    return (header + "".join(lines)).encode()


def latency_run(port, sender, subject, count, connections, size):
    """count messages over connections persistent connections; returns (latencies in seconds, wall seconds)."""
    latencies, errors = [], []
    lock = threading.Lock()
    shares = [count // connections + (1 if i < count % connections else 0) for i in range(connections)]

    def worker(index, share):
        try:
            client = SMTPClient(port)
            mine = [client.send(sender, RECIPIENT, message_body(subject, sender, size, index * 100000 + n))
                    for n in range(share)]
            client.close()
            with lock:
                latencies.extend(mine)
        except (OSError, BenchError) as error:
            with lock:
                errors.append(f"connection {index}: {error}")

    threads = [threading.Thread(target=worker, args=(i, share)) for i, share in enumerate(shares)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if errors:
        raise BenchError("latency client: " + "; ".join(errors))
    return latencies, wall


def smtp_source(port, sender, subject, count, sessions, size):
    """Runs smtp-source; returns its wall time in seconds."""
    command = ["smtp-source", "-s", str(sessions), "-m", str(count), "-l", str(size), "-M", "bench.test",
               "-f", sender, "-t", RECIPIENT, "-S", subject, f"127.0.0.1:{port}"]
    started = time.perf_counter()
    process = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if process.returncode != 0 or process.stderr.strip():
        raise BenchError(f"{' '.join(command)} exited {process.returncode}: "
                         f"{(process.stderr or process.stdout).strip()[:800]}")
    return wall


# --- the Maildir ----------------------------------------------------------------------------------------------------

class Maildir:
    """Counts and removes this run's messages (found by their marker) in the upstream's Maildir."""

    def __init__(self, path, marker):
        self.path, self.marker = path, marker.encode()
        self.seen = {}  # unique name (before ":") -> Subject line, or None when not ours
        self.removed = 0

    def files(self):
        for folder in ("new", "cur"):
            directory = os.path.join(self.path, folder)
            try:
                names = os.listdir(directory)
            except FileNotFoundError:
                continue
            for name in names:
                yield name.split(":", 1)[0], os.path.join(directory, name)

    @staticmethod
    def head(path):
        try:
            with open(path, "rb") as handle:
                return handle.read(8192).split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
        except OSError:
            return None

    def count(self, subject):
        wanted = f"Subject: {subject}".encode()
        total = 0
        for key, path in self.files():
            if key not in self.seen:
                head = self.head(path)
                if head is None:
                    continue
                match = re.search(rb"^Subject: [^\r\n]*", head, re.M) if self.marker in head else None
                self.seen[key] = match.group(0) if match else None
            if self.seen[key] == wanted:
                total += 1
        return total

    def wait(self, subject, count, started, timeout):
        """Waits until count messages with subject are in; returns seconds since started (perf_counter)."""
        deadline = time.monotonic() + timeout
        while True:
            have = self.count(subject)
            if have >= count:
                return time.perf_counter() - started
            if time.monotonic() > deadline:
                raise BenchError(f"only {have} of {count} messages '{subject}' reached {self.path} in {timeout} s")
            time.sleep(0.05)

    def clean(self, pattern=None):
        """Deletes every message whose header holds the marker (or matches pattern, bytes regex). Repeats while it
        finds any: an IMAP client of someone else's may move a message from new/ to cur/ under our feet."""
        removed = 0
        for _ in range(10):
            found = 0
            for key, path in list(self.files()):
                head = self.head(path)
                if head is None:
                    found += 1
                    continue
                if pattern.search(head) if pattern else self.marker in head:
                    found += 1
                    try:
                        os.unlink(path)
                        removed += 1
                    except FileNotFoundError:
                        pass
                self.seen.pop(key, None)
            if not found:
                break
        self.removed += removed
        return removed


# --- the two relays -------------------------------------------------------------------------------------------------

class MailtlsRelay:
    name = "mailtls relay"
    tag = "mailtls"

    def __init__(self, args, env, workdir):
        self.binary, self.port, self.env, self.workdir = args.mailtls, args.mailtls_port, env, workdir
        self.connections = args.connections
        self.process, self.directory, self.logfile = None, None, None
        self.password_file = os.path.join(workdir, "upstream-password")
        shutil.copyfile(env["LAB_PASSWORD_FILE"], self.password_file)
        os.chmod(self.password_file, 0o600)

    def version(self):
        out = subprocess.run([self.binary, "--version"], capture_output=True, text=True, check=True).stdout
        return f"mailtls {out.strip()}"

    def start(self, phase, upstream_host, upstream_port):
        self.directory = os.path.join(self.workdir, f"mailtls-{phase}")
        os.makedirs(self.directory)
        config = os.path.join(self.directory, "relay.yaml")
        with open(config, "w", encoding="utf-8") as handle:
            handle.write(f"""# Generated by benchmarks/relay_bench.py
hostname: relay.test
listen:
  - {{ address: 127.0.0.1, port: {self.port}, mode: starttls }}
rules:
  recipient_domains: [{UPSTREAM_DOMAIN}]
  max_messages_per_minute_per_client: 1000000
spool:
  directory: {self.directory}/spool
upstream:
  host: {upstream_host}
  port: {upstream_port}
  ca_file: {self.env["LAB_CA"]}
  connections: {self.connections}
  auth: {{ mechanism: plain, user: {self.env["LAB_USER"]}, password_file: {self.password_file} }}
""")
        self.logfile = os.path.join(self.directory, "relay.log")
        with open(self.logfile, "wb") as output:
            self.process = subprocess.Popen([self.binary, "relay", "run", "--config", config, "--no-color"],
                                            stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        try:
            wait_greeting(self.port, 30, lambda: self.process.poll() is None)
        except BenchError as error:
            raise BenchError(f"{error}\n{tail(self.logfile)}") from None

    def pids(self):
        return [self.process.pid] if self.process and self.process.poll() is None else []

    def vmhwm(self):
        """The relay's peak resident set so far, in bytes."""
        return (proc_status(self.process.pid) or {}).get("VmHWM", 0)

    def pss(self):
        return proc_pss(self.process.pid)

    def cpu_seconds(self):
        """User + system CPU time the relay has used so far."""
        with open(f"/proc/{self.process.pid}/stat", encoding="ascii", errors="replace") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def queued(self):
        """Messages in the queue: one queue/ID.msg each (content with the envelope as a trailer; an ID.state beside
        it after an attempt). A mailtls before c0993fa kept queue/ID.eml + ID.env instead: those count by .env."""
        queue = os.path.join(self.directory, "spool", "queue")
        return sum(1 for name in os.listdir(queue) if name.endswith((".msg", ".env")))

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def stop(self, notes):
        """SIGTERM, then up to 20 s for a clean exit; anything else goes into notes."""
        if self.process is None:
            return
        if self.process.poll() is not None:
            notes.append(f"mailtls relay ({os.path.basename(self.directory)}) had exited by itself with status "
                         f"{self.process.returncode}; log {self.logfile}")
        else:
            started = time.perf_counter()
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
                took = time.perf_counter() - started
                if self.process.returncode != 0 or took > 5:
                    notes.append(f"mailtls relay ({os.path.basename(self.directory)}) took {took:.1f} s to stop on "
                                 f"SIGTERM, exit status {self.process.returncode}")
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                notes.append(f"mailtls relay ({os.path.basename(self.directory)}) ignored SIGTERM for 20 s; killed")
        self.process = None

    def suspicious(self):
        """Log lines that speak of errors (while delivering, none are expected)."""
        with open(self.logfile, encoding="utf-8", errors="replace") as handle:
            return [line.rstrip() for line in handle if SUSPICIOUS.search(line)]


class PostfixRelay:
    name = "Postfix"
    tag = "postfix"

    def __init__(self, args, env, workdir):
        self.port, self.env, self.workdir = args.postfix_port, env, workdir
        self.connections, self.tls_reuse = args.connections, args.postfix_tls_reuse
        self.directory = None
        with open(env["LAB_PASSWORD_FILE"], encoding="utf-8") as handle:
            self.password = handle.read().strip()

    @staticmethod
    def version():
        out = subprocess.run(["postconf", "-d", "-h", "mail_version"], capture_output=True, text=True, check=True)
        return f"Postfix {out.stdout.strip()}"

    def start(self, phase, upstream_host, upstream_port):
        base = self.directory = os.path.join(self.workdir, f"postfix-{phase}")
        etc, queue, data = (os.path.join(base, part) for part in ("etc", "queue", "data"))
        for folder in (etc, queue, data):
            os.makedirs(folder)
        shutil.chown(data, "postfix")
        lab, pki = self.env["LAB_DIR"], os.path.join(self.env["LAB_DIR"], "pki")
        nexthop = f"[{upstream_host}]:{upstream_port}"
        with open(os.path.join(etc, "sasl_passwd"), "w", encoding="utf-8", opener=private_opener) as handle:
            handle.write(f"{nexthop} {self.env['LAB_USER']}:{self.password}\n")
        reuse = "yes" if self.tls_reuse else "no"
        with open(os.path.join(etc, "main.cf"), "w", encoding="utf-8") as handle:
            handle.write(f"""# Generated by benchmarks/relay_bench.py: Postfix as the same relay as mailtls relay.
compatibility_level = 3.6
config_directory = {etc}
queue_directory = {queue}
data_directory = {data}
meta_directory = /etc/postfix
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file = {base}/postfix.log
maillog_file_prefixes = {base}
syslog_name = mailtls-relay-bench
biff = no
readme_directory = no

myhostname = relay-postfix.test
mydomain = bench.test
myorigin = $myhostname
inet_protocols = ipv4
inet_interfaces = 127.0.0.1
mynetworks = 127.0.0.1/32
smtpd_peername_lookup = no
smtp_dns_support_level = disabled

# Devices: 127.0.0.1 only, recipients @{UPSTREAM_DOMAIN} only (mailtls: allowed_networks, recipient_domains).
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
relay_domains = {UPSTREAM_DOMAIN}
smtpd_client_restrictions = permit_mynetworks, reject
smtpd_relay_restrictions = reject_unauth_destination
smtpd_recipient_restrictions =
# STARTTLS offered (mailtls: mode starttls), not required.
smtpd_tls_chain_files = {pki}/good.key, {pki}/good.chain.pem
smtpd_tls_security_level = may

# Upstream: the lab's MAILBOX Postfix, STARTTLS, TLS >= 1.2, certificate verified, AUTH PLAIN,
# at most {self.connections} connections (mailtls: upstream.connections).
relayhost = {nexthop}
default_destination_concurrency_limit = {self.connections}
smtp_tls_security_level = secure
smtp_tls_CAfile = {self.env["LAB_CA"]}
smtp_tls_mandatory_protocols = >=TLSv1.2
# One log line per upstream TLS connection ("Verified TLS connection established"), as mailtls logs each delivery.
smtp_tls_loglevel = 1
smtp_tls_secure_cert_match = {UPSTREAM_DOMAIN}
smtp_tls_connection_reuse = {reuse}
smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = texthash:{etc}/sasl_passwd
smtp_sasl_security_options = noanonymous
smtp_sasl_tls_security_options = noanonymous
smtp_sasl_mechanism_filter = plain
""")
        with open(os.path.join(etc, "master.cf"), "w", encoding="utf-8") as handle:
            handle.write(f"""# Generated by benchmarks/relay_bench.py (no chroot: the queue is in a temporary directory)
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:{self.port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
  -o syslog_name=mailtls-relay-bench/$service_name
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
tlsproxy  unix  -       -       n       -       0       tlsproxy
postlog   unix-dgram n  -       n       -       1       postlogd
""")
        self.etc = etc
        process = subprocess.run(["postfix", "-c", etc, "start"], stdin=subprocess.DEVNULL, capture_output=True,
                                 text=True, close_fds=True)
        if process.returncode != 0:
            raise BenchError(f"postfix -c {etc} start: {process.stdout}{process.stderr}"
                             f"{tail(os.path.join(base, 'postfix.log'))}")
        wait_greeting(self.port, 30, lambda: self.master() is not None)

    def master(self):
        try:
            with open(os.path.join(self.directory, "queue", "pid", "master.pid"), encoding="ascii") as handle:
                pid = int(handle.read().strip())
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                return pid if b"master" in handle.read() else None
        except (OSError, ValueError):
            return None

    def pids(self):
        master = self.master()
        return [master] + children_of(master) if master else []

    def pss(self):
        return sum(proc_pss(pid) for pid in self.pids())

    @staticmethod
    def cpu_seconds():
        """Not measured: Postfix's daemons come and go, and those that have exited are not counted anywhere."""
        return math.nan

    def queued(self):
        queue = os.path.join(self.directory, "queue")
        total = 0
        for folder in ("maildrop", "incoming", "active", "deferred", "hold"):
            for _, _, files in os.walk(os.path.join(queue, folder)):
                total += len(files)
        return total

    def alive(self):
        return self.master() is not None

    def stop(self, notes):
        if self.directory is None:
            return
        master = self.master()
        if master:
            subprocess.run(["postfix", "-c", self.etc, "stop"], stdin=subprocess.DEVNULL, capture_output=True,
                           close_fds=True)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and os.path.exists(f"/proc/{master}"):
                time.sleep(0.1)
            if os.path.exists(f"/proc/{master}"):
                notes.append(f"Postfix master {master} did not stop within 20 s")
        self.directory = None

    def suspicious(self):
        """Log lines that speak of errors (while delivering, none are expected)."""
        with open(os.path.join(self.directory, "postfix.log"), encoding="utf-8", errors="replace") as handle:
            return [line.rstrip() for line in handle
                    if re.search(r"warning|error|fatal|panic|status=(deferred|bounced)", line)]


def private_opener(path, flags):
    return os.open(path, flags, 0o600)


# --- one relay, all phases ------------------------------------------------------------------------------------------

def measure(relay, args, env, maildir, run_id, round_number, notes):
    """All phases for one relay, one round; returns the figures."""
    result = {"name": relay.name}
    began = time.perf_counter()

    def step(message):
        log(f"round {round_number}, {relay.name}: {message} (at {time.perf_counter() - began:.1f} s)")

    sender = f"relay-bench-{run_id}@bench.test"

    def subject(phase):
        return f"relay-bench-{run_id} {relay.tag}-{phase}-r{round_number}"

    upstream = (env["LAB_MAILBOX"], 587)
    relay.start(f"deliver-r{round_number}", *upstream)
    try:
        step("warm-up")
        warm = time.perf_counter()
        smtp_source(relay.port, sender, subject("warmup"), 20, args.sessions, args.size)
        maildir.wait(subject("warmup"), 20, warm, args.drain_timeout)

        step(f"{args.messages} messages of {args.size} B with smtp-source -s {args.sessions}")
        cpu = relay.cpu_seconds()
        load = time.perf_counter()
        wall = smtp_source(relay.port, sender, subject("load"), args.messages, args.sessions, args.size)
        result["throughput"] = args.messages / wall
        result["load_seconds"] = wall
        result["drain"] = maildir.wait(subject("load"), args.messages, load, args.drain_timeout)
        result["cpu_load"] = relay.cpu_seconds() - cpu
        maildir.clean()  # others' tests read this mailbox: keep what we add to it small

        step(f"acceptance latency, {args.latency_messages} messages over {args.latency_connections} connections")
        latencies, wall = latency_run(relay.port, sender, subject("latency"), args.latency_messages,
                                      args.latency_connections, args.size)
        result["latencies"] = latencies
        result["latency_rate"] = args.latency_messages / wall
        mark = time.perf_counter()
        maildir.wait(subject("latency"), args.latency_messages, mark, args.drain_timeout)
        maildir.clean()
        result["rss_delivering"] = relay.vmhwm() if isinstance(relay, MailtlsRelay) else 0
        result["suspicious"] = relay.suspicious()
        if not relay.alive():
            raise BenchError(f"{relay.name} died during the delivery phase")
    finally:
        relay.stop(notes)

    refused = env.get("LAB_REFUSED", "127.0.0.9")
    relay.start(f"queued-r{round_number}", refused, 587)
    try:
        step(f"{args.messages} messages queued, upstream {refused}:587 refuses connections")
        result["rss_idle"] = sum((proc_status(pid) or {}).get("VmRSS", 0) for pid in relay.pids())
        sampler = MemorySampler(relay.pids)
        sampler.start()
        wall = smtp_source(relay.port, sender, subject("queued"), args.messages, args.sessions, args.size)
        result["throughput_queued"] = args.messages / wall
        time.sleep(args.settle)
        sampler.stop()
        result["queued"] = relay.queued()
        if result["queued"] != args.messages:
            notes.append(f"{relay.name}: {result['queued']} messages in its queue after {args.messages} were "
                         "accepted with the upstream unreachable")
        if isinstance(relay, MailtlsRelay):
            result["rss_queued"], result["rss_label"] = relay.vmhwm(), "VmHWM"
        else:
            result["rss_queued"] = sampler.peak
            result["rss_label"] = f"sum of {sampler.peak_processes} processes"
        result["pss_queued"] = relay.pss()
        result["sampled_peak"] = sampler.peak
        if not relay.alive():
            raise BenchError(f"{relay.name} died while messages were queued")
    finally:
        stopping = time.perf_counter()
        relay.stop(notes)
        result["stop_seconds"] = time.perf_counter() - stopping
    result["seconds"] = time.perf_counter() - began
    return result


def combine(rounds):
    """One row from the rounds of one relay: medians of rates and times, latency percentiles over all messages,
    the largest resident set."""
    row = {"name": rounds[0]["name"], "rounds": rounds}
    for key in ("throughput", "throughput_queued", "drain", "latency_rate", "cpu_load"):
        row[key] = statistics.median(r[key] for r in rounds)
    latencies = [value for r in rounds for value in r["latencies"]]
    row["p50"], row["p99"], row["max"] = statistics.median(latencies), nearest_rank(latencies, 0.99), max(latencies)
    worst = max(rounds, key=lambda r: r["rss_queued"])
    for key in ("rss_queued", "rss_label", "pss_queued"):
        row[key] = worst[key]
    for key in ("rss_delivering", "rss_idle", "stop_seconds"):
        row[key] = max(r[key] for r in rounds)
    row["suspicious"] = [line for r in rounds for line in r["suspicious"]]
    row["seconds"] = sum(r["seconds"] for r in rounds)
    return row


# --- the report -----------------------------------------------------------------------------------------------------

def fs_type(path):
    try:
        out = subprocess.run(["findmnt", "-n", "-o", "FSTYPE,OPTIONS", "--target", path], capture_output=True,
                             text=True, check=True).stdout.split()
        return f"{out[0]} ({out[1]})" if len(out) > 1 else out[0]
    except (OSError, subprocess.CalledProcessError, IndexError):
        return "unknown"


def cpu_busy(seconds=1.0):
    """The share of all CPUs that was not idle over the next seconds (/proc/stat)."""
    def sample():
        with open("/proc/stat", encoding="ascii") as handle:
            values = [int(value) for value in handle.readline().split()[1:]]
        return sum(values), values[3] + values[4]  # idle + iowait

    total, idle = sample()
    time.sleep(seconds)
    total2, idle2 = sample()
    return 1 - (idle2 - idle) / max(total2 - total, 1)


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def report(args, results, versions, filesystem, notes):
    ms = 1000
    mailtls, postfix = results["mailtls"], results["postfix"]
    build = "debug" if "/debug/" in args.mailtls else "release" if "/release/" in args.mailtls else "?"
    print()
    print(f"mailtls relay beside Postfix as the same relay: {args.messages} messages of {args.size} B from "
          f"smtp-source -s {args.sessions} (a connection per message); latency: {args.latency_messages} messages "
          f"over {args.latency_connections} connections")
    print(f"upstream: lab MAILBOX Postfix {results['upstream']}:587 (STARTTLS, verified, AUTH PLAIN) -> Dovecot "
          f"Maildir; {args.connections} upstream connections each")
    print(f"versions: {versions['mailtls']} ({build} build, {args.mailtls}), {versions['postfix']}, "
          f"smtp-source from {versions['postfix']}")
    print(f"machine: {os.cpu_count()} CPUs ({cpu_model()}), Linux {platform.release()}, at the start "
          f"{results['load']}; spool and queue file system: {filesystem}")
    rounds = len(mailtls["rounds"])
    print(f"{rounds} round{'s' if rounds > 1 else ''}, alternating which relay goes first: rates and drain are the "
          f"median of the rounds, latency percentiles are over all {rounds * args.latency_messages} messages of a "
          "relay, peak RSS the largest")
    print()
    header = (f"{'relay':16} {'msgs/s 4KB':>10} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'drain s':>8} "
              f"{f'peak RSS MB, {args.messages} queued':>34} {'accept only msgs/s':>19}")
    print(header)
    for row in (mailtls, postfix):
        rss = f"{row['rss_queued'] / MB:.1f} ({row['rss_label']})"
        print(f"{row['name']:16} {row['throughput']:>10.1f} {row['p50'] * ms:>7.2f} {row['p99'] * ms:>7.2f} "
              f"{row['max'] * ms:>7.2f} {row['drain']:>8.2f} {rss:>34} {row['throughput_queued']:>19.1f}")
    print()
    goals = [
        ("msgs/s at 4 KB", f"{mailtls['throughput']:.1f}", f"{postfix['throughput']:.1f}", ">= Postfix's",
         mailtls["throughput"] >= postfix["throughput"]),
        ("p99 acceptance latency", f"{mailtls['p99'] * ms:.2f} ms", f"{postfix['p99'] * ms:.2f} ms", "<= Postfix's",
         mailtls["p99"] <= postfix["p99"]),
        (f"peak RSS, {args.messages} queued", f"{mailtls['rss_queued'] / MB:.1f} MB",
         f"{postfix['rss_queued'] / MB:.1f} MB (sum)", f"<= {GOAL_RSS_MB} MB",
         mailtls["rss_queued"] <= GOAL_RSS_MB * MB),
    ]
    print(f"{'goal (issue #13)':28} {'mailtls':>12} {'Postfix':>18} {'goal':>14} {'met':>4}")
    for name, ours, theirs, goal, met in goals:
        print(f"{name:28} {ours:>12} {theirs:>18} {goal:>14} {'yes' if met else 'NO':>4}")
    if args.messages != 1000 or args.size != 4096:
        print(f"(the goals are stated for 1,000 messages of 4 KB; this run used {args.messages} of {args.size} B)")
    print()
    def per_round(key, scale=1.0, digits=0):
        return "/".join(f"{r[key] * scale:.{digits}f}" for r in mailtls["rounds"]), \
            "/".join(f"{r[key] * scale:.{digits}f}" for r in postfix["rounds"])

    for label, key, scale, digits in (("msgs/s at 4 KB", "throughput", 1, 0), ("drain s", "drain", 1, 1),
                                      ("accept only msgs/s", "throughput_queued", 1, 0),
                                      ("peak RSS MB", "rss_queued", 1 / MB, 1)):
        ours, theirs = per_round(key, scale, digits)
        print(f"per round, {label}: mailtls {ours}; Postfix {theirs}")
    for row in (mailtls, postfix):
        p99s = "/".join(f"{nearest_rank(r['latencies'], 0.99) * ms:.1f}" for r in row["rounds"])
        p50s = "/".join(f"{statistics.median(r['latencies']) * ms:.1f}" for r in row["rounds"])
        print(f"per round, {row['name']} latency ms: p50 {p50s}; p99 {p99s}")
    print()
    print(f"mailtls relay VmHWM while delivering: {mailtls['rss_delivering'] / MB:.1f} MB; with {args.messages} "
          f"queued: PSS {mailtls['pss_queued'] / MB:.1f} MB. Postfix with {args.messages} queued: PSS summed over "
          f"its processes {postfix['pss_queued'] / MB:.1f} MB (after the run; RSS sum peak above)")
    print(f"resident set right after start, before any mail: mailtls {mailtls['rss_idle'] / MB:.1f} MB, Postfix "
          f"{postfix['rss_idle'] / MB:.1f} MB (sum). Time to stop with {args.messages} queued: mailtls (SIGTERM) "
          f"{mailtls['stop_seconds']:.1f} s, Postfix (postfix stop, until its master is gone) "
          f"{postfix['stop_seconds']:.1f} s")
    print(f"mailtls relay CPU time (user + system) from the start of smtp-source to the end of the drain: "
          f"{mailtls['cpu_load']:.2f} s for {args.messages} messages")
    print(f"latency client rate (persistent connections): mailtls {mailtls['latency_rate']:.1f} msgs/s, "
          f"Postfix {postfix['latency_rate']:.1f} msgs/s. Drain = start of smtp-source until the last of the "
          f"{args.messages} is in the Maildir; Postfix TLS connection reuse: "
          f"{'on' if args.postfix_tls_reuse else 'off (stock)'}")
    for row in (mailtls, postfix):
        if row["suspicious"]:
            notes.append(f"{row['name']}: {len(row['suspicious'])} log lines with errors or warnings while "
                         "delivering, first ones:\n    " + "\n    ".join(row["suspicious"][:5]))
    if notes:
        print()
        print("notes:")
        for note in notes:
            print(f"  - {note}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--mailtls", required=True, help="the mailtls binary")
    parser.add_argument("--lab-env", default=os.path.join(os.environ.get("LAB_DIR", "/tmp/mailtls-lab"), "lab.env"))
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--size", type=int, default=4096, help="payload bytes per message (smtp-source -l)")
    parser.add_argument("--sessions", type=int, default=4, help="smtp-source -s")
    parser.add_argument("--latency-messages", type=int, default=500)
    parser.add_argument("--latency-connections", type=int, default=4)
    parser.add_argument("--connections", type=int, default=4, help="upstream connections of each relay")
    parser.add_argument("--mailtls-port", type=int, default=2525)
    parser.add_argument("--postfix-port", type=int, default=2526)
    parser.add_argument("--rounds", type=int, default=3,
                        help="measure each relay this many times, alternating which goes first (default 3)")
    parser.add_argument("--postfix-first", action="store_true", help="measure Postfix first in odd rounds")
    parser.add_argument("--postfix-tls-reuse", action="store_true",
                        help="smtp_tls_connection_reuse = yes (Postfix keeps its upstream TLS connections)")
    parser.add_argument("--drain-timeout", type=float, default=300)
    parser.add_argument("--settle", type=float, default=5,
                        help="seconds the queued relay keeps running (and retrying) before RSS is read")
    parser.add_argument("--workdir", default=os.environ.get("TMPDIR", "/tmp"),
                        help="where the spools and the Postfix queue go (its file system is what fsync costs)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (configs, spools, logs)")
    args = parser.parse_args()
    args.mailtls = os.path.abspath(args.mailtls)

    if os.geteuid() != 0:
        log("must run as root (Postfix)")
        return 1
    for tool in ("smtp-source", "postfix", "postconf", "findmnt"):
        if not shutil.which(tool):
            log(f"{tool} not found (scripts/install-deps installs it; postfix lives in /usr/sbin)")
            return 1
    if not os.access(args.mailtls, os.X_OK):
        log(f"{args.mailtls}: not an executable")
        return 1
    env = read_env(args.lab_env)
    for port in (args.mailtls_port, args.postfix_port):
        if not port_is_free(port):
            log(f"127.0.0.1:{port} is already taken")
            return 1

    run_id = f"{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}"
    workdir = tempfile.mkdtemp(prefix="mailtls-relay-bench.", dir=args.workdir)
    os.chmod(workdir, 0o755)  # Postfix's daemons (user postfix) reach their queue through it
    maildir = Maildir(env["LAB_MAILBOX_MAILDIR"], f"relay-bench-{run_id}")
    # Messages left behind by an earlier run that was killed before it cleaned up.
    stale = maildir.clean(re.compile(rb"^Return-Path: <relay-bench-[0-9-]+@bench\.test>", re.M))
    if stale:
        log(f"removed {stale} messages of earlier runs from {maildir.path}")

    mailtls, postfix = MailtlsRelay(args, env, workdir), PostfixRelay(args, env, workdir)
    relays = [postfix, mailtls] if args.postfix_first else [mailtls, postfix]
    versions = {"mailtls": mailtls.version(), "postfix": postfix.version()}
    filesystem = f"{fs_type(workdir)}, {args.workdir}"
    busy = cpu_busy()
    load = f"CPUs {busy:.0%} busy in the second before"
    notes_at_start = []
    if busy > 0.25:
        notes_at_start.append(f"the machine was busy when the run began ({busy:.0%} of its CPUs): other work "
                              "competes with both relays, the figures are noisier than usual")
    rounds, notes, failed = {"mailtls": [], "postfix": []}, notes_at_start, False
    begun = time.perf_counter()

    def terminate(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, terminate)
    try:
        for number in range(1, args.rounds + 1):
            # Alternate the order: whoever goes second meets a busier Maildir, journal and lab Postfix.
            for relay in relays if number % 2 else reversed(relays):
                result = measure(relay, args, env, maildir, run_id, number, notes)
                rounds[relay.tag].append(result)
                maildir.clean()
                log(f"round {number}, {relay.name}: done in {result['seconds']:.0f} s; {maildir.removed} messages of "
                    "this run removed from the Maildir so far")
    except (BenchError, OSError, subprocess.CalledProcessError, KeyboardInterrupt) as error:
        failed = True
        log(f"run broke: {error}")
    finally:
        for relay in relays:
            relay.stop(notes)
        maildir.clean()
        if failed or args.keep:
            log(f"work directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if failed:
        return 1
    results = {"upstream": env["LAB_MAILBOX"], "load": load, "mailtls": combine(rounds["mailtls"]),
               "postfix": combine(rounds["postfix"])}
    report(args, results, versions, filesystem, notes)
    print(f"\n(total {time.perf_counter() - begun:.0f} s: mailtls {results['mailtls']['seconds']:.0f} s, "
          f"Postfix {results['postfix']['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
