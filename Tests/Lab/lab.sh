#!/usr/bin/env bash
# shellcheck disable=SC2034
# mailtls integration-test lab: one Postfix, three Dovecots (the main one, the
# AUTH_FAILURES one and the MAILBOX one) and a few small Python peers on
# loopback addresses 127.0.0.1 .. 127.0.0.15 and 127.0.0.17 .. 127.0.0.20 (see
# README.md).
#
#   Tests/Lab/lab.sh up       start (idempotent; returns at once if healthy)
#   Tests/Lab/lab.sh down     stop everything this script started
#   Tests/Lab/lab.sh status   report health; exit 0 when healthy
#   Tests/Lab/lab.sh purge    down + delete $LAB_DIR (PKI and password too)
#
# Environment:
#   LAB_DIR          state directory (default /tmp/mailtls-lab)
#   LAB_UP_TIMEOUT   seconds to wait for all ports after start (default 30;
#                    a normal start takes about 5-8 s)
#   LAB_KEEP_ON_FAIL =1 leaves a failed lab running for debugging
#
# After a successful `up`, $LAB_DIR/lab.env holds KEY=VALUE lines (no quotes,
# no spaces) that both `source` and a simple line parser can read.
#
# Everything binds to 127.0.0.0/8 only. Nothing here performs DNS lookups
# (Postfix: smtpd_peername_lookup = no; clients must connect by IP and send
# SNI = $LAB_SERVERNAME).
#
# Requires root (Postfix/Dovecot need it) and the packages installed by
# scripts/install-deps.

set -euo pipefail
# postfix, dovecot, service, update-rc.d live in sbin, which a test harness
# environment may leave out of PATH.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

LAB_DIR=${LAB_DIR:-/tmp/mailtls-lab}
LAB_DIR=${LAB_DIR%/}
# Must be absolute, not "/", world-traversable (Dovecot's auth and mail
# processes and Postfix's smtpd run as unprivileged users), and short enough
# for Unix socket paths ($LAB_DIR/dovecot/run/token-login/tokenlogin).
if [[ $LAB_DIR != /?* || ${#LAB_DIR} -gt 60 ]]; then
    echo "lab.sh: LAB_DIR must be an absolute path of at most 60 characters, not '/' (got '$LAB_DIR')" >&2
    exit 2
fi
LAB_UP_TIMEOUT=${LAB_UP_TIMEOUT:-30}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=/dev/null
. "$HERE/daemons.sh"
LOCK_FILE="$LAB_DIR.lock"        # outside LAB_DIR so purge can delete the dir

PKI="$LAB_DIR/pki"
PF="$LAB_DIR/postfix"            # Postfix state: queue/, data/, postfix.log
PFC="$PF/etc"                    # Postfix config dir (postfix -c $PFC); kept
                                 # outside the queue dir or postfix-script warns
DC="$LAB_DIR/dovecot"            # Dovecot config + state
DCF="$LAB_DIR/dovecot-failures"  # the AUTH_FAILURES instance's Dovecot
DCM="$LAB_DIR/dovecot-mailbox"   # the MAILBOX instance's Dovecot (delivery, XOAUTH2)
RUN="$LAB_DIR/run"               # pid files of the Python peers
LOG="$LAB_DIR/log"               # logs of the Python peers
ENV_FILE="$LAB_DIR/lab.env"

SERVER_NAME=mail.mailtls.test
LAB_USER=alice@mailtls.test

# --- addresses -------------------------------------------------------------
# (A_* and P_* are mostly read indirectly, as ${!name}, by specs()/write_env;
# hence the file-wide shellcheck SC2034 exception at the top.)
A_GOOD=127.0.0.1
A_EXPIRED=127.0.0.2
A_WRONG_NAME=127.0.0.3
A_SELF_SIGNED=127.0.0.4
A_LEGACY_TLS=127.0.0.5
A_AUTH_CLEAR=127.0.0.6
A_PLAIN_465=127.0.0.7
A_IMPLICIT_587=127.0.0.8
A_REFUSED=127.0.0.9
A_CLEARTEXT_LOGIN=127.0.0.10
A_INCOMPLETE_CHAIN=127.0.0.11
A_GREETING_421=127.0.0.12
A_SLOW_GREETING=127.0.0.13
A_FILTERED=127.0.0.14
A_HOSTILE=127.0.0.15
A_WEAK=127.0.0.17
A_NO_STARTTLS=127.0.0.18
# LEGACY CIPHERS: every suite this OpenSSL can still serve (ALL:COMPLEMENTOFALL at @SECLEVEL=0: static RSA, NULL,
# anonymous, CBC, CAMELLIA, ARIA, CCM), TLS 1.0 to 1.3, and DHE with the 1024-bit RFC 2409 group 2 prime
# (Tests/Lab/dh1024-rfc2409-group2.pem); Postfix on 25/465/587, Dovecot on 143/993/110/995, the GOOD certificate.
# Debian builds OpenSSL without 3DES and RC4: those come from fixlab's GnuTLS Exim (127.0.0.43).
A_LEGACY_CIPHERS=127.0.0.21
# Where tests fail logins on purpose (wrong passwords, --login-probe
# failed-login): its own Dovecot, so the anvil auth penalty those failures
# earn 127.0.0.1 never delays logins on the other instances. Stock settings.
A_AUTH_FAILURES=127.0.0.19
# Where mail is really delivered: Postfix (587/465 with SASL, 25 for server-to-server) hands every recipient
# @mailbox.mailtls.test over LMTP to the MAILBOX instance's own Dovecot ($DCM), into the mailbox its IMAP and POP3
# read (user alice@mailtls.test; $LAB_MAILBOX_MAILDIR). The upstream of the relay's tests and the round trip's mail
# system. Leaf mailbox.mailtls.test (also valid for the IP address 127.0.0.20).
# Its Dovecot offers AUTH PLAIN LOGIN XOAUTH2 OAUTHBEARER (IMAP, POP3 and Postfix 465/587): PLAIN and LOGIN check
# the lab's passwd-file, XOAUTH2 and OAUTHBEARER check the bearer token with Dovecot's oauth2 passdb, which asks
# the OAuth fixture's introspection endpoint (RFC 7662)
#     http://127.0.0.20:8089/introspect
# The fixture (Tests/Fixtures/oauth_server.py, started by the tests themselves) also serves the token endpoint
#     https://127.0.0.20:8443/token
# While it is not running, XOAUTH2/OAUTHBEARER fail temporarily (SMTP 454 4.7.0); PLAIN and LOGIN still work.
# Tests/Lab/xoauth2-selfcheck.sh proves the chain end to end.
A_MAILBOX=127.0.0.20
OAUTH_TOKEN_URL=https://$A_MAILBOX:8443/token
OAUTH_INTROSPECTION_URL=http://$A_MAILBOX:8089/introspect
# Dovecot's real listener for the GOOD instance's 143/110 (reached through
# tcp_relay.py, see the comment there: Dovecot treats 127.0.0.1->127.0.0.1
# as "secured").
A_GOOD_DOVECOT=127.0.0.101
SLOW_GREETING_SECONDS=3

# Ports per address (what `up` waits for and what lab.env advertises).
P_GOOD=25,465,587,143,993,110,995
P_EXPIRED=$P_GOOD
P_WRONG_NAME=$P_GOOD
P_SELF_SIGNED=$P_GOOD
P_LEGACY_TLS=$P_GOOD
P_AUTH_CLEAR=25,587
P_PLAIN_465=465
P_IMPLICIT_587=587
P_REFUSED=25,465,587,143,993,110,995,2525   # must all refuse
P_CLEARTEXT_LOGIN=587,143,110
P_INCOMPLETE_CHAIN=$P_GOOD
P_GREETING_421=25,587
P_SLOW_GREETING=25,587
P_FILTERED=25,465,587,143,993,110,995
P_HOSTILE=25,465,587,143,993,110,995,2525
P_WEAK=465,587,143,993
P_NO_STARTTLS=25
P_LEGACY_CIPHERS=$P_GOOD
P_AUTH_FAILURES=465,587,143,993,110,995
P_MAILBOX=25,465,587,143,993,110,995

log() { printf 'lab.sh: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# A python3 that has the `cryptography` module (for make_pki.py). The other
# helpers are stdlib-only and use the same interpreter.
pick_python() {
    local p
    for p in python3 /usr/bin/python3; do
        if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import cryptography' 2>/dev/null; then
            PY=$p; return 0
        fi
    done
    die "no python3 with the 'cryptography' module (run scripts/install-deps)"
}

# ---------------------------------------------------------------------------
# process helpers: only ever signal pids that we recorded ourselves, and only
# when /proc/PID/cmdline still looks like the process we started.
# ---------------------------------------------------------------------------
pid_matches() {   # pid_matches PID PATTERN
    local pid=$1 pat=$2
    [[ -n $pid && -r /proc/$pid/cmdline ]] || return 1
    { tr '\0' ' ' </proc/"$pid"/cmdline; } 2>/dev/null | grep -q -- "$pat"
}

read_pid() { [[ -r $1 ]] && tr -dc '0-9' <"$1" || true; }

# All descendants of PID (from /proc; works without procps).
descendants() {
    local root=$1 d pid stat rest ppid
    local -A parent=()
    for d in /proc/[0-9]*; do
        pid=${d#/proc/}
        # builtin read (no fork); the process may vanish meanwhile.
        { read -r stat <"$d/stat"; } 2>/dev/null || continue
        rest=${stat##*) }            # after "(comm) ": "STATE PPID ..."
        read -r _ ppid _ <<<"$rest"
        parent[$pid]=$ppid
    done
    local -a queue=("$root") out=()
    while ((${#queue[@]})); do
        local cur=${queue[0]}; queue=("${queue[@]:1}")
        for pid in "${!parent[@]}"; do
            if [[ ${parent[$pid]} == "$cur" ]]; then queue+=("$pid"); out+=("$pid"); fi
        done
    done
    echo "${out[@]}"
}

# alive PID: exists and is not a zombie (a zombie has an empty cmdline).
alive() {
    local c=""
    [[ -r /proc/$1/cmdline ]] || return 1
    { IFS= read -r -d '' c <"/proc/$1/cmdline"; } 2>/dev/null || true
    [[ -n $c ]]
}

# stop_pid PID PATTERN NAME: SIGTERM the process (only if its cmdline still
# matches PATTERN), wait up to 10 s, then SIGKILL it. Its descendants
# (Postfix smtpd, Dovecot login processes: they inherit the listening
# sockets) are killed too if they outlive it, so the ports are free after.
stop_pid() {
    local pid=$1 pat=$2 name=$3 kids k
    pid_matches "$pid" "$pat" || return 0
    kids=$(descendants "$pid")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do
        pid_matches "$pid" "$pat" || break
        sleep 0.1
    done
    if pid_matches "$pid" "$pat"; then
        log "$name (pid $pid) ignored SIGTERM for 10 s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    # Give the children up to 2 s in total to follow, then SIGKILL the rest.
    for _ in $(seq 20); do
        local any=0
        for k in $kids; do alive "$k" && any=1 && break; done
        ((any)) || break
        sleep 0.1
    done
    for k in $kids; do alive "$k" && kill -KILL "$k" 2>/dev/null; done
    return 0
}

postfix_pid() { read_pid "$PF/queue/pid/master.pid"; }
dovecot_pid() { read_pid "$DC/run/master.pid"; }
failures_dovecot_pid() { read_pid "$DCF/run/master.pid"; }
mailbox_dovecot_pid() { read_pid "$DCM/run/master.pid"; }

# ---------------------------------------------------------------------------
# PKI and credentials (created once, kept across down/up)
# ---------------------------------------------------------------------------
make_pki() {
    if [[ -f $PKI/.complete ]]; then
        # A PKI made before a later leaf existed, or before the mailbox leaf
        # carried its IP address: add or renew only those leaves (signed by
        # the existing intermediate; CAs and other leaves unchanged). Silent
        # when there is nothing to do.
        "$PY" "$HERE/make_pki.py" --add-missing "$PKI" >&2
        return 0
    fi
    log "generating test PKI in $PKI"
    rm -rf "$PKI"
    "$PY" "$HERE/make_pki.py" "$PKI"
}

make_password() {
    if [[ ! -s $LAB_DIR/password ]]; then
        (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=\n' >"$LAB_DIR/password.tmp")
        mv "$LAB_DIR/password.tmp" "$LAB_DIR/password"
    fi
    chown root:root "$LAB_DIR/password"
    chmod 0600 "$LAB_DIR/password"
    # Dovecot's auth process (user dovecot) reads the passwd-file.
    (umask 027; printf '%s:{PLAIN}%s::::::\n' "$LAB_USER" "$(cat "$LAB_DIR/password")" >"$DC/users")
    chown root:dovecot "$DC/users"
    chmod 0640 "$DC/users"
}

# ---------------------------------------------------------------------------
# Postfix configuration
# ---------------------------------------------------------------------------
write_postfix_config() {
    mkdir -p "$PF" "$PFC" "$PF/queue" "$PF/data"
    chown postfix "$PF/data"
    cat >"$PFC/main.cf" <<EOF
# Generated by Tests/Lab/lab.sh -- do not edit, rewritten on every 'up'.
compatibility_level = 3.6
config_directory = $PFC
queue_directory = $PF/queue
data_directory = $PF/data
meta_directory = /etc/postfix
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file = $PF/postfix.log
maillog_file_prefixes = $LAB_DIR
syslog_name = mailtls-lab
biff = no
readme_directory = no

myhostname = $SERVER_NAME
mydomain = mailtls.test
myorigin = \$myhostname
inet_protocols = ipv4
inet_interfaces = loopback-only
mynetworks = 127.0.0.1/32

# Never relay anything: accept only recipients @mailtls.test (handed to
# discard(8)), @mailbox.mailtls.test (delivered to Dovecot, see transport_maps) and @plainhop.mailtls.test.
mydestination =
relay_domains = mailtls.test, mailbox.mailtls.test, plainhop.mailtls.test, bounce.mailtls.test
# The MAILBOX instance's domain is delivered to its Dovecot over LMTP; everything else is discarded.
# PLAIN HOP, a named case for the round trip: @plainhop.mailtls.test is handed to the MAILBOX instance's port 25
# over SMTP WITHOUT TLS (transport plainhop), whose cleanup maps it to the same user @mailbox.mailtls.test: one
# hop of the message's way is unencrypted, and its Received header says so.
# BOUNCE, another: @bounce.mailtls.test is accepted, handed on the same way, and refused there (a 5xx at RCPT): a
# delivery failure report goes back to the sender, as from a server that takes a message and cannot deliver it.
transport_maps = inline:{ mailbox.mailtls.test=lmtp:unix:$DCM/run/lmtp-postfix, plainhop.mailtls.test=plainhop:[$A_MAILBOX]:25, bounce.mailtls.test=plainhop:[$A_MAILBOX]:25 }
local_recipient_maps =
alias_maps =
alias_database =
default_transport = discard:mailtls-lab
relay_transport = discard:mailtls-lab
local_transport = discard:mailtls-lab
virtual_transport = discard:mailtls-lab
smtpd_relay_restrictions = reject_unauth_destination
smtpd_recipient_restrictions =

# No DNS, ever (the resolver in /etc/resolv.conf is not on loopback).
smtpd_peername_lookup = no
smtp_dns_support_level = disabled

# SASL through Dovecot; only enabled per service in master.cf.
smtpd_sasl_type = dovecot
smtpd_sasl_path = $DC/run/auth-postfix
smtpd_sasl_auth_enable = no
smtpd_tls_auth_only = yes

# TLS defaults = the GOOD instance; master.cf overrides per address.
smtpd_tls_chain_files = $PKI/good.key, $PKI/good.chain.pem
smtpd_tls_security_level = may
smtpd_tls_protocols = >=TLSv1.2
smtpd_tls_mandatory_protocols = >=TLSv1.2
smtpd_tls_loglevel = 1
smtpd_tls_received_header = no
EOF

    # 421 for every client (used by the 127.0.0.12 services).
    printf '0.0.0.0/0\t421 4.7.0 mailtls lab: service not available, closing transmission channel\n' \
        >"$PFC/reject421.cidr"

    {
        cat <<'EOF'
# Generated by Tests/Lab/lab.sh -- do not edit, rewritten on every 'up'.
# service type  private unpriv  chroot  wakeup  maxproc command + args
EOF
        # --- per-address smtpd services ---------------------------------
        # Abbreviations used below.
        local tls_good="-o smtpd_tls_chain_files=$PKI/good.key,$PKI/good.chain.pem"
        local sasl="-o smtpd_sasl_auth_enable=yes"
        local tls_weak="-o smtpd_tls_chain_files=$PKI/weak.key,$PKI/weak.chain.pem -o tls_medium_cipherlist=DEFAULT:@SECLEVEL=0 -o tls_high_cipherlist=DEFAULT:@SECLEVEL=0"
        local cert addr name chain spec
        local tls_failures="-o smtpd_tls_chain_files=$PKI/auth-failures.key,$PKI/auth-failures.chain.pem"
        local tls_mailbox="-o smtpd_tls_chain_files=$PKI/mailbox.key,$PKI/mailbox.chain.pem"
        local sasl_failures="$sasl -o smtpd_sasl_path=$DCF/run/auth-postfix"
        local sasl_mailbox="$sasl -o smtpd_sasl_path=$DCM/run/auth-postfix"

        # Addresses that mirror the GOOD port layout with a different cert.
        for spec in \
            "$A_GOOD good good" \
            "$A_EXPIRED expired expired" \
            "$A_WRONG_NAME wrong-name wrong-name" \
            "$A_SELF_SIGNED self-signed self-signed" \
            "$A_INCOMPLETE_CHAIN incomplete-chain incomplete" \
            "$A_LEGACY_TLS legacy-tls good" \
            "$A_LEGACY_CIPHERS legacy-ciphers good"; do
            read -r addr name chain <<<"$spec"
            # The incomplete chain uses the good leaf's key.
            local key=$chain; [[ $chain == incomplete ]] && key=good
            cert="-o smtpd_tls_chain_files=$PKI/$key.key,$PKI/$chain.chain.pem"
            local legacy=""
            if [[ $name == legacy-tls ]]; then
                # TLS 1.0/1.1 need SHA-1/MD5 signatures: OpenSSL 3 only
                # allows them at security level 0.
                legacy="-o smtpd_tls_protocols=>=TLSv1 -o smtpd_tls_mandatory_protocols=>=TLSv1 -o tls_medium_cipherlist=DEFAULT:@SECLEVEL=0 -o tls_high_cipherlist=DEFAULT:@SECLEVEL=0"
            elif [[ $name == legacy-ciphers ]]; then
                legacy="-o smtpd_tls_protocols=>=TLSv1 -o smtpd_tls_mandatory_protocols=>=TLSv1 -o tls_medium_cipherlist=ALL:COMPLEMENTOFALL:@SECLEVEL=0 -o tls_high_cipherlist=ALL:COMPLEMENTOFALL:@SECLEVEL=0 -o smtpd_tls_dh1024_param_file=$HERE/dh1024-rfc2409-group2.pem"
            fi
            cat <<EOF
$addr:25 inet n - n - - smtpd
  -o syslog_name=mailtls-lab/$name-25 $cert $legacy
  -o smtpd_tls_security_level=may
$addr:587 inet n - n - - smtpd
  -o syslog_name=mailtls-lab/$name-587 $cert $legacy $sasl
  -o smtpd_tls_security_level=encrypt -o smtpd_tls_auth_only=yes
$addr:465 inet n - n - - smtpd
  -o syslog_name=mailtls-lab/$name-465 $cert $legacy $sasl
  -o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt
EOF
        done

        cat <<EOF
# AUTH IN CLEAR: no TLS at all; 587 advertises AUTH without TLS.
$A_AUTH_CLEAR:25 inet n - n - - smtpd
  -o syslog_name=mailtls-lab/auth-clear-25 -o smtpd_tls_security_level=none
$A_AUTH_CLEAR:587 inet n - n - - smtpd
  -o syslog_name=mailtls-lab/auth-clear-587 -o smtpd_tls_security_level=none
  $sasl -o smtpd_tls_auth_only=no
# PLAINTEXT ON 465: an ordinary (STARTTLS-capable) smtpd, no wrappermode.
$A_PLAIN_465:465 inet n - n - - smtpd
  -o syslog_name=mailtls-lab/plain-465 $tls_good -o smtpd_tls_security_level=may
  $sasl -o smtpd_tls_auth_only=yes
# IMPLICIT TLS ON 587: wrappermode on the submission port.
$A_IMPLICIT_587:587 inet n - n - - smtpd
  -o syslog_name=mailtls-lab/implicit-587 $tls_good $sasl
  -o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt
# WEAK: 1024-bit RSA leaf with a SHA-1 signature (+ intermediate). OpenSSL 3
# refuses both at its default security level, so this smtpd runs at
# @SECLEVEL=0 (protocols stay >=TLSv1.2 from main.cf). Like GOOD otherwise.
$A_WEAK:587 inet n - n - - smtpd
  -o syslog_name=mailtls-lab/weak-587 $tls_weak $sasl
  -o smtpd_tls_security_level=encrypt -o smtpd_tls_auth_only=yes
$A_WEAK:465 inet n - n - - smtpd
  -o syslog_name=mailtls-lab/weak-465 $tls_weak $sasl
  -o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt
# AUTH FAILURES: wrong passwords go here (its own Dovecot).
$A_AUTH_FAILURES:587 inet n - n - - smtpd
  -o syslog_name=mailtls-lab/auth-failures-587 $tls_failures $sasl_failures
  -o smtpd_tls_security_level=encrypt -o smtpd_tls_auth_only=yes
$A_AUTH_FAILURES:465 inet n - n - - smtpd
  -o syslog_name=mailtls-lab/auth-failures-465 $tls_failures $sasl_failures
  -o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt
# MAILBOX: mail for @mailbox.mailtls.test is delivered (LMTP to its Dovecot), not discarded;
# SASL (PLAIN LOGIN XOAUTH2 OAUTHBEARER) by its Dovecot. 465/587 read lines of up to 12288 bytes
# (smtpd_sasl_response_limit's default), not 2048: an AUTH XOAUTH2 line with an Entra ID access token (a JWT of
# 1500-2500+ characters) is longer than 2048, and Postfix would cut it into pieces.
$A_MAILBOX:25 inet n - n - - smtpd
  -o syslog_name=mailtls-lab/mailbox-25 $tls_mailbox -o smtpd_tls_security_level=may
  -o cleanup_service_name=cleanup-plainhop -o myhostname=mailbox.mailtls.test
  -o smtpd_recipient_restrictions=check_recipient_access,inline:{bounce.mailtls.test=REJECT}
$A_MAILBOX:587 inet n - n - - smtpd
  -o syslog_name=mailtls-lab/mailbox-587 $tls_mailbox $sasl_mailbox -o line_length_limit=12288
  -o smtpd_tls_security_level=encrypt -o smtpd_tls_auth_only=yes
  -o smtpd_tls_received_header=yes
$A_MAILBOX:465 inet n - n - - smtpd
  -o syslog_name=mailtls-lab/mailbox-465 $tls_mailbox $sasl_mailbox -o line_length_limit=12288
  -o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_received_header=yes
# NO STARTTLS: port 25 only; STARTTLS is not offered at all.
$A_NO_STARTTLS:25 inet n - n - - smtpd
  -o syslog_name=mailtls-lab/no-starttls-25 -o smtpd_tls_security_level=none
# CLEARTEXT LOGIN ALLOWED: STARTTLS optional, AUTH accepted before TLS.
$A_CLEARTEXT_LOGIN:587 inet n - n - - smtpd
  -o syslog_name=mailtls-lab/cleartext-587 $tls_good $sasl
  -o smtpd_tls_security_level=may -o smtpd_tls_auth_only=no
# 421 GREETING: client restrictions evaluated at connect time.
$A_GREETING_421:25 inet n - n - - smtpd
  -o syslog_name=mailtls-lab/greeting-421-25 $tls_good -o smtpd_delay_reject=no
  -o smtpd_client_restrictions=check_client_access,cidr:$PFC/reject421.cidr
$A_GREETING_421:587 inet n - n - - smtpd
  -o syslog_name=mailtls-lab/greeting-421-587 $tls_good $sasl -o smtpd_delay_reject=no
  -o smtpd_tls_security_level=encrypt
  -o smtpd_client_restrictions=check_client_access,cidr:$PFC/reject421.cidr
# SLOW GREETING: Postfix's own tarpit delays the 220 by ${SLOW_GREETING_SECONDS} s.
$A_SLOW_GREETING:25 inet n - n - - smtpd
  -o syslog_name=mailtls-lab/slow-greeting-25 $tls_good -o smtpd_delay_reject=no
  -o smtpd_client_restrictions=sleep,$SLOW_GREETING_SECONDS,permit
$A_SLOW_GREETING:587 inet n - n - - smtpd
  -o syslog_name=mailtls-lab/slow-greeting-587 $tls_good $sasl -o smtpd_delay_reject=no
  -o smtpd_tls_security_level=encrypt
  -o smtpd_client_restrictions=sleep,$SLOW_GREETING_SECONDS,permit

# --- Postfix internal services (no chroot) ------------------------------
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
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
# delivers @mailbox.mailtls.test to the MAILBOX instance's Dovecot (transport_maps)
lmtp      unix  -       -       n       -       -       lmtp
# PLAIN HOP: @plainhop.mailtls.test to the MAILBOX instance's port 25 without TLS, mapped there to @mailbox.
plainhop  unix  -       -       n       -       -       smtp
  -o syslog_name=mailtls-lab/plainhop -o smtp_tls_security_level=none
cleanup-plainhop unix n -       n       -       0       cleanup
  -o virtual_alias_maps=regexp:$PFC/plainhop_aliases
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
    } >"$PFC/master.cf"
    # PLAIN HOP's second half: whoever@plainhop.mailtls.test is whoever@mailbox.mailtls.test.
    printf '%s\n' '/^(.*)@plainhop\.mailtls\.test$/ ${1}@mailbox.mailtls.test' >"$PFC/plainhop_aliases"
}

# ---------------------------------------------------------------------------
# Dovecot configuration
# ---------------------------------------------------------------------------
# dovecot_config DIR NAME LISTEN CERT KEY IMAP IMAPS POP3 POP3S [OAUTH2_ARGS]: the part every lab Dovecot shares,
# with stock authentication settings (auth_failure_delay and the anvil penalty on), its listeners on the addresses
# given, the auth socket Postfix's smtpd uses for SASL and the LMTP socket Postfix's lmtp client can deliver to.
# OAUTH2_ARGS (a file of oauth2 passdb settings) adds the mechanisms XOAUTH2 and OAUTHBEARER, checked by an oauth2
# passdb; each passdb then only sees its own mechanisms, so a password never reaches the token check and a token
# is never compared with passwords.
dovecot_config() {
    local dir=$1 name=$2 listen=$3 cert=$4 key=$5 imap=$6 imaps=$7 pop3=$8 pop3s=$9 oauth2=${10:-} dh=""
    local mechanisms="plain login" password_mechanisms="" oauth2_passdb=""
    if [[ -n $oauth2 ]]; then
        mechanisms="plain login xoauth2 oauthbearer"
        password_mechanisms="
  mechanisms = plain login"
        oauth2_passdb="
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $oauth2
}"
    fi
    mkdir -p "$dir" "$dir/run" "$dir/state" "$dir/mail"
    chown nobody:nogroup "$dir/mail"
    [[ -r /usr/share/dovecot/dh.pem ]] && dh="ssl_dh = </usr/share/dovecot/dh.pem"
    cat <<EOF
# Generated by Tests/Lab/lab.sh -- do not edit, rewritten on every 'up'.
instance_name = $name
base_dir = $dir/run
state_dir = $dir/state
protocols = imap pop3 lmtp
listen = $listen
log_path = $dir/dovecot.log
auth_verbose = yes
auth_mechanisms = $mechanisms
login_greeting = Dovecot ready.

ssl = yes
ssl_cert = <$cert
ssl_key = <$key
$dh
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes

passdb {
  driver = passwd-file
  args = scheme=PLAIN $DC/users$password_mechanisms
}$oauth2_passdb
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$dir/mail/%n allow_all_users=yes
}
mail_location = maildir:~/Maildir

service imap-login {
  inet_listener imap {
    address = $imap
    port = 143
  }
  inet_listener imaps {
    address = $imaps
    port = 993
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    address = $pop3
    port = 110
  }
  inet_listener pop3s {
    address = $pop3s
    port = 995
    ssl = yes
  }
}
service auth {
  # Postfix smtpd (user postfix) uses this for SASL.
  unix_listener auth-postfix {
    mode = 0666
  }
}
service lmtp {
  # Postfix's lmtp client (user postfix) delivers @mailbox.mailtls.test to the MAILBOX instance's one.
  unix_listener lmtp-postfix {
    mode = 0666
  }
}
EOF
}

# The main Dovecot: the GOOD instance's settings by default, 'local' blocks per misconfigured address.
write_dovecot_config() {
    # Which addresses get which Dovecot listener (WEAK: IMAP only).
    local pop3_addrs="$A_GOOD_DOVECOT, $A_EXPIRED, $A_WRONG_NAME, $A_SELF_SIGNED, $A_LEGACY_TLS, $A_CLEARTEXT_LOGIN, $A_INCOMPLETE_CHAIN, $A_LEGACY_CIPHERS"
    local pop3s_addrs="$A_GOOD, $A_EXPIRED, $A_WRONG_NAME, $A_SELF_SIGNED, $A_LEGACY_TLS, $A_INCOMPLETE_CHAIN, $A_LEGACY_CIPHERS"
    {
        dovecot_config "$DC" mailtls-lab 127.0.0.1 "$PKI/good.chain.pem" "$PKI/good.key" \
            "$pop3_addrs, $A_WEAK" "$pop3s_addrs, $A_WEAK" "$pop3_addrs" "$pop3s_addrs"
        cat <<EOF
local $A_EXPIRED {
  ssl_cert = <$PKI/expired.chain.pem
  ssl_key = <$PKI/expired.key
}
local $A_WRONG_NAME {
  ssl_cert = <$PKI/wrong-name.chain.pem
  ssl_key = <$PKI/wrong-name.key
}
local $A_SELF_SIGNED {
  ssl_cert = <$PKI/self-signed.chain.pem
  ssl_key = <$PKI/self-signed.key
}
local $A_INCOMPLETE_CHAIN {
  ssl_cert = <$PKI/incomplete.chain.pem
  ssl_key = <$PKI/good.key
}
local $A_LEGACY_TLS {
  # TLS 1.0/1.1 need SECLEVEL=0 with OpenSSL 3.
  ssl_min_protocol = TLSv1
  ssl_cipher_list = DEFAULT:@SECLEVEL=0
}
local $A_LEGACY_CIPHERS {
  ssl_min_protocol = TLSv1
  ssl_cipher_list = ALL:COMPLEMENTOFALL:@SECLEVEL=0
  ssl_dh = <$HERE/dh1024-rfc2409-group2.pem
}
local $A_CLEARTEXT_LOGIN {
  disable_plaintext_auth = no
}
local $A_WEAK {
  # 1024-bit RSA key, SHA-1 signature: OpenSSL 3 needs security level 0 to
  # load and use them. ssl_min_protocol stays TLSv1.2.
  ssl_cert = <$PKI/weak.chain.pem
  ssl_key = <$PKI/weak.key
  ssl_cipher_list = DEFAULT:@SECLEVEL=0
}
EOF
    } >"$DC/dovecot.conf"
}

# The AUTH_FAILURES instance: a second Dovecot (its own anvil, hence its own auth penalties) with the same users
# and stock authentication settings.
write_failures_dovecot_config() {
    local a=$A_AUTH_FAILURES
    dovecot_config "$DCF" mailtls-lab-failures "$a" "$PKI/auth-failures.chain.pem" "$PKI/auth-failures.key" \
        "$a" "$a" "$a" "$a" >"$DCF/dovecot.conf"
}

# The MAILBOX instance: its own Dovecot (mail delivered over LMTP, IMAP/POP3, SASL for its Postfix 465/587), the
# only one that offers XOAUTH2 and OAUTHBEARER, so the other instances' mechanism lists stay PLAIN LOGIN.
# The oauth2 passdb (Dovecot 2.3) asks the OAuth fixture's introspection endpoint about every token with
# "POST token=..." (RFC 7662) and accepts it when the reply says "active": true and its "username" equals the
# user the client named (both lowercased). No auth cache (auth_cache_size stays 0): every login asks again.
write_mailbox_dovecot_config() {
    local a=$A_MAILBOX
    mkdir -p "$DCM"
    cat >"$DCM/oauth2.conf.ext" <<EOF
# Generated by Tests/Lab/lab.sh -- do not edit, rewritten on every 'up'.
# The MAILBOX Dovecot's oauth2 passdb: tokens are checked by the OAuth fixture (Tests/Fixtures/oauth_server.py).
introspection_mode = post
introspection_url = $OAUTH_INTROSPECTION_URL
username_attribute = username
active_attribute = active
active_value = true
# X-Dovecot-Auth-Service/-Local/-Remote headers: the fixture logs which service asked.
send_auth_headers = yes
timeout_msecs = 10000
EOF
    chmod 0644 "$DCM/oauth2.conf.ext"
    dovecot_config "$DCM" mailtls-lab-mailbox "$a" "$PKI/mailbox.chain.pem" "$PKI/mailbox.key" \
        "$a" "$a" "$a" "$a" "$DCM/oauth2.conf.ext" >"$DCM/dovecot.conf"
    # FOLDER, a named case for the round trip: mail for user+Folder@ is filed in that folder (created if need be),
    # as a server-side filter or a spam check files it; plain user@ still goes to INBOX.
    printf '%s\n' 'recipient_delimiter = +' 'lmtp_save_to_detail_mailbox = yes' 'lda_mailbox_autocreate = yes' \
        >>"$DCM/dovecot.conf"
}

# ---------------------------------------------------------------------------
# readiness
# ---------------------------------------------------------------------------
# specs KIND   -> prints wait_ports.py specs for every lab port
#   KIND=connect: g: (greeting) for plaintext-greeting ports, c: for the
#                 other servers, l: for FILTERED, r: for REFUSED
#   KIND=listen:  l: for everything that listens, r: for REFUSED
specs() {
    local kind=$1 var addr ports p k
    for var in GOOD EXPIRED WRONG_NAME SELF_SIGNED LEGACY_TLS AUTH_CLEAR PLAIN_465 \
               IMPLICIT_587 CLEARTEXT_LOGIN INCOMPLETE_CHAIN GREETING_421 SLOW_GREETING \
               FILTERED HOSTILE WEAK NO_STARTTLS AUTH_FAILURES MAILBOX LEGACY_CIPHERS REFUSED; do
        addr=A_$var; addr=${!addr}
        ports=P_$var; ports=${!ports}
        for p in ${ports//,/ }; do
            k=c
            # Plaintext-greeting ports: wait for the greeting itself, so
            # that `up` returns only once the server processes are warm.
            case $var:$p in
                SLOW_GREETING:*|HOSTILE:*|IMPLICIT_587:*) ;;
                PLAIN_465:465|*:25|*:587|*:143|*:110) k=g ;;
            esac
            [[ $kind == listen || $var == FILTERED ]] && k=l
            [[ $var == REFUSED ]] && k=r
            printf '%s:%s:%s\n' "$k" "$addr" "$p"
        done
    done
    # Dovecot's hidden GOOD listener behind the relay.
    if [[ $kind == listen ]]; then
        printf 'l:%s:143\nl:%s:110\n' "$A_GOOD_DOVECOT" "$A_GOOD_DOVECOT"
    fi
}

procs_alive() {
    pid_matches "$(postfix_pid)" 'master' &&
    pid_matches "$(dovecot_pid)" 'dovecot' &&
    pid_matches "$(failures_dovecot_pid)" 'dovecot' &&
    pid_matches "$(mailbox_dovecot_pid)" 'dovecot' &&
    pid_matches "$(read_pid "$RUN/filtered.pid")" 'filtered_peer.py' &&
    pid_matches "$(read_pid "$RUN/hostile.pid")" 'hostile_peer.py' &&
    pid_matches "$(read_pid "$RUN/relay.pid")" 'tcp_relay.py'
}

healthy() {
    [[ -f $ENV_FILE ]] || return 1
    procs_alive || return 1
    # shellcheck disable=SC2046
    "$PY" "$HERE/wait_ports.py" --once --quiet $(specs listen)
}

# ---------------------------------------------------------------------------
# start / stop
# ---------------------------------------------------------------------------
start_peer() {    # start_peer NAME SCRIPT ARGS...
    local name=$1 script=$2; shift 2
    # One subshell that becomes the peer, so $! is the peer's pid.
    (
        close_inherited_fds
        exec setsid "$PY" "$HERE/$script" "$@"
    ) </dev/null >>"$LOG/$name.log" 2>&1 9>&- &
    echo $! >"$RUN/$name.pid"
}

write_env() {
    local tmp="$ENV_FILE.tmp" var addr ports
    {
        echo "LAB_DIR=$LAB_DIR"
        echo "LAB_CA=$PKI/root-ca.pem"
        echo "LAB_INTERMEDIATE_CA=$PKI/intermediate-ca.pem"
        echo "LAB_SERVERNAME=$SERVER_NAME"
        echo "LAB_WRONG_SERVERNAME=wrong.example.test"
        echo "LAB_USER=$LAB_USER"
        echo "LAB_PASSWORD_FILE=$LAB_DIR/password"
        echo "LAB_SLOW_GREETING_SECONDS=$SLOW_GREETING_SECONDS"
        for var in GOOD EXPIRED WRONG_NAME SELF_SIGNED LEGACY_TLS AUTH_CLEAR PLAIN_465 \
                   IMPLICIT_587 REFUSED CLEARTEXT_LOGIN INCOMPLETE_CHAIN GREETING_421 \
                   SLOW_GREETING FILTERED HOSTILE WEAK NO_STARTTLS AUTH_FAILURES MAILBOX LEGACY_CIPHERS; do
            addr=A_$var; ports=P_$var
            echo "LAB_$var=${!addr}"
            echo "LAB_${var}_PORTS=${!ports}"
        done
        echo "LAB_POSTFIX_LOG=$PF/postfix.log"
        echo "LAB_DOVECOT_LOG=$DC/dovecot.log"
        echo "LAB_AUTH_FAILURES_DOVECOT_LOG=$DCF/dovecot.log"
        echo "LAB_AUTH_FAILURES_SERVERNAME=auth-failures.mailtls.test"
        echo "LAB_MAILBOX_SERVERNAME=mailbox.mailtls.test"
        echo "LAB_MAILBOX_DOMAIN=mailbox.mailtls.test"
        echo "LAB_MAILBOX_MAILDIR=$DCM/mail/alice/Maildir"
        echo "LAB_MAILBOX_DOVECOT_LOG=$DCM/dovecot.log"
        echo "LAB_MAILBOX_OAUTH_TOKEN_URL=$OAUTH_TOKEN_URL"
        echo "LAB_MAILBOX_OAUTH_INTROSPECTION_URL=$OAUTH_INTROSPECTION_URL"
    } >"$tmp"
    chmod 0644 "$tmp"
    mv "$tmp" "$ENV_FILE"
}

do_down() {
    rm -f "$ENV_FILE"
    local pid name
    # Peers first: the relay holds connections into Dovecot.
    for name in relay filtered hostile; do
        stop_pid "$(read_pid "$RUN/$name.pid")" "${name/relay/tcp_relay}" "$name"
        rm -f "$RUN/$name.pid"
    done
    pid=$(postfix_pid)
    if pid_matches "$pid" 'master'; then
        local kids; kids=$(descendants "$pid")
        postfix -c "$PFC" stop </dev/null >/dev/null 2>&1 9>&- || true
        stop_pid "$pid" 'master' postfix
        for k in $kids; do alive "$k" && kill -KILL "$k" 2>/dev/null || true; done
    fi
    stop_pid "$(dovecot_pid)" 'dovecot' dovecot
    stop_pid "$(failures_dovecot_pid)" 'dovecot' dovecot-failures
    stop_pid "$(mailbox_dovecot_pid)" 'dovecot' dovecot-mailbox
    # Stale pid files would make the next start think the daemon is running.
    rm -f "$PF/queue/pid/master.pid" "$DC/run/master.pid" "$DCF/run/master.pid" "$DCM/run/master.pid"
}

show_logs() {
    local f
    for f in "$PF/postfix.log" "$DC/dovecot.log" "$DCF/dovecot.log" "$DCM/dovecot.log" "$LOG"/*.log; do
        [[ -s $f ]] || continue
        log "---- last lines of $f"
        tail -n 15 "$f" >&2
    done
}

do_up() {
    if healthy; then
        return 0
    fi
    [[ $(id -u) == 0 ]] || die "must run as root"
    local t0=$SECONDS
    do_down

    mkdir -p "$LAB_DIR" "$RUN" "$LOG" "$DC"
    chmod 0755 "$LAB_DIR"
    make_pki
    make_password
    write_postfix_config
    # Each configuration is written into its instance's directory (dovecot_config creates the rest inside it).
    mkdir -p "$DC" "$DCF" "$DCM"
    write_dovecot_config
    write_failures_dovecot_config
    write_mailbox_dovecot_config

    # Dovecot first: Postfix needs its auth socket (at AUTH time only).
    : >"$DC/dovecot.log"
    # Daemons get none of our descriptors (see detached).
    : >"$LOG/dovecot-start.log"
    if ! detached "$LOG/dovecot-start.log" dovecot -c "$DC/dovecot.conf"; then
        cat "$LOG/dovecot-start.log" >&2
        show_logs; do_down; die "dovecot failed to start"
    fi

    : >"$DCF/dovecot.log"
    : >"$LOG/dovecot-failures-start.log"
    if ! detached "$LOG/dovecot-failures-start.log" dovecot -c "$DCF/dovecot.conf"; then
        cat "$LOG/dovecot-failures-start.log" >&2
        show_logs; do_down; die "the AUTH_FAILURES dovecot failed to start"
    fi

    : >"$DCM/dovecot.log"
    : >"$LOG/dovecot-mailbox-start.log"
    if ! detached "$LOG/dovecot-mailbox-start.log" dovecot -c "$DCM/dovecot.conf"; then
        cat "$LOG/dovecot-mailbox-start.log" >&2
        show_logs; do_down; die "the MAILBOX dovecot failed to start"
    fi

    : >"$PF/postfix.log"
    : >"$LOG/postfix-start.log"
    if ! detached "$LOG/postfix-start.log" postfix -c "$PFC" start; then
        cat "$LOG/postfix-start.log" >&2
        show_logs; do_down; die "postfix failed to start"
    fi

    start_peer relay tcp_relay.py \
        "$A_GOOD:143=$A_GOOD_DOVECOT:143" "$A_GOOD:110=$A_GOOD_DOVECOT:110"
    start_peer filtered filtered_peer.py "$A_FILTERED" "$P_FILTERED"
    start_peer hostile hostile_peer.py "$A_HOSTILE" --ports "$P_HOSTILE"

    # shellcheck disable=SC2046
    if ! "$PY" "$HERE/wait_ports.py" --timeout "$LAB_UP_TIMEOUT" $(specs connect) \
            $(specs listen | grep "$A_GOOD_DOVECOT"); then
        show_logs
        if [[ ${LAB_KEEP_ON_FAIL:-0} != 1 ]]; then do_down; fi
        die "lab did not become ready within ${LAB_UP_TIMEOUT}s (see messages above)"
    fi
    procs_alive || { show_logs; do_down; die "a lab process exited during startup"; }
    write_env
    log "lab up in $((SECONDS - t0))s; env: $ENV_FILE"
}

do_status() {
    local rc=0
    printf '%-10s %s\n' postfix "$(pid_matches "$(postfix_pid)" master && echo "running pid $(postfix_pid)" || echo stopped)"
    printf '%-10s %s\n' dovecot "$(pid_matches "$(dovecot_pid)" dovecot && echo "running pid $(dovecot_pid)" || echo stopped)"
    printf '%-10s %s\n' dovecot-f "$(pid_matches "$(failures_dovecot_pid)" dovecot && echo "running pid $(failures_dovecot_pid)" || echo stopped)"
    printf '%-10s %s\n' dovecot-m "$(pid_matches "$(mailbox_dovecot_pid)" dovecot && echo "running pid $(mailbox_dovecot_pid)" || echo stopped)"
    for name in relay filtered hostile; do
        local pid; pid=$(read_pid "$RUN/$name.pid")
        printf '%-10s %s\n' "$name" "$(pid_matches "$pid" "${name/relay/tcp_relay}" && echo "running pid $pid" || echo stopped)"
    done
    if healthy; then
        echo "status: healthy ($ENV_FILE)"
    else
        if procs_alive; then
            # shellcheck disable=SC2046
            "$PY" "$HERE/wait_ports.py" --once $(specs listen) || true
        fi
        [[ -f $ENV_FILE ]] || echo "no $ENV_FILE"
        echo "status: NOT healthy"
        rc=1
    fi
    return $rc
}

# ---------------------------------------------------------------------------
main() {
    local cmd=${1:-}
    case $cmd in
        up|down|status|purge) ;;
        *) echo "usage: $0 up|down|status|purge" >&2; exit 2 ;;
    esac
    pick_python
    mkdir -p "$(dirname "$LAB_DIR")"
    # Serialize every command: parallel test processes may all call 'up'.
    exec 9>>"$LOCK_FILE"
    flock -w 120 9 || die "could not lock $LOCK_FILE within 120s"
    case $cmd in
        up) do_up ;;
        down) do_down ;;
        status) do_status ;;
        purge) do_down; rm -rf "$LAB_DIR" ;;
    esac
}

main "$@"
