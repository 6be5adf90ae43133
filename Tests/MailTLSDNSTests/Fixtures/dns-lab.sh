#!/usr/bin/env bash
# A small DNS lab for the DNS tests: unbound serving test zones on 127.0.0.60:53 (authoritative, from auth-zone),
# some signed with ldns-signzone, and a trust-anchor file with their DS records.
#
#   dns-lab.sh up     start (idempotent); prints nothing on success; writes $DNS_LAB_DIR/dns-lab.env
#   dns-lab.sh down   stop
#
# Zones:
#   mailtls.test.  signed (anchor in anchors.ds): answers are secure
#   bogus.test.    signed, then one record altered after signing: answers are bogus
#   plain.test.    unsigned, no anchor: answers are insecure
# Only 127.0.0.60 is used. Needs root, unbound and ldnsutils (scripts/install-deps).
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"
DIR=${DNS_LAB_DIR:-/tmp/mailtls-dns-lab}
ADDRESS=127.0.0.60
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=/dev/null
. "$HERE/../../Lab/daemons.sh"

running() { [[ -f $DIR/unbound.pid ]] && kill -0 "$(cat "$DIR/unbound.pid")" 2>/dev/null; }

sign() {  # sign ZONE FILE -> FILE.signed, DS appended to anchors
    local zone=$1 file=$2
    local ksk zsk
    ksk=$(cd "$DIR/keys" && ldns-keygen -a ECDSAP256SHA256 -k "$zone")
    zsk=$(cd "$DIR/keys" && ldns-keygen -a ECDSAP256SHA256 "$zone")
    (cd "$DIR/keys" && ldns-signzone -n -e 20361231000000 -f "$file.signed" "$file" "$ksk" "$zsk")
    cat "$DIR/keys/$ksk.ds" >>"$DIR/anchors.ds"
}

up() {
    exec 9>"$DIR.lock"
    flock -w 120 9 || { echo "dns-lab: could not take $DIR.lock" >&2; exit 1; }
    if running && [[ -f $DIR/dns-lab.env ]]; then return 0; fi
    rm -rf "$DIR"
    mkdir -p "$DIR/keys"
    : >"$DIR/anchors.ds"
    for zone in mailtls.test plain.test bogus.test; do
        sed "s/@SERIAL@/$(date +%s)/" "$HERE/zones/$zone.zone" >"$DIR/$zone.zone"
    done
    sign mailtls.test. "$DIR/mailtls.test.zone"
    sign bogus.test. "$DIR/bogus.test.zone"
    # Tamper with a signed record: its RRSIG no longer matches, so validation fails (bogus).
    sed -i 's/^\(www\.bogus\.test\.[[:space:]].*IN[[:space:]]*A[[:space:]]*\)127\.0\.0\.1/\1127.0.0.99/' \
        "$DIR/bogus.test.zone.signed"
    grep -q "127.0.0.99" "$DIR/bogus.test.zone.signed" || { echo "dns-lab: could not tamper bogus.test" >&2; exit 1; }
    cp "$DIR/plain.test.zone" "$DIR/plain.test.zone.signed"
    cat >"$DIR/unbound.conf" <<CONF
server:
    interface: $ADDRESS
    port: 53
    do-daemonize: yes
    pidfile: "$DIR/unbound.pid"
    username: ""
    chroot: ""
    directory: "$DIR"
    logfile: "$DIR/unbound.log"
    use-syslog: no
    access-control: 127.0.0.0/8 allow
    do-not-query-localhost: no
    # Authoritative zones only: never ask any server anywhere (no recursion beyond loopback).
    do-not-query-address: 0.0.0.0/0
    do-not-query-address: ::/0
    module-config: "iterator"
    local-zone: "test." nodefault
auth-zone:
    name: "mailtls.test."
    zonefile: "$DIR/mailtls.test.zone.signed"
    for-downstream: yes
    for-upstream: yes
auth-zone:
    name: "bogus.test."
    zonefile: "$DIR/bogus.test.zone.signed"
    for-downstream: yes
    for-upstream: yes
auth-zone:
    name: "plain.test."
    zonefile: "$DIR/plain.test.zone.signed"
    for-downstream: yes
    for-upstream: yes
CONF
    unbound-checkconf "$DIR/unbound.conf" >/dev/null
    detached "$DIR/unbound.out" unbound -c "$DIR/unbound.conf"
    for _ in $(seq 1 50); do
        if running && drill -Q @"$ADDRESS" mailtls.test. SOA >/dev/null 2>&1; then break; fi
        sleep 0.1
    done
    cat >"$DIR/dns-lab.env" <<ENV
DNS_LAB_RESOLVER=$ADDRESS@53
DNS_LAB_ANCHORS=$DIR/anchors.ds
ENV
}

down() {
    if running; then kill "$(cat "$DIR/unbound.pid")"; fi
    rm -f "$DIR/dns-lab.env"
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
